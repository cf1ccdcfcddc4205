import { HASH_ENTRY_BYTES } from "./format";
import { bytesEqual, mixTag } from "./bytes";
import { hashEntries, hashMask, hashSlots, keyFilter, keyFilterMask, table } from "./state";

// Most lookups are for keys the table does not hold (the exact path, then each shorter prefix, until one exists), and
// with thousands of routes the slot array no longer fits the caches, so a missing key costs a cache miss. A Bloom
// filter over the keys' full hashes, 8 bits per slot (16+ per key at load <= 0.5), two bits in one u64 word, answers
// most misses from a small array: about 1.5% false positives, which then probe the slots as before.

/** The filter word and the two bits of a full hash. */
@inline function filterWord(full: u32): usize {
  return keyFilter + (((full & keyFilterMask) as usize) << 3);
}

@inline function filterBits(full: u32): u64 {
  return ((1 as u64) << ((full >>> 26) as u64)) | ((1 as u64) << (((full >>> 20) & 63) as u64));
}

/**
 * Adds the table's `entryCount` keys to the filter (at load; the filter memory is zeroed). An entry's first word is
 * the key's full hash (the one its slot holds); the dense entries are faster to walk than the sparse slots.
 */
export function buildKeyFilter(entryCount: u32): void {
  for (let e: u32 = 0; e < entryCount; e++) {
    const full = load<u32>(hashEntries + (e as usize) * HASH_ENTRY_BYTES);
    const w = filterWord(full);
    store<u64>(w, load<u64>(w) | filterBits(full));
  }
}

/**
 * Looks up a key (its FNV-1a `h`, the kind/scope `tag`, the bytes) in the table's one hash; returns the entry's
 * address or 0. Linear probing over a power-of-two array of (hash, entry) slots at load factor <= 0.5.
 */
export function lookup(h: u32, tag: u32, key: usize, keyLen: i32): usize {
  const full = mixTag(h, tag);
  const bits = filterBits(full);
  if ((load<u64>(filterWord(full)) & bits) != bits) return 0;
  let slot = full & hashMask;
  while (true) {
    const at = hashSlots + ((slot as usize) << 3);
    const e = load<u32>(at, 4);
    if (e == 0) return 0;
    if (load<u32>(at) == full) {
      const entry = hashEntries + ((e - 1) as usize) * HASH_ENTRY_BYTES;
      if (load<u32>(entry, 4) == tag && load<i32>(entry, 12) == keyLen && bytesEqual(table + (load<u32>(entry, 8) as usize), key, keyLen)) return entry;
    }
    slot = (slot + 1) & hashMask;
  }
}

export function entryFirst(entry: usize): u32 {
  return load<u32>(entry, 16);
}

export function entryCount(entry: usize): u32 {
  return load<u32>(entry, 20);
}
