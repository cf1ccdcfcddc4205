/**
 * Sets of Unicode code points as sorted, disjoint, non-adjacent inclusive ranges `[lo0, hi0, lo1, hi1, ...]`.
 * Classes, `.`, escapes such as `\d` and case-folded literals all become one of these before compilation.
 */
export type CharSet = number[];

export const MAX_CODE_POINT = 0x10ffff;
export const SURROGATE_LO = 0xd800;
export const SURROGATE_HI = 0xdfff;

/** Sorts and merges overlapping or adjacent ranges. */
export function normalizeSet(ranges: CharSet): CharSet {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i + 1 < ranges.length; i += 2) pairs.push([ranges[i]!, ranges[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: CharSet = [];
  for (const [lo, hi] of pairs) {
    const last = out.length - 1;
    if (last > 0 && lo <= out[last]! + 1) out[last] = Math.max(out[last]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

/** The code points not in `set` (over 0..U+10FFFF). `set` must be normalized. */
export function negateSet(set: CharSet): CharSet {
  const out: CharSet = [];
  let next = 0;
  for (let i = 0; i < set.length; i += 2) {
    if (set[i]! > next) out.push(next, set[i]! - 1);
    next = set[i + 1]! + 1;
  }
  if (next <= MAX_CODE_POINT) out.push(next, MAX_CODE_POINT);
  return out;
}

/** `set` with `lo..hi` removed. `set` must be normalized. */
export function subtractRange(set: CharSet, lo: number, hi: number): CharSet {
  const out: CharSet = [];
  for (let i = 0; i < set.length; i += 2) {
    const a = set[i]!;
    const b = set[i + 1]!;
    if (b < lo || a > hi) {
      out.push(a, b);
      continue;
    }
    if (a < lo) out.push(a, lo - 1);
    if (b > hi) out.push(hi + 1, b);
  }
  return out;
}

/** Whether every code point of `lo..hi` is in `set` (normalized). */
export function containsRange(set: CharSet, lo: number, hi: number): boolean {
  for (let i = 0; i < set.length; i += 2) if (set[i]! <= lo && hi <= set[i + 1]!) return true;
  return false;
}

/** The part of `set` inside `lo..hi`. */
export function intersectRange(set: CharSet, lo: number, hi: number): CharSet {
  const out: CharSet = [];
  for (let i = 0; i < set.length; i += 2) {
    const a = Math.max(set[i]!, lo);
    const b = Math.min(set[i + 1]!, hi);
    if (a <= b) out.push(a, b);
  }
  return out;
}

/**
 * Adds the other ASCII case of every ASCII letter in `set`. `(?i)` folds ASCII letters only (docs/regex.md): request
 * paths and header values that use regexes are ASCII in practice, and full Unicode folding would need tables.
 */
export function foldAsciiCase(set: CharSet): CharSet {
  const extra: CharSet = [];
  const lower = intersectRange(set, 0x61, 0x7a);
  const upper = intersectRange(set, 0x41, 0x5a);
  for (let i = 0; i < lower.length; i += 2) extra.push(lower[i]! - 0x20, lower[i + 1]! - 0x20);
  for (let i = 0; i < upper.length; i += 2) extra.push(upper[i]! + 0x20, upper[i + 1]! + 0x20);
  return extra.length === 0 ? set : normalizeSet([...set, ...extra]);
}

/** Perl classes as RE2 defines them: ASCII only. */
export const PERL_CLASSES: Readonly<Record<string, CharSet>> = {
  d: [0x30, 0x39],
  s: [0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x20],
  w: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a],
};

/** POSIX classes inside brackets (`[[:alpha:]]`), ASCII as in RE2. */
export const POSIX_CLASSES: Readonly<Record<string, CharSet>> = {
  alnum: [0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a],
  alpha: [0x41, 0x5a, 0x61, 0x7a],
  ascii: [0x00, 0x7f],
  blank: [0x09, 0x09, 0x20, 0x20],
  cntrl: [0x00, 0x1f, 0x7f, 0x7f],
  digit: [0x30, 0x39],
  graph: [0x21, 0x7e],
  lower: [0x61, 0x7a],
  print: [0x20, 0x7e],
  punct: [0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e],
  space: [0x09, 0x0d, 0x20, 0x20],
  upper: [0x41, 0x5a],
  word: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a],
  xdigit: [0x30, 0x39, 0x41, 0x46, 0x61, 0x66],
};
