import { describe, expect, it } from "vitest";
import { ORIGIN_CACHE_LIMIT, originCacheSize, upstreamUrl } from "../src/pipeline/forward.ts";
import { call, origin, seenBy, uid, type Echo } from "./support/drive.ts";
import { backend, publish, route, rule, snapshot, uniqueGateway } from "./support/snapshots.ts";

describe("forwarding", () => {
  it("forwards to the snapshot origin with path and query unchanged", async () => {
    const gw = uniqueGateway();
    await publish(snapshot(gw, [route("r", [rule({ backends: [backend(origin("v1"))] })])]), gw);
    const id = uid();
    const res = await call(`http://app.example/a/b?x=1&id=${id}`, undefined, { gateway: gw });
    expect(res.status).toBe(200);
    const echo = (await res.json()) as Echo;
    expect(echo.path).toBe(`/a/b?x=1&id=${id}`);
    expect(echo.headers["X-Forwarded-Host"]).toEqual(["app.example"]);
    expect(echo.headers["X-Forwarded-Proto"]).toEqual(["http"]);
    expect((await seenBy("v1", id)).length).toBe(1);
  });
});

describe("origin caches", () => {
  it("stay bounded across many distinct origins and still build each URL from its own origin", () => {
    for (let i = 0; i < ORIGIN_CACHE_LIMIT + 100; i++) {
      const url = upstreamUrl(`https://o${i}.cache.example:8443`, "/p", "q=1");
      expect(url).toBe(`https://o${i}.cache.example:8443/p?q=1`);
      expect(originCacheSize()).toBeLessThanOrEqual(ORIGIN_CACHE_LIMIT);
    }
    expect(upstreamUrl("https://o0.cache.example:8443", "/again", "")).toBe("https://o0.cache.example:8443/again");
  });
});
