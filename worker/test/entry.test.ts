/**
 * The deployed entry (`exports.default.fetch`, bindings from wrangler.toml + vitest.config.ts), debug headers and
 * Gateway selection when one worker serves several Gateways.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Listener } from "../../schema/snapshot.ts";
import { chooseGateway, listenerSpecificity } from "../src/pipeline/listener.ts";
import { call, origin, type Echo } from "./support/drive.ts";
import { backend, publish, route, rule, snapshot, STATUS_TOKEN, uniqueGateway } from "./support/snapshots.ts";

describe("exports.default.fetch", () => {
  it("serves the Gateway named by EDGEWAY_GATEWAY and reports it on the status endpoint", async () => {
    const gw = env.EDGEWAY_GATEWAY;
    await publish(snapshot(gw, [route("demo", [rule({ backends: [backend(origin("v1"))] })])]), gw, { epoch: 1, counter: Date.now() });
    const res = await exports.default.fetch("http://demo.example/hello?x=1", { headers: { "x-edgeway-debug": STATUS_TOKEN } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Echo).path).toBe("/hello?x=1");
    expect(res.headers.get("x-edgeway-route")).toBe("test/demo");
    expect(res.headers.get("x-edgeway-rule")).toBe("0");
    expect(res.headers.get("x-edgeway-backend")).toBe(origin("v1"));
    expect(res.headers.get("x-edgeway-snapshot")).toMatch(/^1\.\d+-[0-9a-f]{12}$/);
    const status = await exports.default.fetch("http://demo.example/__edgeway/status", { headers: { authorization: `Bearer ${STATUS_TOKEN}` } });
    const body = (await status.json()) as { gateways: { gateway: string; served: unknown }[] };
    expect(body.gateways.map((g) => g.gateway)).toEqual([gw]);
    expect(body.gateways[0]!.served).not.toBeNull();
  });

  it("sends no debug headers without the token, or with a wrong one", async () => {
    for (const headers of [{}, { "x-edgeway-debug": "nope" }] as Record<string, string>[]) {
      const res = await exports.default.fetch("http://demo.example/quiet", { headers });
      expect(res.headers.get("x-edgeway-route")).toBeNull();
      expect(res.headers.get("x-edgeway-snapshot")).toBeNull();
    }
  });
});

describe("several Gateways in one worker", () => {
  const listener = (hostname: string | null, port = 80): Listener => ({ name: hostname ?? "any", port, protocol: "HTTP", hostname });

  it("ranks listeners: exact > longer wildcard > shorter wildcard > no hostname; port and protocol must match", () => {
    expect(listenerSpecificity(listener("a.example.com"), "http", 80, "a.example.com")).toBeGreaterThan(listenerSpecificity(listener("*.example.com"), "http", 80, "a.example.com"));
    expect(listenerSpecificity(listener("*.b.example.com"), "http", 80, "a.b.example.com")).toBeGreaterThan(listenerSpecificity(listener("*.example.com"), "http", 80, "a.b.example.com"));
    expect(listenerSpecificity(listener("*.example.com"), "http", 80, "a.example.com")).toBeGreaterThan(listenerSpecificity(listener(null), "http", 80, "a.example.com"));
    expect(listenerSpecificity(listener("*.example.com"), "http", 80, "example.com")).toBe(-1);
    expect(listenerSpecificity(listener(null, 8080), "http", 80, "x")).toBe(-1);
    expect(listenerSpecificity(listener(null), "https", 80, "x")).toBe(-1);
    expect(chooseGateway([[listener(null)], [listener(null)]], "http", 80, "x")).toBe(0);
    expect(chooseGateway([[listener(null)], [listener("x")]], "http", 80, "x")).toBe(1);
  });

  it("routes each host to the Gateway whose listener matches it best", async () => {
    const wide = uniqueGateway("wide");
    const narrow = uniqueGateway("narrow");
    await publish(snapshot(wide, [route("wide", [rule({ backends: [backend(origin("v1"))] })])], [listener(null)]), wide);
    await publish(snapshot(narrow, [route("narrow", [rule({ backends: [backend(origin("v2"))] })])], [listener("api.example.com")]), narrow);
    const both = `${wide},${narrow}`;
    const api = (await (await call("http://api.example.com/", undefined, { gateway: both })).json()) as Echo;
    const other = (await (await call("http://www.example.com/", undefined, { gateway: both })).json()) as Echo;
    expect(api.pod).toMatch(/^infra-backend-v2-/);
    expect(other.pod).toMatch(/^infra-backend-v1-/);
  });

  it("serves the loaded Gateway while another listed one has no snapshot yet", async () => {
    const ready = uniqueGateway("ready");
    const missing = uniqueGateway("missing");
    await publish(snapshot(ready, [route("ready", [rule({ backends: [backend(origin("v1"))] })])], [listener(null)]), ready);
    const both = `${missing},${ready}`;
    for (let i = 0; i < 3; i++) {
      const res = await call("http://any.example/", undefined, { gateway: both, vars: { EDGEWAY_REFRESH_INTERVAL_MS: "0" }, settle: true });
      expect(res.status).toBe(200);
    }
  });
});
