/**
 * `edgeway compile`: manifests (files/directories) -> status table, snapshots and, optionally, objects with status.
 *
 * Exit 0 when it compiled (user errors are status, shown in the table); 1 with a one-line reason for unreadable
 * files, YAML syntax errors and system errors; 2 for usage errors.
 */
import { mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { readSources, type SourceResult } from "../source/files.ts";
import { translate } from "../translate/index.ts";
import { compileSnapshots } from "../compile/index.ts";
import { formatTable, summarize } from "../translate/summary.ts";
import { namespaceOf } from "../k8s/kinds.ts";
import type { CompiledSnapshot, KubeObject, ObjectStatus, TranslateOptions } from "../translate/api.ts";

const HELP = `usage: edgeway compile -f <file|dir> [-f ...] [options]

Translates Gateway API manifests (YAML/JSON files or directories, searched recursively) into one snapshot per
Gateway of class controller edgeway.dev/gateway-controller, and prints every object's conditions.

options:
  -f, --filename <path>      manifest file or directory (repeatable, required)
      --gateway <ns/name>    only this Gateway (repeatable)
      --out <file|dir>       write snapshot(s) as \`edgeway push\` reads them: one Gateway -> the file;
                             several -> <dir>/<ns>_<name>.snapshot
      --status-out <file>    write the objects we own with their computed status, as YAML
      --origin-template <t>  origin for Services without annotation or LoadBalancer address,
                             e.g. "http://{service}.{namespace}.svc.{cluster}:{port}"
      --cluster <name>       substituted for {cluster} in the origin template
      --address <host>       Gateway status address (the worker's public hostname; repeatable)
  -h, --help                 show this help`;

export default async function runCompile(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        filename: { type: "string", short: "f", multiple: true },
        gateway: { type: "string", multiple: true },
        out: { type: "string" },
        "status-out": { type: "string" },
        "origin-template": { type: "string" },
        cluster: { type: "string" },
        address: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`edgeway compile: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (!values.filename || values.filename.length === 0) {
    process.stderr.write("edgeway compile: -f <file|dir> is required (see --help)\n");
    return 2;
  }
  const manifests = await compileManifests(values.filename, {
    ...(values.gateway ? { gateways: values.gateway } : {}),
    ...(values["origin-template"] ? { originTemplate: values["origin-template"] } : {}),
    ...(values.cluster ? { clusterName: values.cluster } : {}),
    ...(values.address ? { gatewayAddresses: { "*": values.address } } : {}),
  });
  if (!manifests.ok) {
    process.stderr.write(`edgeway compile: ${manifests.reason}\n`);
    return 1;
  }
  const { source, result, compiled } = manifests;
  process.stdout.write(`${formatTable(summarize(result.statuses))}\n`);
  for (const problem of source.problems) process.stdout.write(`warning: ${problem.file}${problem.line ? `:${problem.line}` : ""}: ${problem.message}\n`);
  for (const warning of result.warnings) process.stdout.write(`warning: ${warning}\n`);
  if (values.gateway) {
    for (const wanted of values.gateway) {
      if (!compiled.some((c) => c.gateway === wanted)) process.stdout.write(`warning: no snapshot for Gateway ${wanted} (not found, not ours, or not Accepted)\n`);
    }
  }
  if (values.out) await writeSnapshots(values.out, compiled);
  else for (const c of compiled) process.stdout.write(`snapshot ${c.gateway}: ${c.snapshot.routes.length} route(s), sha256 ${c.sha256}\n`);
  if (values["status-out"]) await writeFile(values["status-out"], statusYaml(source.objects, result.statuses));
  return 0;
}

async function writeSnapshots(out: string, compiled: CompiledSnapshot[]): Promise<void> {
  const isDir = await stat(out).then((s) => s.isDirectory(), () => false);
  if (compiled.length === 1 && !isDir) {
    await writeFile(out, compiled[0]!.bytes);
    process.stdout.write(`wrote ${out} (${compiled[0]!.gateway}, sha256 ${compiled[0]!.sha256})\n`);
    return;
  }
  await mkdir(out, { recursive: true });
  for (const c of compiled) {
    const file = join(out, `${c.gateway.replace("/", "_")}.snapshot`);
    await writeFile(file, c.bytes);
    process.stdout.write(`wrote ${file} (sha256 ${c.sha256})\n`);
  }
}

export type ManifestOptions = Omit<TranslateOptions, "now">;

export type CompiledManifests =
  | { ok: true; source: SourceResult; result: ReturnType<typeof translate>; compiled: CompiledSnapshot[] }
  /** An unreadable file or a YAML syntax error, as one line naming the file (and line). */
  | { ok: false; reason: string };

/** Manifest files/directories -> translation -> snapshots: the path `compile` and `explain` share. */
export async function compileManifests(paths: readonly string[], options: ManifestOptions = {}): Promise<CompiledManifests> {
  const source = await readSources(paths);
  const fatal = source.problems.find((p) => p.severity === "error");
  if (fatal) return { ok: false, reason: `${fatal.file}${fatal.line ? `:${fatal.line}` : ""}: ${fatal.message}` };
  const result = translate(source.objects, { ...options, now: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") });
  const compiled = await compileSnapshots(result.ir);
  return { ok: true, source, result, compiled };
}

/** The objects we own, each with its computed status, as a multi-document YAML stream. */
function statusYaml(objects: readonly KubeObject[], statuses: readonly ObjectStatus[]): string {
  const byKey = new Map<string, KubeObject>();
  for (const o of objects) byKey.set(`${o.kind}/${o.kind === "GatewayClass" ? "" : namespaceOf(o)}/${o.metadata.name}`, o);
  const docs = statuses.map((s) => {
    const original = byKey.get(`${s.kind}/${s.namespace ?? ""}/${s.name}`);
    const { status: _ignored, ...rest } = original ?? { apiVersion: s.apiVersion, kind: s.kind, metadata: { name: s.name, namespace: s.namespace } };
    return stringify({ ...rest, status: s.status });
  });
  return docs.join("---\n");
}
