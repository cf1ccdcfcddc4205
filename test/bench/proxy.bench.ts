/**
 * Proxy overhead: the edgeway worker vs a bare `fetch(origin)` worker (bare-worker.ts), both under `wrangler dev`
 * (same workerd), both proxying to the same local echo origin; load from a separate autocannon process.
 * Goals: <= 1 ms added p50 latency, <= 10 % throughput loss.
 *
 * Besides latency and requests/s it prints the CPU time each `wrangler dev` process group spent per request (from
 * /proc, so other jobs on a shared machine do not count), split into the workerd that runs the worker and
 * wrangler's own processes (its Node process and the workerd of its dev proxy). The first is what the worker's code
 * costs; the second is dev tooling that production does not run, and it is where an access-log line costs most
 * (docs/worker.md "Proxy overhead").
 *
 *   npm run bench -- proxy          (EDGEWAY_BENCH_SECONDS, EDGEWAY_BENCH_CONNECTIONS="1,10" change the load)
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { GATEWAY_CLASS_YAML, startGatewayHarness } from "../support/gateway-harness.ts";
import { startWranglerDev, type WranglerDev } from "../support/wrangler-dev.ts";

const run = promisify(execFile);
const AUTOCANNON = fileURLToPath(new URL("../../node_modules/autocannon/autocannon.js", import.meta.url));
const SECONDS = Number(process.env.EDGEWAY_BENCH_SECONDS ?? 10);
const CONNECTIONS = (process.env.EDGEWAY_BENCH_CONNECTIONS ?? "1,10").split(",").map(Number);
const ROUNDS = 2;
const HOST = "bench.example";
const PATH = "/api/items?page=1";
/** Linux reports process CPU time in clock ticks of 1/100 s (USER_HZ). */
const TICKS_PER_SECOND = 100;

const MANIFESTS = `${GATEWAY_CLASS_YAML}
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

interface Load {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** CPU microseconds per request: the workerd running the worker, and wrangler dev's other processes. */
  workerCpuUs: number;
  toolingCpuUs: number;
}

interface CpuSplit {
  worker: number;
  tooling: number;
}

/**
 * CPU seconds used so far by a `wrangler dev` process group: the workerd that runs the worker (the one not serving
 * the public port: that one is wrangler's dev proxy) and the rest (wrangler's Node process, the proxy's workerd).
 */
function groupCpu(dev: WranglerDev): CpuSplit | null {
  let worker = 0;
  let tooling = 0;
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return null;
  }
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== dev.process.pid) continue; // process group
      const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime + stime
      const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      const isWorkerd = args.some((a) => a.endsWith("/workerd"));
      if (isWorkerd && !args.some((a) => a.endsWith(`:${dev.port}`))) worker += seconds;
      else tooling += seconds;
    } catch {
      // The process ended between listing and reading.
    }
  }
  return { worker, tooling };
}

/** One autocannon run in its own process, so the load generator does not share an event loop with the origin. */
async function autocannon(dev: WranglerDev, seconds: number, connections: number): Promise<Load> {
  const before = groupCpu(dev);
  const { stdout } = await run(
    process.execPath,
    [AUTOCANNON, "-c", String(connections), "-d", String(seconds), "-j", "-H", `host=${HOST}`, dev.url + PATH],
    { maxBuffer: 16 * 1024 * 1024, timeout: (seconds + 30) * 1000 },
  );
  const after = groupCpu(dev);
  const r = JSON.parse(stdout) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
  };
  const perRequest = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || r.requests.total === 0 ? NaN : ((b - a) / r.requests.total) * 1e6;
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    workerCpuUs: perRequest(before?.worker, after?.worker),
    toolingCpuUs: perRequest(before?.tooling, after?.tooling),
  };
}

const signed = (n: number, digits = 2) => `${n >= 0 ? "+" : "-"}${Math.abs(n).toFixed(digits)}`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const gw = await startGatewayHarness({
    gateway: "bench/bench",
    origins: [{ service: "origin", namespace: "bench" }],
    manifests: MANIFESTS,
    refreshIntervalMs: 5000,
  });
  const origin = gw.origin("origin");
  const dir = mkdtempSync(join(tmpdir(), "edgeway-bench-"));
  const bare = await startWranglerDev({
    config: "test/bench/wrangler.bare.toml",
    persistTo: join(dir, "kv"),
    debugLogPath: join(dir, "wrangler-debug.log"),
    vars: { ORIGIN: origin.url },
  });
  try {
    const check = await gw.send({ host: HOST, path: PATH });
    if (check.status !== 200) throw new Error(`edgeway answered ${check.status}: ${check.body.slice(0, 200)}`);
    const targets: Record<string, WranglerDev> = { "bare fetch()": bare, edgeway: gw.worker };
    for (const dev of Object.values(targets)) await autocannon(dev, 2, 1); // Warm both isolates and JITs.
    console.log(`${ROUNDS} rounds x ${SECONDS} s per load, GET ${PATH} (median of rounds)`);
    console.log(`machine: ${cpus().length} cores, load average before ${loadavg().map((l) => l.toFixed(1)).join(" ")}\n`);
    console.log("| connections | figure | bare fetch() | edgeway | edgeway vs bare |");
    console.log("|---|---|---|---|---|");
    for (const connections of CONNECTIONS) {
      const results: Record<string, Load[]> = { "bare fetch()": [], edgeway: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const [name, dev] of Object.entries(targets)) {
          origin.reset(); // The origin's request log would otherwise grow for the whole run.
          results[name]!.push(await autocannon(dev, SECONDS, connections));
        }
      }
      const summary = (name: string) => {
        const runs = results[name]!;
        return {
          rps: median(runs.map((r) => r.rps)),
          p50: median(runs.map((r) => r.p50)),
          p99: median(runs.map((r) => r.p99)),
          worker: median(runs.map((r) => r.workerCpuUs)),
          tooling: median(runs.map((r) => r.toolingCpuUs)),
          failed: runs.reduce((n, r) => n + r.non2xx + r.errors, 0),
        };
      };
      const b = summary("bare fetch()");
      const e = summary("edgeway");
      const c = String(connections);
      // Origin, two wrangler dev instances and the load generator share the machine: the ratio is the figure to read.
      console.log(`| ${c} | requests/s | ${b.rps.toFixed(0)} | ${e.rps.toFixed(0)} | ${((e.rps / b.rps) * 100).toFixed(1)} % (goal >= 90 %) |`);
      console.log(`| ${c} | p50 latency | ${b.p50.toFixed(2)} ms | ${e.p50.toFixed(2)} ms | ${signed(e.p50 - b.p50)} ms (goal <= 1 ms) |`);
      console.log(`| ${c} | p99 latency | ${b.p99.toFixed(2)} ms | ${e.p99.toFixed(2)} ms | ${signed(e.p99 - b.p99)} ms |`);
      console.log(`| ${c} | CPU/request, worker's workerd | ${b.worker.toFixed(0)} µs | ${e.worker.toFixed(0)} µs | ${signed(e.worker - b.worker, 0)} µs |`);
      console.log(`| ${c} | CPU/request, wrangler dev tooling | ${b.tooling.toFixed(0)} µs | ${e.tooling.toFixed(0)} µs | ${signed(e.tooling - b.tooling, 0)} µs |`);
      console.log(`| ${c} | non-2xx + errors | ${b.failed} | ${e.failed} | |`);
    }
    console.log(`\nload average after ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
    console.log("rerun: npm run bench -- proxy");
  } finally {
    await bare.stop();
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
