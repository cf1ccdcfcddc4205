/**
 * The storage half of the fake kube-apiserver: one global, monotonically increasing resourceVersion (etcd's revision),
 * objects keyed by resource/namespace/name, and a bounded event history so that a watch from an old resourceVersion
 * can be answered with "410 Gone / Expired" exactly as the real server does once etcd has compacted that revision.
 *
 * Semantics kept from the real apiserver (apimachinery registry/rest):
 *   - metadata.generation starts at 1 and is bumped only when `spec` (or anything outside metadata/status) changes;
 *     status and metadata writes leave it alone.
 *   - an update carrying a stale metadata.resourceVersion is a 409 Conflict; an update without one is unconditional.
 *   - the status subresource changes only `status`; the main resource ignores `status` (for kinds with a subresource).
 */
import { randomUUID } from "node:crypto";

export interface ResourceType {
  group: string; // "" for the core API
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  /** Whether /status is a subresource (main-resource writes then ignore status). */
  statusSubresource: boolean;
}

export type KubeObj = {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string; namespace?: string; resourceVersion?: string; generation?: number };
  [key: string]: unknown;
};

export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  rv: number;
  resource: string;
  object: KubeObj;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export const BUILTIN_TYPES: ResourceType[] = [
  { group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false, statusSubresource: true },
  { group: "", version: "v1", plural: "services", kind: "Service", namespaced: true, statusSubresource: true },
  { group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true, statusSubresource: false },
  { group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true, statusSubresource: false },
  gatewayType("GatewayClass", "gatewayclasses", "v1", false),
  gatewayType("Gateway", "gateways", "v1", true),
  gatewayType("HTTPRoute", "httproutes", "v1", true),
  { ...gatewayType("ReferenceGrant", "referencegrants", "v1beta1", true), statusSubresource: false },
];

function gatewayType(kind: string, plural: string, version: string, namespaced: boolean): ResourceType {
  return { group: "gateway.networking.k8s.io", version, plural, kind, namespaced, statusSubresource: true };
}

export function resourceKey(t: ResourceType): string {
  return `${t.group || "core"}/${t.plural}`;
}

export class ObjectStore {
  private rv = 1000;
  private readonly objects = new Map<string, Map<string, KubeObj>>();
  private history: WatchEvent[] = [];
  private readonly listeners = new Set<(e: WatchEvent) => void>();
  /** Oldest resourceVersion a watch may start from; older ones get 410 (etcd compaction). */
  private compactedRv = 0;

  constructor(
    readonly types: ResourceType[] = BUILTIN_TYPES,
    private readonly historyLimit = 10_000,
  ) {
    for (const t of types) this.objects.set(resourceKey(t), new Map());
  }

  currentRv(): number {
    return this.rv;
  }

  typeFor(group: string, plural: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.plural === plural);
  }

  typeOfKind(kind: string): ResourceType {
    const t = this.types.find((x) => x.kind === kind);
    if (!t) throw new Error(`unknown kind ${kind}`);
    return t;
  }

  list(t: ResourceType, namespace?: string): { items: KubeObj[]; rv: number } {
    const items = [...this.bucket(t).values()].filter((o) => !namespace || o.metadata.namespace === namespace);
    return { items: items.map(clone), rv: this.rv };
  }

  get(t: ResourceType, namespace: string | undefined, name: string): KubeObj {
    const obj = this.bucket(t).get(objectKey(namespace, name));
    if (!obj) throw new ApiError(404, "NotFound", `${t.plural} "${name}" not found`);
    return clone(obj);
  }

  create(t: ResourceType, namespace: string | undefined, input: KubeObj): KubeObj {
    const name = input.metadata?.name;
    if (!name) throw new ApiError(422, "Invalid", "metadata.name: Required value");
    const key = objectKey(t.namespaced ? namespace : undefined, name);
    if (this.bucket(t).has(key)) throw new ApiError(409, "AlreadyExists", `${t.plural} "${name}" already exists`);
    const obj = clone(input);
    obj.apiVersion = t.group ? `${t.group}/${t.version}` : t.version;
    obj.kind = t.kind;
    obj.metadata = {
      ...obj.metadata,
      ...(t.namespaced ? { namespace } : {}),
      uid: randomUUID(),
      generation: 1,
      creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      resourceVersion: String(++this.rv),
    };
    if (t.statusSubresource && t.kind !== "Service" && t.kind !== "Namespace") delete obj.status;
    this.bucket(t).set(key, obj);
    this.emit({ type: "ADDED", rv: this.rv, resource: resourceKey(t), object: clone(obj) });
    return clone(obj);
  }

  /** PUT on the main resource (subresource = false) or on /status (subresource = true). */
  update(t: ResourceType, namespace: string | undefined, name: string, input: KubeObj, subresource: boolean): KubeObj {
    const current = this.bucket(t).get(objectKey(namespace, name));
    if (!current) throw new ApiError(404, "NotFound", `${t.plural} "${name}" not found`);
    const sentRv = input.metadata?.resourceVersion;
    if (sentRv && sentRv !== current.metadata.resourceVersion) {
      throw new ApiError(
        409,
        "Conflict",
        `Operation cannot be fulfilled on ${t.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    let next: KubeObj;
    if (subresource) {
      next = { ...clone(current), status: clone(input.status) };
    } else {
      next = clone(input);
      next.apiVersion = current.apiVersion;
      next.kind = current.kind;
      // Immutable and server-owned metadata survive any update.
      const { uid, creationTimestamp, generation } = current.metadata;
      next.metadata = { ...next.metadata, name, namespace: current.metadata.namespace, uid, creationTimestamp, generation };
      if (!t.namespaced) delete next.metadata.namespace;
      if (t.statusSubresource) next.status = clone(current.status);
      if (specChanged(current, next)) next.metadata.generation = (generation ?? 1) + 1;
    }
    if (next.status === undefined) delete next.status;
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    // An update that changes nothing is a no-op in etcd: no new resourceVersion, no watch event.
    if (JSON.stringify(next) === JSON.stringify(current)) return clone(current);
    next.metadata.resourceVersion = String(++this.rv);
    this.bucket(t).set(objectKey(namespace, name), next);
    this.emit({ type: "MODIFIED", rv: this.rv, resource: resourceKey(t), object: clone(next) });
    return clone(next);
  }

  delete(t: ResourceType, namespace: string | undefined, name: string): KubeObj {
    const key = objectKey(namespace, name);
    const current = this.bucket(t).get(key);
    if (!current) throw new ApiError(404, "NotFound", `${t.plural} "${name}" not found`);
    this.bucket(t).delete(key);
    const gone = clone(current);
    gone.metadata.resourceVersion = String(++this.rv);
    this.emit({ type: "DELETED", rv: this.rv, resource: resourceKey(t), object: gone });
    return clone(gone);
  }

  /** Events for `resource` after `rv`, or null when `rv` predates the retained history (the caller answers 410). */
  eventsSince(resource: string, rv: number): WatchEvent[] | null {
    if (rv < this.compactedRv) return null;
    return this.history.filter((e) => e.resource === resource && e.rv > rv);
  }

  /** Forget all history: every watch from an older resourceVersion now gets 410 Expired. */
  compact(): void {
    this.history = [];
    this.compactedRv = this.rv;
  }

  subscribe(fn: (e: WatchEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: WatchEvent): void {
    this.history.push(e);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.compactedRv = dropped[dropped.length - 1]!.rv;
    }
    for (const fn of this.listeners) fn(e);
  }

  private bucket(t: ResourceType): Map<string, KubeObj> {
    return this.objects.get(resourceKey(t))!;
  }
}

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ""}/${name}`;
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** Everything except metadata and status counts as spec for the generation rule (Secrets' data, Leases' spec, ...). */
function specChanged(a: KubeObj, b: KubeObj): boolean {
  const strip = ({ metadata: _m, status: _s, ...rest }: KubeObj) => JSON.stringify(rest);
  return strip(a) !== strip(b);
}
