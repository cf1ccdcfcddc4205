/**
 * Defences decided before routing, tested in workerd where requests reach the worker as sent: path normalization
 * and path confusion, SSRF, hop-by-hop headers both ways, request limits. Each prints its figure.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { normalizePath, normalizeRequest, splitTarget } from "../src/pipeline/normalize.ts";
import { call, eventually, origin, origins, seenBy, uid, type Echo } from "./support/drive.ts";
import { backend, prefix, publish, route, rule, snapshot, uniqueGateway } from "./support/snapshots.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

async function catchAll(): Promise<string> {
  const gw = uniqueGateway("sec");
  const rules = [
    rule({ matches: [prefix("/admin")], filters: [{ type: "DirectResponse", status: 403, reason: "admin is closed" }], backends: [] }),
    rule({ index: 1, matches: [prefix("/")], backends: [backend(origin("v1"))] }),
  ];
  await publish(snapshot(gw, [route("r", rules)]), gw);
  return gw;
}

describe("path normalization (unit, raw strings as a runtime might hand them over)", () => {
  it.each([
    ["/a/../b", "dot segment"],
    ["/a/./b", "dot segment"],
    ["/a/%2e%2e/b", "dot segment"],
    ["/a/.%2E/b", "dot segment"],
    ["/..", "dot segment"],
    ["/.", "dot segment"],
    ["/a/..", "dot segment"],
    ["/a/./", "dot segment"],
    ["/a%2Fb", "encoded slash"],
    ["/a%2fb", "encoded slash"],
    ["/a%5Cb", "encoded slash or backslash"],
    ["/a\\b", "backslash"],
    ["/a%00b", "NUL"],
    ["/a%0Ab", "control"],
    ["/a%zz", "malformed percent-encoding"],
    ["/a%2", "malformed percent-encoding"],
    ["/a b", "whitespace"],
    ["/caf\u00e9", "non-ASCII"],
  ])("rejects %j (%s) with 400", (raw, why) => {
    const result = normalizePath(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.status).toBe(400);
      expect(result.reason.toLowerCase()).toContain(why.split(" ")[0]!.toLowerCase());
    }
  });

  it.each([
    ["/a/b", "/a/b"],
    ["//evil.example/x", "/evil.example/x"],
    ["/a//b///c/", "/a/b/c/"],
    ["/%7Euser/%41", "/~user/A"],
    ["/a%2db", "/a-b"],
    ["/a%3fb%c3%a9", "/a%3Fb%C3%A9"],
    ["/a.b/..c/.d", "/a.b/..c/.d"],
    ["/", "/"],
    ["/a/", "/a/"],
    ["/a//", "/a/"],
    ["/.../a.", "/.../a."],
    ["/[x]/@:!$&'()*+,;=~", "/[x]/@:!$&'()*+,;=~"],
  ])("normalizes %j to %j", (raw, expected) => {
    expect(normalizePath(raw)).toEqual({ ok: true, value: expected });
  });

  it("reads path and query from the URL string as sent", () => {
    expect(splitTarget("http://h.example/a/../b?x=/../#frag")).toEqual({ rawPath: "/a/../b", rawQuery: "x=/../" });
    expect(splitTarget("http://h.example?x=1")).toEqual({ rawPath: "/", rawQuery: "x=1" });
    expect(splitTarget("http://h.example")).toEqual({ rawPath: "/", rawQuery: "" });
    expect(normalizeRequest("GET", "http://user:pw@h.example/").ok).toBe(false);
  });
});

describe("path confusion in the worker", () => {
  it("rejects before routing and never reaches the origin; the origin receives exactly the matched path", async () => {
    const gw = await catchAll();
    const marker = uid();
    const rejected = ["/a%2Fb", "/x%5C..%5Cadmin", "/a%00", "/a%zz", "/admin%2F", "/%2e%2e%2fadmin"];
    const statuses: number[] = [];
    for (const path of rejected) statuses.push((await call(`http://app.example${path}?m=${marker}`, undefined, { gateway: gw })).status);
    expect(statuses).toEqual(rejected.map(() => 400));
    // Spellings of /admin that must still hit the /admin rule (403 at the edge), never the catch-all origin.
    // (`/x/%2e%2e/admin` is resolved by the URL parser before the worker sees it; either way it is /admin.)
    for (const path of ["/admin", "//admin", "/%61dmin", "/admin/", "///admin/x", "/x/%2e%2e/admin", "/x/../admin"]) {
      expect((await call(`http://app.example${path}?m=${marker}`, undefined, { gateway: gw })).status).toBe(403);
    }
    const echo = (await (await call(`http://app.example//a/%7Eb/c%20d?m=${marker}`, undefined, { gateway: gw })).json()) as Echo;
    expect(echo.path).toBe(`/a/~b/c%20d?m=${marker}`);
    const seen = await seenBy("v1", marker);
    console.log(`path confusion: ${rejected.length} rejected with 400, /admin spellings leaked to origin: ${seen.filter((r) => r.path.includes("admin")).length}`);
    expect(seen).toHaveLength(1);
  });
});

describe("SSRF", () => {
  it("only ever fetches snapshot origins, whatever the request path or authority", async () => {
    const gw = await catchAll();
    const marker = uid();
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const attempts = [
      `http://app.example//evil.example/x?m=${marker}`,
      `http://app.example//evil.example:8080/x?m=${marker}`,
      `http://app.example/\\evil.example/x?m=${marker}`,
      `http://app.example/@evil.example/x?m=${marker}`,
      `http://app.example@evil.example/x?m=${marker}`,
      `http://evil.example/x?m=${marker}`,
      `http://127.0.0.1:1/x?m=${marker}`,
      `http://app.example/http://evil.example/x?m=${marker}`,
      `http://app.example/%2F%2Fevil.example/x?m=${marker}`,
    ];
    for (const url of attempts) await call(url, undefined, { gateway: gw });
    const allowed = new Set(Object.values(origins()).map((o) => new URL(o).host));
    const outside = fetchSpy.mock.calls.map(([input]) => new URL(input instanceof Request ? input.url : String(input))).filter((u) => !allowed.has(u.host));
    console.log(`SSRF: ${attempts.length} attempts, fetches outside snapshot origins: ${outside.length}`);
    expect(outside).toEqual([]);
    // What the origin saw: always a path on its own authority.
    for (const r of await seenBy("v1", marker)) expect(r.path.startsWith("/")).toBe(true);
    expect((await seenBy("v1", marker)).map((r) => r.path.split("?")[0])).toContain("/evil.example/x");
  });
});

describe("hop-by-hop headers", () => {
  it("are removed towards the origin, including Connection-listed names, without losing gateway headers", async () => {
    const gw = await catchAll();
    const res = await call("http://app.example/hop", {
      headers: {
        connection: "keep-alive, x-forwarded-for, x-secret, x-forwarded-proto, x-forwarded-host",
        "keep-alive": "timeout=5",
        "proxy-connection": "keep-alive",
        te: "trailers",
        trailer: "x-t",
        upgrade: "h2c",
        "proxy-authorization": "Basic Zm9vOmJhcg==",
        "x-secret": "listed in Connection",
        "cf-connecting-ip": "203.0.113.7",
        "x-forwarded-for": "198.51.100.1",
        "x-edgeway-debug": "test-status-token",
      },
    }, { gateway: gw });
    const echo = (await res.json()) as Echo;
    const leaked = ["Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Upgrade", "Proxy-Authorization", "X-Secret", "X-Edgeway-Debug"].filter((h) => echo.headers[h] !== undefined);
    console.log(`hop-by-hop request leaks: ${leaked.length}`, leaked);
    expect(leaked).toEqual([]);
    expect(echo.headers["X-Forwarded-For"]).toEqual(["198.51.100.1, 203.0.113.7"]);
    expect(echo.headers["X-Forwarded-Proto"]).toEqual(["http"]);
    expect(echo.headers["X-Forwarded-Host"]).toEqual(["app.example"]);
  });

  it("are removed from the origin's response, including the names its Connection header lists", async () => {
    const gw = await catchAll();
    const res = await call("http://app.example/hop", { headers: { "x-echo-set-header": "Connection:x-internal,X-Internal:1,Keep-Alive:timeout=5,Proxy-Authenticate:Basic,Upgrade:h2c,X-Kept:yes" } }, { gateway: gw });
    const leaked = ["connection", "x-internal", "keep-alive", "proxy-authenticate", "upgrade"].filter((h) => res.headers.has(h));
    console.log(`hop-by-hop response leaks: ${leaked.length}`, leaked);
    expect(leaked).toEqual([]);
    expect(res.headers.get("x-kept")).toBe("yes");
  });
});

describe("limits (no upstream call)", () => {
  it("answers 414, 431 and 413 before routing", async () => {
    const gw = await catchAll();
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const vars = { EDGEWAY_MAX_URL_LENGTH: "200", EDGEWAY_MAX_HEADER_BYTES: "2048", EDGEWAY_MAX_BODY_BYTES: "1000", EDGEWAY_RETRY_BUFFER_BYTES: "100" };
    const long = await call(`http://app.example/${"a".repeat(300)}`, undefined, { gateway: gw, vars });
    const headers = await call("http://app.example/x", { headers: { "x-big": "b".repeat(3000) } }, { gateway: gw, vars });
    // A Request built in the worker from a string carries no Content-Length header; a client's would.
    const declared = await call("http://app.example/x", { method: "POST", body: "c".repeat(2000), headers: { "content-length": "2000" } }, { gateway: gw, vars });
    expect([long.status, headers.status, declared.status]).toEqual([414, 431, 413]);
    const upstream = fetchSpy.mock.calls.length;
    console.log(`limits: 414/431/413, upstream calls: ${upstream}`);
    expect(upstream).toBe(0);
  });

  it("cuts off a body without Content-Length once it crosses the limit, and answers 413", async () => {
    // Such a body is streamed (it cannot be known in advance): the upstream request starts, but it is aborted at the
    // limit, so the origin never receives a complete request. With timeouts set, the attempt's signal combines the
    // timers and the limit (rule.ts attemptSignal); both ways must cut the upload.
    const plain = await catchAll();
    const timed = uniqueGateway("sec");
    const timeouts = { requestMs: 10_000, backendRequestMs: 10_000 };
    await publish(snapshot(timed, [route("r", [rule({ matches: [prefix("/")], backends: [backend(origin("v1"))], timeouts })])]), timed);
    const vars = { EDGEWAY_MAX_BODY_BYTES: "1000", EDGEWAY_RETRY_BUFFER_BYTES: "100" };
    const logSpy = vi.spyOn(console, "log");
    const marker = uid();
    const statuses = [];
    for (const [name, gw] of [["plain", plain], ["timed", timed]]) {
      const init = { method: "POST", body: streamOf(2000), duplex: "half" } as RequestInit;
      statuses.push((await call(`http://app.example/${name}-${marker}`, init, { gateway: gw!, vars })).status);
    }
    expect(statuses).toEqual([413, 413]);
    const reasons = logSpy.mock.calls
      .map(([line]) => String(line))
      .filter((line) => line.includes(marker))
      .map((line) => (JSON.parse(line) as { reason?: string }).reason);
    expect(reasons).toEqual(["request body larger than 1000 bytes", "request body larger than 1000 bytes"]);
    // The origin records a request once its connection ends: the aborted uploads show up shortly after the 413s.
    const seen = await eventually(async () => {
      const records = await seenBy("v1", marker);
      return records.length === 2 ? records : null;
    });
    const received = Object.fromEntries(seen.map((r) => [r.path.slice(1).split("-")[0], r.bodyComplete]));
    console.log(`streamed over-limit uploads, bytes the origin got: ${seen.map((r) => r.bodyBytes).join(", ")}`);
    expect(received).toEqual({ plain: false, timed: false });
    for (const r of seen) expect(r.bodyBytes).toBeLessThanOrEqual(1000);
  });

  it("forwards a streamed body above the buffer limit and a small one", async () => {
    const gw = await catchAll();
    const vars = { EDGEWAY_RETRY_BUFFER_BYTES: "100" };
    const big = await call("http://app.example/body", { method: "POST", body: streamOf(5000), duplex: "half" } as RequestInit, { gateway: gw, vars });
    expect(big.status).toBe(200);
    const small = await call("http://app.example/body", { method: "POST", body: "hello" }, { gateway: gw, vars });
    expect(small.status).toBe(200);
  });
});

function streamOf(bytes: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      const chunk = new Uint8Array(Math.min(256, bytes - sent)).fill(0x61);
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
}
