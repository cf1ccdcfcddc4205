/**
 * The file source: YAML/JSON manifests from files and directories (recursive: .yaml, .yml, .json), multi-document,
 * with `List` kinds (`kind: List` or `*List` with `items`) flattened.
 *
 * Like every parser here it returns `{ objects, problems }` instead of throwing: an unreadable file or a YAML
 * syntax error is an `error` problem (with file and line) the CLI turns into a non-zero exit; a document that is not
 * a Kubernetes object is a `warning`.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { LineCounter, parseAllDocuments } from "yaml";
import type { KubeObject } from "../translate/api.ts";

export interface SourceProblem {
  severity: "error" | "warning";
  file: string;
  /** 1-based line, when known. */
  line?: number;
  message: string;
}

export interface SourceResult {
  objects: KubeObject[];
  problems: SourceProblem[];
}

const EXTENSIONS = [".yaml", ".yml", ".json"];

/** Reads every path (file or directory) in the order given; directory entries are visited in sorted order. */
export async function readSources(paths: readonly string[]): Promise<SourceResult> {
  const result: SourceResult = { objects: [], problems: [] };
  for (const path of paths) {
    const files = await listFiles(path, result.problems);
    for (const file of files) {
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (error) {
        result.problems.push({ severity: "error", file, message: `cannot read: ${errorMessage(error)}` });
        continue;
      }
      const parsed = parseManifests(text, file);
      result.objects.push(...parsed.objects);
      result.problems.push(...parsed.problems);
    }
  }
  return result;
}

async function listFiles(path: string, problems: SourceProblem[]): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    problems.push({ severity: "error", file: path, message: `cannot read: ${errorMessage(error)}` });
    return [];
  }
  if (!info.isDirectory()) return [path];
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch (error) {
    problems.push({ severity: "error", file: path, message: `cannot read directory: ${errorMessage(error)}` });
    return [];
  }
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(child, problems)));
    else if (EXTENSIONS.some((ext) => entry.name.endsWith(ext))) out.push(child);
  }
  return out;
}

/** Parses one file's text (YAML is a superset of JSON, so one parser serves both). */
export function parseManifests(text: string, file: string): SourceResult {
  const result: SourceResult = { objects: [], problems: [] };
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  // parseAllDocuments returns an EmptyStream (not an array) for text without documents.
  if (!Array.isArray(documents)) return result;
  for (const doc of documents) {
    const error = doc.errors[0];
    if (error) {
      const line = lineCounter.linePos(error.pos[0]).line;
      result.problems.push({ severity: "error", file, line, message: `YAML syntax error: ${firstLine(error.message)}` });
      continue;
    }
    const line = doc.contents ? lineCounter.linePos(doc.contents.range[0]).line : undefined;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      result.problems.push({ severity: "error", file, ...(line ? { line } : {}), message: `YAML error: ${errorMessage(e)}` });
      continue;
    }
    if (value === null || value === undefined) continue; // empty document ("---" at the end of a file)
    collect(value, file, line, result);
  }
  return result;
}

function collect(value: unknown, file: string, line: number | undefined, result: SourceResult): void {
  const where = line ? { line } : {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    result.problems.push({ severity: "warning", file, ...where, message: "document is not a Kubernetes object; skipped" });
    return;
  }
  const object = value as Record<string, unknown>;
  const kind = object.kind;
  if (typeof kind === "string" && (kind === "List" || kind.endsWith("List")) && Array.isArray(object.items)) {
    for (const item of object.items) collect(item, file, line, result);
    return;
  }
  const metadata = object.metadata as Record<string, unknown> | undefined;
  if (typeof object.apiVersion !== "string" || typeof kind !== "string" || typeof metadata?.name !== "string" || metadata.name === "") {
    result.problems.push({ severity: "warning", file, ...where, message: "document lacks apiVersion, kind or metadata.name; skipped" });
    return;
  }
  result.objects.push(object as KubeObject);
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
