/**
 * ObjectIndex: every object the translator reads, indexed by kind / namespace / name, so that each lookup during
 * translation is a map access (no scans of routes x routes or routes x services).
 */
import type { KubeObject } from "../translate/api.ts";
import { canonicalJson } from "../../../schema/canonical.ts";
import { classify, namespaceOf, type KnownKind } from "./kinds.ts";

export interface ObjectIndex {
  gatewayClasses: Map<string, KubeObject>;
  /** Keyed "namespace/name". */
  gateways: Map<string, KubeObject>;
  httpRoutes: Map<string, KubeObject>;
  /** GRPCRoute/TCPRoute/TLSRoute/UDPRoute, keyed "Kind:namespace/name". */
  unsupportedRoutes: Map<string, KubeObject>;
  services: Map<string, KubeObject>;
  secrets: Map<string, KubeObject>;
  /** Keyed by name (cluster-scoped). */
  namespaces: Map<string, KubeObject>;
  /** ReferenceGrants grouped by their own namespace (the target namespace, spec §8). */
  referenceGrants: Map<string, KubeObject[]>;
  /** Namespace labels computed on first use (translate/selector.ts). */
  namespaceLabels: Map<string, Record<string, string>>;
  warnings: string[];
  /**
   * When set, the namespaces of the namespace-scoped objects looked up (Services, ReferenceGrants, Secrets, Namespace
   * labels) are added to it: translate() sets one per route and one for the Gateways when it keeps a memo.
   */
  reads?: Set<string>;
}

/**
 * Builds the index. Duplicates (same kind, namespace, name) keep one object chosen independently of input order
 * (the smallest canonical JSON), so the result never depends on file order or file splits.
 */
export function indexObjects(objects: readonly KubeObject[], seen?: WeakMap<object, Classified>): ObjectIndex {
  const index: ObjectIndex = {
    gatewayClasses: new Map(),
    gateways: new Map(),
    httpRoutes: new Map(),
    unsupportedRoutes: new Map(),
    services: new Map(),
    secrets: new Map(),
    namespaces: new Map(),
    referenceGrants: new Map(),
    namespaceLabels: new Map(),
    warnings: [],
  };
  const grants = new Map<string, KubeObject>();
  const ignoredKinds = new Map<string, number>();
  for (const object of objects) {
    const classified = classifiedOf(object, seen);
    if (classified.skipped !== undefined) {
      index.warnings.push(classified.skipped);
      continue;
    }
    if (classified.kind === undefined) {
      ignoredKinds.set(classified.key, (ignoredKinds.get(classified.key) ?? 0) + 1);
      continue;
    }
    const map = mapFor(index, classified.kind, grants);
    const key = classified.key;
    const existing = map.get(key);
    if (existing === undefined) {
      map.set(key, object);
    } else {
      index.warnings.push(`duplicate ${object.kind} ${key}: one copy kept`);
      if (canonicalJson(object) < canonicalJson(existing)) map.set(key, object);
    }
  }
  for (const grant of grants.values()) {
    const ns = namespaceOf(grant);
    const bucket = index.referenceGrants.get(ns);
    if (bucket) bucket.push(grant);
    else index.referenceGrants.set(ns, [grant]);
  }
  for (const [key, count] of [...ignoredKinds].sort()) {
    index.warnings.push(`ignored ${count} object(s) of unsupported kind ${key}`);
  }
  return index;
}

/**
 * What the index makes of one object, a function of the object alone: skipped (with the warning), of a kind it does
 * not index (key: "apiVersion kind"), or indexed under `key`. Callers that hand over the same objects again may keep
 * these by object (indexObjects' `seen`, translate/memo.ts), since objects are never changed in place.
 */
export type Classified =
  | { skipped: string; kind?: undefined; key?: undefined }
  | { skipped?: undefined; kind: KnownKind | undefined; key: string };

/** What the index makes of `object`, from `seen` when it has met the object before (and kept there). */
export function classifiedOf(object: KubeObject, seen?: WeakMap<object, Classified>): Classified {
  let classified = seen?.get(object);
  if (classified === undefined) {
    classified = classifyObject(object);
    if (seen !== undefined && typeof object === "object" && object !== null) seen.set(object, classified);
  }
  return classified;
}

function classifyObject(object: KubeObject): Classified {
  if (!isWellFormed(object)) return { skipped: "skipped an object without apiVersion, kind or metadata.name" };
  const nameProblem = metadataProblem(object);
  if (nameProblem) return { skipped: `skipped ${object.kind} ${String(object.metadata.name).slice(0, 80)}: ${nameProblem}` };
  const kind = classify(object);
  if (kind === undefined) return { kind, key: `${object.apiVersion} ${object.kind}` };
  return { kind, key: keyFor(kind, object) };
}

function isWellFormed(object: KubeObject): boolean {
  return (
    typeof object === "object" &&
    object !== null &&
    typeof object.apiVersion === "string" &&
    typeof object.kind === "string" &&
    typeof object.metadata === "object" &&
    object.metadata !== null &&
    typeof object.metadata.name === "string" &&
    object.metadata.name !== ""
  );
}

/** A namespace that is not a non-empty string cannot be keyed at all; other odd names become conditions later. */
function metadataProblem(object: KubeObject): string | undefined {
  const namespace: unknown = object.metadata.namespace;
  if (namespace !== undefined && (typeof namespace !== "string" || namespace === "")) return "metadata.namespace is not a non-empty string";
  return undefined;
}

function keyFor(kind: KnownKind, object: KubeObject): string {
  if (kind === "GatewayClass" || kind === "Namespace") return object.metadata.name;
  if (kind === "UnsupportedRoute") return `${object.kind}:${namespaceOf(object)}/${object.metadata.name}`;
  return `${namespaceOf(object)}/${object.metadata.name}`;
}

function mapFor(index: ObjectIndex, kind: KnownKind, grants: Map<string, KubeObject>): Map<string, KubeObject> {
  switch (kind) {
    case "GatewayClass":
      return index.gatewayClasses;
    case "Gateway":
      return index.gateways;
    case "HTTPRoute":
      return index.httpRoutes;
    case "UnsupportedRoute":
      return index.unsupportedRoutes;
    case "Service":
      return index.services;
    case "Secret":
      return index.secrets;
    case "Namespace":
      return index.namespaces;
    case "ReferenceGrant":
      return grants;
  }
}
