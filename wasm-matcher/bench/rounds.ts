/**
 * Interleaved rounds for match.bench.ts. Separate runs of the same bench on the 2-core bench machine moved by up to 2x,
 * even when idle: whatever else the machine does (other processes, the collector, the JIT's background threads)
 * comes and goes over seconds, so a figure taken in one stretch of seconds is not comparable with one taken in the
 * next. Here every cell (a lookup function at one route count) runs a short fixed number of lookups in every round, in
 * a new shuffled order each round, and a figure is the median over the rounds; a ratio between two cells is taken
 * within each round (both measured within a few milliseconds of each other) and then its median reported.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { MatchRequest } from "../src/api.ts";

export interface Cell {
  /** Column name, e.g. "wasm matchInto". */
  column: string;
  routes: number;
  /** Builds the k-th request of the stream for route index i (fresh strings every call). */
  make: (i: number, k: number) => MatchRequest;
  lookup: (request: MatchRequest) => unknown;
  /** The request stream's route indexes; round r uses [r * perRound, r * perRound + lookups). */
  indexes: Uint32Array;
  /** Lookups per round: the round's first `lookups` requests (slow columns take fewer). */
  lookups: number;
}

export interface RoundOptions {
  rounds: number;
  /** Rounds run first and not recorded (JIT warm-up). */
  warmup: number;
  /** Stride of the request stream per round (the fast columns' lookup count). */
  perRound: number;
}

const WALL = process.env.BENCH_CLOCK === "wall";

export const clockName = WALL ? "wall time" : "process CPU time (BENCH_CLOCK=wall for wall time)";

/**
 * Process CPU time by default, so time spent descheduled on a shared machine does not count (it includes the
 * collector's and compiler's background threads); wall time with BENCH_CLOCK=wall.
 */
function clockNs(): number {
  if (WALL) return Number(process.hrtime.bigint());
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

/**
 * A full collection before each round, so that the garbage of building the tables and of earlier rounds is not
 * collected inside some cell's timed loop (the lookups' own allocations are still collected where they fall).
 * `gc` is exposed when the bench runs under `npm run bench`; under plain `npx tsx` it is enabled here.
 */
function fullGc(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * A full collection, then a pause twice as long as it took: the collector sweeps on background threads after the
 * pause, and their CPU time counts in the process CPU clock, so without the pause it lands on the first cells of the
 * round (with 100,000 routes the heap is large enough for that to double a cell's time).
 */
function settle(gc: () => void): void {
  const t0 = performance.now();
  gc();
  Atomics.wait(sleeper, 0, 0, Math.max(2, 2 * (performance.now() - t0)));
}

/** Per cell, its ns/op in each recorded round (index = round). */
export function runRounds(cells: Cell[], options: RoundOptions): Map<Cell, number[]> {
  const gc = fullGc();
  const times = new Map<Cell, number[]>(cells.map((c) => [c, []]));
  const order = cells.map((_, i) => i);
  const batch: MatchRequest[] = [];
  let seed = 0x9e3779b9;
  let sink = 0;
  for (let round = 0; round < options.warmup + options.rounds; round++) {
    // Fisher-Yates with a fixed-seed xorshift: every cell takes every position over the rounds.
    for (let i = order.length - 1; i > 0; i--) {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      const j = (seed >>> 0) % (i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    settle(gc);
    for (const which of order) {
      const cell = cells[which]!;
      const from = round * options.perRound;
      batch.length = 0;
      for (let k = from; k < from + cell.lookups; k++) batch.push(cell.make(cell.indexes[k]!, k));
      const lookup = cell.lookup;
      const t0 = clockNs();
      for (let j = 0; j < batch.length; j++) if (lookup(batch[j]!) !== undefined) sink++;
      const ns = clockNs() - t0;
      if (round >= options.warmup) times.get(cell)!.push(ns / cell.lookups);
    }
  }
  if (sink < 0) console.log(sink);
  return times;
}

/** The q-quantile of xs (linear interpolation). */
export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const low = Math.floor(at);
  return s[low]! + (s[Math.ceil(at)]! - s[low]!) * (at - low);
}

/** Per round, a / b (or a - b). */
export function paired(a: number[], b: number[], op: (x: number, y: number) => number = (x, y) => x / y): number[] {
  return a.map((x, i) => op(x, b[i]!));
}

/** "median (q1–q3)" with `digits` decimals (0 for ns). */
export function summary(xs: number[] | null | undefined, digits = 0): string {
  if (!xs || xs.length === 0) return "n/a";
  const f = (x: number) => (digits === 0 ? Math.round(x).toLocaleString("en-US") : x.toFixed(digits));
  return `${f(quantile(xs, 0.5))} (${f(quantile(xs, 0.25))}–${f(quantile(xs, 0.75))})`;
}
