/** Status merge rules: foreign parents kept, conditions merged by type, lastTransitionTime kept, no regressions. */
import { describe, expect, it } from "vitest";
import { mergeStatus } from "../../sync-agent/src/kube/status-merge.ts";
import { applyEdgeAcknowledgement } from "../../sync-agent/src/kube/programmed.ts";
import type { Condition, ObjectStatus } from "../../sync-agent/src/translate/api.ts";

const OURS = "edgeway.dev/gateway-controller";
const opts = { controllerName: OURS };

function cond(type: string, status: Condition["status"], generation: number, time = "2026-01-01T00:00:00Z", message = ""): Condition {
  return { type, status, reason: type, message, observedGeneration: generation, lastTransitionTime: time };
}

function route(parents: unknown[], generation = 2): ObjectStatus {
  return { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: "a", name: "r", generation, status: { parents } };
}

const foreign = { parentRef: { name: "gw", namespace: "a" }, controllerName: "other.example/ctrl", conditions: [cond("Accepted", "False", 1)] };

describe("mergeStatus", () => {
  it("replaces only our parents[] entries and keeps others' in place", () => {
    const current = { parents: [foreign, { parentRef: { name: "gw", namespace: "a" }, controllerName: OURS, conditions: [cond("Accepted", "False", 1)] }] };
    const desired = route([{ parentRef: { name: "gw", namespace: "a" }, controllerName: OURS, conditions: [cond("Accepted", "True", 2, "2026-02-02T00:00:00Z")] }]);
    const next = mergeStatus("HTTPRoute", current, desired, opts) as { parents: typeof foreign[] };
    expect(next.parents[0]).toEqual(foreign);
    expect(next.parents[1]!.conditions[0]).toMatchObject({ status: "True", observedGeneration: 2, lastTransitionTime: "2026-02-02T00:00:00Z" });
  });

  it("keeps lastTransitionTime when status is unchanged, and writes nothing when that is the only difference", () => {
    const mine = (time: string, message = "") => ({ parentRef: { name: "gw", namespace: "a" }, controllerName: OURS, conditions: [cond("Accepted", "True", 2, time, message)] });
    const current = { parents: [mine("2026-01-01T00:00:00Z")] };
    expect(mergeStatus("HTTPRoute", current, route([mine("2026-05-05T00:00:00Z")]), opts)).toBeNull();
    const changed = mergeStatus("HTTPRoute", current, route([mine("2026-05-05T00:00:00Z", "new message")]), opts) as { parents: { conditions: Condition[] }[] };
    expect(changed.parents[0]!.conditions[0]).toMatchObject({ message: "new message", lastTransitionTime: "2026-01-01T00:00:00Z" });
  });

  it("never regresses observedGeneration", () => {
    const current = { conditions: [cond("Accepted", "True", 5)] };
    const older: ObjectStatus = { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: "a", name: "g", generation: 4, status: { conditions: [cond("Accepted", "False", 4)] } };
    expect(mergeStatus("Gateway", current, older, opts)).toBeNull();
  });

  it("merges listener conditions by type, keeping their transition times", () => {
    const current = { conditions: [cond("Accepted", "True", 1)], listeners: [{ name: "http", conditions: [cond("Programmed", "True", 1, "2026-01-01T00:00:00Z")] }] };
    const desired: ObjectStatus = {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      namespace: "a",
      name: "g",
      generation: 2,
      status: { conditions: [cond("Accepted", "True", 2)], listeners: [{ name: "http", conditions: [cond("Programmed", "True", 2, "2026-09-09T00:00:00Z")] }] },
    };
    const next = mergeStatus("Gateway", current, desired, opts) as { listeners: { conditions: Condition[] }[] };
    expect(next.listeners[0]!.conditions[0]).toMatchObject({ observedGeneration: 2, lastTransitionTime: "2026-01-01T00:00:00Z" });
  });
});

describe("applyEdgeAcknowledgement", () => {
  const gw = (generation: number): ObjectStatus => ({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    namespace: "a",
    name: "g",
    generation,
    status: { conditions: [cond("Accepted", "True", generation), cond("Programmed", "True", generation)], listeners: [{ name: "http", conditions: [cond("Programmed", "True", generation)] }] },
  });
  const programmed = (s: ObjectStatus) => (s.status.conditions as Condition[]).find((c) => c.type === "Programmed")!;

  it("is Pending until the edge serves the Gateway's generation, then True", () => {
    const served = { epoch: 1, counter: 9, hash: "f".repeat(64), gatewayGeneration: 2 };
    expect(programmed(applyEdgeAcknowledgement(gw(3), { configured: true, served }))).toMatchObject({ status: "False", reason: "Pending", observedGeneration: 3 });
    expect(programmed(applyEdgeAcknowledgement(gw(3), { configured: true, served })).message).toContain("1.9-ffffffffffff");
    const listener = (applyEdgeAcknowledgement(gw(3), { configured: true, served }).status.listeners as { conditions: Condition[] }[])[0]!.conditions[0]!;
    expect(listener).toMatchObject({ status: "False", reason: "Pending" });
    expect(programmed(applyEdgeAcknowledgement(gw(2), { configured: true, served }))).toMatchObject({ status: "True", reason: "Programmed" });
    expect(programmed(applyEdgeAcknowledgement(gw(2), { configured: false, served }))).toMatchObject({ status: "False", reason: "Pending" });
  });

  it("leaves a False verdict of the translator alone", () => {
    const invalid = gw(1);
    (invalid.status.conditions as Condition[])[1] = { ...cond("Programmed", "False", 1), reason: "Invalid" };
    expect(programmed(applyEdgeAcknowledgement(invalid, { configured: true }))).toMatchObject({ status: "False", reason: "Invalid" });
  });
});
