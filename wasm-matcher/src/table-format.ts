/**
 * The binary route table format (docs/matcher.md has the full picture). One table per Gateway; table.ts writes it,
 * assembly/ reads it, wasm.ts reads the header-name list from it. All numbers are little-endian u32, all offsets are
 * byte offsets from the start of the table, every section starts 4-byte aligned (regex programs are read with
 * `load<u32>`). The AssemblyScript side repeats these values in assembly/format.ts: keep both in step.
 */

/** "EWRT" read as a little-endian u32. */
export const TABLE_MAGIC = 0x54525745;
/** Bump on any layout change; the wasm refuses other versions. */
export const TABLE_VERSION = 2;

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
  HashEntriesOff = 15,
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
/** Hash slot: full hash, entry index + 1 (0 = empty). */
export const HASH_SLOT_WORDS = 2;
/** Hash entry: hash, tag (kind << 24 | scope), key offset, key length, first, count. */
export const HASH_ENTRY_WORDS = 6;

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

/** FNV-1a over bytes: the string part of every hash key (the wasm computes path-prefix hashes incrementally). */
export function fnv1a(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
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

export function hashTag(kind: KeyKind, scope: number): number {
  return ((kind << 24) | scope) >>> 0;
}
