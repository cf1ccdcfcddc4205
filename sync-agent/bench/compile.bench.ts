/**
 * translate + compile benchmark: generated clusters of 100, 1,000 and 10,000 HTTPRoutes (test/support/generate.ts)
 * through translate() and compileSnapshots(), the work the agent does on every change.
 *
 * Prints a table (figure | value | how to rerun): median translate, compile and total time over several runs after
 * warm-up, snapshot bytes and bytes per route. Goal: 10,000 routes in <= 250 ms total.
 *
 *   npm run bench -- compile                         (all sizes)
 *   node --import tsx sync-agent/bench/compile.bench.ts 10000   (one size; add --cpu-prof to profile)
 */
import { performance } from "node:perf_hooks";
import { encodeBlob } from "../../schema/blob.ts";
import { compactSnapshot } from "../../schema/wire.ts";
import { compileRouteTable } from "../../wasm-matcher/src/table.ts";
import { blobSha256Hex, CompileMemo, compileSnapshots } from "../src/compile/index.ts";
import { translate, TranslateMemo } from "../src/translate/index.ts";
import type { KubeObject } from "../src/translate/api.ts";
import type { TranslateOptions } from "../src/translate/api.ts";
import { GENERATED_ORIGIN_TEMPLATE, generateCluster } from "../test/support/generate.ts";

const GOAL_MS = 250;
const RERUN = "npm run bench -- compile";
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const options: TranslateOptions = { originTemplate: GENERATED_ORIGIN_TEMPLATE, clusterName: "bench", now: "1970-01-01T00:00:00Z" };

interface Sample {
  translateMs: number;
  compileMs: number;
  totalMs: number;
  /** User + system CPU of the process over translate+compile: less sensitive than wall time to a busy machine. */
  cpuMs: number;
  bytes: number;
  /** Of `bytes`, the route table's (stored raw after the JSON, schema/blob.ts). */
  tableBytes: number;
  routes: number;
  /** Where compile time goes, re-measured on the finished snapshot (the compiler does each step once). */
  routeTableMs: number;
  /** Of serializeMs: the wire form and JSON.stringify; the rest is the blob frame (UTF-8 encoding, table copy). */
  jsonMs: number;
  serializeMs: number;
  sha256Ms: number;
}

async function runOnce(objects: ReturnType<typeof generateCluster>): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = translate(objects, options);
  const t1 = performance.now();
  const compiled = await compileSnapshots(result.ir);
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const bytes = compiled.reduce((sum, c) => sum + c.bytes.byteLength, 0);
  const tableBytes = compiled.reduce((sum, c) => sum + c.snapshot.routeTable.byteLength, 0);
  const routes = compiled.reduce((sum, c) => sum + c.snapshot.routes.length, 0);
  let routeTableMs = 0;
  let jsonMs = 0;
  let serializeMs = 0;
  let sha256Ms = 0;
  for (const c of compiled) {
    const a = performance.now();
    compileRouteTable(c.snapshot);
    const b = performance.now();
    // The compiler builds every object with sorted keys, so plain JSON.stringify of the wire form is its canonical
    // serializer (the invariants in test/support check the bytes equal canonicalJson).
    const json = JSON.stringify(compactSnapshot(c.snapshot));
    const j = performance.now();
    const blob = encodeBlob(json, c.snapshot.routeTable);
    const d = performance.now();
    blobSha256Hex(blob); // the compiler's own hash (node:crypto)
    const e = performance.now();
    routeTableMs += b - a;
    jsonMs += j - b;
    serializeMs += d - b;
    sha256Ms += e - d;
  }
  return {
    translateMs: t1 - t0,
    compileMs: t2 - t1,
    totalMs: t2 - t0,
    cpuMs: (cpu.user + cpu.system) / 1000,
    bytes,
    tableBytes,
    routes,
    routeTableMs,
    jsonMs,
    serializeMs,
    sha256Ms,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function measure(routeCount: number): Promise<{ rows: [string, string][]; total: number }> {
  const objects = generateCluster({ routes: routeCount, seed: 42 });
  const warmups = routeCount >= 10_000 ? 2 : 5;
  const runs = routeCount >= 10_000 ? 7 : 15;
  for (let i = 0; i < warmups; i++) await runOnce(objects);
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    samples.push(await runOnce(objects));
  }
  const last = samples[samples.length - 1]!;
  const total = median(samples.map((s) => s.totalMs));
  const label = routeCount.toLocaleString("en-US");
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  return {
    total,
    rows: [
      [`${label} routes: translate (median of ${runs})`, ms(median(samples.map((s) => s.translateMs)))],
      [`${label} routes: compile (median of ${runs})`, ms(median(samples.map((s) => s.compileMs)))],
      [`${label} routes: total translate+compile`, ms(total)],
      [`${label} routes: CPU time (user+sys) of translate+compile`, ms(median(samples.map((s) => s.cpuMs)))],
      [`${label} routes: of compile, route table (wasm-matcher compileRouteTable)`, ms(median(samples.map((s) => s.routeTableMs)))],
      [`${label} routes: of compile, wire form + JSON serialization + blob frame (UTF-8, table copied in)`, ms(median(samples.map((s) => s.serializeMs)))],
      [`${label} routes: of which wire form + JSON.stringify`, ms(median(samples.map((s) => s.jsonMs)))],
      [`${label} routes: of compile, sha256`, ms(median(samples.map((s) => s.sha256Ms)))],
      [`${label} routes: routes compiled into the snapshot`, String(last.routes)],
      [`${label} routes: snapshot bytes`, last.bytes.toLocaleString("en-US")],
      [`${label} routes: of which route table bytes (raw, not base64)`, last.tableBytes.toLocaleString("en-US")],
      [`${label} routes: bytes per route`, last.routes ? Math.round(last.bytes / last.routes).toLocaleString("en-US") : "-"],
    ],
  };
}

/**
 * The agent's steady state: the cluster compiled once, then one HTTPRoute edited at a time (a path changed, the
 * generation bumped, as `kubectl apply` does) and translate+compile run again with the memos the agent keeps
 * (translate/memo.ts, compile/memo.ts). The last snapshot is checked against a compile from scratch of the same
 * objects: the same sha256 or the bench fails.
 */
async function measureIncremental(routeCount: number): Promise<{ rows: [string, string][]; total: number }> {
  const objects: KubeObject[] = generateCluster({ routes: routeCount, seed: 42 });
  const routeAt = objects.flatMap((o, i) => (o.kind === "HTTPRoute" ? [i] : []));
  const translateMemo = new TranslateMemo();
  const compileMemo = new CompileMemo();
  const runs = routeCount >= 10_000 ? 21 : 31;
  // As in the agent: one recompile after the other, no collection forced in between (a forced full collection
  // before each run made the next one ~70 ms slower at 10,000 routes), after enough edits to warm the JIT up.
  const warmups = 10;
  const once = async () => compileSnapshots(translate(objects, options, translateMemo).ir, compileMemo);
  await once();
  const translateMs: number[] = [];
  const compileMs: number[] = [];
  const totalMs: number[] = [];
  const cpuMs: number[] = [];
  let last: Awaited<ReturnType<typeof once>> = [];
  for (let i = 0; i < runs + warmups; i++) {
    const at = routeAt[(i * 7_919) % routeAt.length]!;
    objects[at] = editedRoute(objects[at]!, i);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const result = translate(objects, options, translateMemo);
    const t1 = performance.now();
    last = await compileSnapshots(result.ir, compileMemo);
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    // (A route attached to no listener has nothing to compile.)
    if (translateMemo.last.translated !== 1 || compileMemo.last.compiled > 1) {
      throw new Error(`expected one route translated and at most one compiled, got ${translateMemo.last.translated} and ${compileMemo.last.compiled}`);
    }
    if (i < warmups) continue;
    translateMs.push(t1 - t0);
    compileMs.push(t2 - t1);
    totalMs.push(t2 - t0);
    cpuMs.push((cpu.user + cpu.system) / 1000);
  }
  // A Service edited in a team namespace: the routes that read from that namespace are translated again.
  const serviceMs: number[] = [];
  let serviceTranslated = 0;
  const services = objects.flatMap((o, i) => (o.kind === "Service" && o.metadata.namespace !== "shared" ? [i] : []));
  for (let i = 0; i < runs + warmups; i++) {
    const at = services[(i * 7_919) % services.length]!;
    const service = objects[at]!;
    objects[at] = { ...service, metadata: { ...service.metadata, annotations: { "edgeway.dev/origin": `https://edited-${i}.origin.example` } } };
    const t0 = performance.now();
    last = await compileSnapshots(translate(objects, options, translateMemo).ir, compileMemo);
    if (i < warmups) continue;
    serviceMs.push(performance.now() - t0);
    serviceTranslated += translateMemo.last.translated;
  }
  const fresh = await compileSnapshots(translate(objects, options).ir);
  if (fresh.map((c) => c.sha256).join() !== last.map((c) => c.sha256).join()) throw new Error("the incremental snapshot differs from a compile from scratch");
  const label = `${routeCount.toLocaleString("en-US")} routes, one route edited`;
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  return { total: median(totalMs), rows: [
    [`${label}: translate (memo, median of ${runs})`, ms(median(translateMs))],
    [`${label}: compile (memo; route table, JSON, frame, sha256 of the whole snapshot)`, ms(median(compileMs))],
    [`${label}: total translate+compile`, ms(median(totalMs))],
    [`${label}: CPU time (user+sys)`, ms(median(cpuMs))],
    [`${routeCount.toLocaleString("en-US")} routes, one team Service edited: total translate+compile (median of ${runs})`, ms(median(serviceMs))],
    [`${routeCount.toLocaleString("en-US")} routes, one team Service edited: routes translated again (mean)`, String(Math.round(serviceTranslated / runs))],
    [`${label}, then Services: snapshot sha256 equals a compile from scratch`, "yes"],
  ] };
}

function editedRoute(route: KubeObject, edit: number): KubeObject {
  const spec = structuredClone(route.spec) as { rules: { matches?: { path?: { value: string } }[] }[] };
  const path = spec.rules[0]?.matches?.[0]?.path;
  if (path) path.value = `${path.value.replace(/\/edit-\d+$/, "")}/edit-${edit}`;
  const generation = (route.metadata.generation ?? 1) + 1;
  return { ...route, metadata: { ...route.metadata, generation, resourceVersion: String(1_000_000 + edit) }, spec };
}

const rows: [string, string, string][] = [];
const load = (await import("node:os")).loadavg()[0]!;
rows.push(["machine load average (1 min) at start; wall times scale with it", load.toFixed(2), "uptime"]);
let goalTotal: number | undefined;
let goalEdited: number | undefined;
for (const size of sizes.length ? sizes : [100, 1_000, 10_000]) {
  const result = await measure(size);
  for (const [figure, value] of result.rows) rows.push([figure, value, `${RERUN}  (or: node --import tsx sync-agent/bench/compile.bench.ts ${size})`]);
  if (size === 10_000) goalTotal = result.total;
  if (size >= 1_000) {
    const incremental = await measureIncremental(size);
    for (const [figure, value] of incremental.rows) rows.push([figure, value, `${RERUN}  (or: node --import tsx sync-agent/bench/compile.bench.ts ${size})`]);
    if (size === 10_000) goalEdited = incremental.total;
  }
}
const verdict = (ms: number) => (ms <= GOAL_MS ? `met (${ms.toFixed(1)} ms)` : `MISSED (${ms.toFixed(1)} ms)`);
if (goalTotal !== undefined) rows.push([`goal: 10,000 routes in <= ${GOAL_MS} ms, from scratch`, verdict(goalTotal), RERUN]);
if (goalEdited !== undefined) rows.push([`goal: 10,000 routes in <= ${GOAL_MS} ms, one route edited (the agent's recompile)`, verdict(goalEdited), RERUN]);
const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length), ["figure", "value", "how to rerun"][c]!.length));
const line = (cells: string[]) => `| ${cells.map((cell, c) => cell.padEnd(widths[c]!)).join(" | ")} |`;
console.log(line(["figure", "value", "how to rerun"]));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const row of rows) console.log(line(row));
