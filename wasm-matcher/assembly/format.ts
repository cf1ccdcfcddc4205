// The route table format as the matcher reads it: the same values as wasm-matcher/src/table-format.ts (keep both in
// step). All offsets are byte offsets from the table start; all words little-endian u32.

export const TABLE_MAGIC: u32 = 0x54525745;
export const TABLE_VERSION: u32 = 3;

// Header word indexes.
export const H_MAGIC = 0;
export const H_VERSION = 1;
export const H_TABLE_BYTES = 2;
export const H_LISTENER_COUNT = 3;
export const H_LISTENERS_OFF = 4;
export const H_HEADER_NAME_COUNT = 5;
export const H_QUERY_NAME_COUNT = 7;
export const H_QUERY_NAMES_OFF = 8;
export const H_GROUP_COUNT = 9;
export const H_GROUPS_OFF = 10;
export const H_CANDIDATE_COUNT = 11;
export const H_CANDIDATES_OFF = 12;
export const H_HASH_SLOT_COUNT = 13;
export const H_HASH_SLOTS_OFF = 14;
export const H_HASH_ENTRY_COUNT = 16;
export const HEADER_BYTES: u32 = 80;

// Listener record: index, port, protocol, hostKind, hostOff, hostLen, anyGroup, flags.
export const LISTENER_BYTES: usize = 32;
export const HOST_ANY: u32 = 0;
export const HOST_EXACT: u32 = 1;
export const HOST_WILDCARD: u32 = 2;
export const LISTENER_HAS_EXACT_HOSTS: u32 = 1;
export const LISTENER_HAS_WILDCARD_HOSTS: u32 = 2;
export const NO_GROUP: u32 = 0xffffffff;

export const GROUP_BYTES: usize = 8;
export const CANDIDATE_BYTES: usize = 12;
/** Hash slot: full hash, tag (0 = empty), key offset, key length, first, count. */
export const HASH_SLOT_BYTES: usize = 24;
export const COND_BYTES: usize = 12;

// Hash key kinds (tag = kind << 24 | scope).
export const KEY_HOST_EXACT: u32 = 1;
export const KEY_HOST_WILDCARD: u32 = 2;
export const KEY_PATH_EXACT: u32 = 3;
export const KEY_PATH_PREFIX: u32 = 4;

// Condition kinds (word 0 = kind | slot << 8).
export const COND_METHOD: u32 = 1;
export const COND_HEADER_EXACT: u32 = 2;
export const COND_QUERY_EXACT: u32 = 3;
export const COND_PATH_REGEX: u32 = 4;
export const COND_HEADER_REGEX: u32 = 5;
export const COND_QUERY_REGEX: u32 = 6;
