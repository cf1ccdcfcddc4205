/**
 * `npm run bench -- match`: route lookup cost of the wasm matcher (full Gateway API matching, boundary copy
 * included), the TS reference, and Hono's routers, find-my-way and memoirist on the path-only subset, at 100 to
 * 100,000 routes; plus table size, instantiate + load time and the regex worst case. Prints tables of medians.
 */
import FindMyWay from "find-my-way";
import os from "node:os";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { SmartRouter } from "hono/router/smart-router";
import { TrieRouter } from "hono/router/trie-router";
import { Memoirist } from "memoirist";
import { newMatchOutcome, type Matcher, type MatchRequest } from "../src/api.ts";
import { loadMatcherModule } from "../src/load-node.ts";
import { createReferenceMatcher } from "../src/reference.ts";
import { compileRouteTable } from "../src/table.ts";
import { createWasmMatcher } from "../src/wasm.ts";
import { listener, match, regex, route, rule, snapshot } from "../test/snapshot-builder.ts";
import { gatewayRequest, gatewaySnapshot, pathOnlySnapshot, pathRequest, pathRoute, requestIndexes } from "./fixtures.ts";

/** MATCH_BENCH_SIZES=1000,10000 runs only those route counts. */
const SIZES = process.env.MATCH_BENCH_SIZES?.split(",").map(Number) ?? [100, 1_000, 10_000, 100_000];
const RUNS = 7;
const module = loadMatcherModule();

/** Requests are built in batches of this many before each timed loop: fresh strings, still in cache as at the edge. */
const BATCH = 1_000;

/**
 * Median over RUNS of the mean ns per lookup over a fixed request stream, for each lookup function. Only the lookups
 * are timed: each batch of request objects is built first (fresh strings made by concatenation, one object per
 * lookup, never reused), then the timed loop runs the lookup on each. Every router gets the same stream and the same
 * treatment. The functions take turns run by run (in alternating order), so background work that fades over the
 * runs, such as the collector still busy with the garbage of building a 10,000-route snapshot and table, weighs on
 * every column alike instead of on whichever is timed first. Measured in process CPU time, not wall time, so that
 * other work on a shared machine (time spent descheduled) does not count; set BENCH_CLOCK=wall for wall-clock figures.
 */
function nsPerOpEach<R>(make: (i: number, k: number) => R, lookups: ((request: R) => unknown)[], indexes: Uint32Array): number[] {
  const runs: number[][] = lookups.map(() => []);
  const batch: R[] = [];
  for (let r = 0; r < RUNS + 1; r++) {
    for (let turn = 0; turn < lookups.length; turn++) {
      const which = r % 2 === 0 ? turn : lookups.length - 1 - turn;
      const lookup = lookups[which]!;
      let sink = 0;
      let ns = 0;
      for (let start = 0; start < indexes.length; start += BATCH) {
        const end = Math.min(start + BATCH, indexes.length);
        batch.length = 0;
        for (let k = start; k < end; k++) batch.push(make(indexes[k]!, k));
        const t0 = clockNs();
        for (let j = 0; j < batch.length; j++) if (lookup(batch[j]!) !== undefined) sink++;
        ns += clockNs() - t0;
      }
      if (sink < 0) console.log(sink);
      if (r > 0) runs[which]!.push(ns / indexes.length); // run 0 warms up
    }
  }
  return runs.map(median);
}

function nsPerOp<R>(make: (i: number, k: number) => R, lookup: (request: R) => unknown, indexes: Uint32Array): number {
  return nsPerOpEach(make, [lookup], indexes)[0]!;
}

const WALL = process.env.BENCH_CLOCK === "wall";

function clockNs(): number {
  if (WALL) return Number(process.hrtime.bigint());
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function timeMs(f: () => void, runs = 5): number {
  const xs: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    f();
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

function lookupsFor(n: number): number {
  return n >= 100_000 ? 100_000 : 200_000;
}

function fmt(x: number | null): string {
  return x === null ? "n/a" : x >= 100 ? x.toFixed(0) : x.toFixed(1);
}

interface Row {
  routes: number;
  cells: (number | null)[];
}

function printTable(title: string, columns: string[], rows: Row[]): void {
  console.log(`\n### ${title}\n`);
  console.log(`| routes | ${columns.join(" | ")} |`);
  console.log(`|---:|${columns.map(() => "---:").join("|")}|`);
  for (const r of rows) console.log(`| ${r.routes.toLocaleString("en-US")} | ${r.cells.map(fmt).join(" | ")} |`);
}

/**
 * Hono's RegExpRouter compiles all routes into one regex on the first match: about 30 s at 10,000 routes on the
 * bench machine and far longer at 100,000, so Hono is measured up to HONO_MAX_ROUTES (its build time is printed).
 */
const HONO_MAX_ROUTES = 10_000;

function jsRouters(n: number): Record<string, ((path: string) => unknown) | null> {
  const fmw = FindMyWay();
  const memo = new Memoirist<number>();
  const hono = n <= HONO_MAX_ROUTES ? new RegExpRouter<number>() : null;
  const smart = n <= HONO_MAX_ROUTES ? new SmartRouter<number>({ routers: [new RegExpRouter(), new TrieRouter()] }) : null;
  for (let i = 0; i < n; i++) {
    const p = pathRoute(i);
    // PathPrefix semantics in these routers: the path itself and everything below it.
    const paths = p.type === "Exact" ? [p.path] : [p.path, `${p.path}/*`];
    for (const path of paths) {
      hono?.add("GET", path, i);
      smart?.add("GET", path, i);
      fmw.on("GET", path, () => i);
      memo.add("GET", path, i);
    }
  }
  const built = (name: string, f: () => void): void => {
    const t0 = performance.now();
    f();
    console.log(`  ${name} at ${n} routes: first match (builds the matcher) ${(performance.now() - t0).toFixed(0)} ms`);
  };
  if (hono && smart) {
    built("hono RegExpRouter", () => hono.match("GET", "/svc1/v2/x"));
    built("hono SmartRouter", () => smart.match("GET", "/svc1/v2/x"));
  }
  return {
    "hono RegExpRouter": hono && ((path) => hono.match("GET", path)[0].length || undefined),
    "hono SmartRouter (default)": smart && ((path) => smart.match("GET", path)[0].length || undefined),
    "find-my-way": (path) => fmw.find("GET", path) ?? undefined,
    memoirist: (path) => memo.find("GET", path) ?? undefined,
  };
}

const copyBuffer = new Uint8Array(64 * 1024);
const copyWords = new Int32Array(18);
const copyEncoder = new TextEncoder();
const copyOutcome = newMatchOutcome();

/**
 * The part of a wasm lookup no matcher can avoid with this request stream: what the wrapper's matchInto() does before
 * and after the wasm call (the request words, the join of the strings the table reads, one encodeInto that flattens
 * and copies them, the offsets, the caller's outcome object filled), without the call. wasm minus this is the
 * matching itself.
 */
function copyOnly(r: MatchRequest): unknown {
  copyWords[0] = r.scheme === "https" ? 1 : 0;
  copyWords[1] = r.port;
  const tenant = r.header("x-tenant");
  const joined = r.method + r.host + r.path + r.query + (tenant ?? "");
  if (copyEncoder.encodeInto(joined, copyBuffer).written !== joined.length) return null;
  copyWords[2] = 0;
  copyWords[3] = r.method.length;
  copyWords[4] = r.method.length;
  copyWords[5] = r.host.length;
  copyWords[6] = r.method.length + r.host.length;
  copyWords[7] = r.path.length;
  copyWords[8] = copyWords[6] + r.path.length;
  copyWords[9] = r.query.length;
  copyWords[16] = copyWords[8] + r.query.length;
  copyWords[17] = tenant === null ? -1 : tenant.length;
  copyOutcome.kind = "match";
  copyOutcome.listener = copyWords[0];
  copyOutcome.route = copyWords[5];
  copyOutcome.rule = copyWords[3];
  copyOutcome.match = 0;
  return copyOutcome;
}

function gatewayBench(): Row[] {
  const rows: Row[] = [];
  const sizeRows: Row[] = [];
  for (const n of SIZES) {
    const snap = gatewaySnapshot(n);
    const table = compileRouteTable(snap);
    const wasm = createWasmMatcher(module, snap, table);
    const reference: Matcher | null = n <= 10_000 ? createReferenceMatcher(snap) : null;
    const indexes = requestIndexes(n, lookupsFor(n));
    const out = newMatchOutcome();
    const [wasmNs, copyNs] = nsPerOpEach(gatewayRequest, [(r) => wasm.matchInto(r, out), copyOnly], indexes) as [number, number];
    // The reference is O(routes) per lookup: a shorter stream keeps the run short.
    const refNs = reference === null ? null : nsPerOp(gatewayRequest, (r) => reference.match(r), indexes.subarray(0, Math.max(50, 200_000 / n)));
    rows.push({ routes: n, cells: [wasmNs, copyNs, refNs] });
    const compileMs = timeMs(() => compileRouteTable(snap), 3);
    const loadMs = timeMs(() => createWasmMatcher(module, snap, table), 7);
    sizeRows.push({ routes: n, cells: [table.length / 1024, table.length / n, compileMs, loadMs] });
  }
  printTable("Full Gateway API matching (hostnames, paths, headers, methods), ns/op", ["wasm matchInto (boundary copy incl.)", "of which the copy floor", "TS reference"], rows);
  const at = (n: number) => rows.find((r) => r.routes === n)?.cells[0] ?? NaN;
  console.log(`\nwasm growth 1k -> 10k routes: ${(at(10_000) / at(1_000)).toFixed(2)}x (goal <= 1.25x); goals: <= 250 ns at 1k, <= 300 ns at 10k`);
  printTable("Route table", ["table KiB", "bytes/route (goal <= 96)", "compileRouteTable ms", "instantiate + load ms (goal <= 5 at 10k)"], sizeRows);
  return rows;
}

function pathOnlyBench(): { columns: string[]; rows: Row[] } {
  const rows: Row[] = [];
  let columns: string[] = [];
  for (const n of SIZES) {
    const snap = pathOnlySnapshot(n);
    const wasm = createWasmMatcher(module, snap);
    const routers = jsRouters(n);
    columns = ["wasm", ...Object.keys(routers)];
    const indexes = requestIndexes(n, lookupsFor(n));
    const out = newMatchOutcome();
    const finds = Object.values(routers);
    const measured = nsPerOpEach(pathRequest, [(r) => wasm.matchInto(r, out), ...finds.filter((f) => f !== null).map((find) => (r: MatchRequest) => find(r.path))], indexes);
    // Routers not built at this size (null) keep their column as n/a.
    let next = 1;
    const cells: (number | null)[] = [measured[0]!, ...finds.map((find) => (find === null ? null : measured[next++]!))];
    rows.push({ routes: n, cells });
  }
  printTable("Path-only subset (same routes, same request stream), ns/op", columns, rows);
  console.log(`\nn/a: Hono's routers are not built beyond ${HONO_MAX_ROUTES.toLocaleString("en-US")} routes (build time above).`);
  return { columns, rows };
}

/** The wasm matcher (full matching and path-only) relative to the path-only JS routers measured in this run. */
function printRatios(full: Row[], pathOnly: { columns: string[]; rows: Row[] }): void {
  console.log("\n### Ratio to the JS routers (same run): wasm ns / router ns on the path-only subset\n");
  const routers = pathOnly.columns.slice(1);
  console.log(`| routes | ${routers.map((r) => `full / ${r} | path-only / ${r}`).join(" | ")} |`);
  console.log(`|---:|${routers.map(() => "---:|---:").join("|")}|`);
  for (const row of pathOnly.rows) {
    const wasmFull = full.find((r) => r.routes === row.routes)?.cells[0] ?? null;
    const cells = routers.flatMap((_, i) => {
      const router = row.cells[i + 1] ?? null;
      return router === null ? ["n/a", "n/a"] : [wasmFull === null ? "n/a" : (wasmFull / router).toFixed(2), (row.cells[0]! / router).toFixed(2)];
    });
    console.log(`| ${row.routes.toLocaleString("en-US")} | ${cells.join(" | ")} |`);
  }
}

function regexWorstCase(): void {
  const rows: string[] = [];
  const row = (pattern: string, where: string, input: string, us: number) =>
    rows.push(`| \`${pattern}\` | ${where} | ${input.length.toLocaleString("en-US")} | ${us >= 100 ? us.toFixed(0) : us.toFixed(1)} |`);
  for (const pattern of ["/(a+)+b", "/(a|aa)*c", "/([a-z]+[0-9]*)*x", "/.{0,100}z"]) {
    const snap = snapshot([listener()], [route({ name: "re", rules: [rule([match({ path: regex(pattern) })])] })]);
    const wasm = createWasmMatcher(module, snap);
    for (const len of [1_000, 8_000]) {
      const adversarial = { ...pathRequest(0, 0), path: "/" + "a".repeat(len) + "!" };
      const us = timeMs(() => {
        for (let i = 0; i < 20; i++) if (wasm.match(adversarial).kind === "match") throw new Error(`${pattern} matched`);
      }) * 50;
      row(pattern, "path", adversarial.path, us);
    }
  }
  // Near the 2,000-instruction cap on a 16 KB header value (the worker admits 32 KB of headers). On a run of a's the
  // NFA keeps hundreds of threads alive and the last two patterns ("an a N characters before the end") have more DFA
  // states than any cache holds: without the per-request step budget these took 0.1 to 0.4 s.
  let x = 7;
  const random = Array.from({ length: 16_384 }, () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) & 0x10000 ? "a" : "b")).join("") + "!";
  const run = "a".repeat(16_384) + "!";
  for (const pattern of ["(?:.*a){160}", "(?:a|b)*a(?:a|b){600}", ".*a[ab]{1000}"]) {
    const snap = snapshot([listener()], [route({ name: "re", rules: [rule([match({ headers: [["x-h", pattern, "RegularExpression"]] })])] })]);
    const wasm = createWasmMatcher(module, snap);
    for (const [name, value] of [["random a/b", random], ["a's", run]] as const) {
      const request = { ...pathRequest(0, 0), header: (h: string) => (h === "x-h" ? value : null) };
      const us = timeMs(() => void wasm.match(request), 5) * 1000;
      row(pattern, `header, ${name}`, value, us);
    }
  }
  console.log("\n### Regex worst case (wasm, adversarial input), microseconds per match\n");
  console.log("| pattern | where | input bytes | us/match |\n|---|---|---:|---:|");
  for (const r of rows) console.log(r);
}

console.log(`clock: ${WALL ? "wall time" : "process CPU time (BENCH_CLOCK=wall for wall time)"}; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs`);
const full = gatewayBench();
printRatios(full, pathOnlyBench());
regexWorstCase();
console.log("\nrerun: npm run bench -- match");
