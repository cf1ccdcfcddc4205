/**
 * RequestRedirect (spec §4): answered at the edge, never proxied.
 *
 * Port when the filter sets none: the well-known port of an explicitly set scheme (http 80, https 443), otherwise
 * the listener's port. The port is left out of Location for http:80 and https:443 ("SHOULD NOT add it").
 */
import type { Filter } from "../../../../schema/snapshot.ts";
import { applyPathModifier } from "./path.ts";

export type RequestRedirect = Extract<Filter, { type: "RequestRedirect" }>;

export interface RedirectInput {
  scheme: "http" | "https";
  /** Hostname from the Host header, without port. */
  host: string;
  listenerPort: number;
  path: string;
  query: string;
}

const WELL_KNOWN_PORT = { http: 80, https: 443 } as const;

export function redirectLocation(filter: RequestRedirect, input: RedirectInput): string {
  const scheme = filter.scheme ?? input.scheme;
  const host = filter.hostname ?? input.host;
  const port = filter.port ?? (filter.scheme ? WELL_KNOWN_PORT[filter.scheme] : input.listenerPort);
  const showPort = port !== WELL_KNOWN_PORT[scheme];
  const path = filter.path ? applyPathModifier(input.path, filter.path) : input.path;
  const hostPart = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `${scheme}://${hostPart}${showPort ? `:${port}` : ""}${path}${input.query ? `?${input.query}` : ""}`;
}

export function redirectResponse(filter: RequestRedirect, input: RedirectInput): Response {
  return new Response(null, { status: filter.statusCode, headers: { location: redirectLocation(filter, input) } });
}
