/**
 * Host at the origin for opted-in origins (`hostOverride`): what leaves the worker — the URL, the Host it carries and
 * `cf.resolveOverride` — as the stand-in edge network sees it (test/support/edge-network.ts `reflectingNetwork`,
 * configured in vitest.config.ts, project workerd-edge). That network connects to resolveOverride, else to the URL's
 * host, and refuses every name but origin.test and other-origin.test: a subrequest that would connect to a client- or
 * rewrite-chosen name comes back as 502 "edge network: no route".
 */
import { describe, expect, it } from "vitest";
import type { Backend, Filter, Listener } from "../../../schema/snapshot.ts";
import type { ReflectedRequest } from "../../../test/support/edge-network.ts";
import { call } from "../support/drive.ts";
import { HTTP80, publish, route, rule, snapshot, uniqueGateway } from "../support/snapshots.ts";

function target(origin: string, hostOverride: boolean, filters: Filter[] = []): Backend {
  const ref = "test/app:80";
  return { weight: 1, ref, target: hostOverride ? { ref, origin, protocol: "http", hostOverride: true } : { ref, origin, protocol: "http" }, status: 200, reason: "", filters };
}

const rewriteHost = (hostname: string): Filter => ({ type: "URLRewrite", hostname, path: null });

interface Setup {
  backend: Backend;
  filters?: Filter[];
  listener?: Listener;
  routeHostnames?: string[];
}

/** Publishes one route with one rule, sends `url`, returns what the edge network saw. */
async function sent(setup: Setup, url: string, init?: RequestInit): Promise<{ status: number; seen: ReflectedRequest | null; body: string }> {
  const gateway = uniqueGateway("host");
  const rules = [rule({ filters: setup.filters ?? [], backends: [setup.backend] })];
  await publish(snapshot(gateway, [route("app", rules, [0], setup.routeHostnames ?? [])], [setup.listener ?? HTTP80]), gateway);
  const response = await call(url, init, { gateway });
  const body = await response.text();
  return { status: response.status, seen: response.status === 200 ? (JSON.parse(body) as ReflectedRequest) : null, body };
}

const noOverride = (origin: string, path: string): Partial<ReflectedRequest> => ({ url: `${origin}${path}`, resolveOverride: null });

describe("hostOverride: URLRewrite hostname", () => {
  it("fetches the rewritten host on the origin's scheme and port, resolved to the origin's hostname", async () => {
    const { seen } = await sent({ backend: target("http://origin.test", true), filters: [rewriteHost("rewritten.example")] }, "http://client.example/p/q?x=1&y");
    expect(seen).toEqual({ url: "http://rewritten.example/p/q?x=1&y", host: "rewritten.example", resolveOverride: "origin.test", connectedTo: "origin.test:80" });
  });

  it("keeps the origin's port: resolveOverride replaces the host only", async () => {
    const { seen } = await sent({ backend: target("http://origin.test:8080", true), filters: [rewriteHost("rewritten.example")] }, "http://client.example/");
    expect(seen).toEqual({ url: "http://rewritten.example:8080/", host: "rewritten.example:8080", resolveOverride: "origin.test", connectedTo: "origin.test:8080" });
  });

  it("applies a backend-level URLRewrite too", async () => {
    const { seen } = await sent({ backend: target("http://origin.test", true, [rewriteHost("per-backend.example")]) }, "http://client.example/b");
    expect(seen).toMatchObject({ url: "http://per-backend.example/b", resolveOverride: "origin.test", connectedTo: "origin.test:80" });
  });

  it("needs no override when the rewritten host is the origin's own", async () => {
    const { seen } = await sent({ backend: target("http://origin.test", true), filters: [rewriteHost("origin.test")] }, "http://client.example/o");
    expect(seen).toMatchObject({ ...noOverride("http://origin.test", "/o"), connectedTo: "origin.test:80" });
  });

  it("without the opt-in the origin's URL is fetched as before (no override), whatever the rewrite says", async () => {
    const { seen } = await sent({ backend: target("http://origin.test", false), filters: [rewriteHost("rewritten.example")] }, "http://client.example/n");
    expect(seen).toMatchObject({ ...noOverride("http://origin.test", "/n"), host: "origin.test", connectedTo: "origin.test:80" });
  });

  it("a rewrite wins over an exactly matched client host", async () => {
    const { seen } = await sent(
      { backend: target("http://origin.test", true), filters: [rewriteHost("rewritten.example")], routeHostnames: ["app.example"] },
      "http://app.example/w",
    );
    expect(seen).toMatchObject({ url: "http://rewritten.example/w", resolveOverride: "origin.test" });
  });
});

describe("hostOverride: the client's host", () => {
  it("is sent when the route names it exactly", async () => {
    const { seen } = await sent({ backend: target("http://origin.test", true), routeHostnames: ["app.example"] }, "http://app.example/r?k=v");
    expect(seen).toEqual({ url: "http://app.example/r?k=v", host: "app.example", resolveOverride: "origin.test", connectedTo: "origin.test:80" });
  });

  it("is sent when the listener names it exactly (route without hostnames), without the client's port", async () => {
    const listener: Listener = { name: "named", port: 8000, protocol: "HTTP", hostname: "listener.example" };
    const { seen } = await sent({ backend: target("http://other-origin.test", true), listener }, "http://listener.example:8000/l");
    expect(seen).toEqual({ url: "http://listener.example/l", host: "listener.example", resolveOverride: "other-origin.test", connectedTo: "other-origin.test:80" });
  });

  it("is not sent when a wildcard listener chose it: the origin's URL, no override", async () => {
    const listener: Listener = { name: "wild", port: 80, protocol: "HTTP", hostname: "*.example" };
    const { seen } = await sent({ backend: target("http://origin.test", true), listener }, "http://evil.example/x");
    expect(seen).toMatchObject({ ...noOverride("http://origin.test", "/x"), host: "origin.test", connectedTo: "origin.test:80" });
  });

  it("is not sent when a wildcard route hostname chose it", async () => {
    const { seen } = await sent({ backend: target("http://origin.test", true), routeHostnames: ["*.example"] }, "http://evil.example/x");
    expect(seen).toMatchObject({ ...noOverride("http://origin.test", "/x"), connectedTo: "origin.test:80" });
  });

  it("is not sent from a catch-all (listener and route without hostnames)", async () => {
    const { seen } = await sent({ backend: target("http://origin.test", true) }, "http://anything.example/x");
    expect(seen).toMatchObject({ ...noOverride("http://origin.test", "/x"), connectedTo: "origin.test:80" });
  });

  it("a client Host header never names the connection target, with or without the opt-in", async () => {
    for (const hostOverride of [true, false]) {
      const headers = { host: "evil.example", "x-forwarded-host": "evil.example" };
      const exact = await sent({ backend: target("http://origin.test", hostOverride), routeHostnames: ["app.example"] }, "http://app.example/h", { headers });
      expect(exact.seen?.connectedTo).toBe("origin.test:80");
      expect(exact.seen?.url).toBe(hostOverride ? "http://app.example/h" : "http://origin.test/h");
      const wild = await sent({ backend: target("http://origin.test", hostOverride) }, "http://app.example/h", { headers });
      expect(wild.seen).toMatchObject({ ...noOverride("http://origin.test", "/h"), connectedTo: "origin.test:80" });
    }
  });

  it("the stand-in network refuses a name it does not know (the check the tests above rely on)", async () => {
    const { status, body } = await sent({ backend: target("http://unknown.test", false) }, "http://client.example/");
    expect(status).toBe(502);
    expect(body).toContain("edge network: no route to unknown.test:80");
  });
});
