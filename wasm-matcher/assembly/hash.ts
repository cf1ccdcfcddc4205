import { HASH_ENTRY_BYTES } from "./format";
import { bytesEqual, mixTag } from "./bytes";
import { hashEntries, hashMask, hashSlots, table } from "./state";

/**
 * Looks up a key (its FNV-1a `h`, the kind/scope `tag`, the bytes) in the table's one hash; returns the entry's
 * address or 0. Linear probing over a power-of-two array of (hash, entry) slots at load factor <= 0.5.
 */
export function lookup(h: u32, tag: u32, key: usize, keyLen: i32): usize {
  const full = mixTag(h, tag);
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
