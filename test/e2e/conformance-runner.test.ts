/** The conformance runner's own logic: request preparation, response comparison, mutations, skips. */
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../sync-agent/src/translate/api.ts";
import type { SendResult } from "../support/http-client.ts";
import { checkExpectation } from "../conformance/conditions.ts";
import { applyMutation, applyPrecondition } from "../conformance/mutations.ts";
import { caseSkipReason, loadSuite, testSkipReason, type ConformanceCase, type ConformanceTest } from "../conformance/suite.ts";
import { compareResponse, prepareRequest } from "../conformance/traffic.ts";

function makeCase(overrides: Partial<ConformanceCase["request"]> = {}, expected: Partial<ConformanceCase["expected"]> = {}): ConformanceCase {
  return {
    id: "T/0",
    name: "t",
    request: { host: null, path: "/", method: "GET", headers: {}, scheme: "http", protocol: "HTTP", followRedirects: true, ...overrides },
    expected: { statusCode: 200, statusCodes: [200], backend: null, namespace: null, ...expected },
  };
}

function response(status: number, headers: Record<string, string>, json?: unknown): SendResult {
  return { status, headers, body: json ? JSON.stringify(json) : "", json, durationMs: 1 };
}

const echo = (over: Record<string, unknown> = {}) => ({
  path: "/",
  host: "gw.example",
  method: "GET",
  proto: "HTTP/1.1",
  headers: {},
  namespace: "gateway-conformance-infra",
  pod: "infra-backend-v1-abcd1234-ef5678",
  httpPort: "1",
  tls: null,
  ...over,
});

describe("prepareRequest", () => {
  it("fills a fresh uuid, appends the request id when the notes ask, and puts a non-80 gateway port in Host", () => {
    const c = { ...makeCase({ path: "/retry/x?uuid=<fresh-uuid-per-probe>" }), gatewayPort: 8080, notes: ["appends ?gateway-api-conformance-request-id=<uuid>"] };
    c.expected.backendRequest = { path: "/retry/x?uuid=<fresh-uuid-per-probe>", host: null, method: "GET" };
    const a = prepareRequest(c, "gw.example");
    const b = prepareRequest(c, "gw.example");
    expect(a.options.path).toMatch(/^\/retry\/x\?uuid=[0-9a-f-]{36}&gateway-api-conformance-request-id=[0-9a-f-]{36}$/);
    expect(a.expectedBackendPath).toBe(a.options.path);
    expect(a.options.path).not.toBe(b.options.path);
    expect(a.options.host).toBe("gw.example:8080");
  });

  it("turns backendSetResponseHeaders into X-Echo-Set-Header", () => {
    const c = makeCase({ host: "a.example", backendSetResponseHeaders: { A: "1", B: "2" } });
    const p = prepareRequest(c, "gw");
    expect(p.options.host).toBe("a.example");
    expect(p.options.headers).toEqual({ "X-Echo-Set-Header": "A:1,B:2" });
  });
});

describe("compareResponse", () => {
  const prepared = { options: { path: "/p?q=1", method: "GET" }, expectedBackendPath: "/p?q=1" };

  it("passes a matching echo and reports each mismatch", () => {
    const expected = {
      statusCode: 200,
      statusCodes: [200],
      backend: "infra-backend-v1",
      namespace: "gateway-conformance-infra",
      backendRequest: { path: "/p?q=1", host: null, method: "GET" },
      requestHeaders: { "X-Add": "a,b" },
      absentRequestHeaders: ["X-Gone"],
    };
    const good = echo({ path: "/p?q=1", headers: { "X-Add": ["a", "b"] } });
    expect(compareResponse(expected, response(200, { "content-type": "application/json" }, good), prepared)).toEqual([]);
    const bad = echo({ path: "/other", pod: "infra-backend-v2-1-2", headers: { "X-Gone": ["x"] } });
    const problems = compareResponse(expected, response(200, {}, bad), prepared);
    expect(problems.join("\n")).toMatch(/pod infra-backend-v2/);
    expect(problems.join("\n")).toMatch(/backend path \/other/);
    expect(problems.join("\n")).toMatch(/did not get header X-Add/);
    expect(problems.join("\n")).toMatch(/got header X-Gone/);
  });

  it("treats 408 as 504 and reports other statuses", () => {
    const expected = { statusCode: 504, statusCodes: [504], backend: null, namespace: null };
    expect(compareResponse(expected, response(408, {}), prepared)).toEqual([]);
    expect(compareResponse(expected, response(200, {}), prepared)[0]).toMatch(/status 200/);
  });

  it("compares redirect scheme, host, port and path", () => {
    const expected = {
      statusCode: 302,
      statusCodes: [302],
      backend: null,
      namespace: null,
      redirectRequest: { scheme: "https", host: "example.org", port: null, path: "/x" },
    };
    expect(compareResponse(expected, response(302, { location: "https://example.org/x" }), prepared)).toEqual([]);
    expect(compareResponse(expected, response(302, { location: "https://example.org:8443/x" }), prepared)[0]).toMatch(/port 8443/);
    expect(compareResponse(expected, response(302, {}), prepared)).toEqual(["no Location header"]);
  });

  it("accepts the Host deviation only when X-Forwarded-Host carries the expected host", () => {
    const expected = { statusCode: 200, statusCodes: [200], backend: null, namespace: null, backendRequest: { path: "/p?q=1", host: "a.example", method: "GET" } };
    const deviations: string[] = [];
    const viaForwarded = echo({ path: "/p?q=1", host: "127.0.0.1:1", headers: { "X-Forwarded-Host": ["a.example"] } });
    expect(compareResponse(expected, response(200, {}, viaForwarded), prepared, deviations)).toEqual([]);
    expect(deviations).toHaveLength(1);
    const wrong = echo({ path: "/p?q=1", host: "127.0.0.1:1", headers: { "X-Forwarded-Host": ["b.example"] } });
    expect(compareResponse(expected, response(200, {}, wrong), prepared)[0]).toMatch(/backend host/);
  });
});

describe("mutations and preconditions", () => {
  const objects = (): KubeObject[] => [
    { apiVersion: "v1", kind: "HTTPRoute", metadata: { name: "r", namespace: "ns", generation: 1 }, spec: { rules: [{ backendRefs: [{ name: "a" }] }] } },
    { apiVersion: "v1", kind: "Gateway", metadata: { name: "g", namespace: "ns" }, spec: { listeners: [{ name: "http" }, { name: "https" }] } },
    { apiVersion: "v1", kind: "ReferenceGrant", metadata: { name: "rg", namespace: "ns" } },
  ];

  it("sets a field path and bumps the generation", () => {
    const list = objects();
    expect(applyMutation(list, "patch HTTPRoute ns/r: spec.rules[0].backendRefs[0].name = infra-backend-v2", null)).toBeUndefined();
    expect((list[0]!.spec as { rules: Array<{ backendRefs: Array<{ name: string }> }> }).rules[0]!.backendRefs[0]!.name).toBe("infra-backend-v2");
    expect(list[0]!.metadata.generation).toBe(2);
  });

  it("appends and removes listeners, defaulting to the test's Gateway", () => {
    const list = objects();
    expect(applyMutation(list, "patch Gateway: append listener {name: alt, port: 80, allowedRoutes.namespaces.from: All}", "ns/g")).toBeUndefined();
    expect(applyMutation(list, 'patch Gateway ns/g: remove listener "https" (leave only "http")', null)).toBeUndefined();
    expect((list[1]!.spec as { listeners: unknown[] }).listeners).toEqual([
      { name: "http" },
      { name: "alt", port: 80, allowedRoutes: { namespaces: { from: "All" } } },
    ]);
    expect(list[1]!.metadata.generation).toBe(3);
  });

  it("reports what it cannot do and deletes objects for preconditions", () => {
    const list = objects();
    expect(applyMutation(list, "rename everything", null)).toMatch(/not understood/);
    expect(applyMutation(list, "patch Gateway ns/missing: spec.x = 1", null)).toMatch(/not found/);
    expect(applyPrecondition(list, { action: "delete", kind: "ReferenceGrant", ref: "ns/rg" })).toBeUndefined();
    expect(list.map((o) => o.kind)).toEqual(["HTTPRoute", "Gateway"]);
  });
});

describe("applicability and status checks", () => {
  it("reports missing conformance data instead of failing", () => {
    const load = loadSuite("does-not-exist");
    expect(load.ok).toBe(false);
    expect(!load.ok && load.reason).toMatch(/cases\.json/);
  });

  it("skips unclaimed features, TLS cases and Host ports the worker cannot see", () => {
    expect(testSkipReason({ features: ["SupportTLSRoute"] } as ConformanceTest)).toMatch(/TLSRoute/);
    expect(testSkipReason({ features: ["SupportHTTPRoute"], cases: [] } as unknown as ConformanceTest)).toBeUndefined();
    expect(caseSkipReason(makeCase({ scheme: "https", protocol: "HTTPS", host: "a.org", sni: "b.org" }))).toMatch(/SNI/);
    expect(caseSkipReason(makeCase({ scheme: "https", protocol: "HTTPS", host: "a.org", sni: "a.org" }))).toBeUndefined();
    expect(caseSkipReason(makeCase({ host: "a.com:1234" }))).toMatch(/port/);
    expect(caseSkipReason({ ...makeCase({ host: "a.com:8080" }), gatewayPort: 8080 })).toBeUndefined();
  });

  it("checks route parent conditions and their observedGeneration", () => {
    const statuses = [{
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      namespace: "ns",
      name: "r",
      generation: 2,
      status: {
        parents: [{
          parentRef: { name: "g" },
          controllerName: "edgeway.dev/gateway-controller",
          conditions: [{ type: "Accepted", status: "True", reason: "Accepted", message: "", observedGeneration: 1, lastTransitionTime: "" }],
        }],
      },
    }];
    const check = {
      check: "RouteParentCondition",
      object: { kind: "HTTPRoute", ref: "ns/r" },
      parentRef: { name: "g", namespace: "ns" },
      conditions: [{ type: "Accepted", status: "True" as const, reason: "Accepted" }],
    };
    expect(checkExpectation(check, statuses, [])).toEqual([expect.stringMatching(/observedGeneration 1, generation is 2/)]);
    statuses[0]!.generation = 1;
    expect(checkExpectation(check, statuses, [])).toEqual([]);
  });
});
