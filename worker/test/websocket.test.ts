/**
 * WebSocket upgrades (appProtocol kubernetes.io/ws). Only the negative case is testable here: under
 * vitest-pool-workers, outbound fetches pass through miniflare's outbound proxy, which redoes the WebSocket opening
 * handshake with its own Sec-WebSocket-Key, so workerd rejects the origin's (correct) Sec-WebSocket-Accept. The
 * forwarding path itself is `upstreamRequest` keeping `Upgrade: websocket` for `ws` backends (docs/worker.md).
 */
import { describe, expect, it } from "vitest";
import { upstreamRequest } from "../src/pipeline/forward.ts";
import { call, origin } from "./support/drive.ts";
import { publish, route, rule, snapshot, uniqueGateway } from "./support/snapshots.ts";

describe("WebSocket", () => {
  it("keeps Upgrade: websocket only towards ws backends", () => {
    const draft = { method: "GET", path: "/ws", query: "", headers: new Headers({ upgrade: "websocket" }), host: "app.example" };
    const signal = new AbortController().signal;
    const ws = upstreamRequest(draft, { ref: "ws", origin: "http://127.0.0.1:1", protocol: "ws" }, null, signal);
    const plain = upstreamRequest(draft, { ref: "http", origin: "http://127.0.0.1:1", protocol: "http" }, null, signal);
    expect(ws.headers.get("upgrade")).toBe("websocket");
    expect(plain.headers.get("upgrade")).toBeNull();
  });

  it("does not upgrade towards a plain http backend", async () => {
    const gw = uniqueGateway("ws-plain");
    await publish(snapshot(gw, [route("r", [rule({ backends: [{ weight: 1, ref: "v1", target: { ref: "v1", origin: origin("v1"), protocol: "http" }, status: 500, reason: "", filters: [] }] })])]), gw);
    const res = await call("http://app.example/ws", { headers: { upgrade: "websocket" } }, { gateway: gw });
    expect(res.status).toBe(200);
    expect(res.webSocket).toBeNull();
  });
});
