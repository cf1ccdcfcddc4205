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
 *   npm run bench -- proxy          (EDGEWAY_BENCH_SECONDS per load, EDGEWAY_BENCH_ROUNDS pairs,
 *                                    EDGEWAY_BENCH_CONNECTIONS="1,10" change the load)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGatewayHarness } from "../support/gateway-harness.ts";
import { startWranglerDev, type WranglerDev } from "../support/wrangler-dev.ts";
import { autocannon, compareWorkers, HOST, type LoadRunner, MANIFESTS, PATH, processes } from "./load.ts";

/**
 * CPU seconds used so far by a `wrangler dev` process group: the workerd that runs the worker (the one not serving
 * the public port: that one is wrangler's dev proxy) and the rest (wrangler's Node process, the proxy's workerd).
 */
function groupCpu(dev: WranglerDev): Record<string, number> | null {
  const all = processes();
  if (all === null) return null;
  let worker = 0;
  let tooling = 0;
  for (const p of all) {
    if (p.pgrp !== dev.process.pid) continue;
    const isWorkerd = p.args.some((a) => a.endsWith("/workerd"));
    if (isWorkerd && !p.args.some((a) => a.endsWith(`:${dev.port}`))) worker += p.cpuSeconds;
    else tooling += p.cpuSeconds;
  }
  return { worker, tooling };
}

const CPU_LABELS = { worker: "worker's workerd", tooling: "wrangler dev tooling" };

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
    const load = (dev: WranglerDev): LoadRunner => (connections, seconds) => autocannon(dev.url + PATH, connections, () => groupCpu(dev), seconds);
    // Origin, two wrangler dev instances and the load generator share the machine: the ratio is the figure to read.
    await compareWorkers({
      setup: "each worker under its own wrangler dev",
      bare: load(bare),
      edgeway: load(gw.worker),
      beforeLoad: () => origin.reset(), // The origin's request log would otherwise grow for the whole run.
      cpuLabels: CPU_LABELS,
      rerun: "npm run bench -- proxy",
    });
  } finally {
    await bare.stop();
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
