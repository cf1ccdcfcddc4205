import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import { connectWebSocket } from "../support/websocket.ts";
import { canonicalHeaderName, parseDurationMs, startEchoServer, type EchoServer } from "../support/echo-server.ts";

describe("echo server (gateway-api-semantics.md §0)", () => {
  let echo: EchoServer;
  beforeAll(async () => {
    echo = await startEchoServer({ service: "infra-backend-v1", namespace: "gateway-conformance-infra" });
  });
  afterAll(() => echo.close());

  it("echoes path with query, host, method, headers, namespace and pod", async () => {
    const res = await rawRequest(echo.port, "PATCH", "/a/b?x=1&y=2", ["x-header-a", "one", "Host", "example.org"]);
    expect(res.status).toBe(200);
    expect(res.contentType).toBe("application/json");
    const body = JSON.parse(res.text);
    expect(body.path).toBe("/a/b?x=1&y=2");
    expect(body.method).toBe("PATCH");
    expect(body.host).toBe("example.org");
    expect(body.proto).toBe("HTTP/1.1");
    expect(body.headers["X-Header-A"]).toEqual(["one"]);
    expect(body.headers.Host).toBeUndefined();
    expect(body.namespace).toBe("gateway-conformance-infra");
    expect(body.pod).toMatch(/^infra-backend-v1-[0-9a-f]{8}-[0-9a-f]{6}$/);
    expect(body.httpPort).toBe(String(echo.port));
    expect(echo.requests.at(-1)).toMatchObject({ method: "PATCH", path: "/a/b?x=1&y=2", host: "example.org" });
  });

  it("keeps repeated request headers as a list", async () => {
    const body = await rawRequest(echo.port, "GET", "/", ["Host", "a.example", "X-Multi", "a", "x-multi", "b"]);
    expect(JSON.parse(body.text).headers["X-Multi"]).toEqual(["a", "b"]);
  });

  it("sets response headers from X-Echo-Set-Header", async () => {
    const res = await fetch(echo.url, { headers: { "X-Echo-Set-Header": "X-Foo:bar, X-Baz: qux" } });
    expect(res.headers.get("x-foo")).toBe("bar");
    expect(res.headers.get("x-baz")).toBe("qux");
  });

  it("delays the answer with ?delay=", async () => {
    const start = performance.now();
    const res = await fetch(`${echo.url}/?delay=150ms`);
    expect(res.status).toBe(200);
    expect(performance.now() - start).toBeGreaterThanOrEqual(140);
    expect((await fetch(`${echo.url}/?delay=soon`)).status).toBe(400);
  });

  it("fails the first N retry attempts per uuid with responseCode, then echoes", async () => {
    const url = `${echo.url}/retry/a?uuid=u1&succeedAfter=2&responseCode=503`;
    expect((await fetch(url)).status).toBe(503);
    expect((await fetch(url)).status).toBe(503);
    expect((await fetch(url)).status).toBe(200);
    // A different uuid counts separately.
    expect((await fetch(`${echo.url}/retry/a?uuid=u2&succeedAfter=1&responseCode=500`)).status).toBe(500);
  });

  it("resets the connection when no responseCode is given", async () => {
    const url = `${echo.url}/retry/b?uuid=u3&succeedAfter=1`;
    await expect(fetch(url)).rejects.toThrow();
    expect((await fetch(url)).status).toBe(200);
  });

  it("counts requests and forgets them on reset()", async () => {
    echo.reset();
    await fetch(`${echo.url}/count`);
    await fetch(`${echo.url}/count`);
    expect(echo.requests.filter((r) => r.path === "/count")).toHaveLength(2);
    echo.reset();
    expect(echo.requests).toHaveLength(0);
  });

  it("echoes WebSocket text and binary messages on /ws", async () => {
    const ws = await connectWebSocket(echo.url, "/ws", "a.example");
    ws.send("text", Buffer.from("Websocket Support!"));
    const text = await ws.next();
    expect(text.opcode).toBe(1);
    expect(text.data.toString()).toBe("Websocket Support!");
    const big = Buffer.alloc(70_000, 7);
    ws.send("binary", big);
    const binary = await ws.next();
    expect(binary.opcode).toBe(2);
    expect(binary.data.equals(big)).toBe(true);
    ws.close();
    await expect(connectWebSocket(echo.url, "/not-ws", "a.example")).rejects.toThrow(/404/);
  });

  it("parses durations and canonicalizes header names like Go", () => {
    expect(parseDurationMs("1s")).toBe(1000);
    expect(parseDurationMs("300ms")).toBe(300);
    expect(parseDurationMs("1m30s")).toBe(90_000);
    expect(parseDurationMs("1.5s")).toBe(1500);
    expect(parseDurationMs("abc")).toBeUndefined();
    expect(parseDurationMs("1sx")).toBeUndefined();
    expect(canonicalHeaderName("x-header-SET")).toBe("X-Header-Set");
  });
});

function rawRequest(
  port: number,
  method: string,
  path: string,
  rawHeaders: string[],
): Promise<{ status: number; contentType: string; text: string }> {
  return new Promise((resolve, reject) => {
    // A flat [name, value, ...] list keeps repeated headers and lets the test set Host, which fetch() forbids.
    const req = http.request({ host: "127.0.0.1", port, method, path, headers: rawHeaders }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, contentType: res.headers["content-type"] ?? "", text }));
    });
    req.on("error", reject);
    req.end();
  });
}
