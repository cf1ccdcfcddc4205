import { describe, expect, it } from "vitest";
import type { TranslateOptions } from "./api.ts";
import { translate } from "./index.ts";
import { BASE, GATEWAY, brief, listenerStatus, objects, parentConditions, route, statusOf } from "./test-fixtures.ts";

function run(yaml: string, options: TranslateOptions = {}) {
  const result = translate(objects(BASE + "---" + yaml), options);
  const web = result.statuses.find((s) => s.kind === "HTTPRoute" && s.name === "web");
  const ir = result.ir.routes.find((r) => r.name === "web");
  const gw = () => statusOf(result.statuses, "Gateway", "gw");
  return { result, web, ir, get gw() { return gw(); } };
}

const withGateway = (rules: string, extra = "") => GATEWAY + "---" + route(rules, extra);

describe("attachment (spec §2)", () => {
  const twoListeners = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: edgeway
  listeners:
  - {name: http, port: 80, protocol: HTTP, hostname: "*.example.com"}
  - {name: alt, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: Selector, selector: {matchExpressions: [{key: tier, operator: In, values: [apps]}]}}}}
---`;
  const rules = "  - backendRefs: [{name: v1, port: 8080}]";

  it("NoMatchingParent when sectionName or port selects no listener", () => {
    expect(brief(parentConditions(run(twoListeners + route(rules).replace("[{name: gw}]", "[{name: gw, sectionName: nope}]")).web!))[0]).toBe(
      "Accepted=False/NoMatchingParent",
    );
    expect(brief(parentConditions(run(twoListeners + route(rules).replace("[{name: gw}]", "[{name: gw, port: 8080, sectionName: http}]")).web!))[0]).toBe(
      "Accepted=False/NoMatchingParent",
    );
  });

  it("NotAllowedByListeners when the namespace selector excludes the route's namespace", () => {
    const { web, gw } = run(twoListeners + route(rules).replace("[{name: gw}]", "[{name: gw, port: 8080}]"));
    expect(brief(parentConditions(web!))[0]).toBe("Accepted=False/NotAllowedByListeners");
    expect(listenerStatus(gw, "alt").attachedRoutes).toBe(0);
  });

  it("NoMatchingListenerHostname when no route hostname intersects, and no attached-route count", () => {
    const { web, gw, ir } = run(twoListeners + route(rules, "  hostnames: [other.net]").replace("[{name: gw}]", "[{name: gw, sectionName: http}]"));
    expect(brief(parentConditions(web!))[0]).toBe("Accepted=False/NoMatchingListenerHostname");
    expect(listenerStatus(gw, "http").attachedRoutes).toBe(0);
    expect(ir).toBeUndefined();
  });

  it("attaches through the listeners that accept it, with the hostname intersection", () => {
    const { web, gw, ir } = run(twoListeners + route(rules, "  hostnames: [a.example.com, other.net]"));
    expect(brief(parentConditions(web!))[0]).toBe("Accepted=True/Accepted");
    expect(listenerStatus(gw, "http").attachedRoutes).toBe(1);
    expect(ir!.attachments).toEqual([{ gateway: "infra/gw", listener: "http", hostnames: ["a.example.com"] }]);
  });

  it("counts a route once per listener however many of its parentRefs reach it, and each route once", () => {
    const second = route(rules).replace("name: web", "name: web2");
    const { gw, web } = run(twoListeners + route(rules, "  hostnames: [a.example.com]").replace("[{name: gw}]", "[{name: gw}, {name: gw, sectionName: http}, {name: gw, port: 80}]") + "---" + second);
    expect(brief(parentConditions(web!, 1))[0]).toBe("Accepted=True/Accepted");
    expect(listenerStatus(gw, "http").attachedRoutes).toBe(2);
  });

  it("reports nothing for parentRefs to Gateways that are not ours or do not exist", () => {
    const { web } = run(route(rules).replace("[{name: gw}]", "[{name: missing}]"));
    expect(web).toBeUndefined();
  });

  it("reports GRPCRoute and other route kinds as not allowed", () => {
    const { result } = run(GATEWAY + "---\napiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: g, namespace: infra}\nspec: {parentRefs: [{name: gw}]}\n");
    expect(brief(parentConditions(statusOf(result.statuses, "GRPCRoute", "g")))).toEqual(["Accepted=False/NotAllowedByListeners"]);
  });
});

describe("rules", () => {
  it("drops invalid rules with PartiallyInvalid and keeps the rest with their original index", () => {
    const { web, ir } = run(
      withGateway(`  - matches: [{path: {type: PathPrefix, value: "/a//b"}}]
    backendRefs: [{name: v1, port: 8080}]
  - matches: [{path: {type: Exact, value: /ok}}]
    backendRefs: [{name: v1, port: 8080}]`),
    );
    expect(brief(parentConditions(web!))).toEqual(["Accepted=True/Accepted", "ResolvedRefs=True/ResolvedRefs", "PartiallyInvalid=True/UnsupportedValue"]);
    expect(ir!.rules.map((r) => r.index)).toEqual([1]);
  });

  it("rejects the route when no rule is valid, with the rule's reason", () => {
    const { web, ir } = run(
      withGateway(`  - filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}, {type: URLRewrite, urlRewrite: {hostname: x.com}}]`),
    );
    expect(brief(parentConditions(web!))[0]).toBe("Accepted=False/IncompatibleFilters");
    expect(ir).toBeUndefined();
  });

  it.each([
    ["an unknown filter type", "  - filters: [{type: Teleport}]\n    backendRefs: [{name: v1, port: 8080}]", "UnsupportedValue"],
    ["a repeated RequestHeaderModifier", "  - filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: a, value: b}]}}, {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: c, value: d}]}}]\n    backendRefs: [{name: v1, port: 8080}]", "IncompatibleFilters"],
    ["RequestRedirect with backendRefs", "  - filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]\n    backendRefs: [{name: v1, port: 8080}]", "IncompatibleFilters"],
    ["ReplacePrefixMatch with an Exact match", "  - matches: [{path: {type: Exact, value: /a}}]\n    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /b}}}]\n    backendRefs: [{name: v1, port: 8080}]", "IncompatibleFilters"],
    ["a header set twice in one modifier", "  - filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-A, value: b}], remove: [x-a]}}]\n    backendRefs: [{name: v1, port: 8080}]", "UnsupportedValue"],
    ["backendRequest longer than request", "  - timeouts: {request: 1s, backendRequest: 2s}\n    backendRefs: [{name: v1, port: 8080}]", "UnsupportedValue"],
    ["a malformed duration", "  - timeouts: {request: 1.5s}\n    backendRefs: [{name: v1, port: 8080}]", "UnsupportedValue"],
    ["a retry code outside 400-599", "  - retry: {codes: [200]}\n    backendRefs: [{name: v1, port: 8080}]", "UnsupportedValue"],
    ["a wildcard URLRewrite hostname", "  - filters: [{type: URLRewrite, urlRewrite: {hostname: '*.example.com'}}]\n    backendRefs: [{name: v1, port: 8080}]", "UnsupportedValue"],
    ["a header value with a line break", "  - filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-a, value: \"a\\r\\nb: c\"}]}}]\n    backendRefs: [{name: v1, port: 8080}]", "UnsupportedValue"],
    ["a lower-case method", "  - matches: [{method: get}]\n    backendRefs: [{name: v1, port: 8080}]", "UnsupportedValue"],
    ["a backreference regex", "  - matches: [{path: {type: RegularExpression, value: '/(a)\\1'}}]\n    backendRefs: [{name: v1, port: 8080}]", "UnsupportedValue"],
  ])("rejects %s", (_what, rules, reason) => {
    expect(brief(parentConditions(run(withGateway(rules)).web!))[0]).toBe(`Accepted=False/${reason}`);
  });

  it("keeps only the first header and query match per name (headers case-insensitively)", () => {
    const { ir } = run(
      withGateway(`  - matches: [{headers: [{name: Version, value: one}, {name: version, value: two}], queryParams: [{name: a, value: "1"}, {name: A, value: "2"}, {name: a, value: "3"}]}]
    backendRefs: [{name: v1, port: 8080}]`),
    );
    const match = ir!.rules[0]!.matches[0]!;
    expect(match.headers).toEqual([{ type: "Exact", name: "version", value: "one" }]);
    // Sorted by name (they are ANDed): "A" before "a".
    expect(match.queryParams).toEqual([
      { type: "Exact", name: "A", value: "2" },
      { type: "Exact", name: "a", value: "1" },
    ]);
  });

  it("translates timeouts, retry defaults, redirects and rewrites", () => {
    const { ir } = run(
      withGateway(`  - matches: [{path: {type: PathPrefix, value: /api}}]
    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}}]
    timeouts: {request: 10s, backendRequest: 500ms}
    retry: {codes: [503, 500]}
    backendRefs: [{name: v1, port: 8080}]
  - filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]`),
    );
    const [rewrite, redirect] = ir!.rules;
    expect(rewrite!.timeouts).toEqual({ requestMs: 10_000, backendRequestMs: 500 });
    expect(rewrite!.retry).toEqual({ codes: [500, 503], attempts: 1, backoffMs: 0, retryConnectionErrors: true, retryNonIdempotent: false });
    expect(rewrite!.filters).toEqual([{ type: "URLRewrite", hostname: null, path: { type: "ReplacePrefixMatch", value: "/v2", prefix: "/api" } }]);
    expect(redirect!.filters).toEqual([{ type: "RequestRedirect", scheme: "https", hostname: null, port: null, statusCode: 302, path: null }]);
  });
});

describe("backendRefs and origins (spec §5, DESIGN.md Origins)", () => {
  const extraServices = `
apiVersion: v1
kind: Service
metadata: {name: lb, namespace: infra}
spec: {type: LoadBalancer, ports: [{port: 8080}]}
status: {loadBalancer: {ingress: [{ip: 198.51.100.4}]}}
---
apiVersion: v1
kind: Service
metadata: {name: plain, namespace: infra}
spec: {ports: [{port: 8080}, {port: 9000, appProtocol: kubernetes.io/ws}, {port: 9001, appProtocol: grpc}]}
---
apiVersion: v1
kind: Service
metadata: {name: bad-origin, namespace: infra, annotations: {edgeway.dev/origin: "http://x.test/path"}}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: ext, namespace: infra}
spec: {type: ExternalName, externalName: example.com, ports: [{port: 80}]}
---`;
  const backend = (ref: string, options: TranslateOptions = {}) => {
    const { ir, web } = run(extraServices + withGateway(`  - backendRefs: [${ref}]`), options);
    return { backend: ir!.rules[0]!.backends[0]!, conditions: brief(parentConditions(web!)) };
  };

  it("uses the annotation, then the LoadBalancer ingress, then the template", () => {
    expect(backend("{name: v2, port: 8081}").backend.target).toEqual({ ref: "infra/v2:8081", origin: "https://v2.origin.test", protocol: "h2c" });
    expect(backend("{name: lb, port: 8080}").backend.target!.origin).toBe("http://198.51.100.4:8080");
    const templated = backend("{name: plain, port: 9000}", { originTemplate: "http://{service}.{namespace}.{cluster}.example:{port}", clusterName: "east" });
    expect(templated.backend.target).toEqual({ ref: "infra/plain:9000", origin: "http://plain.infra.east.example:9000", protocol: "ws" });
  });

  it("without any origin: BackendNotFound saying what to set, and the share answered with 500", () => {
    const { backend: b, conditions } = backend("{name: plain, port: 8080, weight: 3}");
    expect(b).toMatchObject({ target: null, status: 500, weight: 3, reason: "BackendNotFound" });
    expect(conditions).toEqual(["Accepted=True/Accepted", "ResolvedRefs=False/BackendNotFound"]);
    const { web } = run(extraServices + withGateway("  - backendRefs: [{name: plain, port: 8080}]"));
    const message = parentConditions(web!)[1]!.message;
    expect(message).toContain("edgeway.dev/origin");
    expect(message).toContain("LoadBalancer");
    expect(message).toContain("--origin-template");
  });

  it.each([
    ["{name: missing, port: 8080}", "BackendNotFound"],
    ["{name: v1, port: 9999}", "BackendNotFound"],
    ["{name: v1}", "BackendNotFound"],
    ["{name: ext, port: 80}", "BackendNotFound"],
    ["{name: bad-origin, port: 80}", "BackendNotFound"],
    ["{group: example.com, kind: Bucket, name: b}", "InvalidKind"],
    ["{name: plain, port: 9001}", "UnsupportedProtocol"],
    ["{name: other, namespace: apps, port: 80}", "RefNotPermitted"],
  ])("%s -> ResolvedRefs=False/%s, route still Accepted", (ref, reason) => {
    const { backend: b, conditions } = backend(ref);
    expect(conditions).toEqual(["Accepted=True/Accepted", `ResolvedRefs=False/${reason}`]);
    expect(b.target).toBeNull();
    expect(b.status).toBe(500);
  });

  it("allows a cross-namespace backend with a matching ReferenceGrant only", () => {
    const grant = (from: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: ReferenceGrant
metadata: {name: g, namespace: apps}
spec: {from: [${from}], to: [{group: "", kind: Service, name: other}]}
`;
    const ref = "  - backendRefs: [{name: other, namespace: apps, port: 80}]";
    const ok = run(withGateway(ref) + grant("{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: infra}"));
    expect(ok.ir!.rules[0]!.backends[0]!.target!.origin).toBe("http://other.origin.test");
    const wrongKind = run(withGateway(ref) + grant("{group: gateway.networking.k8s.io, kind: GRPCRoute, namespace: infra}"));
    expect(wrongKind.ir!.rules[0]!.backends[0]!.reason).toBe("RefNotPermitted");
  });

  it("drops an unresolvable mirror (ResolvedRefs=False) and turns an ExtensionRef into a 500 DirectResponse", () => {
    const { ir, web } = run(
      withGateway(`  - filters: [{type: RequestMirror, requestMirror: {backendRef: {name: missing, port: 80}}}, {type: RequestMirror, requestMirror: {backendRef: {name: v2, port: 8080}, fraction: {numerator: 1}}}]
    backendRefs: [{name: v1, port: 8080}]
  - filters: [{type: ExtensionRef, extensionRef: {group: example.com, kind: Auth, name: a}}]
    backendRefs: [{name: v1, port: 8080}]`),
    );
    expect(ir!.rules[0]!.filters).toEqual([
      { type: "RequestMirror", mirror: { backend: { ref: "infra/v2:8080", origin: "https://v2.origin.test", protocol: "http" }, numerator: 1, denominator: 100 } },
    ]);
    expect(ir!.rules[1]!.filters[0]).toMatchObject({ type: "DirectResponse", status: 500 });
    expect(brief(parentConditions(web!))[1]).toBe("ResolvedRefs=False/BackendNotFound");
  });
});
