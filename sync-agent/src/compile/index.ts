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
import type { CompileMemo, GatewayCompileMemo } from "./memo.ts";

export { CompileMemo } from "./memo.ts";

const utf8 = new TextEncoder();

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
export async function compileSnapshots(ir: IR, memo?: CompileMemo): Promise<CompiledSnapshot[]> {
  memo?.begin();
  const problems: IRProblem[] = [];
  const routesByGateway = groupRoutes(ir.routes, new RouteChecks(checkGateways(ir.gateways, problems), problems), problems);
  const gateways = [...ir.gateways].sort((a, b) => compareNames(a, b));
  const compiled = gateways.map((gateway) => {
    const key = `${gateway.namespace}/${gateway.name}`;
    return compileGateway(gateway, routesByGateway.get(key) ?? [], problems, memo?.gateway(key, gateway.listeners.map((l) => l.name)));
  });
  if (problems.length > 0) throw new InvalidIRError(problems);
  const out: CompiledSnapshot[] = [];
  for (const { snapshot, json, read } of compiled) {
    snapshot.routeTable = compileRouteTable(snapshot, read);
    // The stored bytes are the wire form (defaults left out, schema/wire.ts) and the table, framed (schema/blob.ts);
    // readers get `snapshot` back from them.
    const bytes = encodeBlob(json, snapshot.routeTable);
    const gateway = snapshot.gateway;
    out.push({ gateway: `${gateway.namespace}/${gateway.name}`, gatewayGeneration: gateway.generation, snapshot, bytes, sha256: blobSha256Hex(bytes) });
  }
  memo?.commit();
  return out;
}

/**
 * One Gateway's snapshot (its route table still empty), the canonical JSON of the snapshot's wire form, and its routes
 * as the route table reads them (compileRouteTable's `read`).
 */
interface GatewayCompile {
  snapshot: Snapshot;
  /** JSON.stringify of the wire form {gateway, listeners, routes, schemaVersion}: the text, or UTF-8 pieces in order. */
  json: string | Uint8Array[];
  read: RouteRead;
}

function compileGateway(gateway: GatewayIR, routes: readonly RouteIR[], problems: IRProblem[], memo?: GatewayCompileMemo): GatewayCompile {
  const key = `${gateway.namespace}/${gateway.name}`;
  const listenerIndex = new Map(gateway.listeners.map((l, i) => [l.name, i]));
  const sorted = [...routes].sort(compareNames);
  const snapshotRoutes = new Array<Route>(sorted.length);
  // Without a memo, the wire routes, serialized in one JSON.stringify (faster than one per route). With one, each
  // route's UTF-8 JSON, kept with the comma that comes before it but for the first's: [",{route 0}", ",{route 1}", ...].
  const wireRoutes = memo ? undefined : new Array<WireRoute>(sorted.length);
  const routeJson = memo ? new Array<Uint8Array>(sorted.length) : undefined;
  // The route table reads each route as it is built, while its objects are in cache (table-read.ts RouteReader).
  const reader = new RouteReader(gateway.listeners.length, sorted.length);
  const wireBackends = new Map<Backend, WireBackend>();
  for (let i = 0; i < sorted.length; i++) {
    const ir = sorted[i]!;
    let route: Route;
    const remembered = memo?.recall(ir);
    if (remembered !== undefined) {
      route = remembered.route;
      routeJson![i] = remembered.json;
    } else {
      const before = problems.length;
      const compiled = compileRoute(ir, key, listenerIndex, problems, wireBackends);
      route = compiled.route;
      if (memo) {
        const json = (routeJson![i] = utf8.encode(`,${JSON.stringify(compiled.wire)}`));
        // A route whose rules broke an invariant is not remembered: its next compile must check them again.
        if (problems.length === before) memo.remember(ir, { route, json });
      } else {
        wireRoutes![i] = compiled.wire;
      }
    }
    snapshotRoutes[i] = route;
    reader.add(route);
  }
  // Keys in sorted order: see route.ts.
  const header = { generation: gateway.generation, name: gateway.name, namespace: gateway.namespace };
  const listeners = gateway.listeners.map((l) => ({ hostname: l.hostname, name: l.name, port: l.port, protocol: l.protocol }));
  const snapshot: Snapshot = { gateway: header, listeners, routeTable: new Uint8Array(0), routes: snapshotRoutes, schemaVersion: SCHEMA_VERSION };
  if (wireRoutes) {
    const wire: WireSnapshot = { gateway: header, listeners, routes: wireRoutes, schemaVersion: SCHEMA_VERSION };
    return { snapshot, json: JSON.stringify(wire), read: reader.finish() };
  }
  // Exactly what JSON.stringify makes of the wire form { gateway, listeners, routes, schemaVersion } (keys in sorted
  // order), from each route's own JSON (memo.test.ts checks the bytes against the path above).
  const json = new Array<Uint8Array>(sorted.length + 2);
  json[0] = utf8.encode(`{"gateway":${JSON.stringify(header)},"listeners":${JSON.stringify(listeners)},"routes":[`);
  for (let i = 0; i < sorted.length; i++) json[i + 1] = i === 0 ? routeJson![i]!.subarray(1) : routeJson![i]!;
  json[sorted.length + 1] = utf8.encode(`],"schemaVersion":${JSON.stringify(SCHEMA_VERSION)}}`);
  return { snapshot, json, read: reader.finish() };
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
