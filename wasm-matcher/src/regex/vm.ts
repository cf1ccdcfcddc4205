import { Assert, Op, REGEX_CLASS_BYTES, REGEX_HEADER_BYTES, REGEX_INST_BYTES, REGEX_MAGIC } from "./program.ts";

/**
 * The Pike VM in TypeScript over the same program bytes as the AS VM (assembly/regex.ts): the reference matcher's
 * oracle. Both walk the same steps in the same order; wasm-matcher/test/regex-vm.test.ts checks they agree.
 *
 * One thread per NFA state, no captures: the current and next thread lists are sparse sets (Briggs & Torczon), so
 * adding a state twice is a no-op and each input byte costs O(instructions): time O(n·m), memory O(m).
 */

interface Decoded {
  n: number;
  start: number;
  /** word0 (op | arg << 8) and out of each instruction. */
  word: Uint32Array;
  out: Uint32Array;
  classes: Uint8Array;
  /** Scratch: two sparse sets (dense, sparse) and the closure stack. */
  dense: [Uint32Array, Uint32Array];
  sparse: [Uint32Array, Uint32Array];
  stack: Uint32Array;
}

const decodedPrograms = new WeakMap<Uint8Array, Decoded>();
const encoder = new TextEncoder();

function decode(program: Uint8Array): Decoded {
  const known = decodedPrograms.get(program);
  if (known !== undefined) return known;
  const view = new DataView(program.buffer, program.byteOffset, program.byteLength);
  if (program.byteLength < REGEX_HEADER_BYTES || view.getUint32(0, true) !== REGEX_MAGIC) throw new Error("not a regex program");
  const n = view.getUint32(4, true);
  const classCount = view.getUint32(8, true);
  const start = view.getUint32(12, true);
  const classBase = REGEX_HEADER_BYTES + n * REGEX_INST_BYTES;
  if (n === 0 || start >= n || program.byteLength < classBase + classCount * REGEX_CLASS_BYTES) throw new Error("truncated regex program");
  const word = new Uint32Array(n);
  const out = new Uint32Array(n);
  for (let pc = 0; pc < n; pc++) {
    word[pc] = view.getUint32(REGEX_HEADER_BYTES + pc * REGEX_INST_BYTES, true);
    out[pc] = view.getUint32(REGEX_HEADER_BYTES + pc * REGEX_INST_BYTES + 4, true);
    const op = word[pc]! & 0xff;
    const arg = word[pc]! >>> 8;
    if (out[pc]! >= n || (op === Op.Split && arg >= n) || (op === Op.Class && arg >= classCount) || op > Op.Fail) {
      throw new Error(`invalid regex program: instruction ${pc}`);
    }
  }
  const decoded: Decoded = {
    n,
    start,
    word,
    out,
    classes: program.slice(classBase, classBase + classCount * REGEX_CLASS_BYTES),
    dense: [new Uint32Array(n), new Uint32Array(n)],
    sparse: [new Uint32Array(n), new Uint32Array(n)],
    stack: new Uint32Array(n),
  };
  decodedPrograms.set(program, decoded);
  return decoded;
}

/**
 * Full match of `input` (a string is encoded as UTF-8; bytes are used as given) against a program from `compileRegex`.
 * Throws only on a malformed program (a system error: programs come from compileRegex).
 */
export function regexFullMatchJs(program: Uint8Array, input: string | Uint8Array): boolean {
  const p = decode(program);
  const bytes = typeof input === "string" ? encoder.encode(input) : input;
  const len = bytes.length;
  let cur = 0;
  let size = addClosure(p, cur, 0, p.start, bytes, 0);
  for (let i = 0; i < len; i++) {
    if (size === 0) return false;
    const b = bytes[i]!;
    const next = cur ^ 1;
    const dense = p.dense[cur]!;
    let nextSize = 0;
    for (let j = 0; j < size; j++) {
      const pc = dense[j]!;
      const w = p.word[pc]!;
      if (consumes(p, w, b)) nextSize = addClosure(p, next, nextSize, p.out[pc]!, bytes, i + 1);
    }
    cur = next;
    size = nextSize;
  }
  const dense = p.dense[cur]!;
  for (let j = 0; j < size; j++) if ((p.word[dense[j]!]! & 0xff) === Op.Match) return true;
  return false;
}

function consumes(p: Decoded, w: number, b: number): boolean {
  const arg = w >>> 8;
  switch (w & 0xff) {
    case Op.Byte:
      return arg === b;
    case Op.Range:
      return b >= (arg & 0xff) && b <= arg >>> 8;
    case Op.Class:
      return (p.classes[arg * REGEX_CLASS_BYTES + (b >> 3)]! & (1 << (b & 7))) !== 0;
    default:
      return false;
  }
}

/**
 * Adds `pc0` and every state reachable from it without consuming input at position `pos` to thread list `which`,
 * with an explicit stack (no recursion). Returns the list's new size.
 */
function addClosure(p: Decoded, which: number, size0: number, pc0: number, bytes: Uint8Array, pos: number): number {
  const dense = p.dense[which]!;
  const sparse = p.sparse[which]!;
  const stack = p.stack;
  let size = size0;
  let sp = 0;
  let ctx = -1;
  stack[sp++] = pc0;
  while (sp > 0) {
    let pc = stack[--sp]!;
    for (;;) {
      const s = sparse[pc]!;
      if (s < size && dense[s] === pc) break;
      dense[size] = pc;
      sparse[pc] = size++;
      const w = p.word[pc]!;
      const op = w & 0xff;
      if (op === Op.Jump) {
        pc = p.out[pc]!;
      } else if (op === Op.Split) {
        stack[sp++] = p.out[pc]!;
        pc = w >>> 8;
      } else if (op === Op.Assert) {
        if (ctx < 0) ctx = positionContext(bytes, pos);
        if ((ctx & (w >>> 8)) === 0) break;
        pc = p.out[pc]!;
      } else {
        break;
      }
    }
  }
  return size;
}

/** Which assertions hold at `pos` (RE2: \b is an ASCII word boundary, (?m) lines end at \n only). */
function positionContext(bytes: Uint8Array, pos: number): number {
  const len = bytes.length;
  let ctx = 0;
  if (pos === 0) ctx |= Assert.BeginText | Assert.BeginLine;
  else if (bytes[pos - 1] === 0x0a) ctx |= Assert.BeginLine;
  if (pos === len) ctx |= Assert.EndText | Assert.EndLine;
  else if (bytes[pos] === 0x0a) ctx |= Assert.EndLine;
  const before = pos > 0 && isWordByte(bytes[pos - 1]!);
  const after = pos < len && isWordByte(bytes[pos]!);
  ctx |= before !== after ? Assert.WordBoundary : Assert.NotWordBoundary;
  return ctx;
}

function isWordByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f;
}
