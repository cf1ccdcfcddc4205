/**
 * What the proxy benchmarks share: the bench route, autocannon in a process of its own, CPU time of processes read
 * from /proc, and the comparison table (bare `fetch()` worker vs edgeway, medians of rounds).
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { GATEWAY_CLASS_YAML } from "../support/gateway-harness.ts";

const run = promisify(execFile);
const AUTOCANNON = fileURLToPath(new URL("../../node_modules/autocannon/autocannon.js", import.meta.url));
const SECONDS = Number(process.env.EDGEWAY_BENCH_SECONDS ?? 10);
const CONNECTIONS = (process.env.EDGEWAY_BENCH_CONNECTIONS ?? "1,10").split(",").map(Number);
const ROUNDS = Number(process.env.EDGEWAY_BENCH_ROUNDS ?? 2);
export const HOST = "bench.example";
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

/**
 * One autocannon run in its own process (the load generator shares no event loop with the origin), with `host` as
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
  const { stdout } = await run(
    process.execPath,
    [AUTOCANNON, "-c", String(connections), "-d", String(seconds), "-j", "-H", `host=${host}`, url],
    { maxBuffer: 16 * 1024 * 1024, timeout: (seconds + 30) * 1000 },
  );
  const after = cpu();
  const r = JSON.parse(stdout) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
  };
  const cpuUs: Record<string, number> = {};
  for (const name of Object.keys(after ?? {})) {
    const a = before?.[name];
    const b = after?.[name];
    cpuUs[name] = a === undefined || b === undefined || r.requests.total === 0 ? NaN : ((b - a) / r.requests.total) * 1e6;
  }
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors, cpuUs };
}

const meanMs = (connections: number, rps: number) => ((connections * 1000) / rps).toFixed(3);

const signed = (n: number, digits = 2) => `${n >= 0 ? "+" : "-"}${Math.abs(n).toFixed(digits)}`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

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

/**
 * Warms both workers, then for each connection count runs ROUNDS alternating loads per side and prints the
 * comparison table (medians of rounds) with the machine's load average before and after.
 */
export async function compareWorkers(c: Comparison): Promise<void> {
  for (const side of [c.bare, c.edgeway]) await side(1, 2); // Warm both isolates and JITs.
  console.log(`${c.setup}; ${ROUNDS} rounds x ${SECONDS} s per load, GET ${PATH} (median of rounds)`);
  console.log(`machine: ${cpus().length} cores, load average before ${loadAverage()}\n`);
  console.log("| connections | figure | bare fetch() | edgeway | edgeway vs bare |\n|---|---|---|---|---|");
  for (const connections of CONNECTIONS) {
    const bare: Load[] = [];
    const edgeway: Load[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      c.beforeLoad();
      bare.push(await c.bare(connections));
      c.beforeLoad();
      edgeway.push(await c.edgeway(connections));
    }
    for (const row of comparisonRows(connections, bare, edgeway, c.cpuLabels)) console.log(row);
  }
  console.log(`\nload average after ${loadAverage()}`);
  console.log(`rerun: ${c.rerun}`);
}

function loadAverage(): string {
  return loadavg().map((l) => l.toFixed(1)).join(" ");
}

/** The rows for one connection count: medians over the rounds of each side; `cpuLabels` names the CPU rows. */
function comparisonRows(connections: number, bare: Load[], edgeway: Load[], cpuLabels: Record<string, string>): string[] {
  const summary = (runs: Load[]) => ({
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    cpu: Object.fromEntries(Object.keys(cpuLabels).map((k) => [k, median(runs.map((r) => r.cpuUs[k] ?? NaN))])),
    failed: runs.reduce((n, r) => n + r.non2xx + r.errors, 0),
  });
  const b = summary(bare);
  const e = summary(edgeway);
  const c = String(connections);
  const rows = [
    `| ${c} | requests/s | ${b.rps.toFixed(0)} | ${e.rps.toFixed(0)} | ${((e.rps / b.rps) * 100).toFixed(1)} % (goal >= 90 %) |`,
    `| ${c} | p50 latency | ${b.p50.toFixed(2)} ms | ${e.p50.toFixed(2)} ms | ${signed(e.p50 - b.p50)} ms (goal <= 1 ms) |`,
    // autocannon's latency histogram has whole milliseconds; with every connection busy all the time, the mean
    // latency is connections / throughput (Little's law), which resolves what a sub-millisecond proxy adds.
    `| ${c} | mean latency, connections / requests/s | ${meanMs(connections, b.rps)} ms | ${meanMs(connections, e.rps)} ms | ${signed(connections * 1000 / e.rps - connections * 1000 / b.rps, 3)} ms |`,
    `| ${c} | p99 latency | ${b.p99.toFixed(2)} ms | ${e.p99.toFixed(2)} ms | ${signed(e.p99 - b.p99)} ms |`,
  ];
  for (const [key, label] of Object.entries(cpuLabels)) {
    rows.push(`| ${c} | CPU/request, ${label} | ${b.cpu[key]!.toFixed(0)} µs | ${e.cpu[key]!.toFixed(0)} µs | ${signed(e.cpu[key]! - b.cpu[key]!, 0)} µs |`);
  }
  rows.push(`| ${c} | non-2xx + errors | ${b.failed} | ${e.failed} | |`);
  return rows;
}
