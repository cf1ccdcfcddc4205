/**
 * Building the upstream request and cleaning the upstream response (DESIGN.md §3 step 5).
 *
 * - The upstream URL is the snapshot origin's `scheme://authority` followed by the normalized path and the query:
 *   never `new URL(clientPath, origin)`, which lets `//evil.example/x` or `/\evil.example` change the host.
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
  /**
   * The host an opted-in origin (`hostOverride`) is fetched under, or null: only a name the snapshot vouches for —
   * URLRewrite's hostname, or the client's host when the matched listener or route names it exactly. A name a
   * wildcard (or no hostname at all) let the client choose never gets here: if the edge did not honour
   * `resolveOverride`, it would connect to this name.
   */
  vouchedHost: string | null;
}

/**
 * The client's headers, read in one pass (a Headers iteration crosses into the runtime once per field, so the
 * pipeline reads them once): their size for the 431 limit, which fields must not travel upstream and the few values
 * the gateway itself needs.
 */
export interface ClientHeaders {
  /** The request's own Headers: the upstream draft starts as a copy of them (initialDraft). */
  source: Headers;
  /** Bytes as on the wire: "name: value\r\n" per field. */
  bytes: number;
  /**
   * Fields present in `source` that must not go upstream: hop-by-hop and Connection-listed names, framing headers,
   * Host, the debug header and the X-Forwarded-* fields the gateway sets itself. `Upgrade` is kept only for a
   * WebSocket upgrade.
   */
  dropped: string[];
  webSocketUpgrade: boolean;
  clientIp: string | null;
  /** The client's X-Forwarded-For (the gateway appends the client IP to it). */
  forwardedFor: string | null;
  /** The client's Connection header lists X-Forwarded-For: without a client IP to append, none is sent. */
  forwardedForIsHopByHop: boolean;
  debugToken: string | null;
  contentLength: string | null;
}

const NEVER_FORWARDED = new Set<string>([...HOP_BY_HOP, "content-length", "host", DEBUG_HEADER, "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"]);

export function readClientHeaders(headers: Headers): ClientHeaders {
  const out: ClientHeaders = { source: headers, bytes: 0, dropped: [], webSocketUpgrade: false, clientIp: null, forwardedFor: null, forwardedForIsHopByHop: false, debugToken: null, contentLength: null };
  let connection: string | null = null;
  let upgrade: string | null = null;
  let names: string[] | null = null;
  for (const entry of headers) {
    const name = entry[0];
    out.bytes += name.length + entry[1].length + 4;
    if (!NEVER_FORWARDED.has(name)) {
      if (name === "cf-connecting-ip") out.clientIp = entry[1];
      (names ??= []).push(name);
      continue;
    }
    // A name occurs twice in an iteration only as set-cookie, which is never in NEVER_FORWARDED.
    if (name !== "upgrade") out.dropped.push(name);
    if (name === "connection") connection = entry[1];
    else if (name === "upgrade") upgrade = entry[1];
    else if (name === "x-forwarded-for") out.forwardedFor = entry[1];
    else if (name === DEBUG_HEADER) out.debugToken = entry[1];
    else if (name === "content-length") out.contentLength = entry[1];
  }
  if (connection !== null) {
    // RFC 9110 §7.6.1: the fields the client's Connection header names are for this hop only.
    const listed = connectionListed(connection);
    if (names !== null) for (const name of names) if (listed.has(name)) out.dropped.push(name);
    out.forwardedForIsHopByHop = listed.has("x-forwarded-for");
  }
  // A WebSocket upgrade keeps its Upgrade field (even though `Connection: upgrade` lists it): workerd performs the
  // handshake for `ws` backends.
  out.webSocketUpgrade = upgrade !== null && upgrade.toLowerCase() === "websocket";
  if (upgrade !== null && !out.webSocketUpgrade) out.dropped.push("upgrade");
  return out;
}

export function connectionListed(value: string): Set<string> {
  const listed = new Set<string>();
  for (const token of value.split(",")) {
    const name = token.trim().toLowerCase();
    if (name) listed.add(name);
  }
  return listed;
}

/** Removes hop-by-hop, Connection-listed and framing headers in place (a response copy's headers). */
export function stripHopByHop(headers: Headers): void {
  const connection = headers.get("connection");
  if (connection !== null) {
    for (const name of connectionListed(connection)) if (!HOP_BY_HOP_NAMES.has(name) && HEADER_NAME.test(name)) headers.delete(name);
  }
  for (const name of HOP_BY_HOP) headers.delete(name);
  headers.delete("content-length");
}

/** Deleted below anyway: `Connection: keep-alive` (the usual value) costs no second delete. */
const HOP_BY_HOP_NAMES = new Set<string>(HOP_BY_HOP);

/** RFC 9110 §5.6.2 token: only such names can be deleted from a Headers object without a TypeError. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/**
 * The initial draft: a copy of the client's headers without the dropped fields, then the gateway's forwarding
 * headers. Copying a Headers object stays inside the runtime; building one from an array of pairs converts every
 * pair from JavaScript and costs several times as much (docs/worker.md, "Where the CPU goes"). `hostNamedExactly`: the
 * matched listener or route names the client's host exactly (listener.ts `hostNamedExactly`).
 */
export function initialDraft(client: ClientHeaders, normalized: NormalizedRequest, hostNamedExactly = false): UpstreamDraft {
  const headers = new Headers(client.source);
  for (const name of client.dropped) headers.delete(name);
  const clientIp = client.clientIp;
  const priorXff = client.forwardedFor;
  const xff = clientIp ? (priorXff ? `${priorXff}, ${clientIp}` : clientIp) : client.forwardedForIsHopByHop ? null : priorXff;
  if (xff) headers.set("x-forwarded-for", xff);
  headers.set("x-forwarded-proto", normalized.scheme);
  headers.set("x-forwarded-host", normalized.authority);
  return {
    method: normalized.method,
    path: normalized.path,
    query: normalized.query,
    headers,
    host: normalized.authority,
    vouchedHost: hostNamedExactly ? normalized.host : null,
  };
}

/** A snapshot origin's URL parts, parsed once per isolate. */
interface OriginParts {
  /** `scheme://host[:port]`. */
  prefix: string;
  protocol: string;
  /** ":port" when the origin names a non-default port, else "". */
  port: string;
  hostname: string;
}

/**
 * Per-isolate cache keyed by snapshot origins. An isolate lives through many snapshot swaps, so the cache is emptied
 * when it reaches ORIGIN_CACHE_LIMIT entries rather than growing with every origin it has ever seen.
 */
export const ORIGIN_CACHE_LIMIT = 4096;

const originParts = new Map<string, OriginParts>();

/** Entries in the origin cache (for tests). */
export function originCacheSize(): number {
  return originParts.size;
}

function partsOf(origin: string): OriginParts {
  let parts = originParts.get(origin);
  if (parts === undefined) {
    const url = new URL(origin);
    parts = { prefix: `${url.protocol}//${url.host}`, protocol: url.protocol, port: url.port ? `:${url.port}` : "", hostname: url.hostname };
    if (originParts.size >= ORIGIN_CACHE_LIMIT) originParts.clear();
    originParts.set(origin, parts);
  }
  return parts;
}

/**
 * `base` (an authority fixed from the snapshot) followed by the normalized path and the query: a path starting with
 * "/" cannot change the authority (even `//x` is then a path). Never `new URL(clientPath, origin)`, which lets
 * `//evil.example/x` change the host.
 */
function withPathAndQuery(base: string, path: string, query: string): string {
  const url = path.startsWith("/") ? `${base}${path}` : `${base}/${path}`;
  return query ? `${url}?${query}` : url;
}

/** `scheme://host[:port]` of a snapshot origin followed by the normalized path and the query. */
export function upstreamUrl(origin: string, path: string, query: string): string {
  return withPathAndQuery(partsOf(origin).prefix, path, query);
}

/**
 * Where one attempt goes. For an origin that opted in (`hostOverride`) and a draft with a vouched host, the URL names
 * that host (so it is the Host the origin sees) on the origin's scheme and port, and `cf.resolveOverride` names the
 * origin's own hostname, the address the edge connects to (Cloudflare: "Resolve to a different origin"; it replaces
 * the host, never the port). Everything else: the origin's URL, no override.
 */
export function upstreamTarget(draft: UpstreamDraft, target: BackendRef): { url: string; resolveOverride: string | null } {
  const parts = partsOf(target.origin);
  const vouched = draft.vouchedHost;
  if (target.hostOverride === true && vouched !== null && vouched !== parts.hostname) {
    return { url: withPathAndQuery(`${parts.protocol}//${vouched}${parts.port}`, draft.path, draft.query), resolveOverride: parts.hostname };
  }
  return { url: withPathAndQuery(parts.prefix, draft.path, draft.query), resolveOverride: null };
}

/**
 * The fetch() request for one attempt. Host is set explicitly to the intended host; note that workerd's fetch()
 * replaces it with the URL's authority (docs/worker.md "Host"): only an opted-in origin gets the intended host, via
 * the URL (upstreamTarget). X-Forwarded-Host carries the client's host either way. The draft's headers are finished in place (the same for every attempt): the Request
 * constructor copies them.
 */
export function upstreamRequest(draft: UpstreamDraft, target: BackendRef, body: BodyInit | null, signal: AbortSignal | undefined): Request {
  const headers = draft.headers;
  headers.set("host", draft.host);
  // workerd performs the WebSocket handshake itself when it sees `Upgrade: websocket` (it adds Connection and the
  // key); anything else that asks to upgrade is sent as a plain request.
  if (target.protocol !== "ws" || (headers.get("upgrade") ?? "").toLowerCase() !== "websocket") headers.delete("upgrade");
  const { url, resolveOverride } = upstreamTarget(draft, target);
  return new Request(url, {
    method: draft.method,
    headers,
    body: draft.method === "GET" || draft.method === "HEAD" ? null : body,
    redirect: "manual",
    signal: signal ?? null,
    ...(resolveOverride === null ? {} : { cf: { resolveOverride } }),
  });
}

/** The client-facing response: upstream status and body, headers without hop-by-hop/framing ones. */
export function downstreamResponse(upstream: Response, body: ReadableStream | null = upstream.body): Response {
  if (upstream.status === 101 || upstream.webSocket) return upstream;
  const response = new Response(body, { status: upstream.status, statusText: upstream.statusText, headers: upstream.headers });
  stripHopByHop(response.headers);
  return response;
}
