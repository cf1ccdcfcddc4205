/**
 * Regex engine speed: ns per input byte for the AS engine as the matcher calls it (lazy DFA on long inputs), the AS
 * Pike VM alone, the TS VM and V8's backtracking RegExp, on pathological patterns and on typical route patterns.
 * Backtracking blows up on the first group, so for those V8 is timed on growing 20-28 character inputs (capped)
 * instead of 10 KB. A last table shows, per input length, the Pike VM against the DFA (where REGEX_DFA_MIN_INPUT
 * comes from).
 *
 * Rerun: npm run bench -- regex
 */
import { compileRegex } from "../src/regex/compile.ts";
import { programInstCount } from "../src/regex/program.ts";
import { regexFullMatchJs } from "../src/regex/vm.ts";
import { loadRegexWasm } from "../test/regex-fixtures/regex-wasm.ts";

const encoder = new TextEncoder();

/** Mean ns per call, running `fn` until `budgetMs` have passed (at least once). */
function time(fn: () => unknown, budgetMs = 150): number {
  fn();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    fn();
    calls++;
    elapsed = performance.now() - start;
  }
  return (elapsed * 1e6) / calls;
}

interface Case {
  pattern: string;
  /** Input of `size` bytes. */
  input: (size: number) => string;
  /** V8 backtracks exponentially on it. */
  catastrophic: boolean;
  /** Input sizes (default 10 KB and 100 KB). */
  sizes?: number[];
  /** V8 takes minutes (polynomial backtracking of high degree): not timed. */
  noV8?: boolean;
}

const CASES: Case[] = [
  { pattern: "(a+)+$", input: (n) => `${"a".repeat(n - 1)}b`, catastrophic: true },
  { pattern: "(a|a)*b", input: (n) => "a".repeat(n), catastrophic: true },
  { pattern: "(a*)*b", input: (n) => "a".repeat(n), catastrophic: true },
  { pattern: "(x+x+)+y", input: (n) => "x".repeat(n), catastrophic: true },
  { pattern: "/api/v[0-9]+/.*", input: (n) => `/api/v2/${"a".repeat(n - 8)}`, catastrophic: false },
  { pattern: "/users/[^/]+/orders/[0-9]+", input: (n) => `/users/${"u".repeat(n - 20)}/orders/12345`, catastrophic: false },
  { pattern: "(?i).*bearer [a-z0-9._-]+", input: (n) => `${"x".repeat(n - 12)}Bearer abc.d`, catastrophic: false },
  { pattern: "(.*a){20}", input: (n) => "a".repeat(n), catastrophic: false },
  // Near the instruction cap: the Pike VM's worst case, on a header-sized input.
  { pattern: "(?:.*a){160}", input: (n) => "a".repeat(n), catastrophic: false, sizes: [16_384], noV8: true },
];

const fmt = (ns: number): string => (ns >= 100 ? ns.toFixed(0) : ns.toFixed(2));

async function main(): Promise<void> {
  const wasm = await loadRegexWasm();
  const rows: string[][] = [];
  for (const c of CASES) {
    const compiled = compileRegex(c.pattern);
    if (!compiled.ok) throw new Error(compiled.reason);
    const insts = programInstCount(compiled.program);
    for (const size of c.sizes ?? [10_000, 100_000]) {
      const input = c.input(size);
      const bytes = encoder.encode(input);
      const run = wasm.prepare(compiled.program, bytes);
      const as = time(run) / bytes.length;
      const engine = ["Pike", "DFA", "DFA→Pike"][wasm.lastEngine()]!;
      const pike = time(wasm.prepare(compiled.program, bytes, "pike")) / bytes.length;
      const ts = time(() => regexFullMatchJs(compiled.program, bytes)) / bytes.length;
      const anchored = new RegExp(`^(?:${c.pattern.replace("(?i)", "")})$`, c.pattern.startsWith("(?i)") ? "i" : "");
      const v8 = c.catastrophic ? "blows up (below)" : c.noV8 ? "minutes (not run)" : `${fmt(time(() => anchored.test(input)) / bytes.length)}`;
      rows.push([c.pattern, String(insts), String(size), `${fmt(as)} (${engine})`, fmt(pike), fmt(ts), v8, String(run())]);
    }
  }
  console.log("| pattern | insts | input bytes | AS ns/byte (engine) | AS Pike VM ns/byte | TS VM ns/byte | V8 RegExp ns/byte | match |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of rows) console.log(`| \`${r[0]}\` | ${r.slice(1).join(" | ")} |`);

  console.log("\nV8 backtracking on the catastrophic patterns (one run each, stops after a run over 1 s):\n");
  console.log("| pattern | input chars | V8 RegExp ms | AS VM ms |");
  console.log("|---|---|---|---|");
  for (const c of CASES.filter((k) => k.catastrophic)) {
    const anchored = new RegExp(`^(?:${c.pattern})$`);
    for (let n = 20; n <= 28; n += 2) {
      const input = c.input(n);
      const compiled = compileRegex(c.pattern);
      if (!compiled.ok) throw new Error(compiled.reason);
      const run = wasm.prepare(compiled.program, encoder.encode(input));
      const start = performance.now();
      anchored.test(input);
      const v8 = performance.now() - start;
      console.log(`| \`${c.pattern}\` | ${n} | ${v8.toFixed(1)} | ${(time(run, 20) / 1e6).toFixed(4)} |`);
      if (v8 > 1000) break;
    }
  }

  console.log("\nShort inputs: ns per call, AS Pike VM vs AS lazy DFA (built from scratch on every call):\n");
  console.log("| pattern | input bytes | Pike VM ns | DFA ns |");
  console.log("|---|---|---|---|");
  for (const pattern of ["/api/v[0-9]+/.*", "/users/[^/]+/orders/[0-9]+", "(?i).*bearer [a-z0-9._-]+"]) {
    const compiled = compileRegex(pattern);
    if (!compiled.ok) throw new Error(compiled.reason);
    const c = CASES.find((k) => k.pattern === pattern)!;
    for (const size of [24, 48, 64, 96, 128, 256]) {
      const bytes = encoder.encode(c.input(size));
      const pike = time(wasm.prepare(compiled.program, bytes, "pike"), 60);
      const dfa = time(wasm.prepare(compiled.program, bytes, "dfa"), 60);
      console.log(`| \`${pattern}\` | ${bytes.length} | ${pike.toFixed(0)} | ${dfa.toFixed(0)} |`);
    }
  }
}

await main();
