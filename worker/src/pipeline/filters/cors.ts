/**
 * CORS (GEP-1767, spec §4). Preflights (OPTIONS + Origin + Access-Control-Request-Method) are answered here and
 * never passed upstream; actual requests are proxied and get ACAO / ACAC / ACEH on the way back.
 *
 * A matching Origin is always echoed in ACAO: it is valid with and without credentials, where a literal "*" is not
 * (Fetch standard, CORS protocol). A non-matching Origin gets no CORS headers at all.
 */
import type { Cors } from "../../../../schema/snapshot.ts";

export function isPreflight(method: string, headers: Headers): boolean {
  return method === "OPTIONS" && headers.has("origin") && headers.has("access-control-request-method");
}

/** `scheme://host[:port]` with a leading `*` label wildcard matching any labels to its left; `*` alone matches all. */
export function originAllowed(origin: string, allowOrigins: readonly string[]): boolean {
  const candidate = parseOrigin(origin);
  if (!candidate) return false;
  return allowOrigins.some((pattern) => {
    if (pattern === "*") return true;
    const allowed = parseOrigin(pattern);
    if (!allowed || allowed.scheme !== candidate.scheme || allowed.port !== candidate.port) return false;
    if (allowed.host.startsWith("*.")) {
      const suffix = allowed.host.slice(1);
      return candidate.host.endsWith(suffix) && candidate.host.length > suffix.length;
    }
    return allowed.host === candidate.host;
  });
}

function parseOrigin(value: string): { scheme: string; host: string; port: string } | null {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/:?#]+)(?::(\d+))?\/?$/i.exec(value.trim());
  if (!m) return null;
  const scheme = m[1]!.toLowerCase();
  const port = m[3] ?? (scheme === "https" ? "443" : scheme === "http" ? "80" : "");
  return { scheme, host: m[2]!.toLowerCase(), port };
}

/** "*" in allowMethods/allowHeaders: echo what was requested; with credentials omit it when nothing was requested. */
function allowList(configured: readonly string[], requested: string | null, credentials: boolean): string | null {
  if (configured.includes("*")) {
    if (requested) return requested;
    return credentials ? null : "*";
  }
  return configured.length > 0 ? configured.join(", ") : null;
}

export function preflightResponse(cors: Cors, requestHeaders: Headers): Response {
  const headers = new Headers({ vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers" });
  const origin = requestHeaders.get("origin") ?? "";
  if (originAllowed(origin, cors.allowOrigins)) {
    headers.set("access-control-allow-origin", origin);
    if (cors.allowCredentials) headers.set("access-control-allow-credentials", "true");
    const methods = allowList(cors.allowMethods, requestHeaders.get("access-control-request-method"), cors.allowCredentials);
    if (methods) headers.set("access-control-allow-methods", methods);
    const allowHeaders = allowList(cors.allowHeaders, requestHeaders.get("access-control-request-headers"), cors.allowCredentials);
    if (allowHeaders) headers.set("access-control-allow-headers", allowHeaders);
    const expose = exposeHeaders(cors);
    if (expose) headers.set("access-control-expose-headers", expose);
    headers.set("access-control-max-age", String(cors.maxAge));
  }
  return new Response(null, { status: 200, headers });
}

function exposeHeaders(cors: Cors): string | null {
  // "*" is only meaningful without credentials (spec §4); with credentials it is dropped.
  const names = cors.allowCredentials ? cors.exposeHeaders.filter((h) => h !== "*") : cors.exposeHeaders;
  return names.length > 0 ? names.join(", ") : null;
}

/** Adds the actual-request CORS headers to a proxied response. */
export function applyCorsToResponse(cors: Cors, requestHeaders: Headers, responseHeaders: Headers): void {
  const origin = requestHeaders.get("origin");
  if (origin === null || !originAllowed(origin, cors.allowOrigins)) return;
  responseHeaders.set("access-control-allow-origin", origin);
  if (cors.allowCredentials) responseHeaders.set("access-control-allow-credentials", "true");
  const expose = exposeHeaders(cors);
  if (expose) responseHeaders.set("access-control-expose-headers", expose);
  const vary = responseHeaders.get("vary");
  if (!vary || !/\borigin\b/i.test(vary)) responseHeaders.set("vary", vary ? `${vary}, Origin` : "Origin");
}
