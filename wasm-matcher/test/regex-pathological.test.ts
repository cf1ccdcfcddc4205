/**
 * Patterns that make backtracking engines take exponential time, on 10 KB and 100 KB inputs: the Pike VM's results
 * must be right in both VMs. How fast they run is measured in bench/regex.bench.ts, not asserted here.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { compileRegex } from "../src/regex/compile.ts";
import { regexFullMatchJs } from "../src/regex/vm.ts";
import { type RegexWasm, loadRegexWasm } from "./regex-fixtures/regex-wasm.ts";

let wasm: RegexWasm;
beforeAll(async () => {
  wasm = await loadRegexWasm();
});

const encoder = new TextEncoder();

/** [pattern, input, expected full match]. */
function cases(size: number): Array<[string, string, boolean]> {
  const a = "a".repeat(size);
  const x = "x".repeat(size);
  return [
    ["(a+)+$", a, true],
    ["(a+)+$", `${a}b`, false],
    ["(a|a)*b", a, false],
    ["(a|a)*b", `${a}b`, true],
    ["(a*)*b", a, false],
    ["(a*)*b", `${a}b`, true],
    ["(x+x+)+y", x, false],
    ["(x+x+)+y", `${x}y`, true],
    ["(x+x+)+y", "xy", false],
    ["(.*a){20}", a, true],
    ["(.*a){20}", `${a}b`, false],
    ["(a|aa)+", a, true],
    ["(?:a?){50}a{50}", "a".repeat(50), true],
  ];
}

describe.each([10_000, 100_000])("pathological patterns on %i-byte inputs", (size) => {
  it.each(cases(size).map(([p, input, expected]) => [p, input.length, expected, input] as const))(
    "%s on %i bytes -> %s",
    (pattern, _length, expected, input) => {
      const compiled = compileRegex(pattern);
      if (!compiled.ok) throw new Error(compiled.reason);
      expect(regexFullMatchJs(compiled.program, input)).toBe(expected);
      const bytes = encoder.encode(input);
      expect(wasm.fullMatch(compiled.program, bytes)).toBe(expected);
      expect(wasm.fullMatch(compiled.program, bytes, "pike")).toBe(expected);
    },
  );
});
