// Byte helpers and the table's string hash (FNV-1a + a murmur3 finalizer over the key's kind/scope tag), identical
// to fnv1a/mixTag in wasm-matcher/src/table-format.ts.

export const FNV_OFFSET: u32 = 0x811c9dc5;

export function fnvStep(h: u32, b: u32): u32 {
  return (h ^ b) * 0x01000193;
}

export function fnv(p: usize, len: i32): u32 {
  let h = FNV_OFFSET;
  for (let i = 0; i < len; i++) h = fnvStep(h, load<u8>(p + i));
  return h;
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
