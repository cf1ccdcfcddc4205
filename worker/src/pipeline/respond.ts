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
  if (modifiers.length === 0) return response;
  const mutable = mutableResponse(response);
  for (const modifier of modifiers) applyHeaderModifier(mutable.headers, modifier);
  return mutable;
}

export interface DebugInfo {
  gateway: string;
  route: string;
  rule: number;
  backend: string | null;
  snapshot: string;
}

export function withDebugHeaders(response: Response, info: DebugInfo): Response {
  const mutable = mutableResponse(response);
  mutable.headers.set("x-edgeway-gateway", info.gateway);
  mutable.headers.set("x-edgeway-route", info.route);
  mutable.headers.set("x-edgeway-rule", String(info.rule));
  if (info.backend) mutable.headers.set("x-edgeway-backend", info.backend);
  mutable.headers.set("x-edgeway-snapshot", info.snapshot);
  return mutable;
}

/** Responses from fetch() have immutable headers; WebSocket upgrades are returned untouched. */
function mutableResponse(response: Response): Response {
  if (response.webSocket) return response;
  try {
    response.headers.set("x-edgeway-probe", "1");
    response.headers.delete("x-edgeway-probe");
    return response;
  } catch {
    return new Response(response.body, response);
  }
}
