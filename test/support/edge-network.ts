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
 * Requests are forwarded with undici.request, byte for byte (fetch() would add Accept, User-Agent, Sec-Fetch-*), and
 * the response streams back. WebSocket upgrades go through Miniflare's own fetch, which carries the upgrade.
 * Only plain-HTTP origins are served: an https URL is refused (the local origins speak HTTP).
 */
import { Response as MiniflareResponse, fetch as miniflareFetch, type Request as MiniflareRequest } from "miniflare";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { request as undiciRequest } from "undici";

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
  /** For Miniflare's `outboundService`. */
  outbound: (request: MiniflareRequest) => Promise<MiniflareResponse>;
  /** `name:port` of every refused connection, in order. */
  readonly refused: string[];
}

/** `hosts`: "name:port" -> the 127.0.0.1 port that answers for it (read at each request, so it may grow). */
export function edgeNetwork(hosts: ReadonlyMap<string, number>): EdgeNetwork {
  const refused: string[] = [];
  const outbound = async (request: MiniflareRequest): Promise<MiniflareResponse> => {
    const target = connectionTarget(request);
    const url = new URL(request.url);
    const loopbackPort = url.protocol === "http:" ? hosts.get(`${target.name}:${target.port}`) : undefined;
    if (loopbackPort === undefined) {
      refused.push(`${target.name}:${target.port}`);
      return new MiniflareResponse(`edge network: no route to ${url.protocol}//${target.name}:${target.port}\n`, { status: 502 });
    }
    // One entry per name (Headers joins repeated request fields), the Host the edge sends last.
    const headers: Record<string, string> = {};
    for (const [name, value] of request.headers) if (name !== "host") headers[name] = value;
    headers.host = target.authority;
    const path = `${url.pathname}${url.search}`;
    if ((request.headers.get("upgrade") ?? "").toLowerCase() === "websocket") {
      return miniflareFetch(`http://127.0.0.1:${loopbackPort}${path}`, { method: request.method, headers });
    }
    const body = request.method === "GET" || request.method === "HEAD" || request.body === null ? null : Readable.fromWeb(request.body as NodeReadableStream);
    const answer = await undiciRequest(`http://127.0.0.1:${loopbackPort}${path}`, { method: request.method, headers, body });
    const responseHeaders: [string, string][] = [];
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined || name === "transfer-encoding" || name === "connection" || name === "keep-alive") continue;
      for (const item of Array.isArray(value) ? value : [value]) responseHeaders.push([name, item]);
    }
    const noBody = request.method === "HEAD" || answer.statusCode === 204 || answer.statusCode === 304;
    if (noBody) await answer.body.dump();
    return new MiniflareResponse(noBody ? null : answer.body, { status: answer.statusCode, headers: responseHeaders });
  };
  return { outbound, refused };
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
