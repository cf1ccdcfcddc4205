/**
 * A stand-in for Cloudflare's network behind a worker's subrequests, for Miniflare's `outboundService` (workerd
 * itself ignores `cf.resolveOverride` and connects to the URL's host). Like the edge:
 *
 * - the connection goes to `cf.resolveOverride` when the subrequest sets it, else to the URL's host; the port is
 *   always the URL's ("Resolve to a different origin" replaces the host, never the port);
 * - the request carries the URL's authority as Host, whatever Host header the worker set (workerd already sends it so).
 *
 * Names are resolved like DNS, from a fixed table of `name:port` -> loopback port; a name the table does not hold is
 * refused (502, recorded in `refused`), so a test sees any subrequest that would have left for an unexpected host.
 * Two forms: `edgeNetwork` forwards to real loopback origins (the conformance runner), `reflectingNetwork` answers
 * with what it received (tests inside workerd).
 */
import { Response as MiniflareResponse, fetch as miniflareFetch, type Request as MiniflareRequest, type WorkerOptions } from "miniflare";
import http, { type IncomingMessage, type ServerResponse } from "node:http";

/** Where a subrequest connects: the name (resolveOverride, else the URL host) and the URL's port. */
export interface ConnectionTarget {
  name: string;
  port: number;
  /** The URL's authority: the Host the origin sees. */
  authority: string;
}

export function connectionTarget(request: { url: string; cf?: unknown }): ConnectionTarget {
  const url = new URL(request.url);
  const cf = request.cf as { resolveOverride?: unknown } | undefined;
  const override = typeof cf?.resolveOverride === "string" && cf.resolveOverride !== "" ? cf.resolveOverride : null;
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  return { name: (override ?? url.hostname).toLowerCase(), port, authority: url.host };
}

export interface EdgeNetwork {
  /** For Miniflare's `outboundService` (a function service). */
  outbound: (request: MiniflareRequest) => Promise<MiniflareResponse>;
  /** `name:port` of every refused connection, in order. */
  readonly refused: string[];
}

/** The name of the network's worker: a worker that sends subrequests through it sets `outboundService` to it. */
export const EDGE_NETWORK_WORKER = "edge-network";

/**
 * The network as a Miniflare worker (`worker`) for the worker under test to name as its `outboundService`. Plain
 * requests go out through a Node service that forwards them with node:http byte for byte (the request's own fields,
 * Host = the URL's authority) and, when the origin resets or refuses the connection, drops the worker's connection
 * too: the worker's fetch() then fails as at the edge, instead of seeing a response the network made up. WebSocket
 * upgrades (which a Node service cannot carry) go through a function service using Miniflare's fetch.
 *
 * `hosts`: "name:port" -> the 127.0.0.1 port that answers for it (read at each request, so it may grow). Plain-HTTP
 * origins only: the local origins speak HTTP.
 */
export function edgeNetwork(hosts: ReadonlyMap<string, number>): { worker: WorkerOptions; refused: string[] } {
  const refused: string[] = [];
  const resolve = (target: ConnectionTarget): number | undefined => {
    const port = hosts.get(`${target.name}:${target.port}`);
    if (port === undefined) refused.push(`${target.name}:${target.port}`);
    return port;
  };
  const upgrade = async (request: MiniflareRequest): Promise<MiniflareResponse> => {
    const target = connectionTarget(request);
    const loopbackPort = resolve(target);
    if (loopbackPort === undefined) return new MiniflareResponse(`edge network: no route to ${target.name}:${target.port}\n`, { status: 502 });
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    for (const [name, value] of request.headers) if (name !== "host") headers[name] = value;
    headers.host = target.authority;
    return miniflareFetch(`http://127.0.0.1:${loopbackPort}${url.pathname}${url.search}`, { method: request.method, headers });
  };
  const worker: WorkerOptions = {
    name: EDGE_NETWORK_WORKER,
    modules: true,
    compatibilityDate: "2026-04-01",
    script: `export default {
      fetch(request, env) {
        return (request.headers.get("upgrade") || "").toLowerCase() === "websocket" ? env.UPGRADE.fetch(request) : fetch(request);
      },
    };`,
    serviceBindings: { UPGRADE: upgrade },
    outboundService: { node: (req, res) => forwardRaw(req, res, resolve) },
  };
  return { worker, refused };
}

/** Fields of the loopback hop between workerd and Node, never part of the request the origin gets. */
const LOOPBACK_FIELDS = new Set(["mf-cf-blob", "mf-custom-node-service", "mf-original-url", "connection", "keep-alive", "transfer-encoding"]);

function forwardRaw(req: IncomingMessage, res: ServerResponse, resolve: (target: ConnectionTarget) => number | undefined): void {
  const blob = req.headers["mf-cf-blob"];
  const cf = typeof blob === "string" ? (JSON.parse(blob) as unknown) : undefined;
  const target = connectionTarget({ url: `http://${req.headers.host ?? "invalid"}${req.url ?? "/"}`, cf });
  const loopbackPort = resolve(target);
  if (loopbackPort === undefined) {
    res.writeHead(502, { "content-type": "text/plain" }).end(`edge network: no route to ${target.name}:${target.port}\n`);
    return;
  }
  const headers: [string, string][] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    if (!LOOPBACK_FIELDS.has(name.toLowerCase())) headers.push([name, req.rawHeaders[i + 1]!]);
  }
  const upstream = http.request({ host: "127.0.0.1", port: loopbackPort, method: req.method, path: req.url, headers: headers.flat() }, (answer) => {
    const fields: string[] = [];
    for (let i = 0; i < answer.rawHeaders.length; i += 2) {
      const name = answer.rawHeaders[i]!;
      if (!LOOPBACK_FIELDS.has(name.toLowerCase())) fields.push(name, answer.rawHeaders[i + 1]!);
    }
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, fields);
    answer.pipe(res);
    answer.on("error", () => res.destroy());
  });
  // The origin reset or refused the connection: so does the network (the worker's fetch() fails, as at the edge).
  upstream.on("error", () => {
    res.destroy();
    req.socket.destroy();
  });
  // The worker gave up (timeout, client gone): the origin's request is abandoned too.
  res.on("close", () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

/**
 * For tests inside workerd: answers every subrequest to a known name itself, with what left the worker as JSON
 * (`url`, `host` header, `resolveOverride`, the connection target). Unknown names are refused as above.
 */
export function reflectingNetwork(names: ReadonlySet<string>): EdgeNetwork {
  const refused: string[] = [];
  const outbound = async (request: MiniflareRequest): Promise<MiniflareResponse> => {
    const target = connectionTarget(request);
    if (!names.has(target.name)) {
      refused.push(`${target.name}:${target.port}`);
      return new MiniflareResponse(`edge network: no route to ${target.name}:${target.port}\n`, { status: 502 });
    }
    const cf = request.cf as { resolveOverride?: string } | undefined;
    const seen: ReflectedRequest = {
      url: request.url,
      host: request.headers.get("host"),
      resolveOverride: cf?.resolveOverride ?? null,
      connectedTo: `${target.name}:${target.port}`,
    };
    await request.arrayBuffer();
    return new MiniflareResponse(JSON.stringify(seen), { headers: { "content-type": "application/json" } });
  };
  return { outbound, refused };
}

/** What reflectingNetwork answers. */
export interface ReflectedRequest {
  url: string;
  host: string | null;
  resolveOverride: string | null;
  connectedTo: string;
}
