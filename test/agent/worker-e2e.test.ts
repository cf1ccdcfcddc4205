/**
 * The whole chain with nothing faked but the apiserver: objects on the (fake) apiserver -> agent (real client,
 * translator, compiler, leader election) -> local KV (the store `wrangler dev --persist-to` reads) -> the real worker
 * under `wrangler dev` -> an echo origin. The worker's own status endpoint drives Programmed. Convergence is the time
 * from a route change to the first request through the worker that reaches the origin on the new path.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalKvStore } from "../../sync-agent/src/publish/local-kv.ts";
import type { Condition } from "../../sync-agent/src/translate/api.ts";
import { startEchoServer, type EchoServer } from "../support/echo-server.ts";
import { send } from "../support/http-client.ts";
import { FakeApiServer } from "../support/fake-apiserver/server.ts";
import { startWranglerDev, type WranglerDev } from "../support/wrangler-dev.ts";
import { gateway, gatewayClass, httpRoute, namespace, printFigures, waitFor } from "./fixtures.ts";
import { EDGE_TOKEN, makeAgent, secretFiles, SNAPSHOT_KEY, testConfig, type RunningAgent } from "./harness.ts";

const GW = { namespace: "apps", name: "edge" };

let server: FakeApiServer;
let files: Awaited<ReturnType<typeof secretFiles>>;
let persistTo: string;
let worker: WranglerDev;
let echo: EchoServer;
let kv: LocalKvStore;
let agent: RunningAgent;

beforeAll(async () => {
  server = new FakeApiServer();
  const apiUrl = await server.start();
  files = await secretFiles();
  persistTo = await mkdtemp(join(tmpdir(), "edgeway-agent-e2e-"));
  echo = await startEchoServer({ service: "echo", namespace: "apps" });
  worker = await startWranglerDev({
    persistTo,
    debugLogPath: join(persistTo, "wrangler-debug.log"),
    vars: { EDGEWAY_GATEWAY: "apps/edge", EDGEWAY_SNAPSHOT_KEY: SNAPSHOT_KEY, EDGEWAY_STATUS_TOKEN: EDGE_TOKEN, EDGEWAY_REFRESH_INTERVAL_MS: "100" },
    readyPath: "/__edgeway/status",
  });
  server.apply(gatewayClass());
  server.apply(namespace("apps"));
  server.apply(gateway("apps", "edge", "*.example.com"));
  server.apply({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "echo", namespace: "apps", annotations: { "edgeway.dev/origin": echo.url } },
    spec: { ports: [{ port: 8080, protocol: "TCP" }] },
  });
  server.apply(httpRoute("apps", "r0", GW, "/v0"));
  kv = new LocalKvStore({ persistTo });
  const config = testConfig({
    identity: "e2e",
    publisher: "local",
    "snapshot-key-file": files.snapshotKeyFile,
    "worker-status-url": [`${worker.url}/__edgeway/status`],
    "worker-status-token-file": files.edgeTokenFile,
    // Production lease timings: workerd and wrangler share these two cores with the agent.
    "lease-duration": "15",
    "renew-deadline": "10",
  });
  agent = makeAgent(apiUrl, config, kv);
  void agent.agent.start();
}, 120_000);

afterAll(async () => {
  await agent?.agent.stop();
  await worker?.stop();
  await kv?.close();
  await echo?.close();
  await server?.stop();
  await rm(persistTo, { recursive: true, force: true });
  await rm(files.dir, { recursive: true, force: true });
});

async function reachesOrigin(path: string): Promise<boolean> {
  try {
    // fetch() cannot set Host; wrangler dev builds request.url from it, so the listener sees port 80 as at the edge.
    const res = await send(worker.url, { path, host: "app.example.com", timeoutMs: 2000 });
    return res.status === 200 && (res.json as { path?: string } | undefined)?.path === path;
  } catch {
    return false;
  }
}

function programmed(): Condition | undefined {
  const gw = server.store.get(server.store.typeOfKind("Gateway"), "apps", "edge");
  return ((gw.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((c) => c.type === "Programmed");
}

describe("agent -> local KV -> wrangler dev worker", () => {
  it("serves the routes from the cluster and reports Programmed from the worker's own status endpoint", async () => {
    await waitFor(() => reachesOrigin("/v0"), 20_000, "the worker to route /v0 to the origin").catch(async (e) => {
      const status = await fetch(`${worker.url}/__edgeway/status`, { headers: { authorization: `Bearer ${EDGE_TOKEN}` } }).then((r) => r.text());
      const res = await send(worker.url, { path: "/v0", host: "app.example.com" });
      throw new Error(`${(e as Error).message}\npublished: ${agent.published.length}\nstatus: ${status}\nGET /v0: ${res.status} ${res.body.slice(0, 300)}`);
    });
    await waitFor(() => programmed()?.status === "True", 15_000, "Programmed=True from the worker's status");
    expect(programmed()).toMatchObject({ reason: "Programmed", observedGeneration: 1 });
    expect(programmed()!.message).toMatch(/^The edge serves version \d+\.\d+-[0-9a-f]{12} \(generation 1\)$/);
  });

  const figures: [string, string][] = [];

  it.each([1, 100, 1000])(
    "converges at %i routes: route change -> the worker routes the new path",
    async (routes) => {
      for (let i = 1; i < routes; i++) server.apply(httpRoute("apps", `r${i}`, GW, `/bulk${i}`));
      if (routes > 1) await waitFor(() => reachesOrigin(`/bulk${routes - 1}`), 60_000, `the worker to serve ${routes} routes`);
      // Steady state: the first statuses of the new routes are written first (a change that arrives meanwhile waits
      // for that run to finish: one reconcile at a time).
      await agent.agent.queue.idle();
      const times: number[] = [];
      for (let s = 1; s <= 5; s++) {
        const path = `/n${routes}-v${s}`;
        server.apply(httpRoute("apps", "r0", GW, path));
        times.push(await waitFor(() => reachesOrigin(path), 15_000, `the worker to route ${path}`));
      }
      expect(await reachesOrigin("/v0")).toBe(false);
      const sorted = [...times].sort((a, b) => a - b);
      figures.push([`${routes} route(s)`, `p50 ${sorted[2]!.toFixed(0)} ms, max ${sorted[4]!.toFixed(0)} ms (n=5)`]);
    },
    120_000,
  );

  it("prints the table", () => {
    printFigures(
      "convergence through the worker (route change -> wrangler dev worker routes the new path; worker refresh 100 ms)",
      figures,
      "npx vitest run --project node test/agent/worker-e2e.test.ts",
    );
    expect(figures).toHaveLength(3);
  });
});
