/**
 * The worker side of pipeline-workerd.bench.ts: `?entry=edgeway|bare&n=N` sends N requests through that worker's own
 * entry (edgeway's Hono app with its access log, or the bare `fetch()` worker) in a loop inside workerd, with
 * `fetch()` answered by a stub shaped like the echo origin's answer. What the loop costs per request is the worker's
 * CPU apart from the network: the part edgeway's code adds, without the run-to-run drift of a load test.
 */
import bare from "../../test/bench/bare-worker.ts";
import edgeway from "../src/index.ts";

const REQUEST_URL = "http://bench.example/api/items?page=1";
/** The fields a request from autocannon carries once workerd has received it. */
const REQUEST_HEADERS: [string, string][] = [
  ["host", "bench.example"],
  ["accept-encoding", "br, gzip"],
  ["cf-connecting-ip", "127.0.0.1"],
];
const ORIGIN_BODY = JSON.stringify({ path: "/api/items?page=1", host: "127.0.0.1:8080", method: "GET", headers: {}, pod: "origin-0" });
/** What a Node origin answers with, hop-by-hop fields included (the edge strips them). */
const ORIGIN_HEADERS: Record<string, string> = {
  "content-type": "application/json",
  "content-length": String(ORIGIN_BODY.length),
  date: "Tue, 01 Dec 2026 00:00:00 GMT",
  connection: "keep-alive",
  "keep-alive": "timeout=5",
  "x-content-type-options": "nosniff",
};

const originStub = async (): Promise<Response> => new Response(ORIGIN_BODY, { headers: ORIGIN_HEADERS });

const entries: Record<string, ExportedHandler<Record<string, unknown>>> = {
  edgeway: edgeway as unknown as ExportedHandler<Record<string, unknown>>,
  bare: bare as unknown as ExportedHandler<Record<string, unknown>>,
};

export default {
  async fetch(request: Request, env: Record<string, unknown>, ctx: ExecutionContext): Promise<Response> {
    const params = new URL(request.url).searchParams;
    const entry = entries[params.get("entry") ?? ""];
    const n = Number(params.get("n") ?? 1);
    if (!entry?.fetch || !(n >= 1)) return new Response("?entry=edgeway|bare&n=N", { status: 400 });
    const realFetch = globalThis.fetch;
    globalThis.fetch = originStub;
    let failed = 0;
    try {
      for (let i = 0; i < n; i++) {
        const response = await entry.fetch(new Request(REQUEST_URL, { headers: REQUEST_HEADERS }) as Request<unknown, IncomingRequestCfProperties>, env, ctx);
        if (response.status !== 200) failed++;
      }
    } finally {
      globalThis.fetch = realFetch;
    }
    return Response.json({ n, failed });
  },
};
