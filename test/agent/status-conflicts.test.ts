/**
 * 409 storms: the agent writes route status while (a) the server answers a burst of injected 409s and (b) another
 * controller keeps rewriting its own `status.parents[]` entries on the same routes (real resourceVersion races).
 * Statuses must converge, the other controller's entries must be exactly what it last wrote, and no write may be a
 * no-op.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { FileKvStore } from "../../sync-agent/src/publish/file.ts";
import type { Condition } from "../../sync-agent/src/translate/api.ts";
import { FakeApiServer } from "../support/fake-apiserver/server.ts";
import type { KubeObj } from "../support/fake-apiserver/store.ts";
import { CONTROLLER, gateway, gatewayClass, httpRoute, namespace, printFigures, service, waitFor } from "./fixtures.ts";
import { EdgeDouble, makeAgent, secretFiles, testConfig, type RunningAgent } from "./harness.ts";
import { jsonLogger } from "../../sync-agent/src/agent/log.ts";

const FOREIGN = "example.com/other-controller";
const ROUTES = 20;

let server: FakeApiServer;
let files: Awaited<ReturnType<typeof secretFiles>>;
let edge: EdgeDouble;
let agent: RunningAgent | undefined;

beforeEach(async () => {
  server = new FakeApiServer();
  files = await secretFiles();
});

afterEach(async () => {
  await agent?.agent.stop();
  await edge?.stop();
  await server.stop();
  await rm(files.dir, { recursive: true, force: true });
});

type Parent = { parentRef: { name: string }; controllerName: string; conditions: Condition[] };

function foreignParent(tick: number): Parent {
  return {
    parentRef: { name: "other-gw" },
    controllerName: FOREIGN,
    conditions: [{ type: "Accepted", status: "True", reason: "Accepted", message: `tick ${tick}`, observedGeneration: 1, lastTransitionTime: "2026-01-01T00:00:00Z" }],
  };
}

function routeStatus(name: string): Parent[] {
  const obj = server.store.get(server.store.typeOfKind("HTTPRoute"), "apps", name);
  return ((obj.status as { parents?: Parent[] } | undefined)?.parents ?? []) as Parent[];
}

/** The other controller: read-modify-write of its own entry, retrying on 409 like a well-behaved client. */
function writeForeign(name: string, tick: number): boolean {
  const t = server.store.typeOfKind("HTTPRoute");
  const obj = server.store.get(t, "apps", name);
  const parents = ((obj.status as { parents?: Parent[] } | undefined)?.parents ?? []).filter((p) => p.controllerName !== FOREIGN);
  const next = { ...obj, status: { parents: [foreignParent(tick), ...parents] } } as KubeObj;
  try {
    server.store.update(t, "apps", name, next, true);
    return true;
  } catch {
    return false;
  }
}

it("converges through a 409 storm without touching foreign parents[] entries or writing no-ops", async () => {
  server.apply(gatewayClass());
  server.apply(namespace("apps"));
  server.apply(gateway("apps", "edge"));
  server.apply(service("apps", "echo"));
  for (let i = 0; i < ROUTES; i++) server.apply(httpRoute("apps", `r${i}`, { namespace: "apps", name: "edge" }, `/p${i}`));
  const lastForeign = new Map<string, number>();
  for (let i = 0; i < ROUTES; i++) if (writeForeign(`r${i}`, 0)) lastForeign.set(`r${i}`, 0);
  const apiUrl = await server.start();
  const kv = new FileKvStore(join(files.dir, "kv"));
  edge = new EdgeDouble(kv);
  const edgeUrl = await edge.start();

  const injected = 60;
  server.faults.conflictsNext = injected;
  agent = makeAgent(
    apiUrl,
    testConfig({
      identity: "storm",
      publisher: "file",
      "file-dir": join(files.dir, "kv"),
      "snapshot-key-file": files.snapshotKeyFile,
      "worker-status-url": [edgeUrl],
      "worker-status-token-file": files.edgeTokenFile,
    }),
    kv,
    { log: process.env.DEBUG_AGENT ? jsonLogger("debug") : undefined },
  );
  void agent.agent.start();

  // The other controller races the agent for the first second.
  let tick = 0;
  const racer = setInterval(() => {
    const name = `r${tick % ROUTES}`;
    if (writeForeign(name, ++tick)) lastForeign.set(name, tick);
  }, 3);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, 1000));
  clearInterval(racer);

  const converged = () =>
    Array.from({ length: ROUTES }, (_, i) => routeStatus(`r${i}`)).every((parents) =>
      parents.some((p) => p.controllerName === CONTROLLER && p.conditions.every((c) => c.observedGeneration === 1)),
    );
  await waitFor(converged, 10_000, "route statuses to converge").catch((e) => {
    console.log(JSON.stringify(routeStatus("r0"), null, 1));
    throw e;
  });
  const elapsed = performance.now() - t0;
  await agent.agent.queue.idle();

  let foreignTouched = 0;
  for (let i = 0; i < ROUTES; i++) {
    const parents = routeStatus(`r${i}`);
    const foreign = parents.filter((p) => p.controllerName === FOREIGN);
    if (foreign.length !== 1 || JSON.stringify(foreign[0]) !== JSON.stringify(foreignParent(lastForeign.get(`r${i}`)!))) foreignTouched++;
    expect(parents.filter((p) => p.controllerName === CONTROLLER)).toHaveLength(1);
  }
  const counts = agent.agent.statusWriter.counts;
  printFigures(
    "409 storm",
    [
      ["routes", ROUTES],
      ["injected 409s", injected],
      ["foreign writes racing", tick],
      ["409s seen by the agent", counts.conflict],
      ["status writes (agent)", counts.written],
      ["no-op status writes", server.noopStatusWrites],
      ["foreign parents[] entries touched", foreignTouched],
      ["converged after (ms)", elapsed.toFixed(0)],
    ],
    "npx vitest run --project node test/agent/status-conflicts.test.ts",
  );
  expect(server.faults.conflictsNext).toBe(0);
  expect(counts.conflict).toBeGreaterThanOrEqual(injected);
  expect(foreignTouched).toBe(0);
  expect(server.noopStatusWrites).toBe(0);
});
