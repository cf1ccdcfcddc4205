import { CANDIDATE_BYTES, HASH_SLOT_BYTES, KEY_PATH_EXACT, KEY_PATH_PREFIX } from "./format";
import { bytesEqual, mixTag } from "./bytes";
import { candidateCount, candidates, groupCount, hashSlotCount, hashSlots, keyFilter, keyFilterMask, keyLengths, slots, table } from "./state";

// With thousands of routes the table no longer stays in the caches between requests, and a hit in the table's own
// slots reads three cache lines one after the other: the slot, the key bytes in the pool, the first candidate.
// loadTable() therefore expands every slot into a 64-byte, line-aligned runtime slot (same index, same probing)
// holding the entry, the first candidate's route, rule/match and condition list, and the key's first
// SLOT_KEY_BYTES bytes: a hit on a key that short reads one line. The table's slots are read only at load.

/** Runtime slot: full hash, tag (0 = empty), key length, key offset, first, count, first candidate's route, rule | match << 16, condition list offset, key bytes. */
export const SLOT_BYTES: usize = 64;
const SLOT_SHIFT: usize = 6;
const S_KEY_LEN: usize = 8;
const S_KEY_OFF: usize = 12;
const S_FIRST: usize = 16;
const S_COUNT: usize = 20;
const S_ROUTE: usize = 24;
const S_RULE_MATCH: usize = 28;
const S_CONDS: usize = 32;
const S_KEY: usize = 36;
/** Key bytes held in the runtime slot; a longer key compares the rest in the table's pool. */
export const SLOT_KEY_BYTES: i32 = 28;

/**
 * Fills the runtime slots from the table's (at load; empty table slots leave zeroed runtime slots). False when a
 * key or a candidate run lies outside the table.
 */
export function buildSlots(tableBytes: u32): bool {
  for (let slot: u32 = 0; slot < hashSlotCount; slot++) {
    const from = hashSlots + (slot as usize) * HASH_SLOT_BYTES;
    const tag = load<u32>(from, 4);
    if (tag == 0) continue;
    const to = slots + ((slot as usize) << SLOT_SHIFT);
    const keyOff = load<u32>(from, 8);
    const keyLen = load<u32>(from, 12);
    const first = load<u32>(from, 16);
    const count = load<u32>(from, 20);
    if ((keyOff as u64) + (keyLen as u64) > (tableBytes as u64)) return false;
    store<u32>(to, load<u32>(from));
    store<u32>(to, tag, 4);
    store<u32>(to, keyLen, S_KEY_LEN);
    store<u32>(to, keyOff, S_KEY_OFF);
    store<u32>(to, first, S_FIRST);
    store<u32>(to, count, S_COUNT);
    const kind = tag >>> 24;
    if ((kind == KEY_PATH_EXACT || kind == KEY_PATH_PREFIX) && count > 0) {
      // A path key's run of candidates must lie in the candidate section (host keys name a group instead).
      if ((first as u64) + (count as u64) > (candidateCount as u64)) return false;
      const c = candidates + (first as usize) * CANDIDATE_BYTES;
      store<u32>(to, load<u32>(c), S_ROUTE);
      store<u32>(to, load<u32>(c, 4), S_RULE_MATCH);
      store<u32>(to, load<u32>(c, 8), S_CONDS);
    }
    memory.copy(to + S_KEY, table + (keyOff as usize), min(keyLen, SLOT_KEY_BYTES as u32) as usize);
  }
  return true;
}

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
 * the runtime slot's address or 0. Linear probing over twice as many slots as keys.
 */
@inline export function lookup(h: u32, tag: u32, key: usize, keyLen: i32): usize {
  const full = mixTag(h, tag);
  const bits = filterBits(full);
  if ((load<u64>(filterWord(full)) & bits) != bits) return 0;
  let slot = homeSlot(full, hashSlotCount);
  while (true) {
    const at = slots + ((slot as usize) << SLOT_SHIFT);
    const t = load<u32>(at, 4);
    if (t == 0) return 0;
    if (load<u32>(at) == full && t == tag && load<i32>(at, S_KEY_LEN) == keyLen && keyEquals(at, key, keyLen)) return at;
    slot++;
    if (slot == hashSlotCount) slot = 0;
  }
}

/** The slot's key against `len` bytes at `key` (the length already compared). */
@inline function keyEquals(at: usize, key: usize, len: i32): bool {
  if (len <= SLOT_KEY_BYTES) return bytesEqual(at + S_KEY, key, len);
  const rest = table + (load<u32>(at, S_KEY_OFF) as usize) + (SLOT_KEY_BYTES as usize);
  return bytesEqual(at + S_KEY, key, SLOT_KEY_BYTES) && bytesEqual(rest, key + SLOT_KEY_BYTES, len - SLOT_KEY_BYTES);
}

/** Host keys: the group id; path keys: the first candidate of the run. */
export function entryFirst(entry: usize): u32 {
  return load<u32>(entry, S_FIRST);
}

export function entryCount(entry: usize): u32 {
  return load<u32>(entry, S_COUNT);
}

/** The first candidate of a path key's run, as the slot holds it: route, rule | match << 16, condition list offset. */
export function entryRoute(entry: usize): u32 {
  return load<u32>(entry, S_ROUTE);
}

export function entryRuleMatch(entry: usize): u32 {
  return load<u32>(entry, S_RULE_MATCH);
}

export function entryConditions(entry: usize): u32 {
  return load<u32>(entry, S_CONDS);
}
