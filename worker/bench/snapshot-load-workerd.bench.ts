/**
 * What loading a snapshot costs the worker, step by step, inside workerd: generated clusters of 1,000 and 10,000
 * HTTPRoutes (sync-agent/test/support/generate.ts, the compile bench's cluster) compiled and signed as the agent
 * publishes them, then loaded by snapshot-load-worker.ts in a loop. Each request runs K loads through one cut point
 * (snapshot-load-steps.ts: verify + frame, UTF-8 decode, JSON.parse, validate + fill, matcher, and loadSnapshot end to
 * end), and workerd's CPU time is read from /proc around it; a step's cost is the difference between consecutive cut
 * points within a round. The Node column runs the same code in this process (process.cpuUsage), interleaved with the
 * workerd loads. Every isolate pays this once on a cold start and again on each snapshot swap.
 *
 *   npm run bench -- snapshot-load-workerd   (EDGEWAY_BENCH_ROUTES sizes, default 1000,10000; EDGEWAY_BENCH_ROUNDS, default 5)
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { signPointer } from "../../schema/pointer.ts";
import { SCHEMA_VERSION } from "../../schema/snapshot.ts";
import { decodeBlob } from "../../schema/blob.ts";
import { compileSnapshots } from "../../sync-agent/src/compile/index.ts";
import { translate } from "../../sync-agent/src/translate/index.ts";
import { GENERATED_ORIGIN_TEMPLATE, generateCluster } from "../../sync-agent/test/support/generate.ts";
import { processes } from "../../test/bench/load.ts";
import { bundleWorker, COMPATIBILITY_DATE, COMPATIBILITY_FLAGS } from "../../test/support/worker-bundle.ts";
import { REPO_ROOT } from "../../test/support/wrangler-dev.ts";
import { loadMatcherModule } from "../../wasm-matcher/src/load-node.ts";
import { createWasmMatcher } from "../../wasm-matcher/src/wasm.ts";
import type { Snapshot } from "../../schema/snapshot.ts";
import { loadThrough, STEP_LABELS, STEPS, type Step, type StoredSnapshot } from "./snapshot-load-steps.ts";

const SIZES = (process.env.EDGEWAY_BENCH_ROUTES ?? "1000,10000").split(",").map(Number);
const ROUNDS = Number(process.env.EDGEWAY_BENCH_ROUNDS ?? 5);
/** Loads per request: enough that one request takes a few hundred milliseconds (/proc counts 10 ms ticks). */
const loadsPerRequest = (routes: number) => Math.max(4, Math.round(40_000 / routes));

/** CPU seconds of the workerd processes Miniflare started (children of this process). */
function workerdCpuSeconds(): number {
  let total = 0;
  for (const p of processes() ?? []) if (p.ppid === process.pid && p.args.some((a) => a.endsWith("/workerd"))) total += p.cpuSeconds;
  return total;
}

function nodeCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low]! + (sorted[Math.ceil(at)]! - sorted[low]!) * (at - low);
}

/** The bench cluster of `routes` HTTPRoutes, compiled and signed as `edgeway` publishes it. */
async function publishedSnapshot(routes: number, secret: string): Promise<StoredSnapshot> {
  const { ir } = translate(generateCluster({ routes, seed: 42 }), { originTemplate: GENERATED_ORIGIN_TEMPLATE, clusterName: "bench", now: "1970-01-01T00:00:00Z" });
  const [compiled] = await compileSnapshots(ir);
  if (!compiled) throw new Error("the generated cluster compiled to no snapshot");
  const pointer = await signPointer(secret, {
    schemaVersion: SCHEMA_VERSION,
    gateway: compiled.gateway,
    hash: compiled.sha256,
    size: compiled.bytes.byteLength,
    epoch: 1,
    counter: 1,
    gatewayGeneration: compiled.gatewayGeneration,
    publishedAt: "1970-01-01T00:00:00Z",
  });
  return { gateway: compiled.gateway, secret, pointer: JSON.stringify(pointer), blob: compiled.bytes.buffer };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "edgeway-bench-snapshot-load-"));
  let mf: Miniflare | undefined;
  try {
    const dist = bundleWorker(join(REPO_ROOT, "worker", "bench", "wrangler.snapshot-load.toml"), join(dir, "dist"));
    const wasm = readdirSync(dist).find((f) => f.endsWith(".wasm"));
    if (!wasm) throw new Error("the bundle has no .wasm module");
    mf = new Miniflare({
      host: "127.0.0.1",
      port: 0,
      cf: false,
      modules: [
        { type: "ESModule", path: join(dist, "snapshot-load-worker.js") },
        { type: "CompiledWasm", path: join(dist, wasm) },
      ],
      modulesRoot: dist,
      compatibilityDate: COMPATIBILITY_DATE,
      compatibilityFlags: COMPATIBILITY_FLAGS,
    });
    const url = await mf.ready;
    const matcherModule = loadMatcherModule();
    const nodeMatcher = (snapshot: Snapshot) => createWasmMatcher(matcherModule, snapshot);
    const secret = randomBytes(24).toString("base64url");

    console.log(`snapshot load per step, generated clusters (seed 42), ${ROUNDS} rounds; CPU per load, median over rounds (min - max)`);
    console.log(`machine: ${cpus().length} cores, load average before ${loadavg().map((l) => l.toFixed(1)).join(" ")}\n`);
    console.log("| routes | step | workerd CPU/load | Node CPU/load |\n|---|---|---|---|");
    for (const routes of SIZES) {
      const stored = await publishedSnapshot(routes, secret);
      const name = String(routes);
      const put = await mf.dispatchFetch(`${url}?name=${name}`, {
        method: "PUT",
        body: new Uint8Array(stored.blob),
        headers: { "x-gateway": stored.gateway, "x-secret": secret, "x-pointer": stored.pointer },
      });
      if (put.status !== 200) throw new Error(`storing the ${routes}-route snapshot: ${put.status} ${await put.text()}`);
      const n = loadsPerRequest(routes);
      const inWorkerd = async (through: Step): Promise<number> => {
        const before = workerdCpuSeconds();
        const response = await mf!.dispatchFetch(`${url}?name=${name}&through=${through}&n=${n}`);
        const text = await response.text();
        if (response.status !== 200) throw new Error(`${routes} routes through ${through}: ${text}`);
        return ((workerdCpuSeconds() - before) / n) * 1000;
      };
      const inNode = async (through: Step): Promise<number> => {
        const before = nodeCpuSeconds();
        for (let i = 0; i < n; i++) await loadThrough(stored, through, nodeMatcher);
        return ((nodeCpuSeconds() - before) / n) * 1000;
      };
      for (const step of STEPS) {
        await inWorkerd(step); // Warm the JITs of both.
        await inNode(step);
      }
      const cumulative = { workerd: STEPS.map(() => [] as number[]), node: STEPS.map(() => [] as number[]) };
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? [...STEPS] : [...STEPS].reverse();
        for (const step of order) {
          const at = STEPS.indexOf(step);
          cumulative.workerd[at]!.push(await inWorkerd(step));
          cumulative.node[at]!.push(await inNode(step));
        }
      }
      const cell = (values: number[]) => `${quantile(values, 0.5).toFixed(1)} ms (${quantile(values, 0).toFixed(1)} - ${quantile(values, 1).toFixed(1)})`;
      const stepCosts = (runs: number[][], at: number) =>
        at === 0 || STEPS[at] === "total" ? runs[at]! : runs[at]!.map((v, round) => v - runs[at - 1]![round]!);
      const decoded = decodeBlob(new Uint8Array(stored.blob));
      const jsonBytes = decoded.ok ? decoded.parts.json.byteLength : 0;
      const label = `${routes.toLocaleString("en-US")} (blob ${(stored.blob.byteLength / 1e6).toFixed(1)} MB, JSON ${(jsonBytes / 1e6).toFixed(1)} MB)`;
      for (let at = 0; at < STEPS.length; at++) {
        const step = STEPS[at]!;
        const figure = step === "total" ? `**${STEP_LABELS[step]}**` : STEP_LABELS[step];
        console.log(`| ${at === 0 ? label : ""} | ${figure} | ${cell(stepCosts(cumulative.workerd, at))} | ${cell(stepCosts(cumulative.node, at))} |`);
      }
    }
    console.log(`\nload average after ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
    console.log("a step's figure is the cut point's CPU minus the previous cut point's, per round; the steps add up to about the end-to-end load");
    console.log("rerun: npm run bench -- snapshot-load-workerd");
  } finally {
    await mf?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
