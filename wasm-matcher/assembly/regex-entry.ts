// Test-only wasm entry: exports the regex engine the route matcher embeds, plus where free memory starts, so the
// tests and the bench can lay out program, input and scratch themselves (--runtime stub: nothing else owns memory).
import { buildByteClasses, dfaRun } from "./regex-dfa";
import { PIKE_BYTES_PER_INST } from "./regex-pike";
import { regexPikeMatch } from "./regex";

export { regexFullMatch, regexLastEngine, regexPikeMatch, regexScratchBytes, regexInstCount } from "./regex";

/** The lazy DFA whatever the input length (the Pike VM for programs with assertions), to test and time it alone. */
export function regexDfaMatch(prog: usize, input: usize, inputLen: i32, scratch: usize): bool {
  const dfa = scratch + (load<u32>(prog, 4) as usize) * (PIKE_BYTES_PER_INST as usize);
  const classes = buildByteClasses(prog, dfa);
  return classes != 0 ? dfaRun(prog, scratch, dfa, classes, input, inputLen) : regexPikeMatch(prog, input, inputLen, scratch);
}

export function heapBase(): usize {
  return __heap_base;
}
