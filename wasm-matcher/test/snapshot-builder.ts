/**
 * Small builders for test snapshots and requests. Every snapshot they make passes validateSnapshot and carries the
 * route table compileRouteTable produced for it, as the sync-agent's compiler would publish it.
 */
import { SCHEMA_VERSION, validateSnapshot, type Listener, type Match, type Route, type Rule, type Snapshot, type StringMatch } from "../../schema/snapshot.ts";
import type { MatchRequest } from "../src/api.ts";
import { compileRouteTable } from "../src/table.ts";

export interface MatchSpec {
  path?: Match["path"];
  /** Shorthand: [name, value] is an Exact match; [name, value, "RegularExpression"] a regex. */
  headers?: [string, string, StringMatch["type"]?][];
  query?: [string, string, StringMatch["type"]?][];
  method?: string;
}

export function match(spec: MatchSpec = {}): Match {
  const strings = (list: [string, string, StringMatch["type"]?][] = []): StringMatch[] =>
    list.map(([name, value, type]) => ({ type: type ?? "Exact", name, value }));
  return {
    path: spec.path ?? { type: "PathPrefix", value: "/" },
    headers: strings(spec.headers),
    queryParams: strings(spec.query),
    method: spec.method ?? null,
  };
}

export const prefix = (value: string): Match["path"] => ({ type: "PathPrefix", value });
export const exact = (value: string): Match["path"] => ({ type: "Exact", value });
export const regex = (value: string): Match["path"] => ({ type: "RegularExpression", value });

export function rule(matches: Match[] = [match()]): Rule {
  return { index: 0, name: null, matches, filters: [], backends: [], timeouts: { requestMs: 0, backendRequestMs: 0 }, retry: null };
}

export interface RouteSpec {
  name: string;
  namespace?: string;
  created?: string;
  /** Listener indexes with effective hostnames; default: listener 0, any host. */
  attach?: { listener: number; hostnames?: string[] }[];
  rules: Rule[];
}

export function route(spec: RouteSpec): Route {
  return {
    namespace: spec.namespace ?? "default",
    name: spec.name,
    creationTimestamp: spec.created ?? "2024-01-01T00:00:00Z",
    generation: 1,
    attachments: (spec.attach ?? [{ listener: 0 }]).map((a) => ({ listener: a.listener, hostnames: a.hostnames ?? [] })),
    rules: spec.rules.map((r, index) => ({ ...r, index })),
  };
}

export function listener(hostname: string | null = null, port = 80, protocol: Listener["protocol"] = "HTTP", name?: string): Listener {
  return { name: name ?? `l-${port}-${hostname ?? "any"}`.replace(/[*]/g, "star"), port, protocol, hostname };
}

export function snapshot(listeners: Listener[], routes: Route[]): Snapshot {
  const s: Snapshot = {
    schemaVersion: SCHEMA_VERSION,
    gateway: { namespace: "gateway-ns", name: "gw", generation: 1 },
    listeners,
    routes,
    routeTable: new Uint8Array(0),
  };
  s.routeTable = compileRouteTable(s);
  const checked = validateSnapshot(s);
  if (!checked.ok) throw new Error(`test snapshot invalid: ${checked.problems.join("; ")}`);
  return s;
}

export interface RequestSpec {
  method?: string;
  scheme?: "http" | "https";
  port?: number;
  host?: string;
  /** Path with an optional "?query". */
  url?: string;
  headers?: Record<string, string>;
}

/** A MatchRequest with fresh strings, as the worker's normalizer would hand it over. */
export function request(spec: RequestSpec = {}): MatchRequest {
  const url = spec.url ?? "/";
  const q = url.indexOf("?");
  const headers = new Map(Object.entries(spec.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    method: spec.method ?? "GET",
    scheme: spec.scheme ?? "http",
    port: spec.port ?? (spec.scheme === "https" ? 443 : 80),
    host: spec.host ?? "example.com",
    path: q < 0 ? url : url.slice(0, q),
    query: q < 0 ? "" : url.slice(q + 1),
    header: (name) => headers.get(name) ?? null,
  };
}
