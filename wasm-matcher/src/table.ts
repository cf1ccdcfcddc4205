import type { Snapshot } from "../../schema/snapshot.ts";
import {
  CANDIDATE_WORDS,
  COND_WORDS,
  Cond,
  GROUP_WORDS,
  H,
  HASH_SLOT_WORDS,
  HEADER_WORDS,
  HostKind,
  KeyKind,
  LISTENER_HAS_EXACT_HOSTS,
  LISTENER_HAS_WILDCARD_HOSTS,
  LISTENER_WORDS,
  ListenerWord,
  MAX_SCOPE,
  NO_GROUP,
  Protocol,
  TABLE_MAGIC,
  TABLE_VERSION,
  hashTag,
  homeSlot,
  mixTag,
} from "./table-format.ts";
import { Scratch, doubledUntil, grownTo } from "./grow.ts";
import { buildTableModel, type TableModel } from "./table-model.ts";
import type { RegexIds, RouteRead } from "./table-read.ts";
import type { StringTable } from "./table-strings.ts";

/**
 * `compileRouteTable(snapshot)`: the binary route table of one Gateway (format: table-format.ts, docs/matcher.md).
 * Precedence is resolved here, so the wasm matcher only looks up buckets and scans them in order with early exit.
 * Deterministic: the same snapshot always gives the same bytes. `read`: the snapshot's routes, already read route by
 * route as its compiler built them (table-read.ts RouteReader); by default they are read here.
 *
 * A 10,000-route table has some 75,000 candidate records and hash keys, so sections are collected in growable u32
 * lists and strings are copied into one pool buffer from the model's string table, without an object per record.
 */
export function compileRouteTable(snapshot: Snapshot, read?: RouteRead): Uint8Array {
  const model = buildTableModel(snapshot, true, read);
  if (model.groupCount > MAX_SCOPE || snapshot.listeners.length > MAX_SCOPE) throw new Error("route table: too many hostname groups");
  const strings = model.strings;
  const pool = new BytePool(strings, model.regexPrograms);

  // Hash keys: tag, pool offset, length, first, count, string hash. Path keys come group by group, bucket by bucket,
  // in lookup order (the pool places each key string on its first use).
  const keys = keyList.cleared(KEY_FIELDS * (model.bucketKey.length + 64));
  const groupWords = new U32List(GROUP_WORDS * model.groupCount);
  for (let g = 0; g < model.groupCount; g++) {
    const exactEnd = model.bucketStart[g]! + model.exactBuckets[g]!;
    for (let b = model.bucketStart[g]!; b < model.bucketStart[g + 1]!; b++) {
      const key = model.bucketKey[b]!;
      const tag = hashTag(b < exactEnd ? KeyKind.PathExact : KeyKind.PathPrefix, g);
      keys.push6(tag, pool.place(key), strings.lengthOf(key), model.bucketFirst[b]!, model.bucketSize[b]!, strings.hashOf(key));
    }
    groupWords.push(model.regexFirst[g]!);
    groupWords.push(model.regexCount[g]!);
  }

  const listenerWords: number[] = [];
  for (const l of model.listeners) {
    for (let i = 0; i < l.exactHosts.length; i += 2) {
      const key = l.exactHosts[i]!;
      keys.push6(hashTag(KeyKind.HostExact, l.index), pool.place(key), strings.lengthOf(key), l.exactHosts[i + 1]!, 0, strings.hashOf(key));
    }
    for (let i = 0; i < l.wildcardHosts.length; i += 2) {
      const key = l.wildcardHosts[i]!;
      keys.push6(hashTag(KeyKind.HostWildcard, l.index), pool.place(key), strings.lengthOf(key), l.wildcardHosts[i + 1]!, 0, strings.hashOf(key));
    }
    const hostname = l.listener.hostname;
    const hostKind = hostname === null ? HostKind.Any : hostname.startsWith("*.") ? HostKind.Wildcard : HostKind.Exact;
    const host = strings.intern(hostname === null ? "" : hostKind === HostKind.Wildcard ? hostname.slice(1) : hostname);
    const flags = (l.exactHosts.length > 0 ? LISTENER_HAS_EXACT_HOSTS : 0) | (l.wildcardHosts.length > 0 ? LISTENER_HAS_WILDCARD_HOSTS : 0);
    const anyGroup = l.anyHost < 0 ? NO_GROUP : l.anyHost;
    listenerWords.push(l.index, l.listener.port, l.listener.protocol === "HTTPS" ? Protocol.HTTPS : Protocol.HTTP, hostKind, pool.place(host), strings.lengthOf(host), anyGroup, flags);
  }

  const nameWords = (names: string[]): number[] => names.flatMap((n) => {
    const id = strings.intern(n);
    return [pool.place(id), strings.lengthOf(id)];
  });
  const headerNameWords = nameWords(model.headerNames);
  const queryNameWords = nameWords(model.queryNames);
  const { condWords, candidateCondRefs } = conditionLists(model, pool);

  const candidateCount = model.layout.length;
  const keyCount = keys.length / KEY_FIELDS;
  const slotCount = hashSlotCount(keyCount);
  const layout = new Layout(HEADER_WORDS * 4);
  const listenersOff = layout.take(listenerWords.length * 4);
  const headerNamesOff = layout.take(headerNameWords.length * 4);
  const queryNamesOff = layout.take(queryNameWords.length * 4);
  const groupsOff = layout.take(groupWords.length * 4);
  const candidatesOff = layout.take(candidateCount * CANDIDATE_WORDS * 4);
  const slotsOff = layout.take(slotCount * HASH_SLOT_WORDS * 4);
  const condsOff = layout.take(condWords.length * 4);
  const poolOff = layout.take(pool.length);

  // Every section but the pool is u32 words, written through one word view and byte-swapped at the end on a
  // big-endian host (the format is little-endian).
  const bytes = new Uint8Array(layout.size);
  const words = new Uint32Array(bytes.buffer, 0, poolOff / 4);
  const header = new Array<number>(HEADER_WORDS).fill(0);
  header[H.Magic] = TABLE_MAGIC;
  header[H.Version] = TABLE_VERSION;
  header[H.TableBytes] = layout.size;
  header[H.ListenerCount] = model.listeners.length;
  header[H.ListenersOff] = listenersOff;
  header[H.HeaderNameCount] = model.headerNames.length;
  header[H.HeaderNamesOff] = headerNamesOff;
  header[H.QueryNameCount] = model.queryNames.length;
  header[H.QueryNamesOff] = queryNamesOff;
  header[H.GroupCount] = model.groupCount;
  header[H.GroupsOff] = groupsOff;
  header[H.CandidateCount] = candidateCount;
  header[H.CandidatesOff] = candidatesOff;
  header[H.HashSlotCount] = slotCount;
  header[H.HashSlotsOff] = slotsOff;
  header[H.HashEntryCount] = keyCount;
  header[H.RouteCount] = model.routeCount;
  words.set(header, 0);
  // Pool-relative offsets (strings, regex programs) become table offsets.
  words.set(listenerWords.map((w, i) => (i % LISTENER_WORDS === ListenerWord.HostOff ? w + poolOff : w)), listenersOff / 4);
  words.set(headerNameWords.map((w, i) => (i % 2 === 0 ? w + poolOff : w)), headerNamesOff / 4);
  words.set(queryNameWords.map((w, i) => (i % 2 === 0 ? w + poolOff : w)), queryNamesOff / 4);
  words.set(groupWords.view(), groupsOff / 4);
  const { route, rule, match } = model.candidates;
  for (let i = 0, at = candidatesOff / 4; i < candidateCount; i++, at += CANDIDATE_WORDS) {
    const id = model.layout[i]!;
    const ref = candidateCondRefs[i]!;
    words[at] = route[id]!;
    words[at + 1] = rule[id]! | (match[id]! << 16);
    words[at + 2] = ref < 0 ? 0 : condsOff + ref * 4;
  }
  writeConditions(words, condsOff / 4, condWords, poolOff);
  writeHash(words, keys, slotCount, slotsOff / 4, poolOff);
  if (!LITTLE_ENDIAN) swapWords(bytes, poolOff);
  bytes.set(pool.bytes(), poolOff);
  return bytes;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function swapWords(bytes: Uint8Array, end: number): void {
  for (let i = 0; i < end; i += 4) {
    const b0 = bytes[i]!;
    const b1 = bytes[i + 1]!;
    bytes[i] = bytes[i + 3]!;
    bytes[i + 1] = bytes[i + 2]!;
    bytes[i + 2] = b1;
    bytes[i + 3] = b0;
  }
}

/**
 * Condition lists, shared between candidates with identical conditions (most have none: no list). A candidate
 * appears once per hostname group of its route; its list is built on its first appearance, in table order (which
 * also places the condition values in the pool in that order). Returns per table position the list's word index.
 */
function conditionLists(model: TableModel, pool: BytePool): { condWords: U32List; candidateCondRefs: Int32Array } {
  const { condFirst, conds, count } = model.candidates;
  const lists = new ListSet();
  const condWords = condList.cleared(1024);
  const refOf = scratch.refOf.take(count, -2);
  const refs = scratch.refs.take(model.layout.length);
  const words: number[] = [];
  for (let i = 0; i < model.layout.length; i++) {
    const id = model.layout[i]!;
    let at = refOf[id]!;
    if (at === -2) {
      if (condFirst[id] === condFirst[id + 1]) at = -1;
      else {
        conditionWords(conds, condFirst[id]!, condFirst[id + 1]!, pool, words);
        at = lists.find(condWords, words);
        if (at < 0) {
          at = condWords.length;
          condWords.push(words.length / COND_WORDS);
          for (const w of words) condWords.push(w);
          lists.add(condWords, at);
        }
      }
      refOf[id] = at;
    }
    refs[i] = at;
  }
  return { condWords, candidateCondRefs: refs };
}

/**
 * The condition lists written so far, found by content: open addressing on a hash of the words, each slot holding a
 * list's word index + 1 (0 = empty).
 */
class ListSet {
  private slots = new Int32Array(1024);
  private count = 0;

  /** Word index of a list equal to `words` (without its count word), or -1. */
  find(lists: U32List, words: number[]): number {
    const all = lists.view();
    const mask = this.slots.length - 1;
    for (let slot = hashWords(words, 0, words.length) & mask; this.slots[slot] !== 0; slot = (slot + 1) & mask) {
      const at = this.slots[slot]! - 1;
      if (all[at]! * COND_WORDS !== words.length) continue;
      let same = true;
      for (let k = 0; k < words.length && same; k++) same = all[at + 1 + k] === words[k];
      if (same) return at;
    }
    return -1;
  }

  /** Adds the list written at word index `at`. */
  add(lists: U32List, at: number): void {
    if (++this.count * 2 > this.slots.length) this.grow(lists);
    this.insert(lists.view(), at, this.slots);
  }

  private insert(all: Uint32Array, at: number, slots: Int32Array): void {
    const mask = slots.length - 1;
    let slot = hashWords(all, at + 1, at + 1 + all[at]! * COND_WORDS) & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = at + 1;
  }

  private grow(lists: U32List): void {
    const slots = new Int32Array(this.slots.length * 2);
    for (const entry of this.slots) if (entry !== 0) this.insert(lists.view(), entry - 1, slots);
    this.slots = slots;
  }
}

function hashWords(words: ArrayLike<number>, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ words[i]!, 0x01000193);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Fields per hash key in the `keys` list: tag, key offset (pool-relative), key length, first, count, string hash. */
const KEY_FIELDS = 6;

/** Load factor 0.5 (any count: the home slot is the full hash scaled to it, see homeSlot). */
function hashSlotCount(keys: number): number {
  return Math.max(8, keys * 2);
}

/**
 * Open addressing, linear probing; a slot holds the full hash, the tag (0 = empty: every tag has a kind), the key's
 * offset and length and the candidate run. A probe that misses mostly stops at an empty slot or a different full
 * hash; a hit reads the key bytes once to confirm. The string part of each hash (keyHash of the key bytes) was
 * computed once per distinct string by the string table.
 *
 * Keys take their slots in key order, probing a map of slot -> key + 1 (a quarter of the slots' size, so the probes
 * mostly hit the cache); the slots are then written front to back instead of at random over megabytes.
 */
function writeHash(words: Uint32Array, keys: U32List, slotCount: number, slotsAt: number, poolOff: number): void {
  const count = keys.length / KEY_FIELDS;
  const k = keys.view();
  const keyAt = scratch.keyAt.take(slotCount, 0);
  for (let i = 0; i < count; i++) {
    let slot = homeSlot(mixTag(k[i * KEY_FIELDS + 5]!, k[i * KEY_FIELDS]!), slotCount);
    while (keyAt[slot] !== 0) slot = slot + 1 === slotCount ? 0 : slot + 1;
    keyAt[slot] = i + 1;
  }
  for (let slot = 0, at = slotsAt; slot < slotCount; slot++, at += HASH_SLOT_WORDS) {
    const i = keyAt[slot]! - 1;
    if (i < 0) continue;
    const tag = k[i * KEY_FIELDS]!;
    words[at] = mixTag(k[i * KEY_FIELDS + 5]!, tag);
    words[at + 1] = tag;
    words[at + 2] = poolOff + k[i * KEY_FIELDS + 1]!;
    words[at + 3] = k[i * KEY_FIELDS + 2]!;
    words[at + 4] = k[i * KEY_FIELDS + 3]!;
    words[at + 5] = k[i * KEY_FIELDS + 4]!;
  }
}

/**
 * A candidate's condition words into `words`: kind | slot << 8, then a (pool-relative offset) and b (length, or 0
 * for a regex program). Values are placed in the pool in match order, before the sort.
 */
function conditionWords(conds: Int32Array, from: number, to: number, pool: BytePool, words: number[]): void {
  words.length = 0;
  for (let k = from; k < to; k += COND_WORDS) {
    const kind = conds[k]!;
    const value = conds[k + 2]!;
    const regex = kind === Cond.PathRegex || kind === Cond.HeaderRegex || kind === Cond.QueryRegex;
    words.push(kind | (conds[k + 1]! << 8), regex ? pool.regex(value) : pool.place(value), regex ? 0 : pool.strings.lengthOf(value));
  }
  // Cheap byte comparisons first, regexes last (the Cond values are in that order). Lists are short and the sort
  // is stable (insertion), so equal kinds keep their order.
  for (let i = COND_WORDS; i < words.length; i += COND_WORDS) {
    for (let j = i; j > 0 && (words[j - COND_WORDS]! & 0xff) > (words[j]! & 0xff); j -= COND_WORDS) {
      for (let k = 0; k < COND_WORDS; k++) {
        const t = words[j - COND_WORDS + k]!;
        words[j - COND_WORDS + k] = words[j + k]!;
        words[j + k] = t;
      }
    }
  }
}

/** Writes the condition lists (count, then triples), adding the pool offset to every condition's `a` word. */
function writeConditions(words: Uint32Array, at: number, lists: U32List, poolOff: number): void {
  const w = lists.view();
  words.set(w, at);
  let i = 0;
  while (i < w.length) {
    const n = w[i]!;
    for (let j = 0; j < n; j++) words[at + i + 2 + j * COND_WORDS] = w[i + 2 + j * COND_WORDS]! + poolOff;
    i += 1 + n * COND_WORDS;
  }
}

/** A growable list of u32 words. */
class U32List {
  private words: Uint32Array;
  length = 0;

  constructor(capacity: number) {
    this.words = new Uint32Array(Math.max(capacity, 16));
  }

  push(w: number): void {
    if (this.length === this.words.length) this.grow(1);
    this.words[this.length++] = w;
  }

  push6(a: number, b: number, c: number, d: number, e: number, f: number): void {
    if (this.length + 6 > this.words.length) this.grow(6);
    const w = this.words;
    const n = this.length;
    w[n] = a;
    w[n + 1] = b;
    w[n + 2] = c;
    w[n + 3] = d;
    w[n + 4] = e;
    w[n + 5] = f;
    this.length = n + 6;
  }

  /** This list emptied, with room for `capacity` words (a list kept from build to build). */
  cleared(capacity: number): this {
    this.length = 0;
    if (capacity > this.words.length) this.words = new Uint32Array(doubledUntil(this.words.length, capacity));
    return this;
  }

  /** The words pushed so far (a view, valid until the next push). */
  view(): Uint32Array {
    return this.words.subarray(0, this.length);
  }

  private grow(extra: number): void {
    this.words = grownTo(this.words.subarray(0, this.length), doubledUntil(this.words.length, this.length + extra));
  }
}

/**
 * The table's strings and regex programs (4-byte aligned) in one growable buffer, addressed from its start. A string
 * is copied from the string table on its first use, so pool order is the order the writer first names each string.
 */
class BytePool {
  length = 0;
  /** Kept from build to build (poolBuffer), as the offsets (poolOffsets). */
  private buffer = poolBuffer;
  /** Pool offset + 1 per string id and per regex id (0 = not placed yet). */
  private offsets: Int32Array;
  private readonly programOffsets: Int32Array;

  /** `programs`: the compiled regexes of the table model. */
  constructor(
    readonly strings: StringTable,
    private readonly programs: RegexIds,
  ) {
    this.programOffsets = new Int32Array(programs.count);
    this.offsets = poolOffsets.take(strings.count + 64, 0);
  }

  /** The pool offset of an interned string. */
  place(id: number): number {
    if (id >= this.offsets.length) {
      let size = this.offsets.length * 2;
      while (size <= id) size *= 2;
      const next = new Int32Array(size);
      next.set(this.offsets);
      this.offsets = next;
    }
    const known = this.offsets[id]!;
    if (known !== 0) return known - 1;
    const len = this.strings.lengthOf(id);
    const from = this.strings.offsetOf(id);
    this.reserve(len);
    const off = this.length;
    // Keys are short: a loop beats a subarray object per string.
    const source = this.strings.bytesOf();
    const buffer = this.buffer;
    for (let i = 0; i < len; i++) buffer[off + i] = source[from + i]!;
    this.length = off + len;
    this.offsets[id] = off + 1;
    return off;
  }

  /** The pool offset of a compiled regex program. */
  regex(id: number): number {
    const known = this.programOffsets[id]!;
    if (known !== 0) return known - 1;
    const from = this.programs.offsets[id]!;
    const length = this.programs.offsets[id + 1]! - from;
    const off = (this.length + 3) & ~3;
    this.reserve(off - this.length + length);
    this.buffer.fill(0, this.length, off);
    this.buffer.set(this.programs.arena.bytes.subarray(from, from + length), off);
    this.length = off + length;
    this.programOffsets[id] = off + 1;
    return off;
  }

  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = poolBuffer = next;
  }
}

let poolBuffer = new Uint8Array(64 * 1024);
const poolOffsets = new Scratch(new Int32Array(1024));

/** The build's other working arrays (grow.ts Scratch), each named for its one use. */
const scratch = {
  refOf: new Scratch(new Int32Array(1024)),
  refs: new Scratch(new Int32Array(1024)),
  keyAt: new Scratch(new Int32Array(1024)),
};
const keyList = new U32List(1024);
const condList = new U32List(1024);

/** Sequential 4-byte-aligned section allocator. */
class Layout {
  constructor(public size: number) {}
  take(bytes: number): number {
    const off = this.size;
    this.size = off + ((bytes + 3) & ~3);
    return off;
  }
}
