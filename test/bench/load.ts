/**
 * What the proxy benchmarks share: the bench route, autocannon in a process of its own (load-generator.ts), CPU time of processes read
 * from /proc, and the comparison table (bare `fetch()` worker vs edgeway, interleaved pairs of short loads).
 */
import { type ChildProcess, fork } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { pushCompiled } from "../../sync-agent/src/cli/push.ts";
import { LocalKvStore } from "../../sync-agent/src/publish/local-kv.ts";
import { GATEWAY_CLASS_YAML, originService } from "../support/gateway-harness.ts";
import { compileManifests, parseManifests } from "../support/manifests.ts";
import type { LoadRequest, LoadResult } from "./load-generator.ts";

const GENERATOR = fileURLToPath(new URL("./load-generator.ts", import.meta.url));
const SECONDS = Number(process.env.EDGEWAY_BENCH_SECONDS ?? 2);
const CONNECTIONS = (process.env.EDGEWAY_BENCH_CONNECTIONS ?? "1,10").split(",").map(Number);
/** Pairs of loads (one per side) per connection count. */
const ROUNDS = Number(process.env.EDGEWAY_BENCH_ROUNDS ?? 20);
export const HOST = "bench.example";
/** The bench Gateway (namespace/name in MANIFESTS). */
export const GATEWAY = "bench/bench";
export const PATH = "/api/items?page=1";
/** Linux reports process CPU time in clock ticks of 1/100 s (USER_HZ). */
const TICKS_PER_SECOND = 100;

export const MANIFESTS = `${GATEWAY_CLASS_YAML}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: bench, namespace: bench }
spec:
  gatewayClassName: edgeway
  listeners: [{ name: http, port: 80, protocol: HTTP }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: bench, namespace: bench }
spec:
  parentRefs: [{ name: bench }]
  hostnames: [${HOST}]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /api } }]
      backendRefs: [{ name: origin, port: 8080 }]
`;

/** A live process as /proc shows it. */
export interface ProcInfo {
  pid: number;
  /** Parent pid and process group. */
  ppid: number;
  pgrp: number;
  args: string[];
  cpuSeconds: number;
}

/** Every process this user can see, with its user+system CPU time; null where /proc is not readable. */
export function processes(): ProcInfo[] | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return null;
  }
  const out: ProcInfo[] = [];
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.push({
        pid: Number(pid),
        ppid: Number(fields[1]),
        pgrp: Number(fields[2]),
        args: readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0"),
        cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND, // utime + stime
      });
    } catch {
      // The process ended between listing and reading.
    }
  }
  return out;
}

export interface Load {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** CPU microseconds per request of each process set `cpu` reads (e.g. the worker's workerd, dev tooling). */
  cpuUs: Record<string, number>;
}

let generator: ChildProcess | null = null;

/** The load generator process (load-generator.ts), forked on first use; stopLoadGenerator() ends it. */
function loadGenerator(): ChildProcess {
  generator ??= fork(GENERATOR, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return generator;
}

export function stopLoadGenerator(): void {
  generator?.kill();
  generator = null;
}

function runLoad(request: LoadRequest): Promise<LoadResult> {
  const child = loadGenerator();
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the load generator exited (${code})`));
    child.once("exit", onExit);
    child.once("message", (message: LoadResult | { error: string }) => {
      child.off("exit", onExit);
      if ("error" in message) reject(new Error(message.error));
      else resolve(message);
    });
    child.send(request);
  });
}

/**
 * One autocannon load from the load generator's process (it shares no event loop with the origin), with `host` as
 * the Host header; `cpu` reads CPU seconds of the process sets to charge per request.
 */
export async function autocannon(
  url: string,
  connections: number,
  cpu: () => Record<string, number> | null,
  seconds = SECONDS,
  host = HOST,
): Promise<Load> {
  const before = cpu();
  const r = await runLoad({ url, connections, seconds, host });
  const after = cpu();
  const cpuUs: Record<string, number> = {};
  for (const name of Object.keys(after ?? {})) {
    const a = before?.[name];
    const b = after?.[name];
    cpuUs[name] = a === undefined || b === undefined || r.requests.total === 0 ? NaN : ((b - a) / r.requests.total) * 1e6;
  }
  // Completed requests over the load's own duration: a per-second average of 1-2 samples would be coarser.
  return { rps: r.requests.total / r.duration, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors, cpuUs };
}

const signed = (n: number, digits = 2) => `${n >= 0 ? "+" : "-"}${Math.abs(n).toFixed(digits)}`;

/** The value at quantile `q` (0..1) of `values`, linear between neighbours. */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

const median = (values: number[]) => quantile(values, 0.5);

/** One side of the comparison: a load of `connections` for `seconds` (default SECONDS) against one worker. */
export type LoadRunner = (connections: number, seconds?: number) => Promise<Load>;

export interface Comparison {
  /** What the run measures, printed before the table. */
  setup: string;
  bare: LoadRunner;
  edgeway: LoadRunner;
  /** Called before every load (e.g. to clear the origin's request log). */
  beforeLoad(): void;
  /** Names of the CPU figures the runners report, with their row labels. */
  cpuLabels: Record<string, string>;
  rerun: string;
}

/** One bare load and one edgeway load taken back to back. */
interface Pair {
  bare: Load;
  edgeway: Load;
}

/**
 * Warms both workers, then for each connection count runs ROUNDS pairs of short loads, bare and edgeway back to
 * back, alternating which side goes first (B E, E B, B E, ...), and prints the comparison table with the machine's
 * load average before and after. Each figure is a median of per-pair values: the bare worker's own throughput
 * drifts by a third from one minute to the next on the same idle machine, so a ratio of two medians taken minutes
 * apart measures the drift; a pair's ratio is taken under the same conditions, and alternating the order cancels
 * what the second load of a pair inherits from the first. The load generator process is stopped at the end.
 */
export async function compareWorkers(c: Comparison): Promise<void> {
  try {
    await comparePairs(c);
  } finally {
    stopLoadGenerator();
  }
}

async function comparePairs(c: Comparison): Promise<void> {
  for (const side of [c.bare, c.edgeway]) await side(1, 2); // Warm both isolates and JITs.
  console.log(`${c.setup}; ${ROUNDS} interleaved pairs x ${SECONDS} s per load, GET ${PATH}`);
  console.log("each figure: median over the pairs (per-pair ratio or difference in the last column), spread = min / quartiles / max");
  console.log(`machine: ${cpus().length} cores, load average before ${loadAverage()}\n`);
  console.log("| connections | figure | bare fetch() | edgeway | edgeway vs bare, median of pairs | spread over pairs |\n|---|---|---|---|---|---|");
  for (const connections of CONNECTIONS) {
    const pairs: Pair[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (["bare", "edgeway"] as const) : (["edgeway", "bare"] as const);
      const pair: Partial<Pair> = {};
      for (const side of order) {
        c.beforeLoad();
        pair[side] = await c[side](connections);
      }
      pairs.push(pair as Pair);
    }
    for (const row of comparisonRows(connections, pairs, c.cpuLabels)) console.log(row);
  }
  console.log(`\nload average after ${loadAverage()}`);
  console.log(`rerun: ${c.rerun}`);
}

function loadAverage(): string {
  return loadavg().map((l) => l.toFixed(1)).join(" ");
}

/** "min / q1 / median / q3 / max" of `values`, each formatted by `format`. */
function spread(values: number[], format: (n: number) => string): string {
  return [0, 0.25, 0.5, 0.75, 1].map((q) => format(quantile(values, q))).join(" / ");
}

/** The rows for one connection count: per-side medians, and the median and spread of per-pair comparisons. */
function comparisonRows(connections: number, pairs: Pair[], cpuLabels: Record<string, string>): string[] {
  const c = String(connections);
  const side = (pick: (l: Load) => number) => ({ bare: median(pairs.map((p) => pick(p.bare))), edgeway: median(pairs.map((p) => pick(p.edgeway))) });
  const rps = side((l) => l.rps);
  const ratios = pairs.map((p) => (p.edgeway.rps / p.bare.rps) * 100);
  // autocannon's latency histogram has whole milliseconds; with every connection busy all the time, the mean
  // latency is connections / throughput (Little's law), which resolves what a sub-millisecond proxy adds.
  const meanLatency = (l: Load) => (connections * 1000) / l.rps;
  const latency = side(meanLatency);
  const addedLatency = pairs.map((p) => meanLatency(p.edgeway) - meanLatency(p.bare));
  const p99 = side((l) => l.p99);
  const percent = (n: number) => n.toFixed(1);
  const ms = (n: number) => signed(n, 3);
  const rows = [
    `| ${c} | requests/s | ${rps.bare.toFixed(0)} | ${rps.edgeway.toFixed(0)} | **${percent(median(ratios))} %** (goal >= 90 %) | ${spread(ratios, percent)} % |`,
    `| ${c} | mean latency, connections / requests/s | ${latency.bare.toFixed(3)} ms | ${latency.edgeway.toFixed(3)} ms | ${ms(median(addedLatency))} ms (goal <= 1 ms) | ${spread(addedLatency, ms)} ms |`,
    `| ${c} | p99 latency | ${p99.bare.toFixed(2)} ms | ${p99.edgeway.toFixed(2)} ms | ${signed(p99.edgeway - p99.bare)} ms | |`,
  ];
  for (const [key, label] of Object.entries(cpuLabels)) {
    const cpu = side((l) => l.cpuUs[key] ?? NaN);
    const added = pairs.map((p) => (p.edgeway.cpuUs[key] ?? NaN) - (p.bare.cpuUs[key] ?? NaN));
    const us = (n: number) => signed(n, 0);
    rows.push(`| ${c} | CPU/request, ${label} | ${cpu.bare.toFixed(0)} µs | ${cpu.edgeway.toFixed(0)} µs | ${us(median(added))} µs | ${spread(added, us)} µs |`);
  }
  const failed = (pick: (p: Pair) => Load) => pairs.reduce((n, p) => n + pick(p).non2xx + pick(p).errors, 0);
  rows.push(`| ${c} | non-2xx + errors | ${failed((p) => p.bare)} | ${failed((p) => p.edgeway)} | | |`);
  return rows;
}

/**
 * Compiles the bench manifests with the origin Service pointing at `originUrl` and writes the bench Gateway's
 * snapshot, signed with `secret` as `edgeway push --local` does, into a local KV store in wrangler's --persist-to
 * layout under `kvDir` (Miniflare reads it with `defaultPersistRoot: <kvDir>/v3`).
 */
export async function pushBenchSnapshot(kvDir: string, namespaceId: string, originUrl: string, secret: string): Promise<void> {
  const kv = new LocalKvStore({ persistTo: kvDir, namespaceId });
  try {
    const { snapshots } = await compileManifests([...parseManifests(MANIFESTS), originService({ service: "origin", namespace: "bench" }, originUrl)]);
    const compiled = snapshots.find((s) => s.gateway === GATEWAY);
    if (!compiled) throw new Error(`the bench manifests compiled to no snapshot for ${GATEWAY}`);
    await pushCompiled(kv, [compiled], secret);
  } finally {
    await kv.close();
  }
}
