/**
 * The regex program format: the bytes `compileRegex` produces, the TypeScript VM (vm.ts) and the AssemblyScript VM
 * (../../assembly/regex.ts) read. It is self-contained (no pointers outside itself), little-endian, and its length is a
 * multiple of 4. Place it at a 4-byte-aligned address: the AS VM reads it with `load<u32>`.
 *
 * ```
 * offset 0   u32 magic            REGEX_MAGIC ("ERX" + format version 1)
 * offset 4   u32 instCount        number of instructions, 1..REGEX_MAX_INSTS
 * offset 8   u32 classCount       number of 256-bit byte-class bitmaps
 * offset 12  u32 start            pc of the first instruction to run
 * offset 16  instCount x 8 bytes  instructions: u32 word0 = op | arg << 8, u32 out = next pc
 * then       classCount x 32 bytes  bitmaps: bit (b & 7) of byte (b >> 3) set when byte b is in the class
 * ```
 *
 * The program is a Thompson NFA over the bytes of UTF-8 input. Every consuming instruction consumes exactly one byte;
 * multi-byte characters are sequences of consuming instructions (see docs/regex.md).
 */

/** "ERX" followed by format version 1, read as a little-endian u32. */
export const REGEX_MAGIC = 0x01585245;
export const REGEX_HEADER_BYTES = 16;
export const REGEX_INST_BYTES = 8;
export const REGEX_CLASS_BYTES = 32;

/** Largest program `compileRegex` emits; bigger patterns are rejected ("program too large: N > 2000"). */
export const REGEX_MAX_INSTS = 2000;
/** Largest count in `{n}`, `{n,}`, `{n,m}` (RE2's own limit). */
export const REGEX_MAX_REPEAT = 1000;
/** Deepest group / repetition nesting the parser accepts (it recurses on nesting, never on input). */
export const REGEX_MAX_NESTING = 100;

/**
 * Scratch memory the AS engine uses per instruction: two sparse sets (dense + sparse arrays of u32) for the current
 * and next thread lists, and one u32 stack for the epsilon closure; then a fixed-size lazy-DFA cache. The values are
 * repeated in assembly/regex.ts and assembly/regex-dfa.ts.
 */
export const REGEX_SCRATCH_BYTES_PER_INST = 20;
export const REGEX_DFA_CACHE_BYTES = 131072;
/** Scratch bytes that suffice for every program `compileRegex` can produce (171,072). */
export const REGEX_SCRATCH_BYTES = REGEX_SCRATCH_BYTES_PER_INST * REGEX_MAX_INSTS + REGEX_DFA_CACHE_BYTES;

/** Scratch bytes the AS `regexFullMatch` needs for a program of `instCount` instructions. */
export function regexScratchBytes(instCount: number): number {
  return REGEX_SCRATCH_BYTES_PER_INST * instCount + REGEX_DFA_CACHE_BYTES;
}

/** Opcodes (low 8 bits of word0). The AS VM repeats these values: keep both in step. */
export const enum Op {
  /** Accept, if the whole input has been consumed. */
  Match = 0,
  /** Consume one byte equal to arg. */
  Byte = 1,
  /** Consume one byte b with lo <= b <= hi, arg = lo | hi << 8. */
  Range = 2,
  /** Consume one byte in bitmap number arg. */
  Class = 3,
  /** Epsilon: continue at both arg and out. */
  Split = 4,
  /** Epsilon: continue at out. */
  Jump = 5,
  /** Epsilon: continue at out when the position has one of the context bits in arg (Assert below). */
  Assert = 6,
  /** Consume nothing, never continue (the empty class). */
  Fail = 7,
}

/** Context bits an `Op.Assert` tests; the VM computes them for each input position. */
export const enum Assert {
  BeginText = 1,
  EndText = 2,
  BeginLine = 4,
  EndLine = 8,
  WordBoundary = 16,
  NotWordBoundary = 32,
}

/** Instruction count of a compiled program (header word 1). */
export function programInstCount(program: Uint8Array): number {
  return new DataView(program.buffer, program.byteOffset, program.byteLength).getUint32(4, true);
}
