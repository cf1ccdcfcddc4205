/**
 * Route sets and request streams for match.bench.ts. Routes look like a multi-tenant gateway: services under a few
 * dozen hostnames, PathPrefix and Exact paths, some header and method matches. Requests hit existing routes 90% of
 * the time; every lookup gets its own request object with strings built fresh by concatenation (as the worker builds
 * them), so no router can profit from string identity or from strings already flattened by an earlier lookup.
 */
import type { Snapshot } from "../../schema/snapshot.ts";
import type { MatchRequest } from "../src/api.ts";
import { exact, listener, match, prefix, route, rule, snapshot } from "../test/snapshot-builder.ts";

export interface PathRoute {
  type: "Exact" | "PathPrefix";
  path: string;
}

const HOSTS = 32;

/** The i-th route's path: /svc{i}/v{1..3}/... prefixes (70%) and exact /api/{i}/items (30%). */
export function pathRoute(i: number): PathRoute {
  return i % 10 < 7 ? { type: "PathPrefix", path: `/svc${i}/v${(i % 3) + 1}` } : { type: "Exact", path: `/api/${i}/items` };
}

/** Full Gateway API snapshot: hostnames, one rule per route, every 8th with a header match, every 16th a method. */
export function gatewaySnapshot(n: number): Snapshot {
  const routes = Array.from({ length: n }, (_, i) => {
    const p = pathRoute(i);
    const m = match({
      path: p.type === "Exact" ? exact(p.path) : prefix(p.path),
      ...(i % 8 === 3 ? { headers: [["x-tenant", `t${i % 100}`]] as [string, string][] } : {}),
      ...(i % 16 === 5 ? { method: "POST" } : {}),
    });
    return route({ name: `route-${i}`, attach: [{ listener: 0, hostnames: [hostOf(i)] }], rules: [rule([m])] });
  });
  // A catch-all on the wildcard so misses still walk the hostname groups and the prefix chain.
  routes.push(route({ name: "fallback", attach: [{ listener: 0, hostnames: ["*.example.com"] }], rules: [rule([match({ path: prefix("/static") })])] }));
  return snapshot([listener(null)], routes);
}

/** Path-only snapshot (one host, no headers/methods): the subset every JS router can express. */
export function pathOnlySnapshot(n: number): Snapshot {
  return snapshot(
    [listener(null)],
    Array.from({ length: n }, (_, i) => {
      const p = pathRoute(i);
      return route({ name: `route-${i}`, rules: [rule([match({ path: p.type === "Exact" ? exact(p.path) : prefix(p.path) })])] });
    }),
  );
}

export function hostOf(i: number): string {
  return `tenant${i % HOSTS}.example.com`;
}

/** Deterministic route indexes for a request stream (xorshift), 10% beyond the table (misses). */
export function requestIndexes(n: number, count: number, seed = 12345): Uint32Array {
  const out = new Uint32Array(count);
  let x = seed;
  for (let k = 0; k < count; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[k] = (x >>> 0) % Math.ceil(n * 1.1);
  }
  return out;
}

/** Request path for route i, built fresh (concatenation) for each lookup. */
export function requestPath(i: number, k: number): string {
  return i % 10 < 7 ? "/svc" + i + "/v" + ((i % 3) + 1) + "/items/" + (k & 1023) : "/api/" + i + "/items";
}

export function gatewayRequest(i: number, k: number): MatchRequest {
  const tenant = "t" + (i % 100);
  return {
    method: i % 16 === 5 ? "POST" : "GET",
    scheme: "http",
    port: 80,
    host: "tenant" + (i % HOSTS) + ".example.com",
    path: requestPath(i, k),
    query: "",
    header: (name) => (name === "x-tenant" ? tenant : null),
  };
}

export function pathRequest(i: number, k: number): MatchRequest {
  return { method: "GET", scheme: "http", port: 80, host: "example.com", path: requestPath(i, k), query: "", header: () => null };
}
