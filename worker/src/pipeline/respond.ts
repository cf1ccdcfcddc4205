/** Responses the edge gives itself (4xx/5xx decided without an origin), and the opt-in debug headers. */
import type { HeaderModifier } from "../../../schema/snapshot.ts";
import { applyHeaderModifier } from "./filters/headers.ts";

export function localResponse(status: number, error: string, headers: HeadersInit = {}): Response {
  const out = new Headers(headers);
  out.set("content-type", "application/json");
  out.set("cache-control", "no-store");
  return new Response(JSON.stringify({ status, error }), { status, headers: out });
}

export function applyResponseModifiers(response: Response, modifiers: readonly HeaderModifier[]): Response {
  if (modifiers.length === 0 || isUpgrade(response)) return response;
  for (const modifier of modifiers) applyHeaderModifier(response.headers, modifier);
  return response;
}

export interface DebugInfo {
  gateway: string;
  route: string;
  rule: number;
  backend: string | null;
  snapshot: string;
}

export function withDebugHeaders(response: Response, info: DebugInfo): Response {
  if (isUpgrade(response)) return response;
  response.headers.set("x-edgeway-gateway", info.gateway);
  response.headers.set("x-edgeway-route", info.route);
  response.headers.set("x-edgeway-rule", String(info.rule));
  if (info.backend) response.headers.set("x-edgeway-backend", info.backend);
  response.headers.set("x-edgeway-snapshot", info.snapshot);
  return response;
}

/**
 * Every response the pipeline returns was built by it (edge-made, or `downstreamResponse`'s copy), so its headers
 * are mutable; a WebSocket upgrade is the one response passed through untouched.
 */
function isUpgrade(response: Response): boolean {
  return response.status === 101 || response.webSocket != null;
}
