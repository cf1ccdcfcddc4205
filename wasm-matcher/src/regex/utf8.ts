import {
  type CharSet,
  MAX_CODE_POINT,
  SURROGATE_HI,
  SURROGATE_LO,
  containsRange,
  intersectRange,
  subtractRange,
} from "./charset.ts";
import { Op } from "./program.ts";

/**
 * Lowering a code-point set to byte instructions over UTF-8 (RFC 3629 §3): the ASCII part is one instruction, each
 * non-ASCII range becomes sequences of byte ranges, and sequences share their common suffixes (as RE2's compiler does)
 * so `[^/]` or `.` stays around ten instructions.
 */

/** One instruction of a lowered set; `out` -1 means "leave the set", Split's `arg` is a local index. */
export interface LocalInst {
  op: Op;
  arg: number;
  out: number;
  /** For Op.Class: the 256-bit bitmap (32 bytes). */
  bitmap?: Uint8Array;
}

export interface LoweredSet {
  insts: LocalInst[];
  start: number;
}

const EXIT = -1;

/** Byte-range sequences for `lo..hi` (no surrogates), each byte position one contiguous range. */
export function utf8Sequences(lo: number, hi: number, out: Array<Array<[number, number]>> = []): Array<Array<[number, number]>> {
  // Split where the encoded length changes: U+007F, U+07FF, U+FFFF.
  for (const boundary of [0x7f, 0x7ff, 0xffff]) {
    if (lo <= boundary && hi > boundary) {
      utf8Sequences(lo, boundary, out);
      return utf8Sequences(boundary + 1, hi, out);
    }
  }
  // Split until every continuation byte position covers a full 6-bit block or a single prefix.
  for (let i = 1; i < 4; i++) {
    const mask = (1 << (6 * i)) - 1;
    if ((lo & ~mask) !== (hi & ~mask)) {
      if ((lo & mask) !== 0) {
        utf8Sequences(lo, lo | mask, out);
        return utf8Sequences((lo | mask) + 1, hi, out);
      }
      if ((hi & mask) !== mask) {
        utf8Sequences(lo, (hi & ~mask) - 1, out);
        return utf8Sequences(hi & ~mask, hi, out);
      }
    }
  }
  const a = encodeUtf8(lo);
  const b = encodeUtf8(hi);
  out.push(a.map((x, k) => [x, b[k]!] as [number, number]));
  return out;
}

export function encodeUtf8(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
}

/** Builds a lowered set; instructions are appended in creation order. */
class SetBuilder {
  readonly insts: LocalInst[] = [];
  private readonly suffixes = new Map<string, number>();

  emit(inst: LocalInst): number {
    this.insts.push(inst);
    return this.insts.length - 1;
  }

  /** A byte-range instruction continuing at `next`, shared when an identical one exists. */
  byteRange(lo: number, hi: number, next: number): number {
    const key = `${lo},${hi},${next}`;
    const known = this.suffixes.get(key);
    if (known !== undefined) return known;
    const pc = this.emit(lo === hi ? { op: Op.Byte, arg: lo, out: next } : { op: Op.Range, arg: lo | (hi << 8), out: next });
    this.suffixes.set(key, pc);
    return pc;
  }
}

export function lowerSet(input: CharSet): LoweredSet {
  // Surrogates have no UTF-8 encoding (RFC 3629 §3); they can never be in the input.
  const set = subtractRange(input, SURROGATE_LO, SURROGATE_HI);
  const b = new SetBuilder();
  const alternatives: number[] = [];
  const ascii = intersectRange(set, 0, 0x7f);
  if (ascii.length > 0) alternatives.push(lowerAscii(b, ascii));
  if (containsRange(set, 0x80, SURROGATE_LO - 1) && containsRange(set, SURROGATE_HI + 1, MAX_CODE_POINT)) {
    // All of U+0080..U+10FFFF (`.`, `[^a-z]`, `\D`...): RE2's shortened form, which lets overlong and surrogate 3-byte
    // and >U+10FFFF 4-byte sequences through (re2/compile.cc Add_80_10ffff): 6 instructions instead of 17.
    const cont1 = b.byteRange(0x80, 0xbf, EXIT);
    const cont2 = b.byteRange(0x80, 0xbf, cont1);
    const cont3 = b.byteRange(0x80, 0xbf, cont2);
    alternatives.push(b.byteRange(0xc2, 0xdf, cont1), b.byteRange(0xe0, 0xef, cont2), b.byteRange(0xf0, 0xf4, cont3));
  } else {
    const wide = intersectRange(set, 0x80, MAX_CODE_POINT);
    for (let i = 0; i < wide.length; i += 2) {
      for (const seq of utf8Sequences(wide[i]!, wide[i + 1]!)) {
        let next = EXIT;
        for (let k = seq.length - 1; k >= 0; k--) next = b.byteRange(seq[k]![0], seq[k]![1], next);
        if (!alternatives.includes(next)) alternatives.push(next);
      }
    }
  }
  if (alternatives.length === 0) return { insts: [{ op: Op.Fail, arg: 0, out: EXIT }], start: 0 };
  // Chain the alternatives with Splits: s0 -> (a0 | s1), s1 -> (a1 | s2), ..., last split -> (a[k-2] | a[k-1]).
  let start = alternatives[alternatives.length - 1]!;
  for (let k = alternatives.length - 2; k >= 0; k--) start = b.emit({ op: Op.Split, arg: alternatives[k]!, out: start });
  return { insts: b.insts, start };
}

function lowerAscii(b: SetBuilder, ascii: CharSet): number {
  if (ascii.length === 2) return b.byteRange(ascii[0]!, ascii[1]!, EXIT);
  const bitmap = new Uint8Array(32);
  for (let i = 0; i < ascii.length; i += 2) {
    for (let c = ascii[i]!; c <= ascii[i + 1]!; c++) bitmap[c >> 3] = bitmap[c >> 3]! | (1 << (c & 7));
  }
  return b.emit({ op: Op.Class, arg: 0, out: EXIT, bitmap });
}
