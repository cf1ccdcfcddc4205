// The Pike VM (Thompson NFA simulation without captures) over the byte program of
// wasm-matcher/src/regex/program.ts. It mirrors wasm-matcher/src/regex/vm.ts step for step. No allocation: thread
// lists live in the caller's scratch. No recursion: the epsilon closure uses an explicit stack.
//
// Pike scratch layout for a program of n instructions (u32 words):
//   [0, n)  dense A   [n, 2n)  sparse A     thread list A (sparse set: pc is in it when dense[sparse[pc]] == pc
//   [2n,3n) dense B   [3n, 4n) sparse B     and sparse[pc] < size; stale contents never need clearing)
//   [4n,5n) closure stack (each Split pushes at most once per closure, so n words suffice)

// Opcodes and assertion bits: the same values as Op and Assert in wasm-matcher/src/regex/program.ts.
export const OP_MATCH: u32 = 0;
export const OP_BYTE: u32 = 1;
export const OP_RANGE: u32 = 2;
export const OP_CLASS: u32 = 3;
export const OP_SPLIT: u32 = 4;
export const OP_JUMP: u32 = 5;
export const OP_ASSERT: u32 = 6;

const BEGIN_TEXT: u32 = 1;
const END_TEXT: u32 = 2;
const BEGIN_LINE: u32 = 4;
const END_LINE: u32 = 8;
const WORD_BOUNDARY: u32 = 16;
const NOT_WORD_BOUNDARY: u32 = 32;

export const PROGRAM_HEADER_BYTES: usize = 16;
/** Pike scratch bytes per instruction. */
export const PIKE_BYTES_PER_INST: i32 = 20;

/**
 * Regex work left: one step per NFA thread examined for one input byte, in the Pike VM and when the lazy DFA builds
 * a state (cached DFA transitions are free). The matcher sets it per request (regex.ts REGEX_REQUEST_STEPS); once it
 * is spent, every further regex evaluation of that request answers "no match". Unlimited unless set.
 */
let stepsLeft: i64 = i64.MAX_VALUE;

export function setRegexSteps(steps: i64): void {
  stepsLeft = steps;
}

export function regexStepsLeft(): i64 {
  return stepsLeft;
}

/** Takes `steps` from the budget; false when it is spent. */
// @ts-ignore: decorator
@inline export function spendSteps(steps: u32): bool {
  stepsLeft -= steps as i64;
  return stepsLeft >= 0;
}

/** Whether instruction word `w` consumes byte `b` (Byte, Range, Class; never Match, epsilons or Fail). */
// @ts-ignore: decorator
@inline export function consumes(classes: usize, w: u32, b: u32): bool {
  const op = w & 0xff;
  const arg = w >>> 8;
  if (op == OP_BYTE) return arg == b;
  if (op == OP_RANGE) return b - (arg & 0xff) <= (arg >>> 8) - (arg & 0xff);
  if (op == OP_CLASS) return ((load<u8>(classes + ((arg as usize) << 5) + ((b >>> 3) as usize)) as u32) & (1 << (b & 7))) != 0;
  return false;
}

/**
 * Runs the Pike VM from position `from`, whose thread list is the `size` states in list A (`scratch`), to the end
 * of the input. Returns whether the whole input matched.
 */
export function pikeRun(prog: usize, scratch: usize, size0: u32, input: usize, from: i32, len: i32): bool {
  const n = load<u32>(prog, 4) as usize;
  const insts = prog + PROGRAM_HEADER_BYTES;
  const classes = insts + (n << 3);
  const setBytes = n << 3;
  const stack = scratch + (setBytes << 1);
  let cur = scratch;
  let other = scratch + setBytes;
  let size = size0;
  for (let i = from; i < len; i++) {
    if (size == 0 || !spendSteps(size)) return false;
    const b = load<u8>(input + i) as u32;
    let nextSize: u32 = 0;
    for (let j: u32 = 0; j < size; j++) {
      const at = insts + ((load<u32>(cur + ((j as usize) << 2)) as usize) << 3);
      if (consumes(classes, load<u32>(at), b)) {
        nextSize = addClosure(insts, n, other, nextSize, load<u32>(at, 4), stack, input, len, i + 1);
      }
    }
    const t = cur;
    cur = other;
    other = t;
    size = nextSize;
  }
  return listHasMatch(insts, cur, size);
}

/** Whether one of the `size` states listed at `list` is Match. */
export function listHasMatch(insts: usize, list: usize, size: u32): bool {
  for (let j: u32 = 0; j < size; j++) {
    const pc = load<u32>(list + ((j as usize) << 2));
    if ((load<u32>(insts + ((pc as usize) << 3)) & 0xff) == OP_MATCH) return true;
  }
  return false;
}

/**
 * Adds `pc0` and every state reachable from it without consuming input at position `pos` to the sparse set at `set`
 * (dense at set, sparse at set + 4n) holding `size0` states; returns the new size.
 */
export function addClosure(insts: usize, n: usize, set: usize, size0: u32, pc0: u32, stack: usize, input: usize, len: i32, pos: i32): u32 {
  const sparse = set + (n << 2);
  let size = size0;
  let ctx: i32 = -1;
  store<u32>(stack, pc0);
  let sp: usize = 1;
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
