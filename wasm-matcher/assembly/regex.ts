// The regex engine the route matcher calls: full match of a byte program from wasm-matcher/src/regex/compile.ts
// (format: wasm-matcher/src/regex/program.ts, syntax: docs/regex.md) against UTF-8 input. Linear time
// O(inputLen x instCount), no allocation (all state lives in the caller's scratch), no recursion.
//
// Short inputs run in the Pike VM (regex-pike.ts). Longer ones, when the program has no assertion left, run in a
// lazy DFA built in the scratch during the call (regex-dfa.ts): building it costs about one Pike step per new state,
// which pays off only once the input is longer than the handful of states a pattern usually needs.
import { DFA_BYTES, buildByteClasses, dfaLastOutcome, dfaRun } from "./regex-dfa";
import { PIKE_BYTES_PER_INST, PROGRAM_HEADER_BYTES, addClosure, pikeRun, regexStepsLeft } from "./regex-pike";

/** Scratch bytes enough for any program compileRegex emits: REGEX_MAX_INSTS (2000) x 20 + the DFA cache. */
export const REGEX_SCRATCH_BYTES: i32 = 2000 * PIKE_BYTES_PER_INST + DFA_BYTES;

/**
 * Regex steps (regex-pike.ts) one request may spend over all its regex conditions: every value shorter than
 * REGEX_DFA_MIN_INPUT bytes fits even under the largest program (127 bytes x 2,000 threads), and so do the DFA
 * states of ordinary patterns on the largest header. A pattern and input whose NFA keeps hundreds of threads alive for
 * thousands of bytes stop here (docs/regex.md "Worst case") instead of taking O(input x program) time.
 */
export const REGEX_REQUEST_STEPS: i64 = 1 << 19;

/** Inputs at least this long try the lazy DFA (see bench/regex.bench.ts for where it starts to win). */
export const REGEX_DFA_MIN_INPUT: i32 = 128;

/** Scratch bytes `regexFullMatch` needs for a program of `instCount` instructions. */
export function regexScratchBytes(instCount: i32): i32 {
  return PIKE_BYTES_PER_INST * instCount + DFA_BYTES;
}

/** Instruction count of the program at `prog` (header word 1). */
export function regexInstCount(prog: usize): i32 {
  return load<u32>(prog, 4) as i32;
}

/**
 * Whether the whole input (`inputLen` bytes of UTF-8 at `input`) matches the program at `prog` (4-byte aligned).
 * `scratch` must point at `regexScratchBytes(instCount)` writable bytes, 4-byte aligned; their content on entry does
 * not matter and is clobbered. The program is trusted (it comes from the signed snapshot's route table).
 */
export function regexFullMatch(prog: usize, input: usize, inputLen: i32, scratch: usize): bool {
  if (regexStepsLeft() < 0) return false;
  const n = load<u32>(prog, 4) as usize;
  if (inputLen >= REGEX_DFA_MIN_INPUT) {
    const dfa = scratch + n * (PIKE_BYTES_PER_INST as usize);
    const classes = buildByteClasses(prog, dfa);
    if (classes != 0) {
      lastEngine = 1;
      return dfaRun(prog, scratch, dfa, classes, input, inputLen);
    }
  }
  lastEngine = 0;
  return regexPikeMatch(prog, input, inputLen, scratch);
}

let lastEngine: i32 = 0;

/** Which engine decided the last regexFullMatch: 0 Pike VM, 1 lazy DFA, 2 DFA then Pike VM (cache thrashing). */
export function regexLastEngine(): i32 {
  return lastEngine == 0 ? 0 : dfaLastOutcome;
}

/** The same answer from the Pike VM alone (the tests compare both paths). */
export function regexPikeMatch(prog: usize, input: usize, inputLen: i32, scratch: usize): bool {
  const n = load<u32>(prog, 4) as usize;
  const stack = scratch + (n << 4);
  const size = addClosure(prog + PROGRAM_HEADER_BYTES, n, scratch, 0, load<u32>(prog, 12), stack, input, inputLen, 0);
  return pikeRun(prog, scratch, size, input, 0, inputLen);
}
