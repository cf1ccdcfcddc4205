// The route matcher's exports. The wrapper (wasm-matcher/src/wasm.ts) calls reserve(tableBytes), copies the table to
// the returned address, calls loadTable() once, then per request writes the request words/bytes and calls match() once.
// Memory grows only inside reserve()/loadTable(); the match path allocates nothing.
import {
  H_CANDIDATE_COUNT,
  H_CANDIDATES_OFF,
  H_GROUP_COUNT,
  H_GROUPS_OFF,
  H_HASH_SLOTS_OFF,
  H_HASH_SLOT_COUNT,
  H_HEADER_NAME_COUNT,
  H_LISTENERS_OFF,
  H_LISTENER_COUNT,
  H_MAGIC,
  H_QUERY_NAMES_OFF,
  H_QUERY_NAME_COUNT,
  H_TABLE_BYTES,
  H_VERSION,
  HASH_SLOT_BYTES,
  HEADER_BYTES,
  TABLE_MAGIC,
  TABLE_VERSION,
} from "./format";
import { MAX_PATH_SLASHES, REQUEST_BYTES, RESULT_NOT_LOADED, W_HEADERS } from "./limits";
import { SLOT_BYTES, buildKeyFilter, buildKeyLengths, buildSlots } from "./hash";
import { matchRequest } from "./match";
import { REGEX_SCRATCH_BYTES } from "./regex";
import { loaded, requestBytes, requestWords, setKeyFilter, setKeyLengths, setScratch, setSections, setSlots, setTable, table } from "./state";

export { REQUEST_BYTES };

let tableBytes: u32 = 0;

/** Grows memory to hold a table of `bytes` bytes after the static data; returns where to copy it (0 on failure). */
export function reserve(bytes: u32): usize {
  if (table != 0) return 0;
  const base = align(__heap_base, 16);
  if (!ensureMemory(base + (bytes as usize))) return 0;
  setTable(base);
  tableBytes = bytes;
  return base;
}

/**
 * Checks the copied table's header and lays out the scratch areas and the runtime hash slots (hash.ts) after it. Returns the address of the request
 * words (the request bytes follow at requestBytesAddress()), or 0 for a table this build cannot read.
 */
export function loadTable(): usize {
  if (table == 0 || loaded || tableBytes < HEADER_BYTES) return 0;
  if (header(H_MAGIC) != TABLE_MAGIC || header(H_VERSION) != TABLE_VERSION || header(H_TABLE_BYTES) != tableBytes) return 0;
  const slotCount = header(H_HASH_SLOT_COUNT);
  if (slotCount == 0) return 0;
  // loadTable() walks every slot: they must lie inside the table.
  if ((header(H_HASH_SLOTS_OFF) as u64) + (slotCount as u64) * (HASH_SLOT_BYTES as u64) > (tableBytes as u64)) return 0;
  setSections(
    table + (header(H_LISTENERS_OFF) as usize),
    header(H_LISTENER_COUNT),
    table + (header(H_GROUPS_OFF) as usize),
    table + (header(H_CANDIDATES_OFF) as usize),
    header(H_CANDIDATE_COUNT),
    table + (header(H_QUERY_NAMES_OFF) as usize),
    header(H_QUERY_NAME_COUNT),
    table + (header(H_HASH_SLOTS_OFF) as usize),
    slotCount,
  );
  const words = align(table + (tableBytes as usize), 16);
  const bytes = words + align(((W_HEADERS + 2 * header(H_HEADER_NAME_COUNT)) as usize) << 2, 16);
  const prefix = bytes + (REQUEST_BYTES as usize);
  const query = prefix + ((MAX_PATH_SLASHES as usize) << 3);
  const decoded = align(query + (header(H_QUERY_NAME_COUNT) as usize) * 12, 16);
  const regex = decoded + (REQUEST_BYTES as usize);
  const filter = align(regex + (REGEX_SCRATCH_BYTES as usize), 16);
  // About one u64 filter word per 8 hash slots: a power of two (the filter index is a mask), at least one.
  let filterWords: u32 = 1;
  while (filterWords < (slotCount >>> 3)) filterWords <<= 1;
  const lengths = filter + ((filterWords as usize) << 3);
  const groupCount = header(H_GROUP_COUNT);
  if (groupCount > 0xffffff) return 0;
  const runtimeSlots = align(lengths + ((groupCount as usize) << 4), 64);
  const end = runtimeSlots + (slotCount as usize) * SLOT_BYTES;
  if (!ensureMemory(end)) return 0;
  memory.fill(words, 0, end - words);
  setKeyFilter(filter, filterWords - 1);
  buildKeyFilter();
  setKeyLengths(lengths, groupCount);
  buildKeyLengths();
  setSlots(runtimeSlots);
  if (!buildSlots(tableBytes)) return 0;
  setScratch(words, bytes, prefix, query, decoded, regex);
  return words;
}

export function requestBytesAddress(): usize {
  return requestBytes;
}

/** Matches the request in the request words/bytes; see limits.ts for the result codes and result words. */
export function match(): i32 {
  if (!loaded) return RESULT_NOT_LOADED;
  return matchRequest();
}

function header(i: i32): u32 {
  return load<u32>(table + ((i as usize) << 2));
}

function align(p: usize, to: usize): usize {
  return (p + to - 1) & ~(to - 1);
}

function ensureMemory(end: usize): bool {
  const have = (memory.size() as usize) << 16;
  if (end <= have) return true;
  const pages = ((end - have + 0xffff) >>> 16) as i32;
  return memory.grow(pages) >= 0;
}

// Keeps requestWords referenced for readers of this file: the wrapper gets it from load().
export function requestWordsAddress(): usize {
  return requestWords;
}
