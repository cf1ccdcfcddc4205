/**
 * `npm run bench -- pipeline`: the worker's own cost per request (everything but the network): limits,
 * normalization, snapshot capture, wasm match, filters, backend pick, upstream Request construction and response
 * copy. fetch() is replaced by a stub that answers at once; the access log is silenced while measuring. Prints a
 * table of median latency per request for a few route-table sizes and filter mixes, and a baseline row with only
 * the Request/Response objects every proxy needs (in Node these are undici's and dominate; workerd's are native).
 */
import { Bench } from "tinybench";
import { encodeBlob } from "../../schema/blob.ts";
import { canonicalJson, sha256Hex, utf8 } from "../../schema/canonical.ts";
import { blobKey, pointerKey, signPointer } from "../../schema/pointer.ts";
import { SCHEMA_VERSION, type Filter, type Route, type Snapshot } from "../../schema/snapshot.ts";
import { compactSnapshot } from "../../schema/wire.ts";
import { loadMatcherModule } from "../../wasm-matcher/src/load-node.ts";
import { compileRouteTable } from "../../wasm-matcher/src/table.ts";
import { createWasmMatcher } from "../../wasm-matcher/src/wasm.ts";
import type { Env } from "../src/env.ts";
import { handleProxy } from "../src/pipeline/proxy.ts";
import { SnapshotRegistry } from "../src/snapshot/store.ts";

const KEY = "bench-key";
const ORIGIN = "http://origin.bench:8080";
const module = loadMatcherModule();

function routes(count: number, filters: Filter[]): Route[] {
  return Array.from({ length: count }, (_, i) => ({
    namespace: "bench",
    name: `r${String(i).padStart(6, "0")}`,
    creationTimestamp: "2026-01-01T00:00:00Z",
    generation: 1,
    attachments: [{ listener: 0, hostnames: [`host${i % 50}.bench`] }],
    rules: [
      {
        index: 0,
        name: null,
        matches: [{ path: { type: "PathPrefix", value: `/svc${i}` }, headers: [], queryParams: [], method: null }],
        filters,
        backends: [{ weight: 1, ref: "bench/origin:8080", target: { ref: "bench/origin:8080", origin: ORIGIN, protocol: "http" }, status: 500, reason: "", filters: [] }],
        timeouts: { requestMs: 0, backendRequestMs: 0 },
        retry: null,
      },
    ],
  }));
}

function snapshotOf(gateway: string, count: number, filters: Filter[]): Snapshot {
  const [namespace, name] = gateway.split("/") as [string, string];
  const base: Snapshot = {
    schemaVersion: SCHEMA_VERSION,
    gateway: { namespace, name, generation: 1 },
    listeners: [{ name: "http", port: 80, protocol: "HTTP", hostname: null }],
    routes: routes(count, filters),
    routeTable: new Uint8Array(0),
  };
  return { ...base, routeTable: compileRouteTable(base) };
}

/** A KVNamespace good enough for the loader: text and arrayBuffer gets from a Map. */
function memoryKv(entries: Map<string, Uint8Array>): KVNamespace {
  return {
    async get(key: string, type?: unknown) {
      const value = entries.get(key);
      if (!value) return null;
      return type === "arrayBuffer" ? value.slice().buffer : new TextDecoder().decode(value);
    },
  } as unknown as KVNamespace;
}

async function environment(gateway: string, snap: Snapshot): Promise<Env> {
  const bytes = encodeBlob(canonicalJson(compactSnapshot(snap)), snap.routeTable);
  const hash = await sha256Hex(bytes);
  const pointer = await signPointer(KEY, { schemaVersion: SCHEMA_VERSION, gateway, hash, size: bytes.length, epoch: 1, counter: 1, gatewayGeneration: 1, publishedAt: new Date().toISOString() });
  const kv = memoryKv(new Map([[blobKey(hash), bytes], [pointerKey(gateway), utf8(JSON.stringify(pointer))]]));
  return { EDGEWAY_KV: kv, EDGEWAY_GATEWAY: gateway, EDGEWAY_SNAPSHOT_KEY: KEY, EDGEWAY_STATUS_TOKEN: "t", EDGEWAY_REFRESH_INTERVAL_MS: "3600000" };
}

const headerFilters: Filter[] = [
  { type: "RequestHeaderModifier", modifier: { set: [{ name: "x-set", value: "1" }], add: [{ name: "x-add", value: "2" }], remove: ["x-remove"] } },
  { type: "URLRewrite", hostname: null, path: { type: "ReplacePrefixMatch", value: "/v2", prefix: "/svc7" } },
  { type: "ResponseHeaderModifier", modifier: { set: [{ name: "x-resp", value: "1" }], add: [], remove: ["server"] } },
  { type: "CORS", cors: { allowOrigins: ["https://*.example.com"], allowCredentials: true, allowMethods: ["GET"], allowHeaders: [], exposeHeaders: [], maxAge: 5 } },
];

const ctx = { waitUntil: (p: Promise<unknown>) => void p.catch(() => {}) };
globalThis.fetch = async () => new Response("ok", { status: 200, headers: { "content-type": "text/plain", server: "bench" } });
const log = console.log;

const scenarios: { name: string; count: number; filters: Filter[]; url: string; init?: RequestInit }[] = [
  { name: "10 routes, plain forward", count: 10, filters: [], url: "http://host7.bench/svc7/a/b?x=1" },
  { name: "1,000 routes, plain forward", count: 1_000, filters: [], url: "http://host7.bench/svc957/a/b?x=1" },
  { name: "10,000 routes, plain forward", count: 10_000, filters: [], url: "http://host7.bench/svc9957/a/b?x=1" },
  { name: "1,000 routes, header+rewrite+CORS filters", count: 1_000, filters: headerFilters, url: "http://host7.bench/svc7/a", init: { headers: { origin: "https://a.example.com", "x-add": "1", "x-remove": "1" } } },
  { name: "1,000 routes, 404 (no route)", count: 1_000, filters: [], url: "http://host7.bench/nothing/here" },
  { name: "rejected before routing (400)", count: 10, filters: [], url: "http://host7.bench/a%2Fb" },
];

const bench = new Bench({ time: 400, warmup: true });
for (const [i, s] of scenarios.entries()) {
  const gateway = `bench/gw${i}`;
  const env = await environment(gateway, snapshotOf(gateway, s.count, s.filters));
  const registry = new SnapshotRegistry((snap) => createWasmMatcher(module, snap));
  console.log = () => {};
  const first = await handleProxy(new Request(s.url, s.init), env, ctx, { registry });
  console.log = log;
  console.log(`${s.name}: status ${first.status}`);
  bench.add(s.name, async () => {
    const res = await handleProxy(new Request(s.url, s.init), env, ctx, { registry });
    await res.arrayBuffer();
  });
}
// What Node's fetch classes cost by themselves (workerd's are native): subtract it to see the pipeline's own work.
bench.add("baseline: Request + Response objects only", async () => {
  const request = new Request("http://host7.bench/svc7/a/b?x=1");
  const res = await fetch(new Request(`${ORIGIN}/svc7/a/b?x=1`, { headers: request.headers, redirect: "manual" }));
  await new Response(res.body, res).arrayBuffer();
});
console.log = () => {};
await bench.run();
console.log = log;
console.table(
  bench.tasks.map((task) => {
    const result = task.result as { latency?: { p50?: number; p99?: number }; throughput?: { mean?: number } } | undefined;
    return {
      scenario: task.name,
      "median µs/request": ((result?.latency?.p50 ?? NaN) * 1000).toFixed(1),
      "p99 µs/request": ((result?.latency?.p99 ?? NaN) * 1000).toFixed(1),
      "requests/s (1 core)": Math.round(result?.throughput?.mean ?? NaN),
    };
  }),
);
