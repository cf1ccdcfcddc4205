/**
 * The kinds the translator reads, the API versions it accepts for them, and object keys.
 */
import type { KubeObject } from "../translate/api.ts";

export const GATEWAY_GROUP = "gateway.networking.k8s.io";

/** Gateway API versions accepted for GatewayClass, Gateway and HTTPRoute (v1 plus the older spellings). */
const GATEWAY_API_VERSIONS = new Set(["v1", "v1beta1", "v1alpha2"]);
/** ReferenceGrant moved to v1 late; v1beta1 (and v1alpha2) manifests are still common. */
const REFERENCE_GRANT_VERSIONS = new Set(["v1", "v1beta1", "v1alpha2"]);

export type KnownKind =
  | "GatewayClass"
  | "Gateway"
  | "HTTPRoute"
  | "ReferenceGrant"
  | "Service"
  | "Namespace"
  | "Secret"
  | "UnsupportedRoute";

/** Route kinds of the Gateway API that edgeway does not serve: reported as unsupported in their status. */
export const UNSUPPORTED_ROUTE_KINDS = new Set(["GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute"]);

/** Classifies an object by apiVersion + kind; undefined for kinds the translator ignores. */
export function classify(object: KubeObject): KnownKind | undefined {
  const [group, version] = splitApiVersion(object.apiVersion);
  if (group === "") {
    if (version !== "v1") return undefined;
    if (object.kind === "Service" || object.kind === "Namespace" || object.kind === "Secret") return object.kind;
    return undefined;
  }
  if (group !== GATEWAY_GROUP) return undefined;
  if (object.kind === "ReferenceGrant") return REFERENCE_GRANT_VERSIONS.has(version) ? "ReferenceGrant" : undefined;
  if (!GATEWAY_API_VERSIONS.has(version)) return undefined;
  if (object.kind === "GatewayClass" || object.kind === "Gateway" || object.kind === "HTTPRoute") return object.kind;
  if (UNSUPPORTED_ROUTE_KINDS.has(object.kind)) return "UnsupportedRoute";
  return undefined;
}

export function splitApiVersion(apiVersion: string): [group: string, version: string] {
  const slash = apiVersion.lastIndexOf("/");
  return slash < 0 ? ["", apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}

/** "namespace/name" (namespace defaults to "default" as the API server does). */
export function namespacedName(object: KubeObject): string {
  return `${namespaceOf(object)}/${object.metadata.name}`;
}

export function namespaceOf(object: KubeObject): string {
  return object.metadata.namespace ?? "default";
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Why the object's name or namespace could never exist in a cluster (names up to 253 characters, namespaces DNS
 * labels), or undefined. Such objects get a condition instead of reaching a snapshot, whose names the schema bounds.
 */
export function objectNameProblem(object: KubeObject): string | undefined {
  if (object.metadata.name.length > 253) return "metadata.name is longer than 253 characters";
  const namespace = object.metadata.namespace;
  if (namespace !== undefined && !DNS_LABEL.test(namespace)) return `metadata.namespace "${namespace.slice(0, 80)}" is not a valid namespace name`;
  return undefined;
}

/** metadata.generation; manifests read from files usually lack it, and the API server starts at 1. */
export function generationOf(object: KubeObject): number {
  const g = object.metadata.generation;
  return typeof g === "number" && Number.isInteger(g) && g >= 0 ? g : 1;
}
