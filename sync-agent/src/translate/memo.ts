/**
 * TranslateMemo: what translate() may keep between calls so that a change to one HTTPRoute among thousands costs one
 * route's translation, not all of them. The agent keeps one per process (cli/agent.ts createPipeline); the CLI
 * compiles once and passes none.
 *
 * What a route's translation reads: the route object, the translate options, the Gateways it names (their classes,
 * listeners, and the certificate Secrets and ReferenceGrants those read), and namespace-scoped objects: the labels of
 * its own Namespace (allowedRoutes selectors), and the Services and ReferenceGrants of every namespace its backendRefs
 * and mirrors point into. No other HTTPRoute: routes never conflict with each other in Gateway API (precedence orders
 * them at compile time), and the one thing they add up to, a listener's attachedRoutes, is replayed from the listeners
 * each route was counted on. The translator notes the namespaces each route reads from (ObjectIndex.reads), and the
 * memo keeps them with the route. Each call compares the objects that are not HTTPRoutes with the last call's:
 *
 *   - a GatewayClass or Gateway changed or the options changed (other than `now`): every route is translated again;
 *   - a Service, ReferenceGrant, Namespace or Secret changed in a namespace the Gateways read from: likewise;
 *   - a Service, ReferenceGrant or Namespace changed elsewhere: the routes that read from that namespace are;
 *   - anything else (a Secret no Gateway reads, a GRPCRoute, a kind the translator ignores) changes no route.
 *
 * and a route is reused if it is the same route and was not forgotten by the above.
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
 *
 * Routes are forgotten as soon as a call starts, so whatever the memo holds belongs to the objects of the last call
 * that started, and a call that throws half-way leaves it consistent.
 */
import type { KubeObject, ObjectStatus, TranslateOptions } from "./api.ts";
import type { RouteIR } from "../ir/types.ts";
import type { CountedListener } from "./httproute.ts";
import { classifiedOf, type Classified } from "../k8s/index.ts";
import { namespaceOf, type KnownKind } from "../k8s/kinds.ts";

export interface RememberedRoute {
  object: KubeObject;
  ir: RouteIR | undefined;
  status: ObjectStatus | undefined;
  counted: CountedListener[];
  /** The namespaces the route's translation read objects from (its own always). */
  namespaces: string[];
  /** The call that last met this route. */
  seen: number;
}

export class TranslateMemo {
  /** The objects that are not HTTPRoutes in the last call, by kind, namespace and name; and its options. */
  private context = new Map<string, KubeObject>();
  private settings: string | undefined;
  /** The namespaces the Gateways read from in the last call (certificate Secrets and the grants for them). */
  private gatewayNamespaces = new Set<string>();
  private routes = new Map<string, RememberedRoute>();
  /** The route keys of the last call that completed, sorted. */
  private order: string[] = [];
  private pendingOrder: string[] | undefined;
  private call = 0;
  /** Routes reused and translated in the last call (metrics, tests). */
  readonly last = { reused: 0, translated: 0 };
  /** What the index made of each object it has met (k8s/index.ts), kept as long as the object lives. */
  readonly classified = new WeakMap<object, Classified>();

  /** Starts a call: forgets the routes that the changes since the last call may translate differently (see above). */
  begin(objects: readonly KubeObject[], options: TranslateOptions): void {
    const context = new Map<string, KubeObject>();
    let everything = false;
    const namespaces = new Set<string>();
    const changed = (kind: KnownKind | undefined, object: KubeObject) => {
      if (kind === "GatewayClass" || kind === "Gateway") everything = true;
      else if (kind === "Service" || kind === "ReferenceGrant" || kind === "Namespace" || kind === "Secret") {
        const namespace = kind === "Namespace" ? object.metadata.name : namespaceOf(object);
        if (this.gatewayNamespaces.has(namespace)) everything = true;
        else if (kind !== "Secret") namespaces.add(namespace);
      }
    };
    for (const object of objects) {
      if (object?.kind === "HTTPRoute") continue;
      // As the index sees it (the same classification, kept by object): skipped and unindexed objects change nothing.
      const { kind, key: indexKey } = classifiedOf(object, this.classified);
      if (kind === undefined || kind === "UnsupportedRoute") continue;
      const key = `${kind}\n${indexKey}`;
      // Two objects under one key: the index keeps one of them by content; not worth following here.
      if (context.has(key)) everything = true;
      context.set(key, object);
      const before = this.context.get(key);
      if (!sameForTranslation(object, before)) changed(kind, object);
    }
    for (const [key, object] of this.context) if (!context.has(key)) changed(classifiedOf(object, this.classified).kind, object);
    const { now: _now, ...rest } = options;
    const settings = JSON.stringify(rest);
    if (settings !== this.settings) everything = true;
    if (everything) this.routes.clear();
    else if (namespaces.size > 0) {
      for (const [key, remembered] of this.routes) {
        if (remembered.namespaces.some((n) => namespaces.has(n))) this.routes.delete(key);
      }
    }
    this.context = context;
    this.settings = settings;
    this.pendingOrder = undefined;
    this.call++;
    this.last.reused = 0;
    this.last.translated = 0;
  }

  /** Ends the Gateways' part of a call: the namespaces they read from (translate's ObjectIndex.reads). */
  gatewaysRead(namespaces: Set<string>): void {
    this.gatewayNamespaces = namespaces;
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

  remember(
    key: string,
    object: KubeObject,
    ir: RouteIR | undefined,
    status: ObjectStatus | undefined,
    counted: CountedListener[],
    namespaces: Set<string>,
  ): void {
    this.routes.set(key, { object, ir, status, counted, namespaces: [...namespaces], seen: this.call });
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
