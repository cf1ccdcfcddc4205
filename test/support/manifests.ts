/**
 * Manifests -> compiled snapshots with the real translator and compiler, for `npm start`, the end-to-end tests and
 * the conformance runner. Also reads the local demo origins out of Services' `edgeway.dev/origin` annotations.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { CompiledSnapshot, KubeObject, ObjectStatus, TranslateOptions, TranslateResult } from "../../sync-agent/src/translate/api.ts";

export const ORIGIN_ANNOTATION = "edgeway.dev/origin";

/** Parses multi-document YAML into objects; documents that are not objects (empty, comments only) are skipped. */
export function parseManifests(text: string, source = "<inline>"): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as unknown;
    if (value === null || typeof value !== "object" || Array.isArray(value)) continue;
    const object = value as KubeObject;
    if (object.kind === "List" && Array.isArray(object.items)) objects.push(...(object.items as KubeObject[]));
    else objects.push(object);
  }
  return objects;
}

/** Every *.yaml / *.yml / *.json file under dir, sorted, as objects. */
export function loadManifestDir(dir: string): KubeObject[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ya?ml|json)$/.test(name)) files.push(path);
    }
  };
  walk(dir);
  return files.flatMap((file) => parseManifests(readFileSync(file, "utf8"), file));
}

export interface LocalOrigin {
  service: string;
  namespace: string;
  port: number;
}

/** Services whose origin annotation names a fixed loopback port: the demo origins `npm start` runs. */
export function localOrigins(objects: KubeObject[]): LocalOrigin[] {
  const origins: LocalOrigin[] = [];
  for (const object of objects) {
    if (object.kind !== "Service") continue;
    const annotation = object.metadata.annotations?.[ORIGIN_ANNOTATION];
    if (!annotation) continue;
    let url: URL;
    try {
      url = new URL(annotation);
    } catch {
      continue;
    }
    if (url.hostname !== "127.0.0.1" || !url.port) continue;
    origins.push({ service: object.metadata.name, namespace: object.metadata.namespace ?? "default", port: Number(url.port) });
  }
  return origins;
}

export interface CompileOutput {
  snapshots: CompiledSnapshot[];
  statuses: ObjectStatus[];
  warnings: string[];
}

type TranslateFn = (objects: KubeObject[], options?: TranslateOptions) => TranslateResult | Promise<TranslateResult>;
type CompileFn = (ir: unknown, ...rest: unknown[]) => CompiledSnapshot[] | Promise<CompiledSnapshot[]>;

const TRANSLATE_MODULE = new URL("../../sync-agent/src/translate/index.ts", import.meta.url).href;
const COMPILE_MODULE = new URL("../../sync-agent/src/compile/index.ts", import.meta.url).href;

let pipeline: Promise<{ translate: TranslateFn; compile: CompileFn }> | undefined;

/** The translator and compiler entry points (sync-agent/src/translate, sync-agent/src/compile). */
function loadPipeline(): Promise<{ translate: TranslateFn; compile: CompileFn }> {
  pipeline ??= (async () => {
    const translateModule = (await import(TRANSLATE_MODULE)) as Record<string, unknown>;
    const compileModule = (await import(COMPILE_MODULE)) as Record<string, unknown>;
    const translate = translateModule.translate as TranslateFn | undefined;
    const compile = compileModule.compileSnapshots as CompileFn | undefined;
    if (typeof translate !== "function") throw new Error("sync-agent/src/translate/index.ts exports no translate()");
    if (typeof compile !== "function") throw new Error("sync-agent/src/compile/index.ts exports no compileSnapshots()");
    return { translate, compile };
  })();
  return pipeline;
}

/** Translates and compiles objects with the project's own translator and compiler. */
export async function compileManifests(objects: KubeObject[], options: TranslateOptions = {}): Promise<CompileOutput> {
  const { translate, compile } = await loadPipeline();
  const result = await translate(objects, options);
  const snapshots = await compile(result.ir);
  return { snapshots, statuses: result.statuses, warnings: result.warnings };
}
