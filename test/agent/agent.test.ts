/**
 * The whole agent against the fake apiserver, with the real translator and compiler: caches -> translate ->
 * compile -> publish -> status, Programmed gated on the edge's acknowledgement, and the status rules (foreign
 * parents untouched, no no-op writes, observedGeneration current).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { blobKey, pointerKey, verifyPointer } from "../../schema/pointer.ts";
import { readSnapshotBlob } from "../../schema/blob.ts";
import type { KvStore } from "../../sync-agent/src/publish/publisher.ts";
import type { Condition } from "../../sync-agent/src/translate/api.ts";
import type { KubeObj } from "../support/fake-apiserver/store.ts";
import { CONTROLLER, gateway, httpRoute, waitFor } from "./fixtures.ts";
import { AgentWorld, SNAPSHOT_KEY, type RunningAgent } from "./harness.ts";

let world: AgentWorld;

beforeEach(async () => {
  world = await AgentWorld.start();
});

afterEach(() => world.stop());

function start(identity: string, extra: Record<string, string | string[]> = {}, store?: KvStore): RunningAgent {
  return world.startAgent(identity, extra, store);
}

function get(kind: string, ns: string | undefined, name: string): KubeObj {
  return world.server.store.get(world.server.store.typeOfKind(kind), ns, name);
}

function condition(obj: KubeObj, type: string): Condition | undefined {
  return ((obj.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((c) => c.type === type);
}

describe("agent: publish and status", () => {
  it("publishes a signed pointer and reports Programmed only once the edge serves the Gateway's generation", async () => {
    world.edge.refreshing = false; // The edge has not picked anything up yet.
    start("solo");
    await waitFor(async () => (await world.kv.get(pointerKey("apps/edge"))) !== null, 5_000, "first pointer");
    const check = await verifyPointer(SNAPSHOT_KEY, await world.kv.get(pointerKey("apps/edge")));
    expect(check.ok && check.pointer.gatewayGeneration).toBe(1);

    await waitFor(() => condition(get("Gateway", "apps", "edge"), "Programmed") !== undefined, 5_000, "gateway status");
    const pending = condition(get("Gateway", "apps", "edge"), "Programmed")!;
    expect(pending).toMatchObject({ status: "False", reason: "Pending", observedGeneration: 1 });
    expect(pending.message).toContain("serves no snapshot");
    expect(condition(get("GatewayClass", undefined, "edgeway"), "Accepted")).toMatchObject({ status: "True", observedGeneration: 1 });
    const parents = (get("HTTPRoute", "apps", "r1").status as { parents: { controllerName: string; conditions: Condition[] }[] }).parents;
    expect(parents).toHaveLength(1);
    expect(parents[0]!.controllerName).toBe(CONTROLLER);
    expect(parents[0]!.conditions.find((c) => c.type === "Accepted")).toMatchObject({ status: "True", observedGeneration: 1 });

    world.edge.refreshing = true;
    await waitFor(() => condition(get("Gateway", "apps", "edge"), "Programmed")?.status === "True", 5_000, "Programmed=True");
    const programmed = condition(get("Gateway", "apps", "edge"), "Programmed")!;
    expect(programmed).toMatchObject({ reason: "Programmed", observedGeneration: 1 });
    expect(programmed.message).toContain("generation 1");

    // A spec change: generation 2. Programmed must drop to Pending (edge still on 1), then come back at 2.
    world.edge.refreshing = false;
    world.server.apply(gateway("apps", "edge", "*.changed.example.com"));
    expect(get("Gateway", "apps", "edge").metadata.generation).toBe(2);
    await waitFor(() => condition(get("Gateway", "apps", "edge"), "Programmed")?.observedGeneration === 2, 5_000, "gen 2 status");
    const stale = condition(get("Gateway", "apps", "edge"), "Programmed")!;
    expect(stale).toMatchObject({ status: "False", reason: "Pending" });
    expect(stale.message).toContain("(generation 1)");
    world.edge.refreshing = true;
    await waitFor(() => condition(get("Gateway", "apps", "edge"), "Programmed")?.status === "True", 5_000, "Programmed=True at gen 2");
    for (const c of (get("Gateway", "apps", "edge").status as { conditions: Condition[] }).conditions) expect(c.observedGeneration).toBe(2);
  });

  it("keeps lastTransitionTime when only the message changes, and never writes a no-op", async () => {
    const r = start("solo");
    await waitFor(() => condition(get("Gateway", "apps", "edge"), "Programmed")?.status === "True", 5_000, "Programmed=True");
    const accepted = condition(get("Gateway", "apps", "edge"), "Accepted")!;
    const writesBefore = world.server.statusWrites;
    // Resyncs with nothing changed: no status write at all.
    for (let i = 0; i < 3; i++) {
      r.agent.queue.enqueue();
      await r.agent.queue.idle();
    }
    expect(world.server.statusWrites).toBe(writesBefore);
    expect(world.server.noopStatusWrites).toBe(0);
    expect(condition(get("Gateway", "apps", "edge"), "Accepted")!.lastTransitionTime).toBe(accepted.lastTransitionTime);
  });

  it("after an edit of one route among many, translates and compiles that route only, and publishes it", async () => {
    const edge = { namespace: "apps", name: "edge" };
    for (let i = 2; i <= 30; i++) world.server.apply(httpRoute("apps", `r${i}`, edge, `/p${i}`));
    const r = start("solo");
    const counter = async (name: string, outcome: string) =>
      (await r.agent.metrics.registry.getSingleMetric(name)!.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
    const routeStatuses = () => [...Array(30).keys()].every((i) => (get("HTTPRoute", "apps", `r${i + 1}`).status as { parents?: unknown[] } | undefined)?.parents?.length === 1);
    await waitFor(routeStatuses, 5_000, "30 route statuses");
    await waitFor(() => condition(get("Gateway", "apps", "edge"), "Programmed")?.status === "True", 5_000, "Programmed=True");
    await r.agent.queue.idle();
    const translated = await counter("edgeway_route_translations_total", "translated");
    const compiled = await counter("edgeway_route_compiles_total", "compiled");
    const reconciles = (await r.agent.metrics.registry.getSingleMetric("edgeway_reconciles_total")!.get()).values[0]!.value;

    world.server.apply(httpRoute("apps", "r7", edge, "/edited"));
    const publishedPaths = async () => {
      const check = await verifyPointer(SNAPSHOT_KEY, await world.kv.get(pointerKey("apps/edge")));
      const blob = check.ok ? await readFile(join(world.files.dir, "kv", ...blobKey(check.pointer.hash).split("/"))) : undefined;
      const read = blob ? readSnapshotBlob(new Uint8Array(blob)) : undefined;
      return read?.ok ? read.value.routes.map((route) => route.rules[0]!.matches[0]!.path.value) : [];
    };
    await waitFor(async () => (await publishedPaths()).includes("/edited"), 5_000, "the edit published");
    await waitFor(() => (get("HTTPRoute", "apps", "r7").status as { parents: { conditions: Condition[] }[] }).parents[0]!.conditions[0]!.observedGeneration === 2, 5_000, "r7 status");
    await r.agent.queue.idle();

    const paths = await publishedPaths();
    expect(paths).toHaveLength(30);
    expect(paths.filter((p) => p === "/p7")).toEqual([]);
    // The edit's reconcile and the one its status write causes: the edited route translated and compiled once, the
    // rest reused (a status write changes no generation).
    const runs = (await r.agent.metrics.registry.getSingleMetric("edgeway_reconciles_total")!.get()).values[0]!.value - reconciles;
    expect(runs).toBeGreaterThanOrEqual(1);
    expect((await counter("edgeway_route_translations_total", "translated")) - translated).toBe(1);
    expect((await counter("edgeway_route_compiles_total", "compiled")) - compiled).toBe(1);
    expect(await counter("edgeway_route_translations_total", "reused")).toBeGreaterThanOrEqual(29 * runs);
  });

  it("standby replicas neither publish nor write status", async () => {
    const leader = start("a");
    await waitFor(() => leader.agent.elector.isLeader(), 5_000, "a leads");
    const standby = start("b");
    await waitFor(() => standby.agent.informers.hasSynced(), 5_000, "b synced");
    world.server.apply(httpRoute("apps", "r2", { namespace: "apps", name: "edge" }, "/b"));
    await waitFor(() => (get("HTTPRoute", "apps", "r2").status as { parents?: unknown[] } | undefined)?.parents?.length === 1, 5_000, "r2 status");
    await standby.agent.queue.idle();
    expect(standby.agent.elector.isLeader()).toBe(false);
    expect(standby.published).toEqual([]);
    expect(standby.agent.statusWriter.counts.written).toBe(0);
    expect(leader.published.length).toBeGreaterThan(0);
  });

  it("keeps the previous pointer live when a publish fails, and retries until it succeeds", async () => {
    let failPointerWrites = false;
    const flaky: KvStore = {
      get: (k) => world.kv.get(k),
      list: (p) => world.kv.list(p),
      delete: (k) => world.kv.delete(k),
      put: async (entries) => {
        if (failPointerWrites && entries.some((e) => e.key.endsWith("/pointer"))) throw new Error("KV unavailable");
        await world.kv.put(entries);
      },
    };
    const r = start("solo", {}, flaky);
    await waitFor(() => condition(get("Gateway", "apps", "edge"), "Programmed")?.status === "True", 5_000, "Programmed=True");
    const before = await world.kv.get(pointerKey("apps/edge"));
    failPointerWrites = true;
    world.server.apply(gateway("apps", "edge", "*.failing.example.com"));
    await waitFor(() => condition(get("Gateway", "apps", "edge"), "Programmed")?.observedGeneration === 2, 5_000, "gen 2 status");
    await waitFor(async () => (await r.agent.metrics.publishFailures.get()).values.some((v) => v.value >= 2), 5_000, "retried publishes");
    expect(await world.kv.get(pointerKey("apps/edge"))).toBe(before);
    expect(condition(get("Gateway", "apps", "edge"), "Programmed")).toMatchObject({ status: "False", reason: "Pending" });
    failPointerWrites = false;
    await waitFor(() => condition(get("Gateway", "apps", "edge"), "Programmed")?.status === "True", 10_000, "Programmed=True at gen 2");
    const live = await verifyPointer(SNAPSHOT_KEY, await world.kv.get(pointerKey("apps/edge")));
    expect(live.ok && live.pointer.gatewayGeneration).toBe(2);
  });

  it("garbage-collects the blobs no pointer names once the grace period has passed", async () => {
    start("solo", { "gc-interval": "0.05", "gc-grace": "1" });
    await waitFor(async () => (await world.kv.get(pointerKey("apps/edge"))) !== null, 5_000, "first pointer");
    const first = await verifyPointer(SNAPSHOT_KEY, await world.kv.get(pointerKey("apps/edge")));
    world.server.apply(httpRoute("apps", "r1", { namespace: "apps", name: "edge" }, "/changed"));
    await waitFor(async () => {
      const p = await verifyPointer(SNAPSHOT_KEY, await world.kv.get(pointerKey("apps/edge")));
      return p.ok && first.ok && p.pointer.hash !== first.pointer.hash;
    }, 5_000, "second pointer");
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(await world.kv.get(blobKey(first.pointer.hash))).not.toBeNull(); // Still within the grace period.
    await waitFor(async () => (await world.kv.get(blobKey(first.pointer.hash))) === null, 5_000, "old blob collected");
    const live = await verifyPointer(SNAPSHOT_KEY, await world.kv.get(pointerKey("apps/edge")));
    expect(live.ok && (await world.kv.get(blobKey(live.pointer.hash)))).not.toBeNull();
  });
});
