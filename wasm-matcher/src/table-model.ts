import type { Listener, Snapshot } from "../../schema/snapshot.ts";
import { listenerHostRank, routeOrder } from "./precedence.ts";
import { Cond } from "./table-format.ts";
import { ANY_HOST, type Candidates, IntList, PathClass, type RegexIds, type RouteRead, hostPattern, readRoutes } from "./table-read.ts";
import type { StringTable } from "./table-strings.ts";
import { Scratch } from "./grow.ts";

/**
 * The route table before it becomes bytes: listeners in selection order, hostname groups, and each group's
 * candidates sorted by precedence and split into the buckets the matcher looks up (docs/matcher.md, "Lookup").
 *
 * A 10,000-route table has some 30,000 candidates placed 75,000 times into 6,500 hostname groups, so the model is
 * flat typed arrays indexed by small ids (candidates, groups, buckets, interned strings), not an object per record.
 */

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
  /** Compiled regexes by regex id: every pattern a condition names, compiled once per table. */
  regexPrograms: RegexIds;
}

/**
 * The snapshot is read once (table-read.ts); the rest of the build works on typed arrays. `packKeys`: see
 * sortByPrecedence (false only to test the comparator path). `read`: the snapshot's routes already read (RouteReader),
 * when its compiler read them as it built them.
 */
export function buildTableModel(snapshot: Snapshot, packKeys = true, read: RouteRead = readRoutes(snapshot)): TableModel {
  const routes = snapshot.routes;
  if (read.candidateFirst.length !== routes.length + 1 || read.routesByListener.length !== snapshot.listeners.length) {
    throw new Error("route table: the routes read are not this snapshot's");
  }
  const { strings } = read;
  const listeners = snapshot.listeners
    .map((listener, index) => ({ listener, index, rank: listenerHostRank(listener.hostname) }))
    .sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.rank[2] - b.rank[2] || a.index - b.index)
    .map(({ listener, index }): ListenerModel => ({ index, listener, exactHosts: [], wildcardHosts: [], anyHost: -1 }));
  const listenerPattern = snapshot.listeners.map((l) => (l.hostname === null ? ANY_HOST : hostPattern(l.hostname, strings, false)));

  // Hostname groups: one per listener and host pattern, numbered in order of first use. A route joins the group of
  // each host pattern it serves on each listener (memberships are (route, group) pairs). Its patterns on a listener
  // are the union of the hostnames of its attachments to it, in order; an attachment without hostnames serves the
  // listener's own hostname (precedence.ts routeHostPatterns).
  const slots = new NameSlots(strings.count);
  const { groupCount, memberRoute, memberGroup } = joinGroups(read, listeners, listenerPattern, slots);
  slots.resolve(read.candidates.conds);

  const sorted = sortByPrecedence(read, routeOrder(routes, read.created, read.inNameOrder), packKeys);
  const layout = placeCandidates(read, sorted, groupCount, memberRoute, memberGroup);
  const model = splitIntoBuckets(layout, groupCount, read);
  return {
    listeners,
    groupCount,
    candidates: read.candidates,
    ...model,
    strings,
    headerNames: slots.headerNames,
    queryNames: slots.queryNames,
    routeCount: routes.length,
    regexPrograms: read.regex,
  };
}

/**
 * Numbers the hostname groups and lists (route, group) memberships, walking listeners in selection order and their
 * routes in route order; registers each route's header and query-param names when the walk first meets it.
 */
function joinGroups(read: RouteRead, listeners: ListenerModel[], listenerPattern: number[], slots: NameSlots): { groupCount: number; memberRoute: IntList; memberGroup: IntList } {
  const memberRoute = new IntList();
  const memberGroup = new IntList();
  const seen = scratch.seen.take(read.candidateFirst.length - 1, 0);
  const hostGroups = new OwnedIds(read.strings.count * 2, scratch.hostOwner, scratch.hostGroup);
  // Pattern + 1 -> the (route, listener) visit that last joined it, so each pattern joins once per visit.
  const joined = scratch.joined.take(read.strings.count * 2 + 1, 0);
  let visit = 0;
  let groupCount = 0;
  for (let position = 0; position < listeners.length; position++) {
    const model = listeners[position]!;
    const own = listenerPattern[model.index]!;
    const routes = read.routesByListener[model.index]!;
    for (let i = 0; i < routes.length; i++) {
      const routeIndex = routes[i]!;
      if (seen[routeIndex] === 0) {
        seen[routeIndex] = 1;
        slots.register(read, routeIndex);
      }
      visit++;
      for (let a = read.attachFirst[routeIndex]!; a < read.attachFirst[routeIndex + 1]!; a++) {
        if (read.attachListener.at(a) !== model.index) continue;
        const from = read.hostFirst.at(a);
        const to = read.hostFirst.at(a + 1);
        for (let h = from === to ? from - 1 : from; h < to; h++) {
          const pattern = h < from ? own : read.hosts.at(h);
          if (joined[pattern + 1] === visit) continue;
          joined[pattern + 1] = visit;
          let group: number;
          if (pattern === ANY_HOST) group = model.anyHost >= 0 ? model.anyHost : (model.anyHost = groupCount++);
          else if ((group = hostGroups.get(pattern, position)) < 0) {
            hostGroups.set(pattern, position, (group = groupCount++));
            (pattern & 1 ? model.wildcardHosts : model.exactHosts).push(pattern >> 1, group);
          }
          memberRoute.push(routeIndex);
          memberGroup.push(group);
        }
      }
    }
  }
  return { groupCount, memberRoute, memberGroup };
}

/**
 * Header and query-param slots, numbered in order of first use: routes in the order the listener walk first meets
 * them, each route's candidates in rule and match order.
 */
class NameSlots {
  readonly headerNames: string[] = [];
  readonly queryNames: string[] = [];
  private readonly header: Int32Array;
  private readonly query: Int32Array;

  constructor(size: number) {
    this.header = new Int32Array(size).fill(-1);
    this.query = new Int32Array(size).fill(-1);
  }

  register(read: RouteRead, route: number): void {
    const { condFirst, conds } = read.candidates;
    for (let c = read.candidateFirst[route]!; c < read.candidateFirst[route + 1]!; c++) {
      for (let k = condFirst[c]!; k < condFirst[c + 1]!; k += 3) {
        const kind = conds[k]!;
        const name = conds[k + 1]!;
        if (kind === Cond.HeaderExact || kind === Cond.HeaderRegex) {
          if (this.header[name]! < 0) this.header[name] = this.headerNames.push(read.names[name]!) - 1;
        } else if (kind === Cond.QueryExact || kind === Cond.QueryRegex) {
          if (this.query[name]! < 0) this.query[name] = this.queryNames.push(read.names[name]!) - 1;
        }
      }
    }
  }

  /** Replaces each header and query-param condition's interned name by its slot. */
  resolve(conds: Int32Array): void {
    for (let k = 0; k < conds.length; k += 3) {
      const kind = conds[k]!;
      if (kind === Cond.HeaderExact || kind === Cond.HeaderRegex) conds[k + 1] = this.header[conds[k + 1]!]!;
      else if (kind === Cond.QueryExact || kind === Cond.QueryRegex) conds[k + 1] = this.query[conds[k + 1]!]!;
    }
  }
}

/**
 * Candidate ids in spec §3 precedence order: Exact path, then RegularExpression (longer pattern first), then
 * PathPrefix (more characters first); then has a method, most headers, most query params; then oldest route,
 * namespace/name (`rank`); then rule and match order (the id, within a route).
 *
 * Without a comparator (`packKeys`; false only to test the comparator path): the fields before the route are small
 * integers, packed into one "primary" number per candidate (mixed radix). Walking the routes by rank lists the
 * candidates in (rank, id) order; a stable counting sort of that list by primary then gives the full order in a few
 * linear passes, where a comparator sort made some 450,000 calls at 30,000 candidates. Primaries spread over more
 * than a few values per candidate are first replaced by their position among the distinct primaries.
 */
function sortByPrecedence(read: RouteRead, rank: Int32Array, packKeys: boolean): Int32Array {
  const { pathClass, pathLength, anyMethod, headerCount, paramCount, candidateFirst } = read;
  const route = read.candidates.route;
  const n = read.candidates.count;
  const routeCount = candidateFirst.length - 1;
  const sorted = scratch.sorted.take(n);
  if (!packKeys) {
    for (let i = 0; i < n; i++) sorted[i] = i;
    return sorted.sort(
      (a, b) =>
        pathClass[a]! - pathClass[b]! ||
        pathLength[b]! - pathLength[a]! ||
        anyMethod[a]! - anyMethod[b]! ||
        headerCount[b]! - headerCount[a]! ||
        paramCount[b]! - paramCount[a]! ||
        rank[route[a]!]! - rank[route[b]!]! ||
        a - b,
    );
  }
  let maxLength = 0;
  let maxHeaders = 0;
  let maxParams = 0;
  for (let i = 0; i < n; i++) {
    maxLength = Math.max(maxLength, pathLength[i]!);
    maxHeaders = Math.max(maxHeaders, headerCount[i]!);
    maxParams = Math.max(maxParams, paramCount[i]!);
  }
  const L = maxLength + 1;
  const Hd = maxHeaders + 1;
  const P = maxParams + 1;
  const primary = scratch.primary.take(n);
  for (let i = 0; i < n; i++) {
    primary[i] = (((pathClass[i]! * L + (maxLength - pathLength[i]!)) * 2 + anyMethod[i]!) * Hd + (maxHeaders - headerCount[i]!)) * P + (maxParams - paramCount[i]!);
  }
  let range = 3 * L * 2 * Hd * P;
  if (range > Math.max(4 * n, 1 << 16)) range = densePositions(primary);

  // Candidates in (rank, id) order.
  const byRank = scratch.byRank.take(routeCount);
  for (let r = 0; r < routeCount; r++) byRank[rank[r]!] = r;
  const ranked = scratch.ranked.take(n);
  let at = 0;
  for (let q = 0; q < routeCount; q++) {
    const r = byRank[q]!;
    for (let id = candidateFirst[r]!; id < candidateFirst[r + 1]!; id++) ranked[at++] = id;
  }
  // Stable counting sort by primary.
  const start = scratch.primaryStart.take(range + 1, 0);
  for (let i = 0; i < n; i++) start[primary[i]! + 1]!++;
  for (let p = 0; p < range; p++) start[p + 1]! += start[p]!;
  for (let i = 0; i < n; i++) {
    const id = ranked[i]!;
    sorted[start[primary[id]!]!++] = id;
  }
  return sorted;
}

/** Replaces each value by its position among the distinct values (same order); returns how many there are. */
function densePositions(values: Float64Array): number {
  const distinct = Float64Array.from(values).sort();
  let count = 0;
  for (let i = 0; i < distinct.length; i++) if (i === 0 || distinct[i] !== distinct[count - 1]) distinct[count++] = distinct[i]!;
  for (let i = 0; i < values.length; i++) {
    let lo = 0;
    let hi = count - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (distinct[mid]! < values[i]!) lo = mid + 1;
      else hi = mid;
    }
    values[i] = lo;
  }
  return count;
}

/**
 * Each group's candidates in precedence order: group g holds positions start[g] .. start[g+1]-1 of the result.
 * Walking all candidates once in precedence order and appending each to its route's groups sorts every group.
 */
function placeCandidates(read: RouteRead, sorted: Int32Array, groupCount: number, memberRoute: IntList, memberGroup: IntList): { members: Int32Array; start: Int32Array } {
  const candidateFirst = read.candidateFirst;
  const routeCount = candidateFirst.length - 1;
  const routeGroupsStart = scratch.routeGroupsStart.take(routeCount + 1, 0);
  const start = scratch.groupStart.take(groupCount + 1, 0);
  for (let m = 0; m < memberRoute.length; m++) {
    const r = memberRoute.at(m);
    routeGroupsStart[r + 1]!++;
    start[memberGroup.at(m) + 1]! += candidateFirst[r + 1]! - candidateFirst[r]!;
  }
  for (let r = 0; r < routeCount; r++) routeGroupsStart[r + 1]! += routeGroupsStart[r]!;
  for (let g = 0; g < groupCount; g++) start[g + 1]! += start[g]!;
  const routeGroups = scratch.routeGroups.take(memberRoute.length);
  const routeFill = scratch.routeFill.take(routeCount);
  routeFill.set(routeGroupsStart.subarray(0, routeCount));
  for (let m = 0; m < memberRoute.length; m++) routeGroups[routeFill[memberRoute.at(m)]!++] = memberGroup.at(m);

  const members = scratch.members.take(start[groupCount]!);
  const fill = scratch.groupFill.take(groupCount);
  fill.set(start.subarray(0, groupCount));
  const route = read.candidates.route;
  for (let i = 0; i < sorted.length; i++) {
    const id = sorted[i]!;
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
function splitIntoBuckets(placed: { members: Int32Array; start: Int32Array }, groupCount: number, read: RouteRead): BucketModel {
  const { members, start } = placed;
  const { pathClass: cls, key } = read;
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
  const bucketOf = scratch.bucketOf.take(total);
  const fill = scratch.bucketFill.take(total);
  // The bucket a key (x2: exact or prefix) has in the group being split; entries of earlier groups are stale.
  const index = new OwnedIds(read.strings.count * 2, scratch.bucketOwner, scratch.bucketIndex);
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
      const slot = key[id]! * 2 + (pathClass === PathClass.Exact ? 0 : 1);
      let b = index.get(slot, g);
      if (b < 0) {
        index.set(slot, g, (b = buckets++));
        bucketKey[b] = key[id]!;
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

  constructor(size: number, owner: Scratch<Int32Array>, value: Scratch<Int32Array>) {
    this.owner = owner.take(size, -1);
    this.value = value.take(size);
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

/** The build's working arrays (grow.ts Scratch), each named for its one use. */
const scratch = {
  seen: new Scratch(new Uint8Array(1024)),
  hostOwner: new Scratch(new Int32Array(1024)),
  hostGroup: new Scratch(new Int32Array(1024)),
  joined: new Scratch(new Int32Array(1024)),
  primary: new Scratch(new Float64Array(1024)),
  byRank: new Scratch(new Int32Array(1024)),
  ranked: new Scratch(new Int32Array(1024)),
  primaryStart: new Scratch(new Int32Array(1024)),
  routeGroupsStart: new Scratch(new Int32Array(1024)),
  routeGroups: new Scratch(new Int32Array(1024)),
  routeFill: new Scratch(new Int32Array(1024)),
  members: new Scratch(new Int32Array(1024)),
  groupStart: new Scratch(new Int32Array(1024)),
  sorted: new Scratch(new Int32Array(1024)),
  groupFill: new Scratch(new Int32Array(1024)),
  bucketOf: new Scratch(new Int32Array(1024)),
  bucketFill: new Scratch(new Int32Array(1024)),
  bucketOwner: new Scratch(new Int32Array(1024)),
  bucketIndex: new Scratch(new Int32Array(1024)),
};
