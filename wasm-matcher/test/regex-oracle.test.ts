/**
 * Differential test: the TS VM against JavaScript's RegExp, anchored as ^(?:p)$, on random patterns from the grammar in
 * regex-fixtures/grammar.ts (fixed seeds, bounded sizes). JS RegExp backtracks, so inputs stay short.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileRegex } from "../src/regex/compile.ts";
import { regexFullMatchJs } from "../src/regex/vm.ts";
import { type Flags, flagsArbitrary, genArbitrary, jsFlags, renderJs, renderRe2, rng, sample, withFlags } from "./regex-fixtures/grammar.ts";

const ASCII_ALPHABET = [..."abcAB1_ -./*\n"];
const UNICODE_ALPHABET = [..."abé中😀\n-"];

/** Inputs for one pattern: strings it should match, one-character edits of them, and random strings. */
function inputsFor(pattern: Parameters<typeof sample>[0], flags: Flags, seed: number, unicode: boolean): string[] {
  const random = rng(seed);
  const alphabet = unicode ? UNICODE_ALPHABET : ASCII_ALPHABET;
  const pick = (): string => alphabet[Math.floor(random() * alphabet.length)]!;
  const inputs = new Set<string>([""]);
  for (let k = 0; k < 6; k++) {
    const s = [...sample(pattern, random, flags, unicode)].slice(0, 14);
    inputs.add(s.join(""));
    const at = Math.floor(random() * (s.length + 1));
    inputs.add([...s.slice(0, at), pick(), ...s.slice(at)].join(""));
    inputs.add([...s.slice(0, at), ...s.slice(at + 1)].join(""));
  }
  for (let k = 0; k < 6; k++) {
    let s = "";
    const len = Math.floor(random() * 8);
    for (let j = 0; j < len; j++) s += pick();
    inputs.add(s);
  }
  return [...inputs];
}

function runOracle(unicode: boolean, seed: number, numRuns: number): { patterns: number; inputs: number; matches: number } {
  const stats = { patterns: 0, inputs: 0, matches: 0 };
  const flags = unicode ? flagsArbitrary.map((f) => ({ ...f, i: false })) : flagsArbitrary;
  fc.assert(
    fc.property(genArbitrary(unicode), flags, fc.integer(), (g, f, inputSeed) => {
      const pattern = withFlags(renderRe2(g), f);
      const compiled = compileRegex(pattern);
      if (!compiled.ok) throw new Error(`${pattern}: ${compiled.reason}`);
      const oracle = new RegExp(`^(?:${renderJs(g, f, unicode)})$`, jsFlags(f, unicode));
      stats.patterns++;
      for (const input of inputsFor(g, f, inputSeed, unicode)) {
        const expected = oracle.test(input);
        expect(regexFullMatchJs(compiled.program, input), `${pattern} on ${JSON.stringify(input)} (JS ${oracle})`).toBe(expected);
        stats.inputs++;
        if (expected) stats.matches++;
      }
    }),
    { seed, numRuns },
  );
  return stats;
}

describe("TS VM vs JavaScript RegExp", () => {
  it("agrees on ASCII patterns and inputs, with and without (?i) (?m) (?s)", () => {
    const stats = runOracle(false, 20261130, 1500);
    // Both outcomes must be well represented, or the test proves little.
    expect(stats.matches).toBeGreaterThan(stats.inputs * 0.1);
    expect(stats.inputs - stats.matches).toBeGreaterThan(stats.inputs * 0.1);
  });

  it("agrees on non-ASCII patterns and inputs (JS u-mode: code points, as our UTF-8 lowering)", () => {
    const stats = runOracle(true, 424242, 1000);
    expect(stats.matches).toBeGreaterThan(stats.inputs * 0.1);
    expect(stats.inputs - stats.matches).toBeGreaterThan(stats.inputs * 0.1);
  });
});
