/**
 * WebSocket upgrades (appProtocol kubernetes.io/ws). Only the negative case is testable here: under
 * vitest-pool-workers, outbound fetches pass through miniflare's outbound proxy, which redoes the WebSocket opening
 * handshake with its own Sec-WebSocket-Key, so workerd rejects the origin's (correct) Sec-WebSocket-Accept. The
 * forwarding path itself is `upstreamRequest` keeping `Upgrade: websocket` for `ws` backends (docs/worker.md).
 */
import { describe, expect, it } from "vitest";
import { initialDraft, readClientHeaders, upstreamRequest } from "../src/pipeline/forward.ts";
import { normalizeRequest } from "../src/pipeline/normalize.ts";
import { call, origin } from "./support/drive.ts";
import { publish, route, rule, snapshot, uniqueGateway } from "./support/snapshots.ts";

describe("WebSocket", () => {
  it("keeps Upgrade: websocket only towards ws backends", () => {
    const draft = { method: "GET", path: "/ws", query: "", headers: new Headers({ upgrade: "websocket" }), host: "app.example", vouchedHost: null };
    const signal = new AbortController().signal;
    const ws = upstreamRequest(draft, { ref: "ws", origin: "http://127.0.0.1:1", protocol: "ws" }, null, signal);
    const plain = upstreamRequest(draft, { ref: "http", origin: "http://127.0.0.1:1", protocol: "http" }, null, signal);
    expect(ws.headers.get("upgrade")).toBe("websocket");
    expect(plain.headers.get("upgrade")).toBeNull();
  });

  it("keeps the client's Upgrade: websocket although its Connection header lists it", () => {
    const client = readClientHeaders(new Headers({ connection: "Upgrade, x-hop", upgrade: "websocket", "x-hop": "1", "x-kept": "2" }));
    const normalized = normalizeRequest("GET", "http://app.example/ws");
    if (!normalized.ok) throw new Error(normalized.reason);
    const upstream = upstreamRequest(initialDraft(client, normalized.value), { ref: "ws", origin: "http://127.0.0.1:1", protocol: "ws" }, null, undefined);
    expect(client.webSocketUpgrade).toBe(true);
    expect(upstream.headers.get("upgrade")).toBe("websocket");
    expect(upstream.headers.get("connection")).toBeNull();
    expect(upstream.headers.get("x-hop")).toBeNull();
    expect(upstream.headers.get("x-kept")).toBe("2");
  });

  it("does not upgrade towards a plain http backend", async () => {
    const gw = uniqueGateway("ws-plain");
    await publish(snapshot(gw, [route("r", [rule({ backends: [{ weight: 1, ref: "v1", target: { ref: "v1", origin: origin("v1"), protocol: "http" }, status: 500, reason: "", filters: [] }] })])]), gw);
    const res = await call("http://app.example/ws", { headers: { upgrade: "websocket" } }, { gateway: gw });
    expect(res.status).toBe(200);
    expect(res.webSocket).toBeNull();
  });
});
