import type { Listener, Match, Snapshot, StringMatch } from "../../schema/snapshot.ts";
import { compileRegex } from "./regex/compile.ts";
import { listenerHostRank, normalizePrefix, routeHostPatterns, routeOrder } from "./precedence.ts";
import { StringTable } from "./table-strings.ts";

/**
 * The route table before it becomes bytes: listeners in selection order, hostname groups, and each group's
 * candidates sorted by precedence and split into the buckets the matcher looks up (docs/matcher.md, "Lookup").
 *
 * A 10,000-route table has some 30,000 candidates placed 75,000 times into 6,500 hostname groups, so the model is
 * flat typed arrays indexed by small ids (candidates, groups, buckets, interned strings), not an object per record.
 */

export const enum PathClass {
  Exact = 0,
  RegularExpression = 1,
  PathPrefix = 2,
}

/** One candidate per usable match of a route attached to some listener, as parallel arrays indexed by id. */
export interface Candidates {
  count: number;
  route: Int32Array;
  rule: Int32Array;
  match: Int32Array;
  pathClass: Uint8Array;
  /** The match itself: the writer encodes its conditions. */
  source: Match[];
}

export interface ListenerModel {
  index: number;
  listener: Listener;
  /** Host keys in order of first use, as pairs (interned host, group). */
  exactHosts: number[];
  /** Pairs (interned suffix after "*", e.g. ".example.com", group). */
  wildcardHosts: number[];
  /** Group of the routes that serve any host on this listener, or -1. */
  anyHost: number;
}

export interface TableModel {
  listeners: ListenerModel[];
  groupCount: number;
  candidates: Candidates;
  /**
   * Candidate ids in table order: group by group, each group's exact-path buckets, then its regex-path candidates,
   * then its path-prefix buckets, every bucket in precedence order.
   */
  layout: Int32Array;
  /** Per group: position in `layout` of its first regex candidate, and how many. */
  regexFirst: Int32Array;
  regexCount: Int32Array;
  /** Per group: its buckets are ids bucketStart[g] .. bucketStart[g+1]-1, the first exactBuckets[g] of them exact. */
  bucketStart: Int32Array;
  exactBuckets: Int32Array;
  /** Per bucket: interned key (the Exact value, or the PathPrefix value without its trailing "/"s), first position in `layout`, count. */
  bucketKey: Int32Array;
  bucketFirst: Int32Array;
  bucketSize: Int32Array;
  strings: StringTable;
  /** Header names (lower-case) whose values the matcher needs, in slot order (order of first use). */
  headerNames: string[];
  /** Query-param names, in slot order. */
  queryNames: string[];
  routeCount: number;
  /** Every regex of the candidates, compiled once per table (a pattern recurs across listeners and hostnames). */
  regexPrograms: Map<string, Uint8Array>;
}

export function buildTableModel(snapshot: Snapshot): TableModel {
  const strings = new StringTable();
  const regex = new RegexPrograms();
  const headerNames = new Map<string, number>();
  const queryNames = new Map<string, number>();
  const routes = snapshot.routes;

  // Routes attached to each listener, in route order.
  const routesByListener = snapshot.listeners.map((): number[] => []);
  routes.forEach((route, routeIndex) => {
    for (const attachment of route.attachments) {
      const list = routesByListener[attachment.listener];
      if (list !== undefined && list[list.length - 1] !== routeIndex) list.push(routeIndex);
    }
  });
  const listeners = snapshot.listeners
    .map((listener, index) => ({ listener, index, rank: listenerHostRank(listener.hostname) }))
    .sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.rank[2] - b.rank[2] || a.index - b.index)
    .map(({ listener, index }): ListenerModel => ({ index, listener, exactHosts: [], wildcardHosts: [], anyHost: -1 }));

  // Hostname groups: one per listener and host pattern, numbered in order of first use. A route joins the group of
  // each host pattern it serves on each listener (memberships are (route, group) pairs).
  let groupCount = 0;
  const memberRoute = new IntList();
  const memberGroup = new IntList();
  const attached = new Uint8Array(routes.length);
  const hostGroups = new OwnedIds();
  listeners.forEach((model, position) => {
    const groupFor = (pattern: string | null): number => {
      if (pattern === null) return model.anyHost >= 0 ? model.anyHost : (model.anyHost = groupCount++);
      const wildcard = pattern.startsWith("*.");
      const key = strings.intern(wildcard ? pattern.slice(1) : pattern);
      const slot = key * 2 + (wildcard ? 1 : 0);
      let group = hostGroups.get(slot, position);
      if (group < 0) {
        hostGroups.set(slot, position, (group = groupCount++));
        (wildcard ? model.wildcardHosts : model.exactHosts).push(key, group);
      }
      return group;
    };
    for (const routeIndex of routesByListener[model.index]!) {
      if (attached[routeIndex] === 0) {
        attached[routeIndex] = 1;
        // Slots are numbered in order of first use.
        for (const rule of routes[routeIndex]!.rules) {
          for (const match of rule.matches) if (usable(match, regex)) nameSlots(match, headerNames, queryNames);
        }
      }
      for (const pattern of routeHostPatterns(routes[routeIndex]!, model.index, model.listener)) {
        memberRoute.push(routeIndex);
        memberGroup.push(groupFor(pattern));
      }
    }
  });

  const candidates = buildCandidates(snapshot, attached, regex, strings);
  const layout = placeCandidates(candidates, routes.length, groupCount, memberRoute, memberGroup);
  const model = splitIntoBuckets(layout, groupCount, candidates, strings.count);
  return {
    listeners,
    groupCount,
    candidates: candidates.table,
    ...model,
    strings,
    headerNames: [...headerNames.keys()],
    queryNames: [...queryNames.keys()],
    routeCount: routes.length,
    regexPrograms: regex.programs,
  };
}

/** Spec §3: if several entries share a name, only the first counts (header names compare case-insensitively). */
export function firstOfEachName(entries: StringMatch[], header: boolean): StringMatch[] {
  const name = (e: StringMatch): string => (header ? e.name.toLowerCase() : e.name);
  for (let i = 1; i < entries.length; i++) {
    for (let j = 0; j < i; j++) {
      if (name(entries[j]!) === name(entries[i]!)) return entries.filter((e, k) => entries.findIndex((f) => name(f) === name(e)) === k);
    }
  }
  return entries;
}

/** compileRegex once per pattern per table; a pattern outside the subset is remembered as rejected. */
class RegexPrograms {
  readonly programs = new Map<string, Uint8Array>();
  private readonly rejected = new Set<string>();

  ok(pattern: string): boolean {
    if (this.programs.has(pattern)) return true;
    if (this.rejected.has(pattern)) return false;
    const compiled = compileRegex(pattern);
    if (compiled.ok) this.programs.set(pattern, compiled.program);
    else this.rejected.add(pattern);
    return compiled.ok;
  }
}

/**
 * False when the match can never match: a regex outside the supported subset (the translator rejects those with a
 * condition, so this only guards against a hand-made snapshot). Only the first entry of each name is checked.
 */
function usable(match: Match, regex: RegexPrograms): boolean {
  for (const h of firstOfEachName(match.headers, true)) if (h.type === "RegularExpression" && !regex.ok(h.value)) return false;
  for (const q of firstOfEachName(match.queryParams, false)) if (q.type === "RegularExpression" && !regex.ok(q.value)) return false;
  return match.path.type !== "RegularExpression" || regex.ok(match.path.value);
}

function nameSlots(match: Match, headerNames: Map<string, number>, queryNames: Map<string, number>): void {
  for (const h of match.headers) {
    const name = h.name.toLowerCase();
    if (!headerNames.has(name)) headerNames.set(name, headerNames.size);
  }
  for (const q of match.queryParams) if (!queryNames.has(q.name)) queryNames.set(q.name, queryNames.size);
}

interface CandidateBuild {
  table: Candidates;
  /** Candidates of route r are ids first[r] .. first[r + 1] - 1 (routes in rank order hold consecutive ids). */
  first: Int32Array;
  end: Int32Array;
  /** Interned bucket key per candidate (-1 for a regex path). */
  key: Int32Array;
  /** Candidate ids in precedence order (spec §3, see comparePrecedence). */
  sorted: Int32Array;
}

/**
 * Candidates of the attached routes, numbered route by route in oldest-first, then namespace/name order (spec §3
 * tie-breaks 6 and 7), then rule and match order, so the id is the last tie-break of the precedence sort.
 */
function buildCandidates(snapshot: Snapshot, attached: Uint8Array, regex: RegexPrograms, strings: StringTable): CandidateBuild {
  const routes = snapshot.routes;
  const rank = routeOrder(snapshot);
  const byRank = new Int32Array(routes.length);
  let total = 0;
  for (let r = 0; r < routes.length; r++) {
    byRank[rank[r]!] = r;
    if (attached[r] === 0) continue;
    for (const rule of routes[r]!.rules) total += rule.matches.length;
  }
  const table: Candidates = {
    count: 0,
    route: new Int32Array(total),
    rule: new Int32Array(total),
    match: new Int32Array(total),
    pathClass: new Uint8Array(total),
    source: new Array<Match>(total),
  };
  const key = new Int32Array(total);
  // Sort fields: characters of the path (0 for Exact), 0 with a method and 1 without, header and query-param
  // conditions counted once per name.
  const pathLength = new Int32Array(total);
  const anyMethod = new Uint8Array(total);
  const headerCount = new Int32Array(total);
  const paramCount = new Int32Array(total);
  const first = new Int32Array(routes.length);
  const end = new Int32Array(routes.length);
  let n = 0;
  for (let k = 0; k < routes.length; k++) {
    const r = byRank[k]!;
    first[r] = n;
    if (attached[r] !== 0) {
      const rules = routes[r]!.rules;
      for (let ruleIndex = 0; ruleIndex < rules.length; ruleIndex++) {
        const matches = rules[ruleIndex]!.matches;
        for (let matchIndex = 0; matchIndex < matches.length; matchIndex++) {
          const match = matches[matchIndex]!;
          if (!usable(match, regex)) continue;
          table.route[n] = r;
          table.rule[n] = ruleIndex;
          table.match[n] = matchIndex;
          table.source[n] = match;
          const path = match.path;
          if (path.type === "RegularExpression") {
            table.pathClass[n] = PathClass.RegularExpression;
            pathLength[n] = path.value.length;
            key[n] = -1;
          } else if (path.type === "Exact") {
            table.pathClass[n] = PathClass.Exact;
            key[n] = strings.intern(path.value);
          } else {
            // "Most characters" of a PathPrefix counts the value without its ignored trailing "/" (spec §3).
            const normalized = normalizePrefix(path.value);
            table.pathClass[n] = PathClass.PathPrefix;
            pathLength[n] = normalized.length;
            key[n] = strings.intern(normalized);
          }
          anyMethod[n] = match.method === null ? 1 : 0;
          headerCount[n] = firstOfEachName(match.headers, true).length;
          paramCount[n] = firstOfEachName(match.queryParams, false).length;
          n++;
        }
      }
    }
    end[r] = n;
  }
  table.count = n;
  const cls = table.pathClass;
  // Spec §3 precedence: Exact path, then RegularExpression (longer pattern first), then PathPrefix (more characters
  // first); then has a method, most headers, most query params; then the id (route rank, rule, match).
  const comparePrecedence = (a: number, b: number): number =>
    cls[a]! - cls[b]! ||
    pathLength[b]! - pathLength[a]! ||
    anyMethod[a]! - anyMethod[b]! ||
    headerCount[b]! - headerCount[a]! ||
    paramCount[b]! - paramCount[a]! ||
    a - b;
  const sorted = new Int32Array(n);
  for (let i = 0; i < n; i++) sorted[i] = i;
  sorted.sort(comparePrecedence);
  return { table, first, end, key, sorted };
}

/**
 * Each group's candidates in precedence order: group g holds positions start[g] .. start[g+1]-1 of the result.
 * Walking all candidates once in precedence order and appending each to its route's groups sorts every group.
 */
function placeCandidates(c: CandidateBuild, routeCount: number, groupCount: number, memberRoute: IntList, memberGroup: IntList): { members: Int32Array; start: Int32Array } {
  const routeGroupsStart = new Int32Array(routeCount + 1);
  const start = new Int32Array(groupCount + 1);
  for (let m = 0; m < memberRoute.length; m++) {
    const r = memberRoute.at(m);
    routeGroupsStart[r + 1]!++;
    start[memberGroup.at(m) + 1]! += c.end[r]! - c.first[r]!;
  }
  for (let r = 0; r < routeCount; r++) routeGroupsStart[r + 1]! += routeGroupsStart[r]!;
  for (let g = 0; g < groupCount; g++) start[g + 1]! += start[g]!;
  const routeGroups = new Int32Array(memberRoute.length);
  const routeFill = routeGroupsStart.slice(0, routeCount);
  for (let m = 0; m < memberRoute.length; m++) routeGroups[routeFill[memberRoute.at(m)]!++] = memberGroup.at(m);

  const members = new Int32Array(start[groupCount]!);
  const fill = start.slice(0, groupCount);
  const route = c.table.route;
  for (let i = 0; i < c.sorted.length; i++) {
    const id = c.sorted[i]!;
    const r = route[id]!;
    for (let k = routeGroupsStart[r]!; k < routeGroupsStart[r + 1]!; k++) members[fill[routeGroups[k]!]!++] = id;
  }
  return { members, start };
}

type BucketModel = Pick<TableModel, "layout" | "regexFirst" | "regexCount" | "bucketStart" | "exactBuckets" | "bucketKey" | "bucketFirst" | "bucketSize">;

/**
 * Splits each group's sorted candidates into exact-path buckets, the regex list and prefix buckets (keyed by the
 * normalized prefix), each keeping precedence order. Buckets are ordered by their best candidate, so a lookup that
 * visits exact, then regex, then prefixes longest-first meets candidates in precedence order. The sort puts a
 * group's exact paths first and its prefixes last, so its exact buckets are created before its prefix buckets.
 */
function splitIntoBuckets(placed: { members: Int32Array; start: Int32Array }, groupCount: number, c: CandidateBuild, keyCount: number): BucketModel {
  const { members, start } = placed;
  const cls = c.table.pathClass;
  const total = members.length;
  const layout = new Int32Array(total);
  const regexFirst = new Int32Array(groupCount);
  const regexCount = new Int32Array(groupCount);
  const bucketStart = new Int32Array(groupCount + 1);
  const exactBuckets = new Int32Array(groupCount);
  // At most one bucket per placed candidate.
  const bucketKey = new Int32Array(total);
  const bucketFirst = new Int32Array(total);
  const bucketSize = new Int32Array(total);
  const bucketOf = new Int32Array(total);
  const fill = new Int32Array(total);
  // The bucket a key (x2: exact or prefix) has in the group being split; entries of earlier groups are stale.
  const index = new OwnedIds(keyCount * 2);
  let buckets = 0;
  for (let g = 0; g < groupCount; g++) {
    const from = start[g]!;
    const to = start[g + 1]!;
    const firstBucket = buckets;
    let exact = 0;
    let regex = 0;
    for (let p = from; p < to; p++) {
      const id = members[p]!;
      const pathClass = cls[id]!;
      if (pathClass === PathClass.RegularExpression) {
        regex++;
        bucketOf[p] = -1;
        continue;
      }
      const slot = c.key[id]! * 2 + (pathClass === PathClass.Exact ? 0 : 1);
      let b = index.get(slot, g);
      if (b < 0) {
        index.set(slot, g, (b = buckets++));
        bucketKey[b] = c.key[id]!;
        if (pathClass === PathClass.Exact) exact++;
      }
      bucketSize[b]!++;
      bucketOf[p] = b;
    }
    bucketStart[g] = firstBucket;
    exactBuckets[g] = exact;
    let at = from;
    for (let b = firstBucket; b < firstBucket + exact; b++) at = (fill[b] = bucketFirst[b] = at) + bucketSize[b]!;
    regexFirst[g] = at;
    regexCount[g] = regex;
    let regexAt = at;
    at += regex;
    for (let b = firstBucket + exact; b < buckets; b++) at = (fill[b] = bucketFirst[b] = at) + bucketSize[b]!;
    for (let p = from; p < to; p++) {
      const b = bucketOf[p]!;
      layout[b < 0 ? regexAt++ : fill[b]!++] = members[p]!;
    }
  }
  bucketStart[groupCount] = buckets;
  return {
    layout,
    regexFirst,
    regexCount,
    bucketStart,
    exactBuckets,
    bucketKey: bucketKey.subarray(0, buckets),
    bucketFirst: bucketFirst.subarray(0, buckets),
    bucketSize: bucketSize.subarray(0, buckets),
  };
}

/** Small ids mapped to small ids, each entry stamped with an owner (a listener, a group) so a new owner starts empty. */
class OwnedIds {
  private owner: Int32Array;
  private value: Int32Array;

  constructor(size = 1024) {
    this.owner = new Int32Array(size).fill(-1);
    this.value = new Int32Array(size);
  }

  get(id: number, owner: number): number {
    return id < this.owner.length && this.owner[id] === owner ? this.value[id]! : -1;
  }

  set(id: number, owner: number, value: number): void {
    if (id >= this.owner.length) {
      let size = this.owner.length * 2;
      while (size <= id) size *= 2;
      const nextOwner = new Int32Array(size).fill(-1);
      nextOwner.set(this.owner);
      const nextValue = new Int32Array(size);
      nextValue.set(this.value);
      this.owner = nextOwner;
      this.value = nextValue;
    }
    this.owner[id] = owner;
    this.value[id] = value;
  }
}

/** A growable list of int32. */
class IntList {
  private items = new Int32Array(1024);
  length = 0;

  push(v: number): void {
    if (this.length === this.items.length) {
      const next = new Int32Array(this.items.length * 2);
      next.set(this.items);
      this.items = next;
    }
    this.items[this.length++] = v;
  }

  at(i: number): number {
    return this.items[i]!;
  }
}
