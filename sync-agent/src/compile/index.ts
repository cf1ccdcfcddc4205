/**
 * compileSnapshots(ir): one Snapshot per Gateway, deterministic down to the byte. Routes are sorted by
 * namespace/name; everything whose order carries no meaning (attachments, hostnames, header and query matches,
 * header modifier entries) is sorted; the route table is compiled by wasm-matcher; the blob (schema/blob.ts: the
 * canonical JSON of the snapshot's wire form, defaults left out, then the route table's raw bytes) is hashed once per
 * Gateway. Every object is built with sorted keys (route.ts, wire.ts), so JSON.stringify yields the canonical form
 * directly.
 */
import { createHash } from "node:crypto";
import { SCHEMA_VERSION, type Backend, type Route, type Snapshot } from "../../../schema/snapshot.ts";
import { encodeBlob } from "../../../schema/blob.ts";
import type { WireBackend, WireRoute, WireSnapshot } from "../../../schema/wire.ts";
import { compileRouteTable } from "../../../wasm-matcher/src/table.ts";
import { RouteReader, type RouteRead } from "../../../wasm-matcher/src/table-read.ts";
import type { CompiledSnapshot } from "../translate/api.ts";
import type { GatewayIR, IR, RouteIR } from "../ir/types.ts";
import { checkGateways, checkRule, RouteChecks, type IRProblem } from "../ir/validate.ts";
import { compileRoute } from "./route.ts";

export class InvalidIRError extends Error {
  constructor(readonly problems: IRProblem[]) {
    super(`internal error: the IR is invalid: ${problems.slice(0, 3).map((p) => `${p.at}: ${p.message}`).join("; ")}`);
    this.name = "InvalidIRError";
  }
}

/**
 * The IR's invariants (ir/validate.ts) are checked as the IR is walked for compiling, not in a pass of their own, and
 * nothing is framed or hashed unless they all hold: Gateways first, each route as it is grouped by Gateway (routes
 * attached to no Gateway of the IR are reported there), each rule as it is compiled. Every rule of a route that
 * reaches a snapshot is checked, so an IR that validate() would refuse throws InvalidIRError here too
 * (compile.test.ts checks the two agree).
 */
export async function compileSnapshots(ir: IR): Promise<CompiledSnapshot[]> {
  const problems: IRProblem[] = [];
  const routesByGateway = groupRoutes(ir.routes, new RouteChecks(checkGateways(ir.gateways, problems), problems), problems);
  const gateways = [...ir.gateways].sort((a, b) => compareNames(a, b));
  const compiled = gateways.map((gateway) => compileGateway(gateway, routesByGateway.get(`${gateway.namespace}/${gateway.name}`) ?? [], problems));
  if (problems.length > 0) throw new InvalidIRError(problems);
  const out: CompiledSnapshot[] = [];
  for (const { snapshot, wire, read } of compiled) {
    snapshot.routeTable = compileRouteTable(snapshot, read);
    // The stored bytes are the wire form (defaults left out, schema/wire.ts) and the table, framed (schema/blob.ts);
    // readers get `snapshot` back from them.
    const bytes = encodeBlob(JSON.stringify(wire), snapshot.routeTable);
    const gateway = snapshot.gateway;
    out.push({ gateway: `${gateway.namespace}/${gateway.name}`, gatewayGeneration: gateway.generation, snapshot, bytes, sha256: blobSha256Hex(bytes) });
  }
  return out;
}

/**
 * One Gateway's snapshot (its route table still empty), the snapshot's wire form, and its routes as the route table
 * reads them (compileRouteTable's `read`). Throws on an invalid IR.
 */
export function compileSnapshot(gateway: GatewayIR, routes: readonly RouteIR[]): GatewayCompile {
  const problems: IRProblem[] = [];
  const compiled = compileGateway(gateway, routes, problems);
  if (problems.length > 0) throw new InvalidIRError(problems);
  return compiled;
}

interface GatewayCompile {
  snapshot: Snapshot;
  wire: WireSnapshot;
  read: RouteRead;
}

function compileGateway(gateway: GatewayIR, routes: readonly RouteIR[], problems: IRProblem[]): GatewayCompile {
  const key = `${gateway.namespace}/${gateway.name}`;
  const listenerIndex = new Map(gateway.listeners.map((l, i) => [l.name, i]));
  const sorted = [...routes].sort(compareNames);
  const snapshotRoutes = new Array<Route>(sorted.length);
  const wireRoutes = new Array<WireRoute>(sorted.length);
  // The route table reads each route as it is built, while its objects are in cache (table-read.ts RouteReader).
  const reader = new RouteReader(gateway.listeners.length, sorted.length);
  const wireBackends = new Map<Backend, WireBackend>();
  for (let i = 0; i < sorted.length; i++) {
    const { route, wire } = compileRoute(sorted[i]!, key, listenerIndex, problems, wireBackends);
    snapshotRoutes[i] = route;
    wireRoutes[i] = wire;
    reader.add(route);
  }
  // Keys in sorted order: see route.ts.
  const header = { generation: gateway.generation, name: gateway.name, namespace: gateway.namespace };
  const listeners = gateway.listeners.map((l) => ({ hostname: l.hostname, name: l.name, port: l.port, protocol: l.protocol }));
  return {
    snapshot: { gateway: header, listeners, routeTable: new Uint8Array(0), routes: snapshotRoutes, schemaVersion: SCHEMA_VERSION },
    wire: { gateway: header, listeners, routes: wireRoutes, schemaVersion: SCHEMA_VERSION },
    read: reader.finish(),
  };
}

/**
 * The blob's sha256 (its KV key), the same digest as schema/canonical.ts `sha256Hex`. The compiler runs in Node, whose
 * synchronous hash takes about half the time of WebCrypto's on a multi-megabyte blob (no copy, no thread hop).
 */
export function blobSha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Routes by the Gateways they attach to, each route checked (checkRoute) as it is met. A route attached to nothing has
 * its rules checked here, since no Gateway's compile will meet it.
 */
function groupRoutes(routes: readonly RouteIR[], checks: RouteChecks, problems: IRProblem[]): Map<string, RouteIR[]> {
  const out = new Map<string, RouteIR[]>();
  for (const route of routes) {
    checks.checkRoute(route);
    if (route.attachments.length === 0) for (const rule of route.rules) checkRule(route, rule, problems);
    const attachments = route.attachments;
    for (let a = 0; a < attachments.length; a++) {
      // One entry per Gateway (a route has a handful of attachments: no Set per route).
      const gateway = attachments[a]!.gateway;
      let seen = false;
      for (let b = 0; b < a && !seen; b++) seen = attachments[b]!.gateway === gateway;
      if (seen) continue;
      const bucket = out.get(gateway);
      if (bucket) bucket.push(route);
      else out.set(gateway, [route]);
    }
  }
  return out;
}

function compareNames(a: { namespace: string; name: string }, b: { namespace: string; name: string }): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
