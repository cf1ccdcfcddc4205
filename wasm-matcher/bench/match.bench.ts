/**
 * `npm run bench -- match`: route lookup cost of the wasm matcher (full Gateway API matching, boundary copy
 * included), the TS reference, and Hono's routers, find-my-way and memoirist on the path-only subset, at 100 to
 * 100,000 routes; plus table size, instantiate + load time and the regex worst case.
 *
 * Every lookup column at every route count is one cell of interleaved rounds (rounds.ts): each round runs every cell
 * on the same stretch of the request stream, in a shuffled order, and the tables give the median over rounds with
 * its quartiles, and ratios (wasm / memoirist, growth 1k -> 10k) taken within each round.
 */
import FindMyWay from "find-my-way";
import os from "node:os";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { SmartRouter } from "hono/router/smart-router";
import { TrieRouter } from "hono/router/trie-router";
import { Memoirist } from "memoirist";
import { newMatchOutcome, type MatchRequest } from "../src/api.ts";
import { loadMatcherModule } from "../src/load-node.ts";
import { createReferenceMatcher } from "../src/reference.ts";
import { compileRouteTable } from "../src/table.ts";
import { createWasmMatcher, readHeaderNames, requestWriter } from "../src/wasm.ts";
import { listener, match, regex, route, rule, snapshot } from "../test/snapshot-builder.ts";
import { gatewayRequest, gatewaySnapshot, pathOnlySnapshot, pathRequest, pathRoute, requestIndexes } from "./fixtures.ts";
import { clockName, paired, quantile, runRounds, summary, type Cell } from "./rounds.ts";

/** MATCH_BENCH_SIZES=1000,10000 runs only those route counts (all of them in the same rounds). */
const SIZES = process.env.MATCH_BENCH_SIZES?.split(",").map(Number) ?? [100, 1_000, 10_000, 100_000];
/**
 * Recorded rounds (MATCH_BENCH_ROUNDS) after WARMUP unrecorded ones: 101, or 41 with 100,000 routes, where the full
 * collection before each round takes seconds.
 */
const ROUNDS = Number(process.env.MATCH_BENCH_ROUNDS ?? (Math.max(...SIZES) >= 100_000 ? 41 : 101));
const WARMUP = 5;
/** Lookups per cell and round (MATCH_BENCH_LOOKUPS): built first, fresh strings, still in cache as at the edge. */
const LOOKUPS = Number(process.env.MATCH_BENCH_LOOKUPS ?? 1_000);
/** A round counts as at full machine speed when each copy floor is within this factor of its 10th percentile. */
const FULL_SPEED = 1.25;
const module = loadMatcherModule();

function timeMs(f: () => void, runs = 5): number {
  const xs: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    f();
    xs.push(performance.now() - t0);
  }
  return quantile(xs, 0.5);
}

/** The slow columns (the TS reference, Hono's RegExpRouter at 10,000 routes) run fewer of each round's lookups. */
function slowLookups(nsPerLookup: number): number {
  return Math.max(20, Math.min(LOOKUPS, Math.round((LOOKUPS * 1_000) / nsPerLookup)));
}

/**
 * Hono's RegExpRouter compiles all routes into one regex on the first match: about 30 s at 10,000 routes on the
 * bench machine and far longer at 100,000, so Hono is measured up to HONO_MAX_ROUTES (its build time is printed;
 * MATCH_BENCH_HONO_MAX_ROUTES=1000 saves the minute the two builds take at 10,000).
 */
const HONO_MAX_ROUTES = Number(process.env.MATCH_BENCH_HONO_MAX_ROUTES ?? 10_000);
const HONO_ROUTERS = ["hono RegExpRouter", "hono SmartRouter (default)"];
const PATH_ROUTERS = [...HONO_ROUTERS, "find-my-way", "memoirist"];

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
    console.log(`  ${name} at ${n.toLocaleString("en-US")} routes: first match (builds the matcher) ${(performance.now() - t0).toFixed(0)} ms`);
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

/**
 * The part of a wasm lookup no matcher can avoid with this request stream: what the wrapper's matchInto() does
 * outside the wasm, by the same code (src/wasm.ts requestWriter: the strings the table reads joined, the header values
 * it names fetched, one encodeInto that flattens and copies them, the offsets) plus matchInto's request words and
 * outcome fill, without the call. wasm minus this is the matching itself.
 */
function copyFloor(table: Uint8Array): (request: MatchRequest) => unknown {
  // The wrapper's own request writer, on plain arrays the size of the wasm's request bytes and words.
  const words = new Int32Array(16 + 2 * readHeaderNames(table).length);
  const write = requestWriter(table, new Uint8Array(64 * 1024), words);
  const out = newMatchOutcome();
  return (request) => {
    words[0] = request.scheme === "https" ? 1 : 0;
    words[1] = request.port;
    if (!write(request)) return null;
    out.kind = "match";
    out.listener = words[10]!;
    out.route = words[11]!;
    out.rule = words[12]!;
    out.match = words[13]!;
    return out;
  };
}

interface Size {
  routes: number;
  full: Cell;
  floor: Cell;
  reference: Cell | null;
  pathWasm: Cell;
  routers: (Cell | null)[];
}

/** Builds every matcher of one route count (and prints its table size and build times). */
function buildSize(n: number, indexesFor: (n: number) => Uint32Array): { size: Size; tableRow: string } {
  const snap = gatewaySnapshot(n);
  const table = compileRouteTable(snap);
  const wasm = createWasmMatcher(module, snap, table);
  const indexes = indexesFor(n);
  const cell = (column: string, make: Cell["make"], lookup: Cell["lookup"], lookups = LOOKUPS): Cell => ({ column, routes: n, make, lookup, indexes, lookups });
  const fullOut = newMatchOutcome();
  const full = cell("wasm matchInto", gatewayRequest, (r) => wasm.matchInto(r, fullOut));
  const floor = cell("copy floor", gatewayRequest, copyFloor(table));
  // The reference is O(routes) per lookup (about 50 ns per route here).
  const ref = n <= 10_000 ? createReferenceMatcher(snap) : null;
  const reference = ref && cell("TS reference", gatewayRequest, (r) => ref.match(r), slowLookups(50 * n));
  const compileMs = timeMs(() => compileRouteTable(snap), 3);
  const loadMs = timeMs(() => createWasmMatcher(module, snap, table), 7);
  const tableRow = `| ${n.toLocaleString("en-US")} | ${(table.length / 1024).toFixed(1)} | ${(table.length / n).toFixed(1)} | ${compileMs.toFixed(1)} | ${loadMs.toFixed(1)} |`;

  const pathSnap = pathOnlySnapshot(n);
  const pathMatcher = createWasmMatcher(module, pathSnap);
  const pathOut = newMatchOutcome();
  const pathWasm = cell("path-only wasm", pathRequest, (r) => pathMatcher.matchInto(r, pathOut));
  const finds = jsRouters(n);
  // Hono's RegExpRouter at 10,000 routes takes tens of microseconds per lookup.
  const routers = PATH_ROUTERS.map((name) => {
    const find = finds[name];
    if (!find) return null;
    return cell(name, pathRequest, (r) => find(r.path), HONO_ROUTERS.includes(name) ? slowLookups(4 * n) : LOOKUPS);
  });
  return { size: { routes: n, full, floor, reference, pathWasm, routers }, tableRow };
}

function row(routes: number, cells: string[]): string {
  return `| ${routes.toLocaleString("en-US")} | ${cells.join(" | ")} |`;
}

function header(first: string, columns: string[]): string {
  return `| ${first} | ${columns.join(" | ")} |\n|---:|${columns.map(() => "---:").join("|")}|`;
}

/**
 * The bench machine switches for seconds at a time between a fast state and one where memory-bound work (the copy
 * floor, the lookups) takes up to 2x as long while a pure arithmetic loop does not slow down: other processes' memory
 * traffic. The medians over all rounds move with the share of slow rounds in a run; this table keeps the rounds in
 * which the machine ran at full speed, told by the copy floor, the most allocation- and memory-bound cell.
 */
function printFullSpeed(sizes: Size[], of: (c: Cell | null) => number[] | null): void {
  const floors = sizes.map((s) => of(s.floor)!);
  const fastest = floors.map((f) => quantile(f, 0.1));
  const fast = floors[0]!.map((_, r) => r).filter((r) => floors.every((f, i) => f[r]! <= FULL_SPEED * fastest[i]!));
  if (fast.length < 5) {
    console.log(`\n(${fast.length} of ${ROUNDS} rounds at full machine speed: the machine was busy throughout, no full-speed table)`);
    return;
  }
  const pick = (c: Cell | null) => (c === null ? null : fast.map((r) => of(c)![r]!));
  const within = Math.round((FULL_SPEED - 1) * 100);
  console.log(`\n### Rounds at full machine speed: the ${fast.length} of ${ROUNDS} rounds whose copy floor was within ${within}% of its 10th percentile at every size, ns/op: median (q1–q3)\n`);
  console.log(header("routes", ["wasm matchInto", "copy floor", "wasm minus floor", "path-only wasm", "find-my-way", "memoirist", "wasm full / memoirist", "growth of wasm full"]));
  const memoirist = PATH_ROUTERS.indexOf("memoirist");
  const fmw = PATH_ROUTERS.indexOf("find-my-way");
  for (const [i, s] of sizes.entries()) {
    const full = pick(s.full)!;
    const prev = i > 0 ? pick(sizes[i - 1]!.full)! : null;
    console.log(
      row(s.routes, [
        summary(full),
        summary(pick(s.floor)),
        summary(paired(full, pick(s.floor)!, (a, b) => a - b)),
        summary(pick(s.pathWasm)),
        summary(pick(s.routers[fmw]!)),
        summary(pick(s.routers[memoirist]!)),
        summary(paired(full, pick(s.routers[memoirist]!)!), 2),
        prev ? summary(paired(full, prev), 2) : "",
      ]),
    );
  }
}

function matchBench(): void {
  const perRound = LOOKUPS;
  const indexesFor = (n: number) => requestIndexes(n, (WARMUP + ROUNDS) * perRound);
  const built = SIZES.map((n) => buildSize(n, indexesFor));
  const sizes = built.map((b) => b.size);
  const cells = sizes.flatMap((s) => [s.full, s.floor, s.reference, s.pathWasm, ...s.routers].filter((c): c is Cell => c !== null));
  const loadBefore = os.loadavg()[0]!;
  const t0 = performance.now();
  const times = runRounds(cells, { rounds: ROUNDS, warmup: WARMUP, perRound });
  const seconds = (performance.now() - t0) / 1000;
  const of = (c: Cell | null) => (c === null ? null : times.get(c)!);
  console.log(
    `\n${ROUNDS} rounds (after ${WARMUP} unrecorded) of ${cells.length} cells in ${seconds.toFixed(1)} s, each round in a new shuffled order; ` +
      `${LOOKUPS.toLocaleString("en-US")} lookups per cell and round (fewer for the slow columns); load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after`,
  );

  console.log("\n### Full Gateway API matching (hostnames, paths, headers, methods), ns/op: median over rounds (q1–q3)\n");
  console.log(header("routes", ["wasm matchInto (boundary copy incl.)", "of which the copy floor", "wasm minus floor, per round", "TS reference"]));
  for (const s of sizes) {
    const full = of(s.full)!;
    const floor = of(s.floor)!;
    console.log(row(s.routes, [summary(full), summary(floor), summary(paired(full, floor, (a, b) => a - b)), summary(of(s.reference))]));
  }

  console.log("\n### Path-only subset (same routes, same request stream), ns/op: median over rounds (q1–q3)\n");
  console.log(header("routes", ["wasm", ...PATH_ROUTERS]));
  for (const s of sizes) console.log(row(s.routes, [summary(of(s.pathWasm)), ...s.routers.map((c) => summary(of(c)))]));
  console.log(`\nn/a: Hono's routers are not built beyond ${HONO_MAX_ROUTES.toLocaleString("en-US")} routes (build time above).`);

  console.log("\n### Ratios taken within each round: median over rounds (q1–q3)\n");
  console.log("| figure | value | goal |\n|---|---:|---|");
  const at = (n: number) => sizes.find((s) => s.routes === n);
  const memoirist = PATH_ROUTERS.indexOf("memoirist");
  const fmw = PATH_ROUTERS.indexOf("find-my-way");
  for (const s of sizes) {
    const routes = s.routes.toLocaleString("en-US");
    const goal = s.routes === 1_000 ? "p50 <= 250 ns" : s.routes === 10_000 ? "p50 <= 300 ns" : "";
    console.log(`| wasm full matching at ${routes} routes, ns/op | ${summary(of(s.full))} | ${goal} |`);
    console.log(`| wasm full / memoirist (path-only) at ${routes} | ${summary(paired(of(s.full)!, of(s.routers[memoirist]!)!), 2)} | |`);
    console.log(`| wasm path-only / memoirist at ${routes} | ${summary(paired(of(s.pathWasm)!, of(s.routers[memoirist]!)!), 2)} | |`);
    console.log(`| wasm full / find-my-way (path-only) at ${routes} | ${summary(paired(of(s.full)!, of(s.routers[fmw]!)!), 2)} | |`);
  }
  for (let i = 1; i < sizes.length; i++) {
    const [a, b] = [sizes[i - 1]!, sizes[i]!];
    const name = `${a.routes.toLocaleString("en-US")} -> ${b.routes.toLocaleString("en-US")}`;
    const goal = a.routes === 1_000 && b.routes === 10_000 ? "<= 1.25x" : "";
    console.log(`| wasm full growth ${name} routes | ${summary(paired(of(b.full)!, of(a.full)!), 2)} | ${goal} |`);
    console.log(`| wasm path-only growth ${name} routes | ${summary(paired(of(b.pathWasm)!, of(a.pathWasm)!), 2)} | |`);
  }
  if (at(1_000) === undefined || at(10_000) === undefined) console.log("\n(the goals are at 1,000 and 10,000 routes: MATCH_BENCH_SIZES=1000,10000)");

  printFullSpeed(sizes, of);

  console.log("\n### Route table\n");
  console.log("| routes | table KiB | bytes/route (goal <= 96) | compileRouteTable ms | instantiate + load ms (goal <= 5 at 10k) |\n|---:|---:|---:|---:|---:|");
  for (const b of built) console.log(b.tableRow);
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

console.log(`clock: ${clockName}; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs`);
matchBench();
regexWorstCase();
console.log("\nrerun: npm run bench -- match (MATCH_BENCH_SIZES=1000,10000 for the goal sizes; MATCH_BENCH_ROUNDS, MATCH_BENCH_LOOKUPS)");
