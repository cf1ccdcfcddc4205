/**
 * Leader election with two agents on one fake apiserver and one KV store:
 *   - a leader partitioned from the apiserver stops publishing at its renew deadline; the standby takes over within
 *     lease duration + renew deadline, with a higher epoch; no epoch ever has publishes from two identities;
 *   - a leader shutting down releases the Lease, and the standby takes over without waiting for expiry;
 *   - a deposed leader's publisher refuses to write over a pointer from a newer epoch.
 */
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pointerKey, verifyPointer } from "../../schema/pointer.ts";
import { DeposedError, SnapshotPublisher } from "../../sync-agent/src/agent/publishing.ts";
import { FileKvStore } from "../../sync-agent/src/publish/file.ts";
import { gateway, printFigures, waitFor } from "./fixtures.ts";
import { AgentWorld, SNAPSHOT_KEY, type RunningAgent } from "./harness.ts";

const LEASE_MS = 1000;
const RENEW_DEADLINE_MS = 600;

let world: AgentWorld;
/** Every pointer write by any agent: (epoch, identity, time). */
const writes: { epoch: number; identity: string; at: number; generation: number }[] = [];

beforeEach(async () => {
  writes.length = 0;
  world = await AgentWorld.start();
});

afterEach(async () => {
  world.server.blockedTokens.clear();
  await world.stop();
});

function start(identity: string): RunningAgent {
  return world.startAgent(identity, {}, world.kv, {
    onPublished: (r) => writes.push({ epoch: r.pointer.epoch, identity, at: performance.now(), generation: r.pointer.gatewayGeneration }),
  });
}

function identitiesPerEpoch(): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  for (const w of writes) out.set(w.epoch, (out.get(w.epoch) ?? new Set()).add(w.identity));
  return out;
}

describe("leader election", () => {
  it("a partitioned leader stops at its renew deadline; the standby takes over with a higher epoch", async () => {
    const a = start("agent-a");
    await waitFor(() => a.agent.elector.isLeader() && writes.length > 0, 5_000, "a leads and publishes");
    const b = start("agent-b");
    await waitFor(() => b.agent.informers.hasSynced(), 5_000, "b synced (warm standby)");
    expect(b.agent.elector.isLeader()).toBe(false);

    // Partition a from the apiserver (its KV access stays up: the dangerous case for split brain).
    const cut = performance.now();
    world.server.blockedTokens.add("agent-a");
    let aStoppedAt = 0;
    await waitFor(() => {
      if (!aStoppedAt && !a.agent.elector.isLeader()) aStoppedAt = performance.now();
      return b.agent.elector.isLeader();
    }, 5_000, "b takes over");
    const takeover = performance.now() - cut;
    if (!aStoppedAt && !a.agent.elector.isLeader()) aStoppedAt = performance.now();

    // A change after the takeover: only b may publish it, and a (still running, still able to reach KV) must not.
    world.server.apply(gateway("apps", "edge", "*.after-takeover.example.com"));
    await waitFor(() => writes.some((w) => w.identity === "agent-b" && w.generation === 2), 5_000, "b publishes generation 2");
    a.agent.queue.enqueue();
    await a.agent.queue.idle();

    const perEpoch = identitiesPerEpoch();
    const shared = [...perEpoch.values()].filter((ids) => ids.size > 1).length;
    const aLate = writes.filter((w) => w.identity === "agent-a" && w.at > cut + RENEW_DEADLINE_MS).length;
    const pointer = await verifyPointer(SNAPSHOT_KEY, await world.kv.get(pointerKey("apps/edge")));
    printFigures(
      "leader takeover (partitioned leader)",
      [
        ["lease duration / renew deadline (ms)", `${LEASE_MS} / ${RENEW_DEADLINE_MS}`],
        ["old leader stopped after (ms)", (aStoppedAt - cut).toFixed(0)],
        ["standby leading after (ms)", takeover.toFixed(0)],
        ["epochs (a -> b)", `${a.agent.elector.epoch} -> ${b.agent.elector.epoch}`],
        ["publishes by epoch", [...perEpoch].map(([e, ids]) => `${e}: ${[...ids].join(",")}`).join("; ")],
        ["epochs with publishes from two leaders", shared],
        ["old leader's publishes after its deadline", aLate],
      ],
      "npx vitest run --project node test/agent/leader-election.test.ts",
    );
    expect(aStoppedAt - cut).toBeLessThanOrEqual(RENEW_DEADLINE_MS + 250);
    expect(takeover).toBeLessThanOrEqual(LEASE_MS + RENEW_DEADLINE_MS);
    expect(b.agent.elector.epoch).toBeGreaterThan(a.agent.elector.epoch);
    expect(shared).toBe(0);
    expect(aLate).toBe(0);
    expect(pointer.ok && pointer.pointer.epoch).toBe(b.agent.elector.epoch);
  });

  it("a leader that shuts down releases the Lease and the standby takes over before it would expire", async () => {
    const a = start("agent-a");
    await waitFor(() => a.agent.elector.isLeader(), 5_000, "a leads");
    const b = start("agent-b");
    await waitFor(() => b.agent.informers.hasSynced(), 5_000, "b synced");
    const t0 = performance.now();
    await a.agent.stop();
    world.agents.splice(world.agents.indexOf(a), 1);
    await waitFor(() => b.agent.elector.isLeader(), 5_000, "b takes over");
    const takeover = performance.now() - t0;
    printFigures("leader takeover (graceful release)", [["standby leading after (ms)", takeover.toFixed(0)]], "npx vitest run --project node test/agent/leader-election.test.ts");
    expect(takeover).toBeLessThan(LEASE_MS);
    const lease = world.server.store.get(world.server.store.typeOfKind("Lease"), "edgeway-system", "edgeway-agent");
    expect((lease.spec as { holderIdentity: string; leaseTransitions: number }).holderIdentity).toBe("agent-b");
    expect((lease.spec as { leaseTransitions: number }).leaseTransitions).toBe(b.agent.elector.epoch);
  });

  it("a deposed leader's publisher refuses to overwrite a newer epoch's pointer", async () => {
    const store = new FileKvStore(join(world.files.dir, "fence"));
    const newer = new SnapshotPublisher(store, () => SNAPSHOT_KEY);
    const older = new SnapshotPublisher(store, () => SNAPSHOT_KEY);
    const bytes = new TextEncoder().encode('{"x":1}');
    const c = { gateway: "apps/edge", gatewayGeneration: 3, snapshot: {} as never, bytes, sha256: "a".repeat(64) };
    await newer.publish(c, 5, () => true);
    await expect(older.publish({ ...c, sha256: "b".repeat(64) }, 4, () => true)).rejects.toBeInstanceOf(DeposedError);
    await expect(older.publish({ ...c, sha256: "c".repeat(64) }, 6, () => false)).rejects.toBeInstanceOf(DeposedError);
    const live = await verifyPointer(SNAPSHOT_KEY, await store.get(pointerKey("apps/edge")));
    expect(live.ok && [live.pointer.epoch, live.pointer.hash]).toEqual([5, "a".repeat(64)]);
  });
});
