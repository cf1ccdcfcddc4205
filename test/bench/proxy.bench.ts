/**
 * Proxy overhead: the edgeway worker vs a bare `fetch(origin)` worker (bare-worker.ts), both under `wrangler dev`
 * (same workerd), both proxying to the same local echo origin; load from a separate autocannon process.
 * Goals: <= 1 ms added p50 latency, <= 10 % throughput loss.
 *
 *   npm run bench -- proxy          (EDGEWAY_BENCH_SECONDS / EDGEWAY_BENCH_CONNECTIONS change the load)
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { GATEWAY_CLASS_YAML, startGatewayHarness } from "../support/gateway-harness.ts";
import { startWranglerDev } from "../support/wrangler-dev.ts";

const run = promisify(execFile);
const AUTOCANNON = fileURLToPath(new URL("../../node_modules/autocannon/autocannon.js", import.meta.url));
const SECONDS = Number(process.env.EDGEWAY_BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.EDGEWAY_BENCH_CONNECTIONS ?? 10);
const ROUNDS = 2;
const HOST = "bench.example";
const PATH = "/api/items?page=1";

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
}

/** One autocannon run in its own process, so the load generator does not share an event loop with the origin. */
async function autocannon(url: string, seconds: number): Promise<Load> {
  const { stdout } = await run(
    process.execPath,
    [AUTOCANNON, "-c", String(CONNECTIONS), "-d", String(seconds), "-j", "-H", `host=${HOST}`, url + PATH],
    { maxBuffer: 16 * 1024 * 1024, timeout: (seconds + 30) * 1000 },
  );
  const r = JSON.parse(stdout) as {
    requests: { average: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
  };
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
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
    vars: { ORIGIN: origin.url },
  });
  try {
    const check = await gw.send({ host: HOST, path: PATH });
    if (check.status !== 200) throw new Error(`edgeway answered ${check.status}: ${check.body.slice(0, 200)}`);
    const targets = { "bare fetch()": bare.url, edgeway: gw.url };
    const results: Record<string, Load[]> = { "bare fetch()": [], edgeway: [] };
    for (const url of Object.values(targets)) await autocannon(url, 2); // Warm both isolates and JITs.
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, url] of Object.entries(targets)) {
        origin.reset(); // The origin's request log would otherwise grow for the whole run.
        results[name]!.push(await autocannon(url, SECONDS));
      }
    }
    const summary = (name: string) => {
      const runs = results[name]!;
      return {
        rps: median(runs.map((r) => r.rps)),
        p50: median(runs.map((r) => r.p50)),
        p99: median(runs.map((r) => r.p99)),
        failed: runs.reduce((n, r) => n + r.non2xx + r.errors, 0),
      };
    };
    const b = summary("bare fetch()");
    const e = summary("edgeway");
    console.log(`${ROUNDS} rounds x ${SECONDS} s, ${CONNECTIONS} connections, GET ${PATH} (median of rounds)`);
    // Origin, two workerd processes and the load generator share the machine: the ratio is the figure to read.
    console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}\n`);
    console.log("| figure | bare fetch() | edgeway | edgeway vs bare |");
    console.log("|---|---|---|---|");
    console.log(`| requests/s | ${b.rps.toFixed(0)} | ${e.rps.toFixed(0)} | ${((e.rps / b.rps) * 100).toFixed(1)} % (goal >= 90 %) |`);
    console.log(`| p50 latency | ${b.p50.toFixed(2)} ms | ${e.p50.toFixed(2)} ms | ${signed(e.p50 - b.p50)} ms (goal <= 1 ms) |`);
    console.log(`| p99 latency | ${b.p99.toFixed(2)} ms | ${e.p99.toFixed(2)} ms | ${signed(e.p99 - b.p99)} ms |`);
    console.log(`| non-2xx + errors | ${b.failed} | ${e.failed} | |`);
    console.log("\nrerun: npm run bench -- proxy");
  } finally {
    await bare.stop();
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
