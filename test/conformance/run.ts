/**
 * `npm run conformance [-- <name filter>]`: runs the upstream Gateway API conformance cases (data in
 * `<dir>/cases.json` + `<dir>/base-manifests.yaml`, read at run time) against the real translator and the real worker.
 *
 * Per test: manifests (base + test) with the GatewayClass substituted and every Service's `edgeway.dev/origin`
 * naming a local echo origin -> translate + compile -> expected status conditions -> the test's Gateway published to
 * local KV under the name the one long-running worker serves -> each case's request -> compare. The worker is the
 * deployable bundle run by Miniflare with an outbound service standing in for the edge's network
 * (test/support/edge-worker.ts), so `cf.resolveOverride` works as at the edge and the origins see the intended Host.
 * Prints PASS/FAIL/SKIP per test and ends with `N passed, N failed, N skipped`. See docs/conformance.md.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pushCompiled } from "../../sync-agent/src/cli/push.ts";
import { LocalKvStore } from "../../sync-agent/src/publish/local-kv.ts";
import type { ObjectStatus } from "../../sync-agent/src/translate/api.ts";
import { renameSnapshot, type StatusBody } from "../support/gateway-harness.ts";
import { send } from "../support/http-client.ts";
import { compileManifests, type CompileOutput } from "../support/manifests.ts";
import { edgeNetwork } from "../support/edge-network.ts";
import { startEdgeWorker, type EdgeWorker } from "../support/edge-worker.ts";
import { bundleWorker } from "../support/worker-bundle.ts";
import { REPO_ROOT, sleep } from "../support/wrangler-dev.ts";
import { checkExpectation, findStatus } from "./conditions.ts";
import { checkMirrorPercentage, checkPerBackendFilter, checkWebSocket, checkWeights } from "./distributions.ts";
import { EchoOrigins, makeTlsSecretData, testObjects } from "./environment.ts";
import { applyMutation, applyPrecondition } from "./mutations.ts";
import { caseSkipReason, loadSuite, testSkipReason, type ConformanceTest } from "./suite.ts";
import { runCase, type TrafficContext } from "./traffic.ts";

/** The Gateway name the worker serves; each test's Gateway is published under it in turn. */
const SERVED_GATEWAY = "edgeway-conformance/under-test";

type Verdict = {
  result: "PASS" | "FAIL" | "SKIP";
  detail: string;
  problems: string[];
  cases: { ran: number; skipped: number };
  deviations?: number;
};

class Runner {
  private readonly workers = new Map<"http" | "https", EdgeWorker>();
  private readonly dir = mkdtempSync(join(tmpdir(), "edgeway-conformance-"));
  private readonly kv = new LocalKvStore({ persistTo: join(this.dir, "kv") });
  private readonly secret = randomBytes(24).toString("base64url");
  private readonly statusToken = randomBytes(24).toString("base64url");
  readonly origins = new EchoOrigins();
  /** Resolves the origins' names to their echo servers; refuses every other name. */
  readonly network = edgeNetwork(this.origins.hosts);
  private readonly tls = makeTlsSecretData();
  private servedHash: string | undefined;
  private dist: string | undefined;

  constructor(private readonly baseYaml: string) {}

  /** One worker per local protocol (plain HTTP, and TLS for HTTPS listeners), all reading the same KV store. */
  private async ensureWorker(protocol: "http" | "https"): Promise<EdgeWorker> {
    let worker = this.workers.get(protocol);
    if (!worker) {
      this.dist ??= bundleWorker(join(REPO_ROOT, "wrangler.toml"), join(this.dir, "bundle"));
      worker = await startEdgeWorker({
        dist: this.dist,
        persistTo: join(this.dir, "kv"),
        namespaceId: this.kv.namespaceId,
        https: protocol === "https",
        network: this.network,
        vars: {
          EDGEWAY_GATEWAY: SERVED_GATEWAY,
          EDGEWAY_SNAPSHOT_KEY: this.secret,
          EDGEWAY_STATUS_TOKEN: this.statusToken,
          EDGEWAY_REFRESH_INTERVAL_MS: "50",
        },
      });
      this.workers.set(protocol, worker);
    }
    return worker;
  }

  /** Publishes `gateway`'s snapshot under the served name and waits until every running worker serves it. */
  private async serve(compiled: CompileOutput, gateway: string, protocol: "http" | "https"): Promise<string | undefined> {
    const snapshot = compiled.snapshots.find((s) => s.gateway === gateway);
    if (!snapshot) return `no snapshot compiled for Gateway ${gateway}`;
    const renamed = await renameSnapshot(snapshot, SERVED_GATEWAY);
    const fresh = !this.workers.has(protocol);
    await this.ensureWorker(protocol);
    if (renamed.sha256 === this.servedHash && !fresh) return undefined;
    if (renamed.sha256 !== this.servedHash) await pushCompiled(this.kv, [renamed], this.secret);
    for (const worker of this.workers.values()) {
      if (!(await this.waitForHash(worker, renamed.sha256))) return `worker ${worker.url} did not serve the snapshot of ${gateway} within 20 s`;
    }
    this.servedHash = renamed.sha256;
    return undefined;
  }

  private async waitForHash(worker: EdgeWorker, hash: string): Promise<boolean> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const res = await send(worker.url, { path: "/__edgeway/status", headers: { authorization: `Bearer ${this.statusToken}` } });
      const body = res.json as StatusBody | undefined;
      if (body?.gateways.some((g) => g.served?.hash === hash)) return true;
      await sleep(50);
    }
    return false;
  }

  async run(test: ConformanceTest): Promise<Verdict> {
    const skip = testSkipReason(test);
    if (skip) return { result: "SKIP", detail: skip, problems: [], cases: { ran: 0, skipped: test.cases.length } };
    await this.origins.reset();
    const refusedBefore = this.network.refused.length;
    const objects = await testObjects(this.baseYaml, test, this.origins, this.tls);
    for (const o of objects) o.metadata.generation ??= 1;
    let compiled = await compileManifests(objects);
    const problems: string[] = [];

    for (const check of test.expectedConditions) {
      if (check.check === "Mutation") {
        const problem = applyMutation(objects, check.action ?? "", test.gateway);
        if (problem) problems.push(problem);
        compiled = await compileManifests(objects);
        continue;
      }
      problems.push(...checkExpectation(check, compiled.statuses, objects).map((p) => `[${check.check}] ${p}`));
    }

    let ran = 0;
    const deviations: string[] = [];
    const skipReasons = new Set<string>();
    for (const [index, c] of test.cases.entries()) {
      const caseSkip = caseSkipReason(c);
      if (caseSkip) {
        skipReasons.add(caseSkip);
        continue;
      }
      if (c.precondition) {
        const problem = applyPrecondition(objects, c.precondition);
        if (problem) problems.push(`${c.id}: ${problem}`);
        compiled = await compileManifests(objects);
      }
      const gateway = c.gateway ?? test.gateway;
      if (!gateway) continue;
      const served = await this.serve(compiled, gateway, c.request.scheme);
      if (served) {
        problems.push(`${c.id}: ${served}`);
        continue;
      }
      ran++;
      const ctx = this.context(compiled.statuses, gateway, c.request.scheme);
      const caseProblems = await runCase(ctx, c, deviations);
      if (caseProblems.length === 0 && index === 0 && test.weights) caseProblems.push(...(await checkWeights(ctx, test, c)));
      if (caseProblems.length === 0 && test.distribution) caseProblems.push(...(await checkMirrorPercentage(ctx, test, c)));
      if (caseProblems.length === 0 && index === 0 && test.trafficCheck) caseProblems.push(...(await checkPerBackendFilter(ctx, test, c)));
      problems.push(...caseProblems.map((p) => `${c.id} (${c.name}): ${p}`));
    }
    if (test.websocket && test.gateway) {
      const served = await this.serve(compiled, test.gateway, "http");
      if (served) problems.push(`websocket: ${served}`);
      else {
        const ctx = this.context(compiled.statuses, test.gateway, "http");
        problems.push(...(await checkWebSocket({ ...ctx, baseUrl: this.workers.get("http")!.url }, test)));
      }
    }
    // The worker only ever connects to snapshot origins: a connection to any other name is a failure.
    const refused = this.network.refused.slice(refusedBefore);
    if (refused.length > 0) problems.push(`edge network refused ${refused.length} connection(s) to names it does not know: ${[...new Set(refused)].join(", ")}`);
    const skipped = test.cases.length - ran;
    const detail = [
      `${ran} case${ran === 1 ? "" : "s"}${test.websocket ? " + WebSocket exchange" : ""}`,
      skipped > 0 ? `${skipped} skipped: ${[...skipReasons].join("; ")}` : "",
      deviations.length > 0 ? `deviation in ${deviations.length} case${deviations.length === 1 ? "" : "s"}: ${[...new Set(deviations)].join("; ")}` : "",
    ].filter(Boolean).join(", ");
    if (problems.length > 0) return { result: "FAIL", detail, problems, cases: { ran, skipped } };
    if (ran === 0 && test.cases.length > 0) return { result: "SKIP", detail: [...skipReasons].join("; "), problems, cases: { ran, skipped } };
    return { result: "PASS", detail, problems, cases: { ran, skipped }, deviations: deviations.length };
  }

  private context(statuses: ObjectStatus[], gateway: string, protocol: "http" | "https"): TrafficContext {
    const status = findStatus(statuses, "Gateway", gateway)?.status as { addresses?: Array<{ value?: string }> } | undefined;
    const worker = this.workers.get(protocol)!;
    return {
      send: (options) => send(worker.url, options),
      origins: this.origins,
      defaultHost: status?.addresses?.[0]?.value ?? "gateway.conformance.local",
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
    await this.origins.close();
    await this.kv.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const dir = resolve(process.argv[2] ?? "../shared/conformance");
  const filter = process.argv[3] ? new RegExp(process.argv[3]) : undefined;
  const suite = loadSuite(dir);
  if (!suite.ok) {
    console.log(`conformance data not found (${suite.reason}); pass the directory holding cases.json and base-manifests.yaml`);
    console.log(`0 passed, 0 failed, ${suite.count} skipped`);
    return 0;
  }
  const tests = suite.tests.filter((t) => !filter || filter.test(t.name));
  const runner = new Runner(suite.baseYaml);
  const stop = async () => {
    await runner.close();
    process.exit(130);
  };
  process.on("SIGINT", () => void stop());
  const tally = { PASS: 0, FAIL: 0, SKIP: 0 };
  const cases = { ran: 0, skipped: 0 };
  let passedWithDeviation = 0;
  try {
    for (const test of tests) {
      const started = Date.now();
      let verdict: Verdict;
      try {
        verdict = await runner.run(test);
      } catch (err) {
        verdict = { result: "FAIL", detail: "runner error", problems: [(err as Error).stack ?? String(err)], cases: { ran: 0, skipped: 0 } };
      }
      tally[verdict.result]++;
      if (verdict.deviations) passedWithDeviation++;
      cases.ran += verdict.cases.ran;
      cases.skipped += verdict.cases.skipped;
      console.log(`${verdict.result} ${test.name} (${verdict.detail}; ${Date.now() - started} ms)`);
      for (const p of verdict.problems.slice(0, 12)) console.log(`    ${p}`);
      if (verdict.problems.length > 12) console.log(`    ... ${verdict.problems.length - 12} more`);
    }
  } finally {
    await runner.close();
  }
  console.log(`\ncases: ${cases.ran} sent, ${cases.skipped} skipped`);
  if (passedWithDeviation > 0) {
    console.log(`${passedWithDeviation} passing tests rely on the Host deviation (EDGEWAY_CONFORMANCE_STRICT_HOST=1 counts them as failures)`);
  }
  console.log(`${tally.PASS} passed, ${tally.FAIL} failed, ${tally.SKIP} skipped`);
  return tally.FAIL > 0 ? 1 : 0;
}

process.exitCode = await main();
