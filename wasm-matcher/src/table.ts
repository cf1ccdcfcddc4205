import type { Snapshot } from "../../schema/snapshot.ts";
import { compileRegex } from "./regex/compile.ts";
import {
  CANDIDATE_WORDS,
  COND_WORDS,
  Cond,
  GROUP_WORDS,
  H,
  HASH_ENTRY_WORDS,
  HASH_SLOT_WORDS,
  HEADER_WORDS,
  HostKind,
  KeyKind,
  LISTENER_HAS_EXACT_HOSTS,
  LISTENER_HAS_WILDCARD_HOSTS,
  LISTENER_WORDS,
  MAX_SCOPE,
  NO_GROUP,
  Protocol,
  TABLE_MAGIC,
  TABLE_VERSION,
  fnv1a,
  hashTag,
  mixTag,
} from "./table-format.ts";
import { buildTableModel, type Candidate, type Condition, type Group, type PathBucket } from "./table-model.ts";

/**
 * `compileRouteTable(snapshot)`: the binary route table of one Gateway (format: table-format.ts, docs/matcher.md).
 * Precedence is resolved here, so the wasm matcher only looks up buckets and scans them in order with early exit.
 * Deterministic: the same snapshot always gives the same bytes.
 */
export function compileRouteTable(snapshot: Snapshot): Uint8Array {
  const model = buildTableModel(snapshot);
  if (model.groups.length > MAX_SCOPE || snapshot.listeners.length > MAX_SCOPE) throw new Error("route table: too many hostname groups");
  const pool = new BytePool();

  // Candidates laid out group by group, bucket by bucket, in lookup order.
  const candidates: Candidate[] = [];
  const keys: HashKey[] = [];
  const groupWords: number[] = [];
  const placeBucket = (bucket: PathBucket, kind: KeyKind, group: Group): void => {
    keys.push({ kind, scope: group.id, key: pool.string(bucket.key), first: candidates.length, count: bucket.candidates.length });
    candidates.push(...bucket.candidates);
  };
  for (const group of model.groups) {
    for (const bucket of group.exact) placeBucket(bucket, KeyKind.PathExact, group);
    groupWords.push(candidates.length, group.regex.length);
    candidates.push(...group.regex);
    for (const bucket of group.prefix) placeBucket(bucket, KeyKind.PathPrefix, group);
  }

  const listenerWords: number[] = [];
  for (const l of model.listeners) {
    for (const [host, group] of l.exactHosts) keys.push({ kind: KeyKind.HostExact, scope: l.index, key: pool.string(host), first: group.id, count: 0 });
    for (const [suffix, group] of l.wildcardHosts) keys.push({ kind: KeyKind.HostWildcard, scope: l.index, key: pool.string(suffix), first: group.id, count: 0 });
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

  // Condition lists, shared between candidates with identical conditions (most have none: offset 0).
  const condLists = new Map<string, number>();
  const condWords: number[] = [];
  const candidateCondRefs = candidates.map((c) => {
    if (c.conditions.length === 0 && c.pathType !== "RegularExpression") return -1;
    const words = conditionWords(c, headerSlots, querySlots, pool);
    const id = words.join(",");
    let at = condLists.get(id);
    if (at === undefined) {
      condLists.set(id, (at = condWords.length));
      condWords.push(words.length / COND_WORDS, ...words);
    }
    return at;
  });

  const slotCount = hashSlotCount(keys.length);
  const layout = new Layout(HEADER_WORDS * 4);
  const listenersOff = layout.take(listenerWords.length * 4);
  const headerNamesOff = layout.take(headerNameWords.length * 4);
  const queryNamesOff = layout.take(queryNameWords.length * 4);
  const groupsOff = layout.take(groupWords.length * 4);
  const candidatesOff = layout.take(candidates.length * CANDIDATE_WORDS * 4);
  const slotsOff = layout.take(slotCount * HASH_SLOT_WORDS * 4);
  const entriesOff = layout.take(keys.length * HASH_ENTRY_WORDS * 4);
  const condsOff = layout.take(condWords.length * 4);
  const poolOff = layout.take(pool.length);

  const bytes = new Uint8Array(layout.size);
  const view = new DataView(bytes.buffer);
  const put = (off: number, words: number[]): void => words.forEach((w, i) => view.setUint32(off + i * 4, w >>> 0, true));
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
  header[H.HashEntriesOff] = entriesOff;
  header[H.HashEntryCount] = keys.length;
  header[H.RouteCount] = model.routeCount;
  put(0, header);
  // Pool-relative offsets (strings, regex programs) become table offsets.
  put(listenersOff, listenerWords.map((w, i) => (i % LISTENER_WORDS === 4 ? w + poolOff : w)));
  put(headerNamesOff, headerNameWords.map((w, i) => (i % 2 === 0 ? w + poolOff : w)));
  put(queryNamesOff, queryNameWords.map((w, i) => (i % 2 === 0 ? w + poolOff : w)));
  put(groupsOff, groupWords);
  put(candidatesOff, candidates.flatMap((c, i) => [c.route, c.rule | (c.match << 16), candidateCondRefs[i]! < 0 ? 0 : condsOff + candidateCondRefs[i]! * 4]));
  put(condsOff, relocateConditions(condWords, poolOff));
  writeHash(view, keys, slotCount, slotsOff, entriesOff, poolOff, pool);
  bytes.set(pool.bytes(), poolOff);
  return bytes;
}

interface HashKey {
  kind: KeyKind;
  scope: number;
  key: PoolRef;
  first: number;
  count: number;
}

/** Power of two with load factor <= 0.5 (slots are 8 bytes; entries are dense). */
function hashSlotCount(keys: number): number {
  let n = 8;
  while (n < keys * 2) n *= 2;
  return n;
}

/**
 * Open addressing, linear probing; a slot holds the full hash and entry index + 1 (0 = empty), so a probe that
 * misses (most path-prefix probes do) reads one slot and never touches the entry or the key bytes.
 */
function writeHash(view: DataView, keys: HashKey[], slotCount: number, slotsOff: number, entriesOff: number, poolOff: number, pool: BytePool): void {
  const mask = slotCount - 1;
  keys.forEach((k, i) => {
    const hash = mixTag(fnv1a(pool.view(), k.key.off, k.key.off + k.key.len), hashTag(k.kind, k.scope));
    let slot = hash & mask;
    while (view.getUint32(slotsOff + slot * 8 + 4, true) !== 0) slot = (slot + 1) & mask;
    view.setUint32(slotsOff + slot * 8, hash, true);
    view.setUint32(slotsOff + slot * 8 + 4, i + 1, true);
    const at = entriesOff + i * HASH_ENTRY_WORDS * 4;
    const words = [hash, hashTag(k.kind, k.scope), poolOff + k.key.off, k.key.len, k.first, k.count];
    words.forEach((w, j) => view.setUint32(at + j * 4, w >>> 0, true));
  });
}

/** Condition words: kind | slot << 8, then a (pool-relative offset) and b (length, or 0 for a regex program). */
function conditionWords(c: Candidate, headerSlots: Map<string, number>, querySlots: Map<string, number>, pool: BytePool): number[] {
  const conds: { kind: Cond; slot: number; ref: PoolRef }[] = [];
  const add = (cond: Condition): void => {
    const regex = cond.type === "RegularExpression";
    const slot = cond.kind === "header" ? headerSlots.get(cond.name)! : cond.kind === "query" ? querySlots.get(cond.name)! : 0;
    const kind =
      cond.kind === "method" ? Cond.Method : cond.kind === "header" ? (regex ? Cond.HeaderRegex : Cond.HeaderExact) : regex ? Cond.QueryRegex : Cond.QueryExact;
    conds.push({ kind, slot, ref: regex ? pool.regex(cond.value) : pool.string(cond.value) });
  };
  c.conditions.forEach(add);
  if (c.pathType === "RegularExpression") conds.push({ kind: Cond.PathRegex, slot: 0, ref: pool.regex(c.pathValue) });
  // Cheap byte comparisons first, regexes last (the Cond values are in that order).
  conds.sort((a, b) => a.kind - b.kind);
  return conds.flatMap((x) => [x.kind | (x.slot << 8), x.ref.off, x.ref.len]);
}

/** Adds the pool offset to every condition's `a` word (the list is count, then triples). */
function relocateConditions(words: number[], poolOff: number): number[] {
  const out = words.slice();
  let i = 0;
  while (i < out.length) {
    const n = out[i]!;
    for (let j = 0; j < n; j++) out[i + 1 + j * COND_WORDS + 1]! += poolOff;
    i += 1 + n * COND_WORDS;
  }
  return out;
}

interface PoolRef {
  off: number;
  len: number;
}

/** Interned UTF-8 strings and regex programs (4-byte aligned), addressed relative to the pool start. */
class BytePool {
  private chunks: Uint8Array[] = [];
  length = 0;
  private strings = new Map<string, PoolRef>();
  private programs = new Map<string, PoolRef>();
  private static encoder = new TextEncoder();
  private flat: Uint8Array | null = null;

  string(s: string): PoolRef {
    let ref = this.strings.get(s);
    if (ref === undefined) this.strings.set(s, (ref = this.append(BytePool.encoder.encode(s), 1)));
    return ref;
  }

  regex(pattern: string): PoolRef {
    let ref = this.programs.get(pattern);
    if (ref === undefined) {
      const compiled = compileRegex(pattern);
      if (!compiled.ok) throw new Error(`route table: regex ${JSON.stringify(pattern)}: ${compiled.reason}`);
      this.programs.set(pattern, (ref = { off: this.append(compiled.program, 4).off, len: 0 }));
    }
    return ref;
  }

  private append(bytes: Uint8Array, align: number): PoolRef {
    const pad = (align - (this.length % align)) % align;
    if (pad > 0) this.chunks.push(new Uint8Array(pad));
    const off = this.length + pad;
    this.chunks.push(bytes);
    this.length = off + bytes.length;
    this.flat = null;
    return { off, len: bytes.length };
  }

  bytes(): Uint8Array {
    if (this.flat === null) {
      this.flat = new Uint8Array(this.length);
      let at = 0;
      for (const c of this.chunks) {
        this.flat.set(c, at);
        at += c.length;
      }
    }
    return this.flat;
  }

  view(): Uint8Array {
    return this.bytes();
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
