/**
 * The kinds the agent watches, with what the informers need to list and watch them through @kubernetes/client-node.
 * Core kinds are listed with CoreV1Api (typed models, normalized back to plain JSON so list and watch agree);
 * Gateway API kinds with CustomObjectsApi (plain JSON). Watches use the list path with `?watch=true`.
 */
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import type { KubeObject } from "../translate/api.ts";

export const GATEWAY_GROUP = "gateway.networking.k8s.io";

export interface WatchedResource {
  kind: string;
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
  /** Cluster-wide list path, also the watch path. */
  path: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
}

function gatewayKind(kind: string, plural: string, version = "v1", namespaced = true): WatchedResource {
  return { kind, group: GATEWAY_GROUP, version, plural, namespaced, path: `/apis/${GATEWAY_GROUP}/${version}/${plural}` };
}

function coreKind(kind: string, plural: string, namespaced: boolean): WatchedResource {
  return { kind, group: "", version: "v1", plural, namespaced, path: `/api/v1/${plural}` };
}

export const WATCHED_RESOURCES: WatchedResource[] = [
  gatewayKind("GatewayClass", "gatewayclasses", "v1", false),
  gatewayKind("Gateway", "gateways"),
  gatewayKind("HTTPRoute", "httproutes"),
  gatewayKind("ReferenceGrant", "referencegrants", "v1beta1"),
  coreKind("Service", "services", true),
  coreKind("Namespace", "namespaces", false),
  coreKind("Secret", "secrets", true),
];

export type ListFunction = () => Promise<ListResult>;

/** Builds the list call for one resource, using the client's generated APIs (auth, TLS and proxies come with it). */
export function listFunction(kc: KubeConfig, resource: WatchedResource): ListFunction {
  if (resource.group) {
    const api = kc.makeApiClient(CustomObjectsApi);
    return async () => {
      const list = (await api.listClusterCustomObject({ group: resource.group, version: resource.version, plural: resource.plural })) as {
        items?: KubeObject[];
        metadata?: { resourceVersion?: string };
      };
      const apiVersion = `${resource.group}/${resource.version}`;
      // List items carry no apiVersion/kind on a real server; watch events do. Fill them so both look alike.
      const items = (list.items ?? []).map((o) => ({ ...o, apiVersion, kind: resource.kind }));
      return { items, resourceVersion: list.metadata?.resourceVersion ?? "" };
    };
  }
  const api = kc.makeApiClient(CoreV1Api);
  const call = {
    Service: () => api.listServiceForAllNamespaces(),
    Namespace: () => api.listNamespace(),
    Secret: () => api.listSecretForAllNamespaces(),
  }[resource.kind];
  if (!call) throw new Error(`no list call for core kind ${resource.kind}`);
  return async () => {
    const list = await call();
    const items = list.items.map((item) => {
      const plain = JSON.parse(JSON.stringify(item, wireDates)) as KubeObject;
      return { ...plain, apiVersion: "v1", kind: resource.kind };
    });
    return { items, resourceVersion: list.metadata?.resourceVersion ?? "" };
  };
}

/**
 * The typed core models hold Date objects; the wire (and the watch) carries RFC 3339 seconds ("...T10:00:00Z").
 * JSON.stringify calls Date#toJSON before the replacer sees the value, so match the ISO string it produced.
 */
function wireDates(_key: string, value: unknown): unknown {
  return typeof value === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/.test(value) ? value.replace(".000Z", "Z") : value;
}

/**
 * What the cache keeps of an object. managedFields are dropped from every kind (server-side-apply bookkeeping, often
 * the largest part of an object, never read; controller-runtime's TransformStripManagedFields does the same).
 * Secrets are reduced to their identity: the translator only needs to know that a listener's certificateRef exists
 * and has the TLS type; key material never enters the agent's memory for longer than the decode of one list page or
 * watch event.
 */
export function cachedForm(obj: KubeObject): KubeObject {
  if (obj.kind !== "Secret") {
    if (obj.metadata?.managedFields === undefined) return obj;
    const { managedFields: _dropped, ...metadata } = obj.metadata;
    return { ...obj, metadata };
  }
  // Annotations are dropped too: kubectl's last-applied-configuration annotation holds a copy of the data.
  const { name, namespace, uid, resourceVersion, generation, creationTimestamp, labels } = obj.metadata;
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace, uid, resourceVersion, generation, creationTimestamp, labels },
    type: obj.type,
  };
}
