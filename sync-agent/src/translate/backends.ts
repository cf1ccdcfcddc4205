/**
 * backendRefs (spec §5) and mirror backendRefs (§4): kind, existence, port, appProtocol, ReferenceGrant, origin.
 * An invalid backendRef never drops the rule: it keeps its weight and its share of traffic is answered with 500.
 */
import type { Backend, BackendRef } from "../../../schema/snapshot.ts";
import type { ObjectIndex } from "../k8s/index.ts";
import { GATEWAY_GROUP } from "../k8s/kinds.ts";
import { num, obj, objList, str } from "../k8s/fields.ts";
import { Reasons, type RouteProblem } from "./conditions.ts";
import { referencePermitted } from "./reference-grants.ts";
import { resolveOrigin, type OriginContext, type OriginResult } from "./origins.ts";
import type { KubeObject } from "./api.ts";

export interface BackendContext extends OriginContext {
  index: ObjectIndex;
  routeNamespace: string;
  /**
   * Resolutions already made in this translate() call (BackendCache): thousands of routes point at the same few
   * Services, and the answer depends only on the route namespace and the reference.
   */
  cache: BackendCache;
}

/**
 * Resolved backendRefs. A reference to a core Service (the common case, in the route's namespace or another) is found
 * through nested maps keyed by the strings as they are in the objects, so no key is built per lookup (a concatenated
 * key is a new string to flatten and hash on every one of the tens of thousands of lookups). Any other kind is keyed
 * by all its parts, JSON-encoded so that no two references share a key.
 */
export class BackendCache {
  /** route namespace -> Service namespace -> name -> port. */
  private readonly services = new Map<string, Map<string, Map<string, Map<number | undefined, ResolvedBackend>>>>();
  private readonly other = new Map<string, ResolvedBackend>();
  /** Service object -> port -> origin: the origin does not depend on which namespace's route refers to it. */
  private readonly origins = new Map<KubeObject, Map<number, OriginResult>>();

  /** A Service port's origin, resolved once per translation (a shared Service is referred to from every namespace). */
  origin(service: KubeObject, port: number, resolve: () => OriginResult): OriginResult {
    let byPort = this.origins.get(service);
    if (byPort === undefined) this.origins.set(service, (byPort = new Map()));
    let origin = byPort.get(port);
    if (origin === undefined) byPort.set(port, (origin = resolve()));
    return origin;
  }

  get(routeNamespace: string, group: string, kind: string, namespace: string, name: string, port: number | undefined): ResolvedBackend | undefined {
    if (group !== "" || kind !== "Service") return this.other.get(JSON.stringify([routeNamespace, group, kind, namespace, name, port ?? null]));
    return this.services.get(routeNamespace)?.get(namespace)?.get(name)?.get(port);
  }

  set(routeNamespace: string, group: string, kind: string, namespace: string, name: string, port: number | undefined, value: ResolvedBackend): void {
    if (group !== "" || kind !== "Service") {
      this.other.set(JSON.stringify([routeNamespace, group, kind, namespace, name, port ?? null]), value);
      return;
    }
    inner(inner(inner(this.services, routeNamespace), namespace), name).set(port, value);
  }
}

/** `map.get(key)`, created empty when missing. */
function inner<K, V>(map: Map<K, Map<string, V>>, key: K): Map<string, V>;
function inner<K, V>(map: Map<K, Map<number | undefined, V>>, key: K): Map<number | undefined, V>;
function inner<K, V>(map: Map<K, Map<unknown, V>>, key: K): Map<unknown, V> {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = new Map()));
  return value;
}

/**
 * `backend`: the IR entry for this reference with weight 1 and no filters (rules/translate.ts), built on first use and
 * then shared by every rule that names the reference that way: most backendRefs of a cluster are such entries for a
 * few Services, and the IR is plain data nobody modifies.
 */
export type ResolvedBackend =
  | { ref: string; target: BackendRef; problem?: undefined; backend?: Backend }
  | { ref: string; target: null; problem: RouteProblem; backend?: Backend };

/** Wire protocol per Service port appProtocol (spec §5); undefined for protocols the edge cannot speak. */
const APP_PROTOCOLS: Record<string, BackendRef["protocol"]> = {
  "": "http",
  http: "http",
  https: "http",
  "kubernetes.io/h2c": "h2c",
  "kubernetes.io/ws": "ws",
};

export function resolveBackendRef(raw: Record<string, unknown>, ctx: BackendContext): ResolvedBackend {
  const group = str(raw.group) ?? "";
  const kind = str(raw.kind) ?? "Service";
  const name = str(raw.name) ?? "";
  const namespace = str(raw.namespace) ?? ctx.routeNamespace;
  const port = num(raw.port);
  ctx.index.reads?.add(namespace);
  let resolved = ctx.cache.get(ctx.routeNamespace, group, kind, namespace, name, port);
  if (resolved === undefined) {
    resolved = resolve(group, kind, namespace, name, port, ctx);
    ctx.cache.set(ctx.routeNamespace, group, kind, namespace, name, port, resolved);
  }
  return resolved;
}

function invalidBackend(ref: string, reason: string, message: string): ResolvedBackend {
  return { ref, target: null, problem: { reason, message } };
}

function resolve(group: string, kind: string, namespace: string, name: string, port: number | undefined, ctx: BackendContext): ResolvedBackend {
  const ref = `${namespace}/${name}:${port ?? ""}`;
    if (group !== "" || kind !== "Service") {
    return invalidBackend(ref, Reasons.InvalidKind, `backendRef ${group ? `${group}/` : ""}${kind} ${namespace}/${name}: only core Services are supported`);
  }
  const permitted = referencePermitted(
    ctx.index,
    { group: GATEWAY_GROUP, kind: "HTTPRoute", namespace: ctx.routeNamespace },
    { group: "", kind: "Service", namespace, name },
  );
  if (!permitted) return invalidBackend(ref, Reasons.RefNotPermitted, `backendRef Service ${namespace}/${name} is in another namespace and no ReferenceGrant allows it`);
  const service = ctx.index.services.get(`${namespace}/${name}`);
  if (service === undefined) return invalidBackend(ref, Reasons.BackendNotFound, `Service ${namespace}/${name} does not exist`);
  if (port === undefined) return invalidBackend(ref, Reasons.BackendNotFound, `backendRef Service ${namespace}/${name} needs a port`);
  const spec = obj(service.spec);
  if (str(spec.type) === "ExternalName") {
    return invalidBackend(ref, Reasons.BackendNotFound, `Service ${namespace}/${name} is an ExternalName Service, which edgeway does not support`);
  }
  const servicePort = objList(spec.ports).find((p) => num(p.port) === port);
  if (servicePort === undefined) return invalidBackend(ref, Reasons.BackendNotFound, `Service ${namespace}/${name} has no port ${port}`);
  const appProtocol = str(servicePort.appProtocol) ?? "";
  const protocol = APP_PROTOCOLS[appProtocol];
  if (protocol === undefined) {
    return invalidBackend(ref, Reasons.UnsupportedProtocol, `Service ${namespace}/${name} port ${port} appProtocol "${appProtocol}" is not supported`);
  }
  const origin = ctx.cache.origin(service, port, () => resolveOrigin(service, namespace, port, appProtocol, ctx));
  if (!origin.ok) return invalidBackend(ref, Reasons.BackendNotFound, origin.message);
  // hostOverride is written only when on: the wire form and the goldens of every other origin stay as they were.
  return { ref, target: origin.hostOverride ? { hostOverride: true, origin: origin.origin, protocol, ref } : { origin: origin.origin, protocol, ref } };
}
