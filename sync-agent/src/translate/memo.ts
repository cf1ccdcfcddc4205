/**
 * TranslateMemo: what translate() may keep between calls so that a change to one HTTPRoute among thousands costs one
 * route's translation, not all of them. The agent keeps one per process (compile/pipeline.ts); the CLI compiles once
 * and passes none.
 *
 * What a route's translation reads: the route object, the translate options, and the objects that are not
 * HTTPRoutes (GatewayClasses, Gateways and their listeners, Namespaces and their labels, Services, Secrets,
 * ReferenceGrants). No other HTTPRoute: routes never conflict with each other in Gateway API (precedence orders
 * them at compile time), and the one thing they add up to, a listener's attachedRoutes, is replayed from the listeners
 * each route was counted on. So a remembered translation is reused exactly when
 *
 *   - it is the same route, and
 *   - every other object is the same, in the same order, as in the call that remembered it, and
 *   - the options other than `now` are the same.
 *
 * Anything else (a Service edited, a Namespace relabelled, a Gateway changed) forgets every route and translates all
 * of them again: those changes are rare next to route changes, and finer tracking would have to know every lookup a
 * route makes.
 *
 * "The same" (sameForTranslation) is the same object, or, for the kinds whose status the agent writes (GatewayClass,
 * Gateway, HTTPRoute), an object with the same uid and generation: these are custom resources with a status
 * subresource, whose generation the API server bumps on every spec change, and the translator reads nothing of them
 * that can change without one (spec, name, namespace, apiVersion, creationTimestamp; no labels or annotations). Without
 * that, every status the agent writes would come back as a changed object and undo the memo: a route's status write
 * would re-translate the route, a Gateway's would re-translate every route. Other objects (Services, Namespaces whose
 * labels are metadata, ...) are compared by identity, so callers must replace an object to change it, never edit it
 * in place: the informer caches (kube/reflector.ts) do, and files are parsed afresh on every compile.
 *
 * `now` stamps lastTransitionTime on new conditions. A reused status keeps the time of the call that computed it,
 * which is when those conditions last changed; the status writer (kube/status-merge.ts) keeps the stored time anyway
 * while a condition's status stays the same.
 */
import type { KubeObject, ObjectStatus, TranslateOptions } from "./api.ts";
import type { RouteIR } from "../ir/types.ts";
import type { CountedListener } from "./httproute.ts";
import type { Classified } from "../k8s/index.ts";

export interface RememberedRoute {
  object: KubeObject;
  ir: RouteIR | undefined;
  status: ObjectStatus | undefined;
  counted: CountedListener[];
  /** The call that last met this route. */
  seen: number;
}

export class TranslateMemo {
  /** What every remembered route was translated with: the objects that are not HTTPRoutes, and the options. */
  private context: KubeObject[] = [];
  private settings = "";
  private routes = new Map<string, RememberedRoute>();
  /** The route keys of the last call that completed, sorted. */
  private order: string[] = [];
  private pendingOrder: string[] | undefined;
  private call = 0;
  /** Routes reused and translated in the last call (metrics, tests). */
  readonly last = { reused: 0, translated: 0 };
  /** What the index made of each object it has met (k8s/index.ts), kept as long as the object lives. */
  readonly classified = new WeakMap<object, Classified>();

  /**
   * Starts a call. Unless the objects that are not HTTPRoutes and the options are those the remembered routes were
   * translated with, every route is forgotten. Each remembered route always belongs to the current context, so a call
   * that throws half-way leaves the memo consistent.
   */
  begin(objects: readonly KubeObject[], options: TranslateOptions): void {
    const context: KubeObject[] = [];
    let same = true;
    for (const object of objects) {
      if (object?.kind === "HTTPRoute") continue;
      if (same && !sameForTranslation(object, this.context[context.length])) same = false;
      context.push(object);
    }
    if (context.length !== this.context.length) same = false;
    const { now: _now, ...rest } = options;
    const settings = JSON.stringify(rest);
    if (settings !== this.settings) same = false;
    if (!same) this.routes.clear();
    this.context = context;
    this.settings = settings;
    this.pendingOrder = undefined;
    this.call++;
    this.last.reused = 0;
    this.last.translated = 0;
  }

  /**
   * The routes' entries sorted by key: the last call's order when the keys are the same (the common case: routes are
   * edited far more often than created or deleted), else sorted anew.
   */
  sorted<T>(routes: Map<string, T>): [string, T][] {
    const order = this.order;
    let same = order.length === routes.size;
    for (let i = 0; same && i < order.length; i++) same = routes.has(order[i]!);
    if (same) return order.map((key) => [key, routes.get(key)!]);
    const entries = [...routes.entries()].sort(byKey);
    this.pendingOrder = entries.map((e) => e[0]);
    return entries;
  }

  /** The remembered translation of this route object, if it still holds. */
  recall(key: string, object: KubeObject): RememberedRoute | undefined {
    const remembered = this.routes.get(key);
    if (remembered === undefined || !sameForTranslation(object, remembered.object)) return undefined;
    remembered.seen = this.call;
    this.last.reused++;
    return remembered;
  }

  remember(key: string, object: KubeObject, ir: RouteIR | undefined, status: ObjectStatus | undefined, counted: CountedListener[]): void {
    this.routes.set(key, { object, ir, status, counted, seen: this.call });
    this.last.translated++;
  }

  /** Ends a call that completed: routes not met in it (deleted ones) are forgotten. */
  commit(): void {
    for (const [key, remembered] of this.routes) if (remembered.seen !== this.call) this.routes.delete(key);
    if (this.pendingOrder !== undefined) this.order = this.pendingOrder;
    this.pendingOrder = undefined;
  }
}

export function byKey(a: [string, unknown], b: [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** Kinds whose status the agent writes: custom resources with a status subresource (see above). */
const GENERATION_KINDS = new Set(["GatewayClass", "Gateway", "HTTPRoute"]);

/** Whether `a` reads as `b` to the translator (see above). */
export function sameForTranslation(a: KubeObject, b: KubeObject | undefined): boolean {
  if (a === b) return true;
  if (b === undefined || a === null || typeof a !== "object" || !GENERATION_KINDS.has(a.kind)) return false;
  const m = a.metadata;
  const n = b.metadata;
  return (
    a.kind === b.kind &&
    a.apiVersion === b.apiVersion &&
    typeof m?.uid === "string" &&
    m.uid === n?.uid &&
    typeof m.generation === "number" &&
    m.generation === n.generation &&
    m.name === n.name &&
    m.namespace === n.namespace &&
    m.creationTimestamp === n.creationTimestamp
  );
}
