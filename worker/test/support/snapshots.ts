/** Test snapshots: valid `Snapshot` objects with a compiled route table, published to the miniflare KV binding. */
import { env } from "cloudflare:workers";
import { encodeBlob } from "../../../schema/blob.ts";
import { canonicalJson, sha256Hex } from "../../../schema/canonical.ts";
import { compactSnapshot } from "../../../schema/wire.ts";
import { blobKey, pointerKey, signPointer, type Pointer } from "../../../schema/pointer.ts";
import { SCHEMA_VERSION, type Backend, type Filter, type Listener, type Match, type Route, type Rule, type Snapshot } from "../../../schema/snapshot.ts";
import { compileRouteTable } from "../../../wasm-matcher/src/table.ts";

export const TEST_KEY = "test-snapshot-key";
export const STATUS_TOKEN = "test-status-token";

let sequence = 0;
/** A Gateway name no other test uses, so per-isolate snapshot caches never mix between tests. */
export function uniqueGateway(label = "gw"): string {
  sequence++;
  return `test/${label}-${Date.now().toString(36)}-${sequence}`;
}

export const HTTP80: Listener = { name: "http", port: 80, protocol: "HTTP", hostname: null };

export function prefix(value: string): Match {
  return { path: { type: "PathPrefix", value }, headers: [], queryParams: [], method: null };
}

export function backend(origin: string, weight = 1, filters: Filter[] = [], ref = origin): Backend {
  return { weight, ref, target: { ref, origin, protocol: "http" }, status: 500, reason: "", filters };
}

export function invalidBackend(weight = 1, status = 500): Backend {
  return { weight, ref: "ns/missing:8080", target: null, status, reason: "BackendNotFound", filters: [] };
}

export function rule(partial: Partial<Rule> & { backends: Backend[] }): Rule {
  return {
    index: 0,
    name: null,
    matches: [prefix("/")],
    filters: [],
    timeouts: { requestMs: 0, backendRequestMs: 0 },
    retry: null,
    ...partial,
  };
}

export function route(name: string, rules: Rule[], listeners: number[] = [0], hostnames: string[] = []): Route {
  return {
    namespace: "test",
    name,
    creationTimestamp: "2026-01-01T00:00:00Z",
    generation: 1,
    attachments: listeners.map((listener) => ({ listener, hostnames })),
    rules: rules.map((r, index) => ({ ...r, index: r.index || index })),
  };
}

export function snapshot(gateway: string, routes: Route[], listeners: Listener[] = [HTTP80], generation = 1): Snapshot {
  const [namespace, name] = gateway.split("/") as [string, string];
  const base: Snapshot = { schemaVersion: SCHEMA_VERSION, gateway: { namespace, name, generation }, listeners, routes, routeTable: new Uint8Array(0) };
  return { ...base, routeTable: compileRouteTable(base) };
}

/** The blob the agent stores for `snap` (schema/blob.ts): canonical JSON of the wire form, then the route table. */
export function blobOf(snap: Snapshot): Uint8Array<ArrayBuffer> {
  return encodeBlob(canonicalJson(compactSnapshot(snap)), snap.routeTable);
}

export interface PublishOptions {
  epoch?: number;
  counter?: number;
  /** Write the pointer only (KV eventual consistency: pointer ahead of blob). */
  skipBlob?: boolean;
  /** Replace the blob bytes after hashing (corruption tests). */
  tamperBlob?: (bytes: Uint8Array<ArrayBuffer>) => Uint8Array<ArrayBuffer>;
  /** Override pointer fields after signing (tampering tests). */
  tamperPointer?: (pointer: Pointer) => Pointer;
  key?: string;
  /** Store these bytes instead of the snapshot's blob. */
  rawBlob?: Uint8Array<ArrayBuffer>;
}

export async function publish(snap: Snapshot | null, gateway: string, options: PublishOptions = {}): Promise<Pointer> {
  const bytes = options.rawBlob ?? blobOf(snap!);
  const hash = await sha256Hex(bytes);
  const blob = options.tamperBlob ? options.tamperBlob(bytes) : bytes;
  if (!options.skipBlob) await env.EDGEWAY_KV.put(blobKey(hash), blob);
  let pointer = await signPointer(options.key ?? TEST_KEY, {
    schemaVersion: SCHEMA_VERSION,
    gateway,
    hash,
    size: bytes.byteLength,
    epoch: options.epoch ?? 1,
    counter: options.counter ?? 1,
    gatewayGeneration: snap?.gateway.generation ?? 1,
    publishedAt: new Date().toISOString(),
  });
  if (options.tamperPointer) pointer = options.tamperPointer(pointer);
  await env.EDGEWAY_KV.put(pointerKey(gateway), JSON.stringify(pointer));
  return pointer;
}
