/**
 * The AS VM (assembly/regex.ts, built here with the AssemblyScript compiler) and the TS VM (src/regex/vm.ts) must
 * agree on every program and input: the route matcher runs the first, the reference matcher the second. Inputs
 * include arbitrary bytes (invalid UTF-8 too), which only the two VMs, not JS RegExp, can judge.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { compileRegex } from "../src/regex/compile.ts";
import { REGEX_MAX_INSTS, REGEX_SCRATCH_BYTES, regexScratchBytes } from "../src/regex/program.ts";
import { regexFullMatchJs } from "../src/regex/vm.ts";
import corpus from "./regex-fixtures/corpus.json" with { type: "json" };
import { flagsArbitrary, genArbitrary, renderRe2, rng, sample, withFlags } from "./regex-fixtures/grammar.ts";
import { type RegexWasm, loadRegexWasm } from "./regex-fixtures/regex-wasm.ts";

let wasm: RegexWasm;
const encoder = new TextEncoder();

beforeAll(async () => {
  wasm = await loadRegexWasm();
});

function mustCompile(pattern: string): Uint8Array {
  const result = compileRegex(pattern);
  if (!result.ok) throw new Error(`${pattern}: ${result.reason}`);
  return result.program;
}

/** Byte inputs: samples, samples with a random byte spliced in (often invalid UTF-8), and random bytes. */
function byteInputs(seed: number, samples: string[]): Uint8Array[] {
  const random = rng(seed);
  const out: Uint8Array[] = [new Uint8Array(0)];
  for (const s of samples) {
    const bytes = encoder.encode(s);
    out.push(bytes);
    const at = Math.floor(random() * (bytes.length + 1));
    const spliced = new Uint8Array(bytes.length + 1);
    spliced.set(bytes.subarray(0, at));
    spliced[at] = Math.floor(random() * 256);
    spliced.set(bytes.subarray(at), at + 1);
    out.push(spliced);
  }
  for (let k = 0; k < 4; k++) out.push(Uint8Array.from({ length: Math.floor(random() * 10) }, () => Math.floor(random() * 256)));
  return out;
}

describe("AS VM vs TS VM", () => {
  it("agree on the scratch size (the constants are written twice)", () => {
    for (const n of [1, 7, 100, REGEX_MAX_INSTS]) expect(wasm.exports.regexScratchBytes(n)).toBe(regexScratchBytes(n));
    expect(regexScratchBytes(REGEX_MAX_INSTS)).toBe(REGEX_SCRATCH_BYTES);
  });

  it("agree with the seed corpus's expectations", () => {
    for (const c of corpus.cases) {
      const program = mustCompile(c.pattern);
      for (const [inputs, expected] of [[c.match, true], [c.noMatch, false]] as const) {
        for (const input of inputs) {
          expect(regexFullMatchJs(program, input), `TS ${c.pattern} on ${JSON.stringify(input)}`).toBe(expected);
          expect(wasm.fullMatch(program, encoder.encode(input)), `AS ${c.pattern} on ${JSON.stringify(input)}`).toBe(expected);
        }
      }
    }
  });

  it("match no byte that is not part of valid UTF-8, as docs/regex.md says", () => {
    const cases: Array<[string, number[], boolean]> = [
      [".", [0xff], false], [".", [0x80], false], [".", [0xc0, 0x80], false], ["[^a]", [0xfe], false],
      ["\\xFF", [0xff], false], ["\\xFF", [0xc3, 0xbf], true], [".", [0xc3, 0xbf], true],
      // RE2's shortened automaton for all non-ASCII characters lets overlong/surrogate 3-byte forms through.
      [".", [0xe0, 0x80, 0x80], true], [".", [0xed, 0xa0, 0x80], true], ["[é-ü]", [0xed, 0xa0, 0x80], false],
    ];
    for (const [pattern, bytes, expected] of cases) {
      const program = mustCompile(pattern);
      const input = Uint8Array.from(bytes);
      expect(regexFullMatchJs(program, input), `TS ${pattern} on [${bytes}]`).toBe(expected);
      expect(wasm.fullMatch(program, input), `AS ${pattern} on [${bytes}]`).toBe(expected);
      expect(wasm.fullMatch(program, input, "dfa"), `AS DFA ${pattern} on [${bytes}]`).toBe(expected);
    }
  });

  it("agree on random patterns (ASCII and Unicode, all flags) and random byte inputs, in both AS engines", () => {
    let compared = 0;
    let matched = 0;
    fc.assert(
      fc.property(fc.boolean(), fc.integer(), fc.integer(), (unicode, treeSeed, inputSeed) => {
        const [g] = fc.sample(genArbitrary(unicode), { seed: treeSeed, numRuns: 1 });
        const [f] = fc.sample(flagsArbitrary, { seed: treeSeed, numRuns: 1 });
        const pattern = withFlags(renderRe2(g!), f!);
        const program = mustCompile(pattern);
        const random = rng(inputSeed);
        const samples = Array.from({ length: 5 }, () => sample(g!, random, f!, true));
        for (const input of byteInputs(inputSeed, samples)) {
          const ts = regexFullMatchJs(program, input);
          expect(wasm.fullMatch(program, input), `${pattern} on [${input.join(",")}]`).toBe(ts);
          expect(wasm.fullMatch(program, input, "dfa"), `DFA: ${pattern} on [${input.join(",")}]`).toBe(ts);
          compared++;
          if (ts) matched++;
        }
      }),
      { seed: 7, numRuns: 1500 },
    );
    expect(matched).toBeGreaterThan(compared * 0.05);
    expect(compared - matched).toBeGreaterThan(compared * 0.05);
  });

  it("agree on long inputs, where the AS engine switches to its lazy DFA (and its Pike VM alone agrees too)", () => {
    const engines = [0, 0, 0];
    let matched = 0;
    fc.assert(
      fc.property(fc.boolean(), fc.integer(), fc.integer(), (unicode, treeSeed, inputSeed) => {
        const [g] = fc.sample(genArbitrary(unicode), { seed: treeSeed, numRuns: 1 });
        const [f] = fc.sample(flagsArbitrary, { seed: treeSeed, numRuns: 1 });
        const pattern = withFlags(`(?:${renderRe2(g!)})*`, f!);
        const program = mustCompile(pattern);
        const random = rng(inputSeed);
        let long = "";
        for (let k = 0; k < 200 && encoder.encode(long).length < 80; k++) long += sample(g!, random, f!, true);
        for (const input of byteInputs(inputSeed, [long, long + long])) {
          const ts = regexFullMatchJs(program, input);
          expect(wasm.fullMatch(program, input), `${pattern} on [${input.join(",")}]`).toBe(ts);
          engines[wasm.lastEngine()]!++;
          expect(wasm.fullMatch(program, input, "pike"), `Pike VM: ${pattern} on [${input.join(",")}]`).toBe(ts);
          if (ts) matched++;
        }
      }),
      { seed: 99, numRuns: 600 },
    );
    expect(engines[1]).toBeGreaterThan(500);
    expect(matched).toBeGreaterThan(200);
  });

  it("finish in the Pike VM when the DFA cache thrashes, with the same answer", () => {
    // "an a, then 12 more letters": the DFA remembers the last 13 letters, 8192 states, more than the cache holds.
    const program = mustCompile("(?:a|b)*a(?:a|b){12}");
    const random = rng(5);
    for (const tail of ["aaaaaaaaaaaaa", "bbbbbbbbbbbbb", "abbbbbbbbbbbb", "babbbbbbbbbbb"]) {
      const input = Array.from({ length: 20_000 }, () => (random() < 0.5 ? "a" : "b")).join("") + tail;
      const expected = regexFullMatchJs(program, input);
      expect(expected).toBe(tail[0] === "a");
      expect(wasm.fullMatch(program, encoder.encode(input))).toBe(expected);
      expect(wasm.lastEngine()).toBe(2);
    }
  });
});
