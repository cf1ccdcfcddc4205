/**
 * The conformance runner's stand-in for the edge's network (test/support/edge-network.ts `edgeNetwork`), checked on
 * its own: a small worker in Miniflare fetches what each test asks, through the network, to a real loopback origin.
 */
import http, { type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EDGE_NETWORK_WORKER, edgeNetwork } from "../support/edge-network.ts";

interface Seen {
  host: string | undefined;
  url: string;
  rawHeaders: string[];
  body: string;
}

let origin: http.Server;
let mf: Miniflare;
let network: ReturnType<typeof edgeNetwork>;
const seen: Seen[] = [];

// The worker fetches `?url=` with `?override=` as cf.resolveOverride and an optional body; it reports the status and
// body it got, or that fetch() failed.
const WORKER = `export default {
  async fetch(request) {
    const q = new URL(request.url).searchParams;
    const init = { method: q.get("method") || "GET", headers: { host: "client-chosen.example", "x-test": "1" } };
    if (q.get("override")) init.cf = { resolveOverride: q.get("override") };
    if (q.get("body")) init.body = q.get("body");
    try {
      const response = await fetch(q.get("url"), init);
      return Response.json({ status: response.status, body: await response.text() });
    } catch (error) {
      return Response.json({ failed: String(error) });
    }
  },
};`;

async function through(params: Record<string, string>): Promise<{ status?: number; body?: string; failed?: string }> {
  const response = await mf.dispatchFetch(`http://worker.local/?${new URLSearchParams(params)}`);
  return (await response.json()) as { status?: number; body?: string; failed?: string };
}

beforeAll(async () => {
  origin = http.createServer((req, res) => {
    if (req.url === "/reset") return void req.socket.destroy();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({ host: (req.headers as IncomingHttpHeaders).host, url: req.url ?? "", rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString() });
      res.writeHead(201, { "x-origin": "yes" }).end("from origin");
    });
  });
  await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
  const port = (origin.address() as AddressInfo).port;
  network = edgeNetwork(new Map([["origin.test:80", port], ["origin.test:8080", port]]));
  mf = new Miniflare({
    cf: false,
    workers: [
      { name: "main", modules: true, script: WORKER, compatibilityDate: "2026-04-01", outboundService: EDGE_NETWORK_WORKER },
      network.worker,
    ],
  });
  await mf.ready;
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
  await new Promise((resolve) => origin?.close(resolve));
});

describe("edge network", () => {
  it("connects to resolveOverride on the URL's port and sends the URL's authority as Host", async () => {
    seen.length = 0;
    expect(await through({ url: "http://wanted.example/p?q=1", override: "origin.test" })).toEqual({ status: 201, body: "from origin" });
    expect(await through({ url: "http://wanted.example:8080/x", override: "origin.test" })).toEqual({ status: 201, body: "from origin" });
    expect(seen.map((s) => [s.host, s.url])).toEqual([
      ["wanted.example", "/p?q=1"],
      ["wanted.example:8080", "/x"],
    ]);
  });

  it("without resolveOverride connects to the URL's host; forwards the body and no loopback-hop fields", async () => {
    seen.length = 0;
    expect(await through({ url: "http://origin.test/b", method: "POST", body: "payload" })).toEqual({ status: 201, body: "from origin" });
    const [request] = seen;
    expect(request?.host).toBe("origin.test");
    expect(request?.body).toBe("payload");
    const names = request!.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    expect(names).toContain("x-test");
    expect(names.filter((n) => n.startsWith("mf-"))).toEqual([]);
  });

  it("refuses a name it does not know, whether from the URL or from resolveOverride, and records it", async () => {
    const before = network.refused.length;
    seen.length = 0;
    const byUrl = await through({ url: "http://unknown.example/" });
    const byOverride = await through({ url: "http://origin.test/", override: "elsewhere.example" });
    const wrongPort = await through({ url: "http://origin.test:9/" });
    for (const answer of [byUrl, byOverride, wrongPort]) {
      expect(answer.status).toBe(502);
      expect(answer.body).toContain("edge network: no route");
    }
    expect(network.refused.slice(before)).toEqual(["unknown.example:80", "elsewhere.example:80", "origin.test:9"]);
    expect(seen).toEqual([]);
  });

  it("passes an origin's connection reset on: the worker's fetch() fails", async () => {
    const answer = await through({ url: "http://origin.test/reset" });
    expect(answer.failed).toBeDefined();
    expect(answer.status).toBeUndefined();
  });
});
