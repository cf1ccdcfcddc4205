/**
 * Merging the status we computed into the status the object holds, by the Gateway API's rules (gateway-api-semantics
 * §2, GEP-1364 conditions):
 *
 *   - Route `status.parents[]`: only entries whose `controllerName` is ours are replaced; other controllers' entries
 *     are kept as they are, in place. Ours are matched by parentRef.
 *   - Conditions merge by `type` (metav1.Condition list-map key). `lastTransitionTime` only moves when `status`
 *     changes (k8s meta.SetStatusCondition); a changed reason/message/observedGeneration keeps the old time.
 *   - `observedGeneration` never regresses: a computation from an older generation than the one already written
 *     (a slow run racing a newer one, or a deposed leader) is dropped.
 *
 * `mergeStatus` returns null when the result equals what is there (no write needed).
 */
import type { Condition, ObjectStatus } from "../translate/api.ts";

type Json = Record<string, unknown>;

export function mergeConditions(existing: unknown, desired: Condition[]): Condition[] {
  const old = new Map<string, Condition>();
  for (const c of asArray(existing)) if (isCondition(c)) old.set(c.type, c);
  return desired.map((c) => {
    const prev = old.get(c.type);
    if (prev && prev.status === c.status) return { ...c, lastTransitionTime: prev.lastTransitionTime };
    return c;
  });
}

/** The highest observedGeneration among the conditions of a status fragment (0 when none). */
function observedGeneration(conditions: unknown): number {
  return asArray(conditions).reduce<number>((max, c) => Math.max(max, Number((c as Json)?.observedGeneration ?? 0)), 0);
}

export interface MergeOptions {
  controllerName: string;
}

/**
 * Returns the status to write, or null when nothing would change. `current` is the object's status as read from the
 * server; `desired` is ours for this kind.
 */
export function mergeStatus(kind: string, current: unknown, desired: ObjectStatus, options: MergeOptions): Json | null {
  const cur = (current && typeof current === "object" ? current : {}) as Json;
  const next = kind === "HTTPRoute" ? mergeRouteStatus(cur, desired.status, options) : mergeOwnedStatus(cur, desired.status);
  if (next === null) return null;
  return stableEqual(cur, next) ? null : next;
}

/** Gateway and GatewayClass: the whole status is ours; conditions (top level and per listener) merge by type. */
function mergeOwnedStatus(cur: Json, desired: Json): Json | null {
  if (observedGeneration(cur.conditions) > observedGeneration(desired.conditions)) return null;
  const next: Json = { ...cur, ...desired };
  if (Array.isArray(desired.conditions)) next.conditions = mergeConditions(cur.conditions, desired.conditions as Condition[]);
  if (Array.isArray(desired.listeners)) {
    const oldListeners = new Map(asArray(cur.listeners).map((l) => [(l as Json).name, l as Json]));
    next.listeners = (desired.listeners as Json[]).map((l) => ({
      ...l,
      conditions: mergeConditions(oldListeners.get(l.name)?.conditions, asArray(l.conditions) as Condition[]),
    }));
  }
  return next;
}

function mergeRouteStatus(cur: Json, desired: Json, { controllerName }: MergeOptions): Json | null {
  const existing = asArray(cur.parents) as Json[];
  const ours = (asArray(desired.parents) as Json[]).filter((p) => p.controllerName === controllerName);
  const oursBefore = existing.filter((p) => p.controllerName === controllerName);
  const before = Math.max(0, ...oursBefore.map((p) => observedGeneration(p.conditions)));
  const after = Math.max(0, ...ours.map((p) => observedGeneration(p.conditions)));
  if (ours.length > 0 && before > after) return null;
  const previous = new Map(oursBefore.map((p) => [parentRefKey(p.parentRef), p]));
  const merged = ours.map((p) => ({
    ...p,
    conditions: mergeConditions(previous.get(parentRefKey(p.parentRef))?.conditions, asArray(p.conditions) as Condition[]),
  }));
  // Foreign entries stay exactly where they were; ours follow in our order (parents is an atomic list in the CRD).
  const parents = [...existing.filter((p) => p.controllerName !== controllerName), ...merged];
  return { ...cur, parents };
}

function parentRefKey(ref: unknown): string {
  const r = (ref ?? {}) as Json;
  return [r.group ?? "gateway.networking.k8s.io", r.kind ?? "Gateway", r.namespace ?? "", r.name ?? "", r.sectionName ?? "", r.port ?? ""].join("|");
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isCondition(c: unknown): c is Condition {
  return !!c && typeof c === "object" && typeof (c as Json).type === "string";
}

/** Deep equality that ignores key order (the server may reorder keys). */
export function stableEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => stableEqual(x, b[i]));
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).filter((k) => (a as Json)[k] !== undefined);
    const kb = Object.keys(b).filter((k) => (b as Json)[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => stableEqual((a as Json)[k], (b as Json)[k]));
  }
  return false;
}
