// Where everything lives in linear memory once a table is loaded (set by loadTable(), read on every match). Layout after
// __heap_base: table | request words | request bytes | path-prefix scratch | query-slot cache | query-decode buffer |
// regex scratch | key filter | key-length masks | runtime hash slots. Nothing is allocated after loadTable(): the match path only reads the table and writes this scratch.

export let table: usize = 0;
export let loaded: bool = false;

// Table sections (absolute addresses).
export let listeners: usize = 0;
export let listenerCount: u32 = 0;
export let groups: usize = 0;
export let candidates: usize = 0;
export let candidateCount: u32 = 0;
export let queryNames: usize = 0;
export let queryNameCount: u32 = 0;
export let hashSlots: usize = 0;
/** Number of hash slots (any count >= 1: a key's home slot is its full hash scaled to the count). */
export let hashSlotCount: u32 = 0;
/** The runtime slots (built by loadTable from the table's slots, 64-byte aligned): see hash.ts. */
export let slots: usize = 0;

// Scratch.
export let requestWords: usize = 0;
export let requestBytes: usize = 0;
/** (position of "/", key hash of the path before it) per slash. */
export let prefixScratch: usize = 0;
/** Per query slot: generation, raw value offset, raw value length (-1 absent). */
export let querySlots: usize = 0;
export let queryDecoded: usize = 0;
export let regexScratch: usize = 0;
/** Bloom filter over the hash's keys (built by loadTable), one u64 word per 8 slots: see hash.ts. */
export let keyFilter: usize = 0;
export let keyFilterMask: u32 = 0;
/** Per group, two u64 masks of the key lengths its exact paths and prefixes have (built by loadTable): see hash.ts. */
export let keyLengths: usize = 0;
export let groupCount: u32 = 0;

/** Per-request generation: lazily computed per-request facts are valid when tagged with it. */
export let generation: u32 = 0;

export function setTable(base: usize): void {
  table = base;
}

export function setSections(l: usize, lc: u32, g: usize, c: usize, cc: u32, qn: usize, qnc: u32, hs: usize, hm: u32): void {
  listeners = l;
  listenerCount = lc;
  groups = g;
  candidates = c;
  candidateCount = cc;
  queryNames = qn;
  queryNameCount = qnc;
  hashSlots = hs;
  hashSlotCount = hm;
}

export function setKeyFilter(at: usize, mask: u32): void {
  keyFilter = at;
  keyFilterMask = mask;
}

export function setSlots(at: usize): void {
  slots = at;
}

export function setKeyLengths(at: usize, groups: u32): void {
  keyLengths = at;
  groupCount = groups;
}

export function setScratch(rw: usize, rb: usize, ps: usize, qs: usize, qd: usize, rs: usize): void {
  requestWords = rw;
  requestBytes = rb;
  prefixScratch = ps;
  querySlots = qs;
  queryDecoded = qd;
  regexScratch = rs;
  loaded = true;
}

export function nextGeneration(): u32 {
  generation++;
  if (generation == 0) generation = 1;
  return generation;
}

/** Request word i (i32). */
export function word(i: i32): i32 {
  return load<i32>(requestWords + ((i as usize) << 2));
}

export function setWord(i: i32, v: i32): void {
  store<i32>(requestWords + ((i as usize) << 2), v);
}
