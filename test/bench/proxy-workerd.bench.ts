/**
 * Proxy overhead without dev tooling: the edgeway worker and the bare `fetch(origin)` worker (bare-worker.ts), both
 * bundled by `wrangler deploy --dry-run` exactly as they would be deployed, run side by side in ONE workerd by
 * Miniflare (no `wrangler dev` proxy, no inspector attached), both proxying to the same local echo origin; load from
 * a separate autocannon process. Requests for `bare.bench` go to the bare worker, everything else to edgeway.
 * Goals: <= 1 ms added p50 latency, <= 10 % throughput loss.
 *
 * Access-log lines are on, as in production; workerd writes them to its stdout, which this process drains (at the
 * edge they go to Workers Logs). CPU per request is the workerd process's, measured while only one side is loaded.
 * Loads run in interleaved pairs (load.ts `compareWorkers`): the ratio to read is the median of per-pair ratios.
 *
 *   npm run bench -- proxy-workerd   (EDGEWAY_BENCH_SECONDS per load, EDGEWAY_BENCH_ROUNDS pairs,
 *                                     EDGEWAY_BENCH_CONNECTIONS="1,10" change the load)
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { KV_BINDING } from "../../sync-agent/src/publish/local-kv.ts";
import { startEchoServer } from "../support/echo-server.ts";
import { send } from "../support/http-client.ts";
import { bundleWorker, COMPATIBILITY_DATE, edgewayModules } from "../support/worker-bundle.ts";
import { REPO_ROOT } from "../support/wrangler-dev.ts";
import { autocannon, compareWorkers, GATEWAY, HOST, type LoadRunner, PATH, processes, pushBenchSnapshot } from "./load.ts";

const BARE_HOST = "bare.bench";
const NAMESPACE_ID = "edgeway-bench";

/** CPU seconds of the workerd processes Miniflare started (children of this process). */
function workerdCpu(): Record<string, number> | null {
  const all = processes();
  if (all === null) return null;
  let workerd = 0;
  for (const p of all) if (p.ppid === process.pid && p.args.some((a) => a.endsWith("/workerd"))) workerd += p.cpuSeconds;
  return { workerd };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "edgeway-bench-workerd-"));
  const origin = await startEchoServer({ service: "origin", namespace: "bench" });
  let mf: Miniflare | undefined;
  try {
    const edgewayDist = bundleWorker(join(REPO_ROOT, "wrangler.toml"), join(dir, "edgeway"));
    const bareDist = bundleWorker(join(REPO_ROOT, "test", "bench", "wrangler.bare.toml"), join(dir, "bare"));

    // The snapshot, compiled and signed as `edgeway push --local` does, into a persisted local KV namespace.
    const secret = randomBytes(24).toString("base64url");
    const statusToken = randomBytes(24).toString("base64url");
    const kvDir = join(dir, "kv");
    await pushBenchSnapshot(kvDir, NAMESPACE_ID, origin.url, secret);

    mf = new Miniflare({
      host: "127.0.0.1",
      port: 0,
      cf: false,
      kvPersist: true,
      defaultPersistRoot: join(kvDir, "v3"), // the layout LocalKvStore wrote (wrangler's --persist-to)
      // workerd's stdout carries one access-log line per request: drained here, as a log pipeline would.
      handleRuntimeStdio(stdout, stderr) {
        stdout.resume();
        stderr.resume();
      },
      workers: [
        {
          name: "edgeway",
          ...edgewayModules(edgewayDist),
          kvNamespaces: { [KV_BINDING]: NAMESPACE_ID },
          bindings: { EDGEWAY_GATEWAY: GATEWAY, EDGEWAY_SNAPSHOT_KEY: secret, EDGEWAY_STATUS_TOKEN: statusToken },
        },
        {
          name: "bare",
          modules: [{ type: "ESModule", path: join(bareDist, "bare-worker.js") }],
          modulesRoot: bareDist,
          compatibilityDate: COMPATIBILITY_DATE,
          routes: [`${BARE_HOST}/*`],
          bindings: { ORIGIN: origin.url },
        },
      ],
    });
    const url = (await mf.ready).toString().replace(/\/$/, "");

    for (const [host, who] of [[HOST, "edgeway"], [BARE_HOST, "bare"]] as const) {
      const check = await send(url, { host, path: PATH });
      const pod = (check.json as { pod?: string } | undefined)?.pod ?? "";
      if (check.status !== 200 || !pod.startsWith("origin")) throw new Error(`${who} answered ${check.status}: ${check.body.slice(0, 200)}`);
    }
    const load = (host: string): LoadRunner => (connections, seconds) => autocannon(url + PATH, connections, workerdCpu, seconds, host);
    await compareWorkers({
      setup: "both workers in one workerd (Miniflare, no dev proxy)",
      bare: load(BARE_HOST),
      edgeway: load(HOST),
      beforeLoad: () => origin.reset(), // The origin's request log would otherwise grow for the whole run.
      cpuLabels: { workerd: "workerd (both workers)" },
      rerun: "npm run bench -- proxy-workerd",
    });
  } finally {
    await mf?.dispose();
    await origin.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
