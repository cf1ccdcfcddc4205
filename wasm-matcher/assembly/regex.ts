// The regex VM the route matcher calls: a Pike VM (Thompson NFA simulation without captures) over the byte program
// that wasm-matcher/src/regex/compile.ts emits (format: wasm-matcher/src/regex/program.ts). Linear time
// O(inputLen x instCount), no allocation (all state lives in the caller's scratch), no recursion.
// It mirrors wasm-matcher/src/regex/vm.ts step for step; the tests run both over the same random corpus.
//
// Scratch layout for a program of n instructions (u32 words):
//   [0, n)  dense A   [n, 2n)  sparse A     thread list A (sparse set: pc is in it when dense[sparse[pc]] == pc
//   [2n,3n) dense B   [3n, 4n) sparse B     and sparse[pc] < size; stale contents never need clearing)
//   [4n,5n) closure stack (each Split pushes at most once per closure, so n words suffice)

/** Scratch bytes per instruction (two sparse sets of 2 x u32 each, one u32 stack). */
export const REGEX_SCRATCH_BYTES_PER_INST: i32 = 20;
/** Scratch bytes enough for any program compileRegex emits (REGEX_MAX_INSTS = 2000). */
export const REGEX_SCRATCH_BYTES: i32 = 40000;

// Opcodes and assertion bits: the same values as Op and Assert in wasm-matcher/src/regex/program.ts.
const OP_MATCH: u32 = 0;
const OP_BYTE: u32 = 1;
const OP_RANGE: u32 = 2;
const OP_CLASS: u32 = 3;
const OP_SPLIT: u32 = 4;
const OP_JUMP: u32 = 5;
const OP_ASSERT: u32 = 6;

const BEGIN_TEXT: u32 = 1;
const END_TEXT: u32 = 2;
const BEGIN_LINE: u32 = 4;
const END_LINE: u32 = 8;
const WORD_BOUNDARY: u32 = 16;
const NOT_WORD_BOUNDARY: u32 = 32;

const HEADER_BYTES: usize = 16;

/** Scratch bytes `regexFullMatch` needs for a program of `instCount` instructions. */
export function regexScratchBytes(instCount: i32): i32 {
  return REGEX_SCRATCH_BYTES_PER_INST * instCount;
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
  const n = load<u32>(prog, 4) as usize;
  const insts = prog + HEADER_BYTES;
  const classes = insts + (n << 3);
  const setBytes = n << 3;
  const stack = scratch + (setBytes << 1);
  let cur = scratch;
  let other = scratch + setBytes;
  let size = addClosure(insts, n, cur, 0, load<u32>(prog, 12), stack, input, inputLen, 0);
  for (let i = 0; i < inputLen; i++) {
    if (size == 0) return false;
    const b = load<u8>(input + i) as u32;
    let nextSize: u32 = 0;
    for (let j: u32 = 0; j < size; j++) {
      const pc = load<u32>(cur + ((j as usize) << 2));
      const at = insts + ((pc as usize) << 3);
      const w = load<u32>(at);
      const op = w & 0xff;
      const arg = w >>> 8;
      let hit = false;
      if (op == OP_BYTE) hit = arg == b;
      else if (op == OP_RANGE) hit = b - (arg & 0xff) <= (arg >>> 8) - (arg & 0xff);
      else if (op == OP_CLASS) hit = ((load<u8>(classes + ((arg as usize) << 5) + ((b >>> 3) as usize)) as u32) & (1 << (b & 7))) != 0;
      if (hit) nextSize = addClosure(insts, n, other, nextSize, load<u32>(at, 4), stack, input, inputLen, i + 1);
    }
    const t = cur;
    cur = other;
    other = t;
    size = nextSize;
  }
  for (let j: u32 = 0; j < size; j++) {
    const pc = load<u32>(cur + ((j as usize) << 2));
    if ((load<u32>(insts + ((pc as usize) << 3)) & 0xff) == OP_MATCH) return true;
  }
  return false;
}

/**
 * Adds `pc0` and every state reachable from it without consuming input at position `pos` to the sparse set at `set`
 * (dense at set, sparse at set + 4n) holding `size0` states; returns the new size. Explicit stack, no recursion.
 */
function addClosure(insts: usize, n: usize, set: usize, size0: u32, pc0: u32, stack: usize, input: usize, len: i32, pos: i32): u32 {
  const sparse = set + (n << 2);
  let size = size0;
  let sp: usize = 0;
  let ctx: i32 = -1;
  store<u32>(stack, pc0);
  sp = 1;
  while (sp > 0) {
    sp--;
    let pc = load<u32>(stack + (sp << 2));
    while (true) {
      const s = load<u32>(sparse + ((pc as usize) << 2));
      if (s < size && load<u32>(set + ((s as usize) << 2)) == pc) break;
      store<u32>(set + ((size as usize) << 2), pc);
      store<u32>(sparse + ((pc as usize) << 2), size);
      size++;
      const at = insts + ((pc as usize) << 3);
      const w = load<u32>(at);
      const op = w & 0xff;
      if (op == OP_JUMP) {
        pc = load<u32>(at, 4);
      } else if (op == OP_SPLIT) {
        store<u32>(stack + (sp << 2), load<u32>(at, 4));
        sp++;
        pc = w >>> 8;
      } else if (op == OP_ASSERT) {
        if (ctx < 0) ctx = positionContext(input, len, pos) as i32;
        if (((ctx as u32) & (w >>> 8)) == 0) break;
        pc = load<u32>(at, 4);
      } else {
        break;
      }
    }
  }
  return size;
}

/** Which assertions hold at `pos` (RE2: \b is an ASCII word boundary, (?m) lines end at \n only). */
function positionContext(input: usize, len: i32, pos: i32): u32 {
  let ctx: u32 = 0;
  if (pos == 0) ctx |= BEGIN_TEXT | BEGIN_LINE;
  else if (load<u8>(input + (pos - 1)) == 0x0a) ctx |= BEGIN_LINE;
  if (pos == len) ctx |= END_TEXT | END_LINE;
  else if (load<u8>(input + pos) == 0x0a) ctx |= END_LINE;
  const before = pos > 0 && isWordByte(load<u8>(input + (pos - 1)));
  const after = pos < len && isWordByte(load<u8>(input + pos));
  ctx |= before != after ? WORD_BOUNDARY : NOT_WORD_BOUNDARY;
  return ctx;
}

// @ts-ignore: decorator
@inline function isWordByte(b: u8): bool {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b == 0x5f;
}
