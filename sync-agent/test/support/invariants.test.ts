/**
 * The invariants must catch what they claim to: a real translation passes, and each kind of breakage is reported.
 */
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/translate/api.ts";
import { checkInvariants, ownedObjects } from "./invariants.ts";
import { translateObjects } from "./run-translation.ts";

const GW = "gateway.networking.k8s.io/v1";
const objects: KubeObject[] = [
  { apiVersion: GW, kind: "GatewayClass", metadata: { name: "ours", generation: 2 }, spec: { controllerName: "edgeway.dev/gateway-controller" } },
  { apiVersion: GW, kind: "GatewayClass", metadata: { name: "theirs" }, spec: { controllerName: "example.com/other" } },
  { apiVersion: GW, kind: "Gateway", metadata: { name: "gw", namespace: "ns", generation: 3 }, spec: { gatewayClassName: "ours", listeners: [{ name: "http", port: 80, protocol: "HTTP" }] } },
  { apiVersion: GW, kind: "Gateway", metadata: { name: "foreign", namespace: "ns" }, spec: { gatewayClassName: "theirs", listeners: [{ name: "http", port: 80, protocol: "HTTP" }] } },
  { apiVersion: GW, kind: "HTTPRoute", metadata: { name: "r", namespace: "ns", generation: 4 }, spec: { parentRefs: [{ name: "gw" }], rules: [{}] } },
  { apiVersion: GW, kind: "HTTPRoute", metadata: { name: "elsewhere" }, spec: { parentRefs: [{ name: "foreign", namespace: "ns" }] } },
];

describe("translation invariants", () => {
  it("computes ownership from the raw objects", () => {
    const owned = ownedObjects(objects);
    expect([...owned.classes]).toEqual(["ours"]);
    expect([...owned.gateways]).toEqual(["ns/gw"]);
    expect([...owned.routes]).toEqual(["HTTPRoute ns/r"]);
  });

  it("passes a real translation and reports each kind of breakage", async () => {
    const t = await translateObjects(objects);
    expect(await checkInvariants(objects, t.statuses, t.snapshots)).toEqual([]);

    const withoutRoute = t.statuses.filter((s) => s.kind !== "HTTPRoute");
    expect(await checkInvariants(objects, withoutRoute, t.snapshots)).toEqual(["HTTPRoute ns/r is ours but got no status"]);

    const foreign = { ...t.statuses.find((s) => s.kind === "Gateway")!, name: "foreign" };
    expect(await checkInvariants(objects, [...t.statuses, foreign], t.snapshots)).toContain("Gateway ns/foreign is not ours but got a status");

    const staleGeneration = t.statuses.map((s) => (s.kind === "Gateway" ? { ...s, status: { ...s.status, conditions: [{ type: "Accepted", status: "True", reason: "Accepted", observedGeneration: 1 }] } } : s));
    expect((await checkInvariants(objects, staleGeneration, t.snapshots)).join("\n")).toContain("observedGeneration 1 != 3");

    const compiled = t.snapshots[0]!;
    const tamperedBytes = { ...compiled, bytes: new Uint8Array([...compiled.bytes.subarray(0, -1), 32]) };
    const problems = await checkInvariants(objects, t.statuses, [tamperedBytes]);
    expect(problems).toContain("snapshot ns/gw bytes are not the blob of the snapshot's canonical wire form and route table");
    expect(problems).toContain("snapshot ns/gw bytes do not read back as the snapshot");
    expect(problems).toContain("snapshot ns/gw sha256 does not match its bytes");

    // Bytes that are valid JSON of another snapshot (a route name changed after compiling).
    const renamed = { ...compiled, snapshot: { ...compiled.snapshot, routes: compiled.snapshot.routes.map((r) => ({ ...r, name: `${r.name}-x` })) } };
    const renamedProblems = await checkInvariants(objects, t.statuses, [renamed]);
    expect(renamedProblems).toContain("snapshot ns/gw bytes do not read back as the snapshot");
    expect(renamedProblems).toContain("snapshot ns/gw bytes are not the blob of the snapshot's canonical wire form and route table");

    // A table of the right size that is not the one compiled from the snapshot.
    const zeroTable = { ...compiled, snapshot: { ...compiled.snapshot, routeTable: new Uint8Array(compiled.snapshot.routeTable.byteLength) } };
    expect(await checkInvariants(objects, t.statuses, [zeroTable])).toContain("snapshot ns/gw route table is not the one compiled from the snapshot");

    const invalid = { ...compiled, snapshot: { ...compiled.snapshot, listeners: [{ name: "", port: 0, protocol: "FTP" }] } } as unknown as typeof compiled;
    expect((await checkInvariants(objects, t.statuses, [invalid])).join("\n")).toContain("fails validateSnapshot");
  });
});
