// Byte helpers and the table's string hash (murmur3_32's body and tail step, xor the length, then a murmur3
// finalizer over the key's kind/scope tag), identical to keyHash/mixTag in wasm-matcher/src/table-format.ts.

const C1: u32 = 0xcc9e2d51;
const C2: u32 = 0x1b873593;

/** murmur3's scramble of one little-endian word (or of the zero-padded last 0-3 bytes: 0 stays 0). */
@inline export function hashTail(k: u32): u32 {
  return rotl<u32>(k * C1, 15) * C2;
}

/** One 4-byte step of the multiply chain. */
@inline export function hashWord(h: u32, w: u32): u32 {
  return rotl<u32>(h ^ hashTail(w), 13) * 5 + 0xe6546b64;
}

/** The bytes [0, n & 3) of the word at p (n & 3 == 0: none), zero-padded. Reads up to 3 bytes past p + n & 3. */
@inline export function tailWord(p: usize, n: i32): u32 {
  return load<u32>(p) & (((1 as u32) << (((n & 3) as u32) << 3)) - 1);
}

/** The key hash of `len` bytes at p (before the tag is mixed in). */
export function hashBytes(p: usize, len: i32): u32 {
  let h: u32 = 0;
  let i = 0;
  for (; i + 4 <= len; i += 4) h = hashWord(h, load<u32>(p + i));
  return h ^ hashTail(tailWord(p + i, len)) ^ (len as u32);
}

export function mixTag(h: u32, tag: u32): u32 {
  let x = h ^ (tag * 0x9e3779b1);
  x ^= x >>> 16;
  x *= 0x85ebca6b;
  x ^= x >>> 13;
  x *= 0xc2b2ae35;
  x ^= x >>> 16;
  return x;
}

export function bytesEqual(a: usize, b: usize, len: i32): bool {
  let i = 0;
  for (; i + 8 <= len; i += 8) if (load<u64>(a + i) != load<u64>(b + i)) return false;
  for (; i < len; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

/** Value of an ASCII hex digit, or -1. */
export function hexValue(c: u32): i32 {
  if (c - 0x30 < 10) return (c - 0x30) as i32;
  const l = c | 0x20;
  if (l - 0x61 < 6) return (l - 0x61 + 10) as i32;
  return -1;
}
