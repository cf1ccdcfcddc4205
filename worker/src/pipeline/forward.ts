/**
 * Building the upstream request and cleaning the upstream response (DESIGN.md §3 step 5).
 *
 * - The upstream URL is a copy of the snapshot's origin URL with `pathname` and `search` set: never
 *   `new URL(clientPath, origin)`, which lets `//evil.example/x` or `/\evil.example` change the host.
 * - Hop-by-hop headers are removed both ways (RFC 9110 §7.6.1), including every name the peer's Connection header
 *   lists; this happens before the gateway adds its own headers, so a client's `Connection: x-forwarded-for` cannot
 *   strip them. Framing headers (Content-Length, Transfer-Encoding) are never copied: the runtime frames bodies.
 * - Client IP comes only from CF-Connecting-IP, appended to X-Forwarded-For.
 */
import type { BackendRef } from "../../../schema/snapshot.ts";
import type { NormalizedRequest } from "./normalize.ts";

export const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "proxy-authorization",
  "proxy-authenticate",
] as const;

/** The client's debug token must never travel upstream. */
export const DEBUG_HEADER = "x-edgeway-debug";

/** The upstream request as filters shape it, before the backend's origin is known. */
export interface UpstreamDraft {
  method: string;
  path: string;
  query: string;
  headers: Headers;
  /** Host header intended for the origin: the client's, or URLRewrite's hostname. */
  host: string;
}

export function connectionListed(headers: Headers): Set<string> {
  const listed = new Set<string>();
  for (const token of (headers.get("connection") ?? "").split(",")) {
    const name = token.trim().toLowerCase();
    if (name) listed.add(name);
  }
  return listed;
}

/** Copies `source` without hop-by-hop, Connection-listed and framing headers (and `extraDrop`). */
export function withoutHopByHop(source: Headers, keepUpgrade = false, extraDrop: readonly string[] = []): Headers {
  const drop = new Set<string>([...HOP_BY_HOP, ...connectionListed(source), "content-length", ...extraDrop]);
  if (keepUpgrade) drop.delete("upgrade");
  const out = new Headers();
  for (const [name, value] of source) if (!drop.has(name)) out.append(name, value);
  return out;
}

function isWebSocketUpgrade(headers: Headers): boolean {
  return (headers.get("upgrade") ?? "").toLowerCase() === "websocket";
}

/** The initial draft: client headers cleaned, then the gateway's forwarding headers added. */
export function initialDraft(request: Request, normalized: NormalizedRequest): UpstreamDraft {
  const headers = withoutHopByHop(request.headers, isWebSocketUpgrade(request.headers), ["host", DEBUG_HEADER]);
  const clientIp = request.headers.get("cf-connecting-ip");
  const priorXff = request.headers.get("x-forwarded-for");
  if (clientIp) headers.set("x-forwarded-for", priorXff ? `${priorXff}, ${clientIp}` : clientIp);
  headers.set("x-forwarded-proto", normalized.scheme);
  headers.set("x-forwarded-host", normalized.authority);
  return { method: normalized.method, path: normalized.path, query: normalized.query, headers, host: normalized.authority };
}

export function upstreamUrl(origin: string, path: string, query: string): URL {
  const url = new URL(origin);
  url.pathname = path;
  url.search = query ? `?${query}` : "";
  return url;
}

/**
 * The fetch() request for one attempt. Host is set explicitly to the intended host; note that workerd's fetch()
 * replaces it with the origin URL's authority (docs/worker.md "Host"), which is why X-Forwarded-Host carries the
 * client's host as well.
 */
export function upstreamRequest(draft: UpstreamDraft, target: BackendRef, body: BodyInit | null, signal: AbortSignal): Request {
  const headers = new Headers(draft.headers);
  headers.set("host", draft.host);
  // workerd performs the WebSocket handshake itself when it sees `Upgrade: websocket` (it adds Connection and the
  // key); anything else that asks to upgrade is sent as a plain request.
  if (!(target.protocol === "ws" && isWebSocketUpgrade(draft.headers))) headers.delete("upgrade");
  return new Request(upstreamUrl(target.origin, draft.path, draft.query), {
    method: draft.method,
    headers,
    body: draft.method === "GET" || draft.method === "HEAD" ? null : body,
    redirect: "manual",
    signal,
  });
}

/** The client-facing response: upstream status and body, headers without hop-by-hop/framing ones. */
export function downstreamResponse(upstream: Response): Response {
  if (upstream.status === 101 || upstream.webSocket) return upstream;
  return new Response(upstream.body, {
    status: upstream.status,
    statusText: upstream.statusText,
    headers: withoutHopByHop(upstream.headers),
  });
}
