import { describe, expect, it } from "vitest";
import { decodeBlob, readSnapshotBlob } from "../../../schema/blob.ts";
import { canonicalJson } from "../../../schema/canonical.ts";
import { compactSnapshot } from "../../../schema/wire.ts";
import { SCHEMA_VERSION } from "../../../schema/snapshot.ts";
import { compileRouteTable } from "../../../wasm-matcher/src/table.ts";
import type { KubeObject } from "../translate/api.ts";
import { translate } from "../translate/index.ts";
import { BASE, GATEWAY, objects, route } from "../translate/test-fixtures.ts";
import type { IR } from "../ir/types.ts";
import { validate } from "../ir/validate.ts";
import { compileSnapshots, InvalidIRError } from "./index.ts";

const RICH = `${BASE}---${GATEWAY}---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: second, namespace: infra}
spec:
  gatewayClassName: edgeway
  listeners:
  - {name: b, port: 80, protocol: HTTP, hostname: "*.example.com"}
  - {name: a, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
---${route(`  - name: api
    matches: [{path: {type: PathPrefix, value: /api}, headers: [{name: Z-Last, value: z}, {name: A-First, value: a}], queryParams: [{name: q, value: "1"}, {name: b, value: "2"}], method: GET}]
    filters:
    - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Z, value: z}, {name: X-A, value: a}], add: [{name: X-M, value: m}], remove: [X-R2, X-R1]}}
    - {type: CORS, cors: {allowOrigins: ["https://*.example.com"], allowMethods: [GET]}}
    - {type: RequestMirror, requestMirror: {backendRef: {name: v2, port: 8080}, percent: 10}}
    backendRefs: [{name: v1, port: 8080, weight: 90}, {name: v2, port: 8081, weight: 10, filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: X-B, value: b}]}}]}, {name: missing, port: 1}]
    timeouts: {request: 2s, backendRequest: 1s}
    retry: {codes: [503, 500], attempts: 2, backoff: 100ms}
  - matches: [{path: {type: Exact, value: /old}}]
    filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301, path: {type: ReplaceFullPath, replaceFullPath: /new}}}]
  - filters: [{type: ExtensionRef, extensionRef: {group: x.io, kind: F, name: f}}]
    backendRefs: [{name: v1, port: 8080}]`).replace("[{name: gw}]", "[{name: gw}, {name: second}]")}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: another, namespace: apps}
spec:
  parentRefs: [{name: second, namespace: infra, sectionName: a}]
  hostnames: [b.example.com, a.example.com]
  rules: [{backendRefs: [{name: other, port: 80}]}]
`;

async function compileText(objs: KubeObject[]) {
  return compileSnapshots(translate(objs).ir);
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe("compileSnapshots", () => {
  it("emits one valid snapshot per Gateway, sorted by namespace/name, with the routes attached to each", async () => {
    const compiled = await compileText(objects(RICH));
    expect(compiled.map((c) => c.gateway)).toEqual(["infra/gw", "infra/second"]);
    for (const c of compiled) {
      const check = readSnapshotBlob(c.bytes);
      expect(check.ok ? [] : check.problems).toEqual([]);
    }
    expect(compiled[0]!.snapshot.routes.map((r) => r.name)).toEqual(["web"]);
    expect(compiled[1]!.snapshot.routes.map((r) => `${r.namespace}/${r.name}`)).toEqual(["apps/another", "infra/web"]);
    const another = compiled[1]!.snapshot.routes[0]!;
    expect(another.attachments).toEqual([{ listener: 1, hostnames: ["a.example.com", "b.example.com"] }]);
  });

  it("writes a blob of exactly the canonical JSON of the snapshot's wire form and the route table, which reads back as the snapshot, and hashes those bytes", async () => {
    for (const c of await compileText(objects(RICH))) {
      const decoded = decodeBlob(c.bytes);
      if (!decoded.ok) throw new Error(decoded.reason);
      expect(decoded.parts.version).toBe(SCHEMA_VERSION);
      expect(new TextDecoder().decode(decoded.parts.json)).toBe(canonicalJson(compactSnapshot(c.snapshot)));
      expect(decoded.parts.table).toEqual(compileRouteTable(c.snapshot));
      const read = readSnapshotBlob(c.bytes);
      expect(read.ok && read.value).toStrictEqual(c.snapshot);
      const digest = Buffer.from(await crypto.subtle.digest("SHA-256", c.bytes)).toString("hex");
      expect(c.sha256).toBe(digest);
    }
  });

  it("stores the route table as raw bytes, not base64 inside the JSON", async () => {
    const [c] = await compileText(objects(RICH));
    const table = c!.snapshot.routeTable;
    expect(table.byteLength).toBeGreaterThan(0);
    const decoded = decodeBlob(c!.bytes);
    expect(decoded.ok && new TextDecoder().decode(decoded.parts.json)).not.toContain("routeTable");
    expect(c!.bytes.subarray(c!.bytes.byteLength - table.byteLength)).toEqual(table);
  });

  it("sorts order-free lists: header and query matches, header modifier entries, retry codes", async () => {
    const [c] = await compileText(objects(RICH));
    const rule = c!.snapshot.routes[0]!.rules[0]!;
    expect(rule.matches[0]!.headers.map((h) => h.name)).toEqual(["a-first", "z-last"]);
    expect(rule.matches[0]!.queryParams.map((q) => q.name)).toEqual(["b", "q"]);
    expect(rule.filters[0]).toEqual({
      type: "RequestHeaderModifier",
      modifier: { set: [{ name: "x-a", value: "a" }, { name: "x-z", value: "z" }], add: [{ name: "x-m", value: "m" }], remove: ["x-r1", "x-r2"] },
    });
    expect(rule.retry!.codes).toEqual([500, 503]);
    expect(rule.backends.map((b) => [b.weight, b.status])).toEqual([
      [90, 200],
      [10, 200],
      [1, 500],
    ]);
  });

  it("gives byte-identical output for the same objects in any order and any file split", async () => {
    const objs = objects(RICH);
    const reference = (await compileText(objs)).map((c) => c.sha256);
    for (const seed of [1, 2, 3, 4, 5]) {
      expect((await compileText(shuffled(objs, seed))).map((c) => c.sha256)).toEqual(reference);
    }
    const docs = RICH.split(/^---$/m);
    const split = [docs.slice(0, 5).join("---\n"), docs.slice(5).join("---\n")].reverse().flatMap((text) => objects(text));
    expect((await compileText(split)).map((c) => c.sha256)).toEqual(reference);
  });

  it("refuses an IR that breaks its invariants instead of publishing it", async () => {
    const ir = translate(objects(RICH)).ir;
    ir.routes[0]!.attachments.push({ gateway: "infra/gw", listener: "nope", hostnames: [] });
    await expect(compileSnapshots(ir)).rejects.toBeInstanceOf(InvalidIRError);
  });

  // The compiler checks the invariants during its own walk instead of calling validate(): it must refuse exactly the
  // IRs validate() refuses, whichever route, rule or Gateway is broken.
  it("refuses an IR if and only if validate() finds a problem in it", async () => {
    const breakages: [string, (ir: IR) => void][] = [
      ["nothing", () => {}],
      ["duplicate gateway", (ir) => ir.gateways.push({ ...ir.gateways[0]! })],
      ["duplicate listener", (ir) => ir.gateways[1]!.listeners.push({ ...ir.gateways[1]!.listeners[0]! })],
      ["duplicate route", (ir) => ir.routes.push({ ...ir.routes[0]! })],
      ["attachment to an unknown gateway", (ir) => ir.routes[0]!.attachments.splice(0, 9, { gateway: "infra/none", listener: "a", hostnames: [] })],
      ["attachment to an unknown listener", (ir) => ir.routes[1]!.attachments.push({ gateway: "infra/second", listener: "nope", hostnames: [] })],
      ["rule without matches, second gateway only", (ir) => (ir.routes[0]!.rules[0]!.matches = [])],
      ["rule without matches, route attached nowhere", (ir) => ((ir.routes[1]!.attachments = []), (ir.routes[1]!.rules[0]!.matches = []))],
      ["backendRequest timeout over request", (ir) => (ir.routes[1]!.rules[0]!.timeouts = { requestMs: 10, backendRequestMs: 20 })],
      ["weight out of range", (ir) => (ir.routes[1]!.rules[0]!.backends[0]!.weight = 1.5)],
      ["invalid backend with a success status", (ir) => (ir.routes[1]!.rules[0]!.backends[2]!.status = 200)],
    ];
    for (const [what, breakIt] of breakages) {
      const ir = structuredClone(translate(objects(RICH)).ir);
      breakIt(ir);
      const expected = validate(ir).length > 0;
      expect(expected, what).toBe(what !== "nothing");
      const refused = await compileSnapshots(ir).then(
        () => false,
        (error: unknown) => error instanceof InvalidIRError,
      );
      expect(refused, what).toBe(expected);
    }
  });
});
