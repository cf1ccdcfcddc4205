import { HASH_SLOT_BYTES, KEY_PATH_EXACT, KEY_PATH_PREFIX } from "./format";
import { bytesEqual, mixTag } from "./bytes";
import { groupCount, hashSlotCount, hashSlots, keyFilter, keyFilterMask, keyLengths, table } from "./state";

// Most lookups are for keys the table does not hold (the exact path, then each shorter prefix, until one exists), and
// with thousands of routes the slot array no longer fits the caches, so a missing key costs a cache miss. A Bloom
// filter over the keys' full hashes, 8 bits per slot (16+ per key at load <= 0.5), two bits in one u64 word, answers
// most misses from an array a 24th the size of the slots: about 1.5% false positives, which then probe the slots.

/** The filter word and the two bits of a full hash. */
@inline function filterWord(full: u32): usize {
  return keyFilter + (((full & keyFilterMask) as usize) << 3);
}

@inline function filterBits(full: u32): u64 {
  return ((1 as u64) << ((full >>> 26) as u64)) | ((1 as u64) << (((full >>> 20) & 63) as u64));
}

/** Adds the table's keys to the filter (at load; the filter memory is zeroed): the full hash of every used slot. */
export function buildKeyFilter(): void {
  for (let slot: u32 = 0; slot < hashSlotCount; slot++) {
    const at = hashSlots + (slot as usize) * HASH_SLOT_BYTES;
    if (load<u32>(at, 4) == 0) continue;
    const full = load<u32>(at);
    const w = filterWord(full);
    store<u64>(w, load<u64>(w) | filterBits(full));
  }
}

// Most path probes are for lengths no key of the group has: the path of a request below a PathPrefix route is longer
// than any exact path of its group, and only one of its cuts before a "/" is as long as a prefix key. loadTable()
// records, per group, which key lengths occur (one u64 bit mask each for exact paths and for prefixes; bit 63 stands for
// every length >= 63), so searchGroup skips those probes without hashing the tag in or touching the filter.

/** Where a group's exact-path and prefix key-length masks sit in its 16 bytes. */
export const EXACT_LENGTHS: usize = 0;
export const PREFIX_LENGTHS: usize = 8;

@inline export function lengthMask(group: u32, which: usize): u64 {
  return load<u64>(keyLengths + ((group as usize) << 4) + which);
}

/** Whether a key of `len` bytes may exist under the mask. */
@inline export function mayHaveLength(mask: u64, len: i32): bool {
  return ((mask >> (min(len, 63) as u64)) & 1) != 0;
}

/** Sets the key-length masks from the table's slots (at load; the mask memory is zeroed). */
export function buildKeyLengths(): void {
  for (let slot: u32 = 0; slot < hashSlotCount; slot++) {
    const at = hashSlots + (slot as usize) * HASH_SLOT_BYTES;
    const tag = load<u32>(at, 4);
    const kind = tag >>> 24;
    const group = tag & 0xffffff;
    if ((kind != KEY_PATH_EXACT && kind != KEY_PATH_PREFIX) || group >= groupCount) continue;
    const mask = keyLengths + ((group as usize) << 4) + (kind == KEY_PATH_EXACT ? EXACT_LENGTHS : PREFIX_LENGTHS);
    store<u64>(mask, load<u64>(mask) | ((1 as u64) << (min(load<u32>(at, 12), 63) as u64)));
  }
}

/** A full hash scaled to [0, count): the high bits pick the slot, so the count need not be a power of two. */
@inline export function homeSlot(full: u32, count: u32): u32 {
  return (((full as u64) * (count as u64)) >>> 32) as u32;
}

/**
 * Looks up a key (its key hash `h` from bytes.ts, the kind/scope `tag`, the bytes) in the table's one hash; returns
 * the slot's address or 0. Linear probing over an array of twice as many slots as keys; a slot holds
 * its entry (full hash, tag, key offset and length, first, count).
 */
@inline export function lookup(h: u32, tag: u32, key: usize, keyLen: i32): usize {
  const full = mixTag(h, tag);
  const bits = filterBits(full);
  if ((load<u64>(filterWord(full)) & bits) != bits) return 0;
  let slot = homeSlot(full, hashSlotCount);
  while (true) {
    const at = hashSlots + (slot as usize) * HASH_SLOT_BYTES;
    const t = load<u32>(at, 4);
    if (t == 0) return 0;
    if (load<u32>(at) == full && t == tag && load<i32>(at, 12) == keyLen && bytesEqual(table + (load<u32>(at, 8) as usize), key, keyLen)) return at;
    slot++;
    if (slot == hashSlotCount) slot = 0;
  }
}

export function entryFirst(entry: usize): u32 {
  return load<u32>(entry, 16);
}

export function entryCount(entry: usize): u32 {
  return load<u32>(entry, 20);
}
