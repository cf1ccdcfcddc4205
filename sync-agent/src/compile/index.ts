/**
 * compileSnapshots(ir): one Snapshot per Gateway, deterministic down to the byte. Routes are sorted by
 * namespace/name; everything whose order carries no meaning (attachments, hostnames, header and query matches,
 * header modifier entries) is sorted; the route table is compiled by wasm-matcher; the blob (schema/blob.ts: the
 * canonical JSON of the snapshot's wire form, defaults left out, then the route table's raw bytes) is hashed once per
 * Gateway. Every object is built with sorted keys (route.ts, wire.ts), so JSON.stringify yields the canonical form
 * directly.
 */
import { createHash } from "node:crypto";
import { SCHEMA_VERSION, type Snapshot } from "../../../schema/snapshot.ts";
import { encodeBlob } from "../../../schema/blob.ts";
import { compactSnapshot } from "../../../schema/wire.ts";
import { compileRouteTable } from "../../../wasm-matcher/src/table.ts";
import type { CompiledSnapshot } from "../translate/api.ts";
import type { GatewayIR, IR, RouteIR } from "../ir/types.ts";
import { validate } from "../ir/validate.ts";
import { compileRoute } from "./route.ts";

export class InvalidIRError extends Error {
  constructor(readonly problems: ReturnType<typeof validate>) {
    super(`internal error: the IR is invalid: ${problems.slice(0, 3).map((p) => `${p.at}: ${p.message}`).join("; ")}`);
    this.name = "InvalidIRError";
  }
}

export async function compileSnapshots(ir: IR): Promise<CompiledSnapshot[]> {
  const problems = validate(ir);
  if (problems.length > 0) throw new InvalidIRError(problems);
  const routesByGateway = groupRoutes(ir.routes);
  const gateways = [...ir.gateways].sort((a, b) => compareNames(a, b));
  const out: CompiledSnapshot[] = [];
  for (const gateway of gateways) {
    const key = `${gateway.namespace}/${gateway.name}`;
    const snapshot = compileSnapshot(gateway, routesByGateway.get(key) ?? []);
    snapshot.routeTable = compileRouteTable(snapshot);
    // The stored bytes are the wire form (defaults left out, schema/wire.ts) and the table, framed (schema/blob.ts);
    // readers get `snapshot` back from them.
    const bytes = encodeBlob(JSON.stringify(compactSnapshot(snapshot)), snapshot.routeTable);
    out.push({ gateway: key, gatewayGeneration: gateway.generation, snapshot, bytes, sha256: blobSha256Hex(bytes) });
  }
  return out;
}

export function compileSnapshot(gateway: GatewayIR, routes: readonly RouteIR[]): Snapshot {
  const key = `${gateway.namespace}/${gateway.name}`;
  const listenerIndex = new Map(gateway.listeners.map((l, i) => [l.name, i]));
  // Keys in sorted order: see route.ts.
  return {
    gateway: { generation: gateway.generation, name: gateway.name, namespace: gateway.namespace },
    listeners: gateway.listeners.map((l) => ({ hostname: l.hostname, name: l.name, port: l.port, protocol: l.protocol })),
    routeTable: new Uint8Array(0),
    routes: [...routes].sort(compareNames).map((route) => compileRoute(route, key, listenerIndex)),
    schemaVersion: SCHEMA_VERSION,
  };
}

/**
 * The blob's sha256 (its KV key), the same digest as schema/canonical.ts `sha256Hex`. The compiler runs in Node, whose
 * synchronous hash takes about half the time of WebCrypto's on a multi-megabyte blob (no copy, no thread hop).
 */
export function blobSha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function groupRoutes(routes: readonly RouteIR[]): Map<string, RouteIR[]> {
  const out = new Map<string, RouteIR[]>();
  for (const route of routes) {
    const seen = new Set<string>();
    for (const attachment of route.attachments) {
      if (seen.has(attachment.gateway)) continue;
      seen.add(attachment.gateway);
      const bucket = out.get(attachment.gateway);
      if (bucket) bucket.push(route);
      else out.set(attachment.gateway, [route]);
    }
  }
  return out;
}

function compareNames(a: { namespace: string; name: string }, b: { namespace: string; name: string }): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
