/**
 * Edgeway's CPU per request apart from the network: edgeway's entry (Hono app, pipeline, matcher, access log) and
 * the bare `fetch()` worker's, each called in a loop inside one workerd with `fetch()` answered by a stub
 * (pipeline-worker.ts), the workerd process's CPU time read from /proc. Loads alternate in pairs (bare then edgeway,
 * edgeway then bare, ...) and the table gives medians with their spread. It isolates what edgeway's code costs from
 * the socket and scheduling work that dominates the load benches (test/bench/proxy-workerd.bench.ts), so a change
 * of a few microseconds shows. (pipeline.bench.ts times the pipeline in Node, where undici's Request and Response
 * dominate.)
 *
 *   npm run bench -- pipeline-workerd   (EDGEWAY_BENCH_ROUNDS pairs, default 10; EDGEWAY_BENCH_REQUESTS per load, default 20000)
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { KV_BINDING } from "../../sync-agent/src/publish/local-kv.ts";
import { GATEWAY, processes, pushBenchSnapshot } from "../../test/bench/load.ts";
import { bundleWorker, COMPATIBILITY_DATE, COMPATIBILITY_FLAGS } from "../../test/support/worker-bundle.ts";
import { REPO_ROOT } from "../../test/support/wrangler-dev.ts";

const NAMESPACE_ID = "edgeway-bench-pipeline";
const ROUNDS = Number(process.env.EDGEWAY_BENCH_ROUNDS ?? 10);
const REQUESTS = Number(process.env.EDGEWAY_BENCH_REQUESTS ?? 20_000);
const ENTRIES = ["bare", "edgeway"] as const;

/** CPU seconds of the workerd processes Miniflare started (children of this process). */
function workerdCpuSeconds(): number {
  let total = 0;
  for (const p of processes() ?? []) if (p.ppid === process.pid && p.args.some((a) => a.endsWith("/workerd"))) total += p.cpuSeconds;
  return total;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low]! + (sorted[Math.ceil(at)]! - sorted[low]!) * (at - low);
}

const spread = (values: number[]) => [0, 0.25, 0.5, 0.75, 1].map((q) => quantile(values, q).toFixed(1)).join(" / ");

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "edgeway-bench-pipeline-"));
  let mf: Miniflare | undefined;
  try {
    const dist = bundleWorker(join(REPO_ROOT, "worker", "bench", "wrangler.pipeline.toml"), join(dir, "dist"));
    const wasm = readdirSync(dist).find((f) => f.endsWith(".wasm"));
    if (!wasm) throw new Error("the bundle has no .wasm module");

    // The bench snapshot, signed as `edgeway push --local` does; its origin is never dialled (fetch is stubbed).
    const secret = randomBytes(24).toString("base64url");
    const kvDir = join(dir, "kv");
    await pushBenchSnapshot(kvDir, NAMESPACE_ID, "http://127.0.0.1:9", secret);

    mf = new Miniflare({
      host: "127.0.0.1",
      port: 0,
      cf: false,
      kvPersist: true,
      defaultPersistRoot: join(kvDir, "v3"),
      // One access-log line per edgeway request on workerd's stdout, drained as a log pipeline would.
      handleRuntimeStdio(stdout, stderr) {
        stdout.resume();
        stderr.resume();
      },
      modules: [
        { type: "ESModule", path: join(dist, "pipeline-worker.js") },
        { type: "CompiledWasm", path: join(dist, wasm) },
      ],
      modulesRoot: dist,
      compatibilityDate: COMPATIBILITY_DATE,
      compatibilityFlags: COMPATIBILITY_FLAGS,
      kvNamespaces: { [KV_BINDING]: NAMESPACE_ID },
      bindings: { EDGEWAY_GATEWAY: GATEWAY, EDGEWAY_SNAPSHOT_KEY: secret, EDGEWAY_STATUS_TOKEN: randomBytes(24).toString("base64url"), ORIGIN: "http://127.0.0.1:9" },
    });
    const url = await mf.ready;
    const run = async (entry: string, n: number): Promise<number> => {
      const before = workerdCpuSeconds();
      const response = await mf!.dispatchFetch(`${url}?entry=${entry}&n=${n}`);
      const result = (await response.json()) as { failed: number };
      if (response.status !== 200 || result.failed !== 0) throw new Error(`${entry}: ${result.failed} of ${n} requests were not answered 200`);
      return ((workerdCpuSeconds() - before) / n) * 1e6;
    };
    for (const entry of ENTRIES) await run(entry, 2000); // Load the snapshot, warm both entries and the JIT.

    console.log(`edgeway's entry and the bare fetch() worker's, fetch() stubbed, in one workerd; ${ROUNDS} pairs x ${REQUESTS} requests, GET /api/items?page=1`);
    console.log(`machine: ${cpus().length} cores, load average before ${loadavg().map((l) => l.toFixed(1)).join(" ")}\n`);
    const cpu: Record<string, number[]> = { bare: [], edgeway: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const entry of round % 2 === 0 ? ENTRIES : [...ENTRIES].reverse()) cpu[entry]!.push(await run(entry, REQUESTS));
    }
    const added = cpu.edgeway!.map((e, i) => e - cpu.bare![i]!);
    console.log("| figure | median | spread over pairs: min / q1 / median / q3 / max |\n|---|---|---|");
    console.log(`| workerd CPU/request, bare fetch() worker | ${quantile(cpu.bare!, 0.5).toFixed(1)} µs | ${spread(cpu.bare!)} µs |`);
    console.log(`| workerd CPU/request, edgeway | ${quantile(cpu.edgeway!, 0.5).toFixed(1)} µs | ${spread(cpu.edgeway!)} µs |`);
    console.log(`| edgeway - bare, per pair | **${quantile(added, 0.5).toFixed(1)} µs** | ${spread(added)} µs |`);
    console.log(`\nload average after ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
    console.log("rerun: npm run bench -- pipeline-workerd");
  } finally {
    await mf?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
