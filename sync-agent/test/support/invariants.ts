/**
 * Properties every translation must have, whatever the input (golden cases, determinism permutations, fuzzed
 * manifests):
 *
 *  1. every compiled snapshot passes validateSnapshot, names its Gateway, carries the route table compiled from it,
 *     and its bytes are the blob of the canonical JSON of its wire form and that table (schema/blob.ts) with the
 *     sha256 it claims (the KV blob is content-addressed), which reads back as the snapshot itself;
 *  2. every object we own gets conditions: our GatewayClasses and their Gateways in `status.conditions`, and every
 *     route with a parentRef to one of our Gateways an entry in `status.parents` with our controllerName and
 *     conditions (spec §2, DESIGN.md §4 "never crashes ... becomes a status condition");
 *  3. conditions carry the object's generation as observedGeneration (spec §2 observedGeneration);
 *  4. objects of other controllers get no status from us.
 *
 * Ownership is recomputed here independently of the translator, from the raw objects, so a translator that forgets
 * an object cannot also forget to be checked for it.
 */
import { validateSnapshot } from "../../../schema/snapshot.ts";
import { isDeepStrictEqual } from "node:util";
import { encodeBlob, readSnapshotBlob } from "../../../schema/blob.ts";
import { canonicalJson, sha256Hex } from "../../../schema/canonical.ts";
import { compactSnapshot } from "../../../schema/wire.ts";
import { compileRouteTable } from "../../../wasm-matcher/src/table.ts";
import type { CompiledSnapshot, KubeObject, ObjectStatus } from "../../src/translate/api.ts";

export const DEFAULT_CONTROLLER = "edgeway.dev/gateway-controller";
const GATEWAY_GROUP = "gateway.networking.k8s.io";
const ROUTE_KINDS = new Set(["HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"]);

interface Owned {
  classes: Set<string>;
  /** "namespace/name" of Gateways of our classes. */
  gateways: Set<string>;
  /** "Kind namespace/name" of routes with a parentRef to one of those Gateways. */
  routes: Set<string>;
  /** "Kind name" / "Kind namespace/name" of objects whose copies disagree about being ours, and what hangs off them. */
  ambiguous: Set<string>;
}

export async function checkInvariants(
  objects: readonly unknown[],
  statuses: readonly ObjectStatus[],
  snapshots: readonly CompiledSnapshot[],
  controllerName = DEFAULT_CONTROLLER,
): Promise<string[]> {
  const problems: string[] = [];
  for (const compiled of snapshots) problems.push(...(await checkSnapshot(compiled)));
  const owned = ownedObjects(objects, controllerName);
  problems.push(...checkStatuses(objects, statuses, owned, controllerName));
  return problems;
}

async function checkSnapshot(compiled: CompiledSnapshot): Promise<string[]> {
  const problems: string[] = [];
  const where = `snapshot ${compiled.gateway}`;
  const result = validateSnapshot(compiled.snapshot);
  if (!result.ok) problems.push(`${where} fails validateSnapshot: ${result.problems.join("; ")}`);
  const gw = compiled.snapshot.gateway;
  if (`${gw?.namespace}/${gw?.name}` !== compiled.gateway) problems.push(`${where} names gateway ${gw?.namespace}/${gw?.name}`);
  if (gw?.generation !== compiled.gatewayGeneration) problems.push(`${where} gatewayGeneration differs from snapshot.gateway.generation`);
  if (result.ok && !sameBytes(compileRouteTable(compiled.snapshot), compiled.snapshot.routeTable)) {
    problems.push(`${where} route table is not the one compiled from the snapshot`);
  }
  const expected = encodeBlob(canonicalJson(compactSnapshot(compiled.snapshot)), compiled.snapshot.routeTable);
  if (!sameBytes(expected, compiled.bytes)) problems.push(`${where} bytes are not the blob of the snapshot's canonical wire form and route table`);
  if (!readsBackAs(compiled.bytes, compiled.snapshot)) problems.push(`${where} bytes do not read back as the snapshot`);
  if ((await sha256Hex(compiled.bytes)) !== compiled.sha256) problems.push(`${where} sha256 does not match its bytes`);
  return problems;
}

/** Whether the bytes, read as the worker reads them (frame, JSON, validateSnapshot filling defaults), give `snapshot`. */
function readsBackAs(bytes: Uint8Array<ArrayBuffer>, snapshot: unknown): boolean {
  const read = readSnapshotBlob(bytes);
  return read.ok && isDeepStrictEqual(read.value, snapshot);
}

function checkStatuses(
  objects: readonly unknown[],
  statuses: readonly ObjectStatus[],
  owned: Owned,
  controllerName: string,
): string[] {
  const problems: string[] = [];
  const byKey = new Map<string, ObjectStatus>();
  for (const s of statuses) byKey.set(statusKey(s.kind, s.namespace, s.name), s);
  const copies = new Map<string, number>();
  for (const object of objects) {
    const key = identity(asObject(object));
    if (key !== null) copies.set(key, (copies.get(key) ?? 0) + 1);
  }
  for (const object of objects) {
    const o = asObject(object);
    const meta = asObject(o.metadata);
    const kind = o.kind;
    const name = meta.name;
    if (typeof kind !== "string" || !isName(name)) continue;
    const namespace = kind === "GatewayClass" ? undefined : namespaceOf(meta);
    if (namespace === null) continue;
    const key = statusKey(kind, namespace, name);
    if (owned.ambiguous.has(key)) continue;
    const entry = byKey.get(key);
    const isOwned =
      (kind === "GatewayClass" && owned.classes.has(name)) ||
      (kind === "Gateway" && owned.gateways.has(`${namespace}/${name}`)) ||
      (ROUTE_KINDS.has(kind) && owned.routes.has(`${kind} ${namespace}/${name}`));
    const foreign =
      (kind === "GatewayClass" && !owned.classes.has(name)) || (kind === "Gateway" && !owned.gateways.has(`${namespace}/${name}`));
    if (foreign && entry) problems.push(`${key} is not ours but got a status`);
    if (!isOwned) continue;
    if (!entry) {
      problems.push(`${key} is ours but got no status`);
      continue;
    }
    const generation = meta.generation;
    // With several copies of one object, the kept copy's generation is the one reported.
    if (copies.get(key) === 1 && Number.isSafeInteger(generation) && (generation as number) >= 0 && entry.generation !== generation) {
      problems.push(`${key} status.generation ${entry.generation} != metadata.generation ${String(generation)}`);
    }
    problems.push(...checkEntryConditions(key, entry, controllerName));
  }
  return problems;
}

function checkEntryConditions(key: string, entry: ObjectStatus, controllerName: string): string[] {
  const problems: string[] = [];
  const checkList = (where: string, conditions: unknown) => {
    if (!Array.isArray(conditions) || conditions.length === 0) {
      problems.push(`${where} has no conditions`);
      return;
    }
    for (const c of conditions) {
      const condition = asObject(c);
      if (condition.observedGeneration !== entry.generation) {
        problems.push(`${where} condition ${String(condition.type)} observedGeneration ${String(condition.observedGeneration)} != ${entry.generation}`);
      }
      if (!["True", "False", "Unknown"].includes(condition.status as string) || typeof condition.reason !== "string") {
        problems.push(`${where} has a malformed condition ${JSON.stringify(condition)}`);
      }
    }
  };
  if (ROUTE_KINDS.has(entry.kind)) {
    const parents = entry.status.parents;
    if (!Array.isArray(parents) || parents.length === 0) problems.push(`${key} is ours but has no status.parents`);
    for (const [i, parent] of (Array.isArray(parents) ? parents : []).entries()) {
      const p = asObject(parent);
      if (p.controllerName !== controllerName) problems.push(`${key} parents[${i}] controllerName ${String(p.controllerName)}`);
      checkList(`${key} parents[${i}]`, p.conditions);
    }
  } else {
    checkList(key, entry.status.conditions);
    if (entry.kind === "Gateway") {
      for (const listener of Array.isArray(entry.status.listeners) ? entry.status.listeners : []) {
        checkList(`${key} listener ${String(asObject(listener).name)}`, asObject(listener).conditions);
      }
    }
  }
  return problems;
}

/** Which objects are ours, from the raw objects (DESIGN.md §2 "Which objects are ours"). */
export function ownedObjects(objects: readonly unknown[], controllerName = DEFAULT_CONTROLLER): Owned {
  const owned: Owned = { classes: new Set(), gateways: new Set(), routes: new Set(), ambiguous: new Set() };
  const list = objects.map(asObject);
  // The same object twice in the input is a user error the translator resolves by keeping one copy (with a
  // warning). When the copies disagree about being ours, either outcome is acceptable: such an identity, and
  // whatever hangs off it, is "ambiguous" and left unchecked.
  const classes = new Map<string, Ownership>();
  for (const o of list) {
    if (o.kind !== "GatewayClass" || !isGatewayApi(o)) continue;
    const name = asObject(o.metadata).name;
    if (isName(name)) merge(classes, name, asObject(o.spec).controllerName === controllerName ? "ours" : "not");
  }
  const gateways = new Map<string, Ownership>();
  for (const o of list) {
    if (o.kind !== "Gateway" || !isGatewayApi(o)) continue;
    const meta = asObject(o.metadata);
    const namespace = namespaceOf(meta);
    if (!isName(meta.name) || namespace === null) continue;
    const className = asObject(o.spec).gatewayClassName;
    merge(gateways, `${namespace}/${meta.name}`, (typeof className === "string" && classes.get(className)) || "not");
  }
  const routes = new Map<string, Ownership>();
  for (const o of list) {
    if (typeof o.kind !== "string" || !ROUTE_KINDS.has(o.kind) || !isGatewayApi(o)) continue;
    const meta = asObject(o.metadata);
    const namespace = namespaceOf(meta);
    if (!isName(meta.name) || namespace === null) continue;
    const refs = asObject(o.spec).parentRefs;
    const parents = (Array.isArray(refs) ? refs : []).map((ref): Ownership => {
      const r = asObject(ref);
      if ((r.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (r.kind ?? "Gateway") !== "Gateway") return "not";
      const ns = r.namespace ?? namespace;
      return (typeof r.name === "string" && typeof ns === "string" && gateways.get(`${ns}/${r.name}`)) || "not";
    });
    merge(routes, `${o.kind} ${namespace}/${meta.name}`, parents.includes("ours") ? "ours" : parents.includes("ambiguous") ? "ambiguous" : "not");
  }
  for (const [name, state] of classes) collect(owned.classes, `GatewayClass ${name}`, name, state);
  for (const [key, state] of gateways) collect(owned.gateways, `Gateway ${key}`, key, state);
  for (const [key, state] of routes) collect(owned.routes, key, key, state);
  return owned;

  function collect(into: Set<string>, statusKeyText: string, key: string, state: Ownership) {
    if (state === "ours") into.add(key);
    else if (state === "ambiguous") owned.ambiguous.add(statusKeyText);
  }
}

type Ownership = "ours" | "not" | "ambiguous";

function merge(map: Map<string, Ownership>, key: string, state: Ownership): void {
  const before = map.get(key);
  map.set(key, before === undefined || before === state ? state : "ambiguous");
}

/** Objects without a usable name are not Kubernetes objects at all: the source reports them, nobody owns them. */
function isName(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

/**
 * Namespaced objects without a namespace live in "default", as kubectl would put them; a namespace that is present
 * but not a non-empty string makes the object invalid (null): the source skips it with a warning.
 */
function namespaceOf(meta: Record<string, unknown>): string | null {
  if (meta.namespace === undefined) return "default";
  return isName(meta.namespace) ? meta.namespace : null;
}

/** The status key of an object ("Kind name" or "Kind namespace/name"), or null for an object with no usable identity. */
function identity(o: Record<string, unknown>): string | null {
  const meta = asObject(o.metadata);
  if (typeof o.kind !== "string" || !isName(meta.name)) return null;
  if (o.kind === "GatewayClass") return statusKey(o.kind, undefined, meta.name);
  const namespace = namespaceOf(meta);
  return namespace === null ? null : statusKey(o.kind, namespace, meta.name);
}

function isGatewayApi(o: Record<string, unknown>): boolean {
  return typeof o.apiVersion === "string" && o.apiVersion.startsWith(`${GATEWAY_GROUP}/`);
}

function statusKey(kind: string, namespace: string | undefined, name: string): string {
  return namespace === undefined ? `${kind} ${name}` : `${kind} ${namespace}/${name}`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export type { KubeObject };
