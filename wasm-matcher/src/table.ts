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
  keyHash,
  mixTag,
} from "./table-format.ts";
import { buildTableModel, type Candidate, type Group, type PathBucket } from "./table-model.ts";

/**
 * `compileRouteTable(snapshot)`: the binary route table of one Gateway (format: table-format.ts, docs/matcher.md).
 * Precedence is resolved here, so the wasm matcher only looks up buckets and scans them in order with early exit.
 * Deterministic: the same snapshot always gives the same bytes.
 *
 * A 10,000-route table has some 100,000 candidates and hash keys, so sections are collected in growable u32 lists and
 * strings are encoded straight into one pool buffer, without an object or array per record.
 */
export function compileRouteTable(snapshot: Snapshot): Uint8Array {
  const model = buildTableModel(snapshot);
  if (model.groups.length > MAX_SCOPE || snapshot.listeners.length > MAX_SCOPE) throw new Error("route table: too many hostname groups");
  const pool = new BytePool(model.regexPrograms);

  // Candidates laid out group by group, bucket by bucket, in lookup order. Hash keys: tag, pool offset, length,
  // first, count (the hash itself is computed once the pool is final).
  const candidates: Candidate[] = [];
  const keys = new U32List();
  const groupWords = new U32List();
  // A bucket key recurs in every hostname group its routes join: its pool reference is looked up once.
  const keyRefs = new Array<PoolRef | undefined>(model.bucketKeyCount).fill(undefined);
  const placeBucket = (bucket: PathBucket, kind: KeyKind, group: Group): void => {
    const key = (keyRefs[bucket.keyId] ??= pool.string(bucket.key));
    keys.push5(hashTag(kind, group.id), key.off, key.len, candidates.length, bucket.candidates.length);
    for (const c of bucket.candidates) candidates.push(c);
  };
  for (const group of model.groups) {
    for (const bucket of group.exact) placeBucket(bucket, KeyKind.PathExact, group);
    groupWords.push(candidates.length);
    groupWords.push(group.regex.length);
    for (const c of group.regex) candidates.push(c);
    for (const bucket of group.prefix) placeBucket(bucket, KeyKind.PathPrefix, group);
  }

  const listenerWords: number[] = [];
  for (const l of model.listeners) {
    for (const [host, group] of l.exactHosts) {
      const key = pool.string(host);
      keys.push5(hashTag(KeyKind.HostExact, l.index), key.off, key.len, group.id, 0);
    }
    for (const [suffix, group] of l.wildcardHosts) {
      const key = pool.string(suffix);
      keys.push5(hashTag(KeyKind.HostWildcard, l.index), key.off, key.len, group.id, 0);
    }
    const hostname = l.listener.hostname;
    const hostKind = hostname === null ? HostKind.Any : hostname.startsWith("*.") ? HostKind.Wildcard : HostKind.Exact;
    const host = pool.string(hostname === null ? "" : hostKind === HostKind.Wildcard ? hostname.slice(1) : hostname);
    const flags = (l.exactHosts.size > 0 ? LISTENER_HAS_EXACT_HOSTS : 0) | (l.wildcardHosts.size > 0 ? LISTENER_HAS_WILDCARD_HOSTS : 0);
    listenerWords.push(l.index, l.listener.port, l.listener.protocol === "HTTPS" ? Protocol.HTTPS : Protocol.HTTP, hostKind, host.off, host.len, l.anyHost?.id ?? NO_GROUP, flags);
  }

  const headerSlots = new Map(model.headerNames.map((n, i) => [n, i]));
  const querySlots = new Map(model.queryNames.map((n, i) => [n, i]));
  const nameWords = (names: string[]): number[] => names.flatMap((n) => {
    const s = pool.string(n);
    return [s.off, s.len];
  });
  const headerNameWords = nameWords(model.headerNames);
  const queryNameWords = nameWords(model.queryNames);

  // Condition lists, shared between candidates with identical conditions (most have none: offset 0). A candidate
  // object appears once per hostname group of its route; its list is built on its first appearance.
  const condLists = new Map<string, number>();
  const condWords = new U32List();
  const condRefOf = new Map<Candidate, number>();
  const candidateCondRefs = new Int32Array(candidates.length);
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    if (c.conditions.length === 0 && c.pathType !== "RegularExpression") {
      candidateCondRefs[i] = -1;
      continue;
    }
    let at = condRefOf.get(c);
    if (at === undefined) {
      const words = conditionWords(c, headerSlots, querySlots, pool);
      const id = words.join(",");
      at = condLists.get(id);
      if (at === undefined) {
        condLists.set(id, (at = condWords.length));
        condWords.push(words.length / COND_WORDS);
        for (const w of words) condWords.push(w);
      }
      condRefOf.set(c, at);
    }
    candidateCondRefs[i] = at;
  }

  const keyCount = keys.length / KEY_FIELDS;
  const slotCount = hashSlotCount(keyCount);
  const layout = new Layout(HEADER_WORDS * 4);
  const listenersOff = layout.take(listenerWords.length * 4);
  const headerNamesOff = layout.take(headerNameWords.length * 4);
  const queryNamesOff = layout.take(queryNameWords.length * 4);
  const groupsOff = layout.take(groupWords.length * 4);
  const candidatesOff = layout.take(candidates.length * CANDIDATE_WORDS * 4);
  const slotsOff = layout.take(slotCount * HASH_SLOT_WORDS * 4);
  const condsOff = layout.take(condWords.length * 4);
  const poolOff = layout.take(pool.length);

  const bytes = new Uint8Array(layout.size);
  const view = new DataView(bytes.buffer);
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
  header[H.GroupCount] = model.groups.length;
  header[H.GroupsOff] = groupsOff;
  header[H.CandidateCount] = candidates.length;
  header[H.CandidatesOff] = candidatesOff;
  header[H.HashSlotCount] = slotCount;
  header[H.HashSlotsOff] = slotsOff;
  header[H.HashEntryCount] = keyCount;
  header[H.RouteCount] = model.routeCount;
  putWords(view, 0, header);
  // Pool-relative offsets (strings, regex programs) become table offsets.
  putWords(view, listenersOff, listenerWords.map((w, i) => (i % LISTENER_WORDS === ListenerWord.HostOff ? w + poolOff : w)));
  putWords(view, headerNamesOff, headerNameWords.map((w, i) => (i % 2 === 0 ? w + poolOff : w)));
  putWords(view, queryNamesOff, queryNameWords.map((w, i) => (i % 2 === 0 ? w + poolOff : w)));
  for (let i = 0; i < groupWords.length; i++) view.setUint32(groupsOff + i * 4, groupWords.at(i), true);
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    const at = candidatesOff + i * CANDIDATE_WORDS * 4;
    const ref = candidateCondRefs[i]!;
    view.setUint32(at, c.route, true);
    view.setUint32(at + 4, (c.rule | (c.match << 16)) >>> 0, true);
    view.setUint32(at + 8, ref < 0 ? 0 : condsOff + ref * 4, true);
  }
  writeConditions(view, condsOff, condWords, poolOff);
  const poolBytes = pool.bytes();
  writeHash(view, keys, slotCount, slotsOff, poolOff, poolBytes);
  bytes.set(poolBytes, poolOff);
  return bytes;
}

/** Fields per hash key in the `keys` list: tag, key offset (pool-relative), key length, first, count. */
const KEY_FIELDS = 5;

function putWords(view: DataView, off: number, words: readonly number[]): void {
  for (let i = 0; i < words.length; i++) view.setUint32(off + i * 4, words[i]! >>> 0, true);
}

/** Load factor 0.5 (any count: the home slot is the full hash scaled to it, see homeSlot). */
function hashSlotCount(keys: number): number {
  return Math.max(8, keys * 2);
}

/**
 * Open addressing, linear probing; a slot holds the full hash, the tag (0 = empty: every tag has a kind), the key's
 * offset and length and the candidate run. A probe that misses mostly stops at an empty slot or a different full
 * hash; a hit reads the key bytes once to confirm.
 */
function writeHash(view: DataView, keys: U32List, slotCount: number, slotsOff: number, poolOff: number, pool: Uint8Array): void {
  const slotBytes = HASH_SLOT_WORDS * 4;
  const count = keys.length / KEY_FIELDS;
  for (let i = 0; i < count; i++) {
    const tag = keys.at(i * KEY_FIELDS);
    const off = keys.at(i * KEY_FIELDS + 1);
    const len = keys.at(i * KEY_FIELDS + 2);
    const hash = mixTag(keyHash(pool, off, off + len), tag);
    let slot = homeSlot(hash, slotCount);
    while (view.getUint32(slotsOff + slot * slotBytes + 4, true) !== 0) slot = slot + 1 === slotCount ? 0 : slot + 1;
    const at = slotsOff + slot * slotBytes;
    view.setUint32(at, hash, true);
    view.setUint32(at + 4, tag, true);
    view.setUint32(at + 8, poolOff + off, true);
    view.setUint32(at + 12, len, true);
    view.setUint32(at + 16, keys.at(i * KEY_FIELDS + 3), true);
    view.setUint32(at + 20, keys.at(i * KEY_FIELDS + 4), true);
  }
}

/** Condition words: kind | slot << 8, then a (pool-relative offset) and b (length, or 0 for a regex program). */
function conditionWords(c: Candidate, headerSlots: Map<string, number>, querySlots: Map<string, number>, pool: BytePool): number[] {
  const words: number[] = [];
  for (const cond of c.conditions) {
    const regex = cond.type === "RegularExpression";
    const slot = cond.kind === "header" ? headerSlots.get(cond.name)! : cond.kind === "query" ? querySlots.get(cond.name)! : 0;
    const kind =
      cond.kind === "method" ? Cond.Method : cond.kind === "header" ? (regex ? Cond.HeaderRegex : Cond.HeaderExact) : regex ? Cond.QueryRegex : Cond.QueryExact;
    const ref = regex ? pool.regex(cond.value) : pool.string(cond.value);
    words.push(kind | (slot << 8), ref.off, ref.len);
  }
  if (c.pathType === "RegularExpression") words.push(Cond.PathRegex, pool.regex(c.pathValue).off, 0);
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
  return words;
}

/** Writes the condition lists (count, then triples), adding the pool offset to every condition's `a` word. */
function writeConditions(view: DataView, off: number, words: U32List, poolOff: number): void {
  let i = 0;
  while (i < words.length) {
    const n = words.at(i);
    view.setUint32(off + i * 4, n, true);
    for (let j = 0; j < n; j++) {
      const at = i + 1 + j * COND_WORDS;
      view.setUint32(off + at * 4, words.at(at), true);
      view.setUint32(off + (at + 1) * 4, (words.at(at + 1) + poolOff) >>> 0, true);
      view.setUint32(off + (at + 2) * 4, words.at(at + 2), true);
    }
    i += 1 + n * COND_WORDS;
  }
}

/** A growable list of u32 words. */
class U32List {
  private words = new Uint32Array(1024);
  length = 0;

  push(w: number): void {
    if (this.length === this.words.length) this.grow();
    this.words[this.length++] = w;
  }

  push5(a: number, b: number, c: number, d: number, e: number): void {
    if (this.length + 5 > this.words.length) this.grow();
    const w = this.words;
    const n = this.length;
    w[n] = a;
    w[n + 1] = b;
    w[n + 2] = c;
    w[n + 3] = d;
    w[n + 4] = e;
    this.length = n + 5;
  }

  at(i: number): number {
    return this.words[i]!;
  }

  private grow(): void {
    const next = new Uint32Array(this.words.length * 2);
    next.set(this.words);
    this.words = next;
  }
}

interface PoolRef {
  off: number;
  len: number;
}

/** Interned UTF-8 strings and regex programs (4-byte aligned) in one growable buffer, addressed from its start. */
class BytePool {
  length = 0;
  private buffer = new Uint8Array(64 * 1024);
  private strings = new Map<string, PoolRef>();
  private placed = new Map<string, PoolRef>();
  private static encoder = new TextEncoder();

  /** `programs`: the compiled regexes of the table model (every pattern a condition can name). */
  constructor(private readonly programs: Map<string, Uint8Array>) {}

  string(s: string): PoolRef {
    let ref = this.strings.get(s);
    if (ref === undefined) {
      // At most 3 UTF-8 bytes per UTF-16 code unit.
      this.reserve(s.length * 3);
      const off = this.length;
      let len = 0;
      let ascii = true;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          ascii = false;
          break;
        }
        this.buffer[off + i] = c;
      }
      if (ascii) len = s.length;
      else len = BytePool.encoder.encodeInto(s, this.buffer.subarray(off)).written;
      this.length = off + len;
      this.strings.set(s, (ref = { off, len }));
    }
    return ref;
  }

  regex(pattern: string): PoolRef {
    let ref = this.placed.get(pattern);
    if (ref === undefined) {
      const program = this.programs.get(pattern);
      if (program === undefined) throw new Error(`route table: regex ${JSON.stringify(pattern)} was not compiled`);
      const off = (this.length + 3) & ~3;
      this.reserve(off - this.length + program.length);
      this.buffer.fill(0, this.length, off);
      this.buffer.set(program, off);
      this.length = off + program.length;
      this.placed.set(pattern, (ref = { off, len: 0 }));
    }
    return ref;
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
    this.buffer = next;
  }
}

/** Sequential 4-byte-aligned section allocator. */
class Layout {
  constructor(public size: number) {}
  take(bytes: number): number {
    const off = this.size;
    this.size = off + ((bytes + 3) & ~3);
    return off;
  }
}
