import { describe, expect, it } from "vitest";
import { readSnapshotBlob } from "../../../schema/blob.ts";
import { compileSnapshots } from "../compile/index.ts";
import type { Condition, ObjectStatus } from "./api.ts";
import { translate } from "./index.ts";
import { BASE, GATEWAY, objects, route } from "./test-fixtures.ts";
import { GENERATED_ORIGIN_TEMPLATE, generateCluster } from "../../test/support/generate.ts";

function find(statuses: ObjectStatus[], kind: string, name: string): ObjectStatus {
  const status = statuses.find((s) => s.kind === kind && s.name === name);
  if (!status) throw new Error(`no status for ${kind} ${name}`);
  return status;
}

function conditions(status: ObjectStatus): Condition[] {
  return status.status.conditions as Condition[];
}

function parentConditions(status: ObjectStatus, i = 0): Condition[] {
  return (status.status.parents as { conditions: Condition[] }[])[i]!.conditions;
}

describe("translate: a simple Gateway and HTTPRoute", () => {
  const input = objects(BASE + "---" + GATEWAY + "---" + route("  - backendRefs: [{name: v1, port: 8080}]"));
  const result = translate(input, { now: "2025-01-01T00:00:00Z" });

  it("accepts our GatewayClass with its generation", () => {
    const [accepted] = conditions(find(result.statuses, "GatewayClass", "edgeway"));
    expect(accepted).toMatchObject({ type: "Accepted", status: "True", reason: "Accepted", observedGeneration: 3 });
  });

  it("accepts and programs the Gateway, counts the route, and publishes the default address", () => {
    const gw = find(result.statuses, "Gateway", "gw");
    expect(conditions(gw).map((c) => `${c.type}=${c.status}/${c.reason}@${c.observedGeneration}`)).toEqual([
      "Accepted=True/Accepted@2",
      "Programmed=True/Programmed@2",
    ]);
    expect(gw.status.addresses).toEqual([{ type: "Hostname", value: "gw.infra.edgeway.local" }]);
    const [listener] = gw.status.listeners as { attachedRoutes: number; supportedKinds: unknown[]; conditions: Condition[] }[];
    expect(listener!.attachedRoutes).toBe(1);
    expect(listener!.supportedKinds).toEqual([{ group: "gateway.networking.k8s.io", kind: "HTTPRoute" }]);
    expect(listener!.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(["Accepted=True", "Programmed=True", "ResolvedRefs=True", "Conflicted=False"]);
  });

  it("reports the route's parent with our controllerName, the parentRef echo, and the route generation", () => {
    const web = find(result.statuses, "HTTPRoute", "web");
    const parent = (web.status.parents as Record<string, unknown>[])[0]!;
    expect(parent.controllerName).toBe("edgeway.dev/gateway-controller");
    expect(parent.parentRef).toEqual({ group: "gateway.networking.k8s.io", kind: "Gateway", name: "gw" });
    expect(parentConditions(web).map((c) => `${c.type}=${c.status}/${c.reason}@${c.observedGeneration}`)).toEqual([
      "Accepted=True/Accepted@5",
      "ResolvedRefs=True/ResolvedRefs@5",
    ]);
    expect(parentConditions(web)[0]!.lastTransitionTime).toBe("2025-01-01T00:00:00Z");
  });

  it("compiles one valid snapshot with the route, its default match and its origin", async () => {
    const [compiled, ...more] = await compileSnapshots(result.ir);
    expect(more).toEqual([]);
    expect(compiled!.gateway).toBe("infra/gw");
    const valid = readSnapshotBlob(compiled!.bytes);
    expect(valid.ok ? [] : valid.problems).toEqual([]);
    const snapshot = compiled!.snapshot;
    expect(snapshot.listeners).toEqual([{ name: "http", port: 80, protocol: "HTTP", hostname: null }]);
    expect(snapshot.routes).toHaveLength(1);
    const rule = snapshot.routes[0]!.rules[0]!;
    expect(rule.matches).toEqual([{ path: { type: "PathPrefix", value: "/" }, headers: [], queryParams: [], method: null }]);
    expect(rule.backends[0]!.target).toEqual({ ref: "infra/v1:8080", origin: "http://v1.origin.test:8080", protocol: "http" });
    expect(snapshot.routeTable.length).toBeGreaterThan(0);
    expect(compiled!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("shared IR entries", () => {
  it("gives every weight-1, filterless reference to one Service from one namespace the same backend object, and others their own", () => {
    const { ir } = translate(generateCluster({ routes: 300, seed: 7 }), { originTemplate: GENERATED_ORIGIN_TEMPLATE });
    const byKey = new Map<string, Set<object>>();
    const others = new Set<object>();
    let otherCount = 0;
    for (const route of ir.routes) {
      for (const rule of route.rules) {
        for (const backend of rule.backends) {
          if (backend.weight === 1 && backend.filters.length === 0) {
            const key = `${route.namespace} ${backend.ref}`;
            const set = byKey.get(key) ?? new Set<object>();
            byKey.set(key, set.add(backend));
          } else {
            others.add(backend);
            otherCount++;
          }
        }
      }
    }
    expect(byKey.size).toBeGreaterThan(10);
    for (const [key, objects] of byKey) expect(objects.size, key).toBe(1);
    expect(otherCount).toBeGreaterThan(10);
    expect(others.size).toBe(otherCount);
  });
});
