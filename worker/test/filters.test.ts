/** Filters (spec §4): header modifiers, redirect, rewrite, CORS, DirectResponse, in the pipeline and as tables. */
import { describe, expect, it } from "vitest";
import type { Filter, HeaderModifier } from "../../schema/snapshot.ts";
import { redirectLocation, type RequestRedirect } from "../src/pipeline/filters/redirect.ts";
import { replacePrefixMatch } from "../src/pipeline/filters/path.ts";
import { call, origin, seenBy, uid, type Echo } from "./support/drive.ts";
import { backend, HTTP80, prefix, publish, route, rule, snapshot, uniqueGateway } from "./support/snapshots.ts";

const modifier = (partial: Partial<HeaderModifier>): HeaderModifier => ({ set: [], add: [], remove: [], ...partial });

async function gatewayWith(filters: Filter[], backendFilters: Filter[] = [], listeners = [HTTP80]): Promise<string> {
  const gw = uniqueGateway("filters");
  const rules = [rule({ matches: [prefix("/")], filters, backends: [backend(origin("v1"), 1, backendFilters)] })];
  await publish(snapshot(gw, [route("r", rules, listeners.map((_, i) => i))], listeners), gw);
  return gw;
}

describe("RequestHeaderModifier / ResponseHeaderModifier", () => {
  it("sets, adds (comma-joined) and removes request headers case-insensitively", async () => {
    const gw = await gatewayWith([
      {
        type: "RequestHeaderModifier",
        modifier: modifier({
          set: [{ name: "x-header-set", value: "set-overwrites-values" }],
          add: [{ name: "x-header-add", value: "add-appends-values" }],
          remove: [{ name: "x-header-remove", value: "" }].map((h) => h.name),
        }),
      },
    ]);
    const res = await call("http://app.example/hm", { headers: { "X-Header-Set": "some-other-value", "x-header-add": "some-other-value", "X-HEADER-REMOVE": "gone" } }, { gateway: gw });
    const echo = (await res.json()) as Echo;
    expect(echo.headers["X-Header-Set"]).toEqual(["set-overwrites-values"]);
    expect(echo.headers["X-Header-Add"]).toEqual(["some-other-value,add-appends-values"]);
    expect(echo.headers["X-Header-Remove"]).toBeUndefined();
  });

  it("applies per-backend filters only for that backend, and response modifiers to the origin's response", async () => {
    const gw = await gatewayWith(
      [{ type: "ResponseHeaderModifier", modifier: modifier({ set: [{ name: "x-resp-set", value: "rule" }], add: [{ name: "x-echo", value: "added" }], remove: ["x-remove-me"] }) }],
      [{ type: "RequestHeaderModifier", modifier: modifier({ set: [{ name: "backend", value: "infra-backend-v1" }] }) }],
    );
    const res = await call("http://app.example/resp", { headers: { "x-echo-set-header": "X-Echo:orig,X-Remove-Me:x" } }, { gateway: gw });
    expect(res.headers.get("x-resp-set")).toBe("rule");
    expect(res.headers.get("x-echo")).toBe("orig,added");
    expect(res.headers.get("x-remove-me")).toBeNull();
    const echo = (await res.json()) as Echo;
    expect(echo.headers["Backend"]).toEqual(["infra-backend-v1"]);
  });
});

describe("RequestRedirect", () => {
  const redirect = (partial: Partial<RequestRedirect>): RequestRedirect => ({ type: "RequestRedirect", scheme: null, hostname: null, port: null, statusCode: 302, path: null, ...partial });
  const on = (listenerPort: number, scheme: "http" | "https" = "http") => ({ scheme, host: "example.org", listenerPort, path: "/p", query: "" });

  it.each([
    // [filter, listener port, request scheme, Location] — spec §4 port table
    [{ scheme: "https" as const }, 80, "http", "https://example.org/p"],
    [{ port: 8080 }, 80, "http", "http://example.org:8080/p"],
    [{ scheme: "https" as const, port: 8443 }, 80, "http", "https://example.org:8443/p"],
    [{}, 8080, "http", "http://example.org:8080/p"],
    [{ port: 80 }, 8080, "http", "http://example.org/p"],
    [{}, 443, "https", "https://example.org/p"],
    [{ scheme: "http" as const }, 443, "https", "http://example.org/p"],
    [{ hostname: "other.example" }, 80, "http", "http://other.example/p"],
    [{ path: { type: "ReplaceFullPath" as const, value: "/full" } }, 80, "http", "http://example.org/full"],
  ])("%j on :%i (%s) -> %s", (partial, port, scheme, location) => {
    expect(redirectLocation(redirect(partial), on(port, scheme as "http" | "https"))).toBe(location);
  });

  it("answers at the edge with the status code and never contacts the origin", async () => {
    const marker = uid();
    for (const statusCode of [301, 302, 303, 307, 308] as const) {
      const gw = await gatewayWith([redirect({ statusCode, hostname: "example.net", path: { type: "ReplacePrefixMatch", value: "/new", prefix: "/old" } })]);
      const res = await call(`http://app.example/old/x?m=${marker}`, { redirect: "manual" }, { gateway: gw });
      expect(res.status).toBe(statusCode);
      expect(res.headers.get("location")).toBe(`http://example.net/new/x?m=${marker}`);
    }
    expect(await seenBy("v1", marker)).toHaveLength(0);
  });
});

describe("URLRewrite", () => {
  it.each([
    ["/foo/bar", "/foo", "/xyz", "/xyz/bar"],
    ["/foo/bar", "/foo", "/xyz/", "/xyz/bar"],
    ["/foo/bar", "/foo/", "/xyz", "/xyz/bar"],
    ["/foo", "/foo", "/xyz", "/xyz"],
    ["/foo/", "/foo", "/xyz", "/xyz/"],
    ["/foo/bar", "/foo", "", "/bar"],
    ["/foo/", "/foo", "", "/"],
    ["/foo", "/foo", "", "/"],
    ["/foo/", "/foo", "/", "/"],
    ["/foo", "/foo", "/", "/"],
    ["/prefix/one/two", "/prefix/one", "/one", "/one/two"],
    ["/strip-prefix/three", "/strip-prefix", "/", "/three"],
    ["/strip-prefix", "/strip-prefix", "/", "/"],
  ])("ReplacePrefixMatch %s (prefix %s, replace %j) -> %s", (path, matchPrefix, replacement, expected) => {
    expect(replacePrefixMatch(path, matchPrefix, replacement)).toBe(expected);
  });

  it("rewrites the path (query unchanged) and the Host intended upstream", async () => {
    const gw = uniqueGateway("rewrite");
    const rules = [
      rule({ matches: [prefix("/prefix/one")], filters: [{ type: "URLRewrite", hostname: "rewritten.example", path: { type: "ReplacePrefixMatch", value: "/one", prefix: "/prefix/one" } }], backends: [backend(origin("v1"))] }),
      rule({ index: 1, matches: [prefix("/full")], filters: [{ type: "URLRewrite", hostname: null, path: { type: "ReplaceFullPath", value: "/one" } }], backends: [backend(origin("v1"))] }),
    ];
    await publish(snapshot(gw, [route("r", rules)]), gw);
    const a = (await (await call("http://app.example/prefix/one/two?q=1&r=%20", undefined, { gateway: gw })).json()) as Echo;
    expect(a.path).toBe("/one/two?q=1&r=%20");
    const b = (await (await call("http://app.example/full/one/two?x=y", undefined, { gateway: gw })).json()) as Echo;
    expect(b.path).toBe("/one?x=y");
    // workerd's fetch() sends the origin URL's authority as Host; the client's host travels as X-Forwarded-Host.
    expect(a.headers["X-Forwarded-Host"]).toEqual(["app.example"]);
  });
});

describe("CORS", () => {
  const cors: Filter = {
    type: "CORS",
    cors: { allowOrigins: ["https://www.foo.com", "https://*.bar.com"], allowCredentials: true, allowMethods: ["GET", "OPTIONS"], allowHeaders: ["x-header-1", "x-header-2"], exposeHeaders: ["x-header-3", "x-header-4"], maxAge: 3600 },
  };
  const wildcard: Filter = { type: "CORS", cors: { allowOrigins: ["*"], allowCredentials: false, allowMethods: ["*"], allowHeaders: ["*"], exposeHeaders: [], maxAge: 5 } };

  it("answers preflights at the edge (never upstream) with the configured headers", async () => {
    const gw = await gatewayWith([cors]);
    const marker = uid();
    for (const o of ["https://www.foo.com", "https://www.bar.com", "https://xpto.www.bar.com"]) {
      const res = await call(`http://app.example/cors-1?m=${marker}`, { method: "OPTIONS", headers: { origin: o, "access-control-request-method": "GET", "access-control-request-headers": "x-header-1, x-header-2" } }, { gateway: gw });
      expect(res.status).toBe(200);
      expect(res.headers.get("access-control-allow-origin")).toBe(o);
      expect(res.headers.get("access-control-allow-methods")).toBe("GET, OPTIONS");
      expect(res.headers.get("access-control-allow-headers")).toBe("x-header-1, x-header-2");
      expect(res.headers.get("access-control-expose-headers")).toBe("x-header-3, x-header-4");
      expect(res.headers.get("access-control-max-age")).toBe("3600");
      expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    }
    const denied = await call(`http://app.example/cors-1?m=${marker}`, { method: "OPTIONS", headers: { origin: "https://foobar.com", "access-control-request-method": "GET" } }, { gateway: gw });
    expect(denied.status).toBe(200);
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();
    expect(await seenBy("v1", marker)).toHaveLength(0);
  });

  it("proxies actual requests and adds ACAO/ACAC/ACEH only for allowed origins", async () => {
    const gw = await gatewayWith([cors]);
    const ok = await call("http://app.example/cors-1", { headers: { origin: "https://www.bar.com" } }, { gateway: gw });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as Echo).path).toBe("/cors-1");
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://www.bar.com");
    expect(ok.headers.get("access-control-allow-credentials")).toBe("true");
    expect(ok.headers.get("access-control-expose-headers")).toBe("x-header-3, x-header-4");
    const other = await call("http://app.example/cors-1", { headers: { origin: "https://foobar.com" } }, { gateway: gw });
    expect(other.status).toBe(200);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("wildcards without credentials echo what was asked (or *), and never send ACAC", async () => {
    const gw = await gatewayWith([wildcard]);
    const res = await call("http://app.example/w", { method: "OPTIONS", headers: { origin: "https://foobar.com:12345", "access-control-request-method": "PUT", "access-control-request-headers": "x-a" } }, { gateway: gw });
    expect(res.headers.get("access-control-allow-origin")).toBe("https://foobar.com:12345");
    expect(res.headers.get("access-control-allow-methods")).toBe("PUT");
    expect(res.headers.get("access-control-allow-headers")).toBe("x-a");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    expect(res.headers.get("access-control-max-age")).toBe("5");
  });

  it("an OPTIONS request on a rule without CORS is proxied like any other", async () => {
    const gw = await gatewayWith([]);
    const res = await call("http://app.example/o", { method: "OPTIONS", headers: { origin: "https://a.example", "access-control-request-method": "GET" } }, { gateway: gw });
    expect(((await res.json()) as Echo).method).toBe("OPTIONS");
  });
});

describe("DirectResponse and rules without backends", () => {
  it("answers a DirectResponse filter with its status and never proxies", async () => {
    const marker = uid();
    const gw = await gatewayWith([{ type: "DirectResponse", status: 500, reason: "unresolved ExtensionRef" }]);
    const res = await call(`http://app.example/x?m=${marker}`, undefined, { gateway: gw });
    expect(res.status).toBe(500);
    expect(await res.text()).toContain("unresolved ExtensionRef");
    expect(await seenBy("v1", marker)).toHaveLength(0);
  });

  it("answers 500 when the rule has no backends (HTTPRouteNoBackendRefs)", async () => {
    const gw = uniqueGateway("nobackends");
    await publish(snapshot(gw, [route("r", [rule({ backends: [] })])]), gw);
    expect((await call("http://app.example/x", undefined, { gateway: gw })).status).toBe(500);
  });

  it("answers 404 for no matching route or listener without contacting an origin", async () => {
    const gw = uniqueGateway("404");
    await publish(snapshot(gw, [route("r", [rule({ matches: [prefix("/only")], backends: [backend(origin("v1"))] })])], [{ name: "h", port: 80, protocol: "HTTP", hostname: "a.example" }]), gw);
    const marker = uid();
    expect((await call(`http://a.example/other?m=${marker}`, undefined, { gateway: gw })).status).toBe(404);
    expect((await call(`http://b.example/only?m=${marker}`, undefined, { gateway: gw })).status).toBe(404);
    expect((await call(`http://a.example/only?m=${marker}`, undefined, { gateway: gw })).status).toBe(200);
    expect(await seenBy("v1", marker)).toHaveLength(1);
  });
});
