/**
 * The snapshot's wire form: the JSON stored in the KV blob (schema/blob.ts), which holds the route table after it. `compactSnapshot(snapshot)` leaves out every field that holds its
 * default (WIRE_DEFAULTS, empty lists, null) and a backend target's `ref` when it is the backend's own; `validateSnapshot` on
 * the parsed JSON fills them back in, so `validateSnapshot(JSON.parse(JSON.stringify(compactSnapshot(s))))` gives
 * `s` again but for the route table, which the blob carries outside the JSON.
 *
 * Objects are built with their keys in sorted order and left-out fields are `undefined` (which JSON.stringify skips),
 * so when `s` has sorted keys throughout (the compiler builds it so), `JSON.stringify(compactSnapshot(s))` is already
 * the canonical JSON (schema/canonical.ts) of the wire form.
 * Matches' paths, filters, header and query matches and retry policies are shared with the snapshot, not copied.
 */
import { type Backend, type Match, type Route, type Rule, type Snapshot, WIRE_DEFAULTS } from "./snapshot.ts";

/** The wire form's type: a Snapshot whose defaulted fields may be missing. */
export type WireSnapshot = Omit<Snapshot, "routes" | "routeTable"> & { routes: WireRoute[] };
export type WireRoute = Omit<Route, "rules"> & { rules: WireRule[] };
export interface WireRule {
  backends: WireBackend[] | undefined;
  filters: Rule["filters"] | undefined;
  index: number;
  matches: WireMatch[];
  name: string | null | undefined;
  retry: Rule["retry"] | undefined;
  timeouts: Rule["timeouts"] | undefined;
}
export interface WireMatch {
  headers: Match["headers"] | undefined;
  method: string | null | undefined;
  path: Match["path"];
  queryParams: Match["queryParams"] | undefined;
}
export interface WireBackend {
  filters: Backend["filters"] | undefined;
  reason: string | undefined;
  ref: string;
  status: number | undefined;
  target: { hostOverride: true | undefined; origin: string; protocol: "h2c" | "ws" | undefined; ref: string | undefined } | undefined;
  weight: number | undefined;
}

export function compactSnapshot(snapshot: Snapshot): WireSnapshot {
  return {
    gateway: snapshot.gateway,
    listeners: snapshot.listeners,
    routes: snapshot.routes.map((route) => compactRoute(route)),
    schemaVersion: snapshot.schemaVersion,
  };
}

/** `shared`: as for compactRule. */
export function compactRoute(route: Route, shared?: Map<Backend, WireBackend>): WireRoute {
  return {
    attachments: route.attachments,
    creationTimestamp: route.creationTimestamp,
    generation: route.generation,
    name: route.name,
    namespace: route.namespace,
    rules: route.rules.map((rule) => compactRule(rule, shared)),
  };
}

/**
 * `shared`: wire backends already made, by backend object. A producer that shares one backend object between rules
 * (sync-agent's translator does, for the common weight-1 entries) then gets one wire object for it too.
 */
export function compactRule(rule: Rule, shared?: Map<Backend, WireBackend>): WireRule {
  const timeouts = rule.timeouts;
  return {
    backends: rule.backends.length > 0 ? compactBackends(rule.backends, shared) : undefined,
    filters: rule.filters.length > 0 ? rule.filters : undefined,
    index: rule.index,
    matches: rule.matches.map(compactMatch),
    name: rule.name ?? undefined,
    retry: rule.retry ?? undefined,
    timeouts: timeouts.requestMs === 0 && timeouts.backendRequestMs === 0 ? undefined : timeouts,
  };
}

function compactBackends(backends: Backend[], shared: Map<Backend, WireBackend> | undefined): WireBackend[] {
  const out = new Array<WireBackend>(backends.length);
  for (let i = 0; i < backends.length; i++) {
    const backend = backends[i]!;
    let wire = shared?.get(backend);
    if (wire === undefined) {
      wire = compactBackend(backend);
      shared?.set(backend, wire);
    }
    out[i] = wire;
  }
  return out;
}

function compactMatch(match: Match): WireMatch {
  return {
    headers: match.headers.length > 0 ? match.headers : undefined,
    method: match.method ?? undefined,
    path: match.path,
    queryParams: match.queryParams.length > 0 ? match.queryParams : undefined,
  };
}

function compactBackend(backend: Backend): WireBackend {
  const target = backend.target;
  return {
    filters: backend.filters.length > 0 ? backend.filters : undefined,
    reason: backend.reason === WIRE_DEFAULTS.reason ? undefined : backend.reason,
    ref: backend.ref,
    status: backend.status === WIRE_DEFAULTS.status ? undefined : backend.status,
    target:
      target === null
        ? undefined
        : {
            hostOverride: target.hostOverride === true ? true : undefined,
            origin: target.origin,
            protocol: target.protocol === WIRE_DEFAULTS.protocol ? undefined : target.protocol,
            ref: target.ref === backend.ref ? undefined : target.ref,
          },
    weight: backend.weight === WIRE_DEFAULTS.weight ? undefined : backend.weight,
  };
}
