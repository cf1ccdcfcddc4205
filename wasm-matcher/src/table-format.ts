/**
 * The binary route table format (docs/matcher.md has the full picture). One table per Gateway; table.ts writes it,
 * assembly/ reads it, wasm.ts reads the header-name list from it. All numbers are little-endian u32, all offsets are
 * byte offsets from the start of the table, every section starts 4-byte aligned (regex programs are read with
 * `load<u32>`). The AssemblyScript side repeats these values in assembly/format.ts: keep both in step.
 */

/** "EWRT" read as a little-endian u32. */
export const TABLE_MAGIC = 0x54525745;
/** Bump on any layout change; the wasm refuses other versions. */
export const TABLE_VERSION = 3;

/** Header word indexes (the header is HEADER_WORDS u32 words). */
export const enum H {
  Magic = 0,
  Version = 1,
  TableBytes = 2,
  ListenerCount = 3,
  ListenersOff = 4,
  HeaderNameCount = 5,
  HeaderNamesOff = 6,
  QueryNameCount = 7,
  QueryNamesOff = 8,
  GroupCount = 9,
  GroupsOff = 10,
  CandidateCount = 11,
  CandidatesOff = 12,
  HashSlotCount = 13,
  HashSlotsOff = 14,
  /** Unused since version 3 (the entries sit in the slots); 0. */
  HashEntriesOff = 15,
  /** Number of keys in the hash. */
  HashEntryCount = 16,
  RouteCount = 17,
}
export const HEADER_WORDS = 20;

/** Listener record: index, port, protocol, hostKind, hostOff, hostLen, anyGroup, flags. */
export const LISTENER_WORDS = 8;
/** The word of each listener field within its record. */
export const enum ListenerWord {
  Index = 0,
  Port = 1,
  Protocol = 2,
  HostKind = 3,
  HostOff = 4,
  HostLen = 5,
  AnyGroup = 6,
  Flags = 7,
}
export const enum Protocol {
  HTTP = 0,
  HTTPS = 1,
}
export const enum HostKind {
  Any = 0,
  Exact = 1,
  /** Stored as the suffix after "*", e.g. ".example.com". */
  Wildcard = 2,
}
export const LISTENER_HAS_EXACT_HOSTS = 1;
export const LISTENER_HAS_WILDCARD_HOSTS = 2;
export const NO_GROUP = 0xffffffff;

/** Group record: first regex-path candidate, count. */
export const GROUP_WORDS = 2;
/** Candidate record: route, rule | match << 16, condition list offset (0 = no conditions). */
export const CANDIDATE_WORDS = 3;
/**
 * Hash slot: full hash, tag (kind << 24 | scope; 0 = empty slot), key offset, key length, first, count. The entry
 * sits in its slot, so a hit reads the slot and the key bytes, not a slot, then an entry, then the key bytes.
 */
export const HASH_SLOT_WORDS = 6;

/** What a hash key names; the scope is a listener index (hosts) or a group id (paths). */
export const enum KeyKind {
  HostExact = 1,
  HostWildcard = 2,
  PathExact = 3,
  PathPrefix = 4,
}

/**
 * Condition kinds, in the order a candidate's conditions are checked (cheap byte compares before regexes). A
 * condition is three words: kind | slot << 8, a, b. Exact: a/b = offset/length of the value. Regex: a = program offset.
 */
export const enum Cond {
  Method = 1,
  HeaderExact = 2,
  QueryExact = 3,
  PathRegex = 4,
  HeaderRegex = 5,
  QueryRegex = 6,
}
export const COND_WORDS = 3;

/** Largest scope a hash tag can carry (24 bits). */
export const MAX_SCOPE = 0xffffff;

/**
 * The string part of every hash key: murmur3_32's body over little-endian u32 words, its tail step over the last
 * 0-3 bytes (zero-padded), xor the length (no finalizer: mixTag is it). Four bytes per multiply chain step where
 * FNV-1a took one; the wasm keeps the state at each word boundary, so a path prefix that ends before any "/" costs
 * one tail step (assembly/bytes.ts, match.ts).
 */
export function keyHash(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let h = 0;
  let i = start;
  for (; i + 4 <= end; i += 4) h = hashWord(h, bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
  let tail = 0;
  for (let k = end - 1; k >= i; k--) tail = (tail << 8) | bytes[k]!;
  return (h ^ hashTail(tail) ^ (end - start)) >>> 0;
}

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** keyHash's step for one 4-byte little-endian word `w`. */
export function hashWord(h: number, w: number): number {
  h ^= hashTail(w);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** murmur3's per-word scramble (0 for 0, so an empty tail changes nothing). */
export function hashTail(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

/** Mixes the scope/kind tag into a string hash (murmur3 finalizer) so keys of many groups share one table. */
export function mixTag(h: number, tag: number): number {
  let x = (h ^ Math.imul(tag, 0x9e3779b1)) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A full hash scaled to [0, count) (floor(full * count / 2^32), exact in doubles), as assembly/hash.ts homeSlot. */
export function homeSlot(full: number, count: number): number {
  const hi = (full >>> 16) * count;
  const lo = (full & 0xffff) * count;
  return Math.floor((hi + Math.floor(lo / 65536)) / 65536);
}

export function hashTag(kind: KeyKind, scope: number): number {
  return ((kind << 24) | scope) >>> 0;
}
