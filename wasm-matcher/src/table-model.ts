import type { Listener, Match, Snapshot } from "../../schema/snapshot.ts";
import { compileRegex } from "./regex/compile.ts";
import { listenerHostRank, normalizePrefix, pathClass, routeHostPatterns, routeOrder } from "./precedence.ts";

/**
 * The route table before it becomes bytes: listeners in selection order, hostname groups, and each group's
 * candidates sorted by precedence and split into the buckets the matcher looks up (docs/matcher.md, "Lookup").
 */

export interface Condition {
  kind: "method" | "header" | "query";
  /** Header or query-param name (lower-case for headers). */
  name: string;
  type: "Exact" | "RegularExpression";
  value: string;
}

export interface Candidate {
  route: number;
  rule: number;
  match: number;
  pathType: Match["path"]["type"];
  pathValue: string;
  /** The hash key of its path bucket: the Exact value, or the PathPrefix value without its trailing "/"s. */
  bucketKey: string;
  /** `bucketKey` as a small number (same key, same id within one table), so buckets are found without hashing. */
  bucketKeyId: number;
  conditions: Condition[];
  /** Sort key fields (spec §3), see comparePrecedence: path class (Exact 0, RegularExpression 1, PathPrefix 2), ... */
  pathClass: number;
  /** ... characters of the path (0 for Exact: an exact path never ties with another in its bucket), ... */
  pathLength: number;
  /** ... 0 with a method, 1 without, ... */
  anyMethod: number;
  /** ... header and query-param conditions counted once per name, ... */
  headerCount: number;
  paramCount: number;
  /** ... and the route's position in oldest-first, then namespace/name order. */
  routeRank: number;
}

export interface PathBucket {
  key: string;
  /** The key's id (Candidate.bucketKeyId). */
  keyId: number;
  candidates: Candidate[];
}

export interface Group {
  id: number;
  exact: PathBucket[];
  regex: Candidate[];
  prefix: PathBucket[];
}

export interface ListenerModel {
  index: number;
  listener: Listener;
  exactHosts: Map<string, Group>;
  /** Keyed by the suffix after "*" (".example.com"). */
  wildcardHosts: Map<string, Group>;
  anyHost: Group | null;
}

export interface TableModel {
  listeners: ListenerModel[];
  groups: Group[];
  /** Header names (lower-case) whose values the matcher needs, in slot order. */
  headerNames: string[];
  /** Query-param names, in slot order. */
  queryNames: string[];
  routeCount: number;
  /** Every regex of the candidates, compiled once per table (a pattern recurs across listeners and hostnames). */
  regexPrograms: Map<string, Uint8Array>;
  /** Distinct bucket keys (ids are 0 .. bucketKeyCount-1). */
  bucketKeyCount: number;
}

/**
 * A route serves the same candidates in every hostname group it joins (one per listener and host pattern), so each
 * route's candidates are built once, on first use, and the same objects are shared by all its groups.
 */
export function buildTableModel(snapshot: Snapshot): TableModel {
  const order = routeOrder(snapshot);
  const groups: Group[] = [];
  const headerNames = new Map<string, number>();
  const queryNames = new Map<string, number>();
  const regex = new RegexPrograms();
  const keyIds = new Map<string, number>();
  const newGroup = (): Group => {
    const group: Group = { id: groups.length, exact: [], regex: [], prefix: [] };
    groups.push(group);
    return group;
  };
  const members = new Map<Group, Candidate[]>();
  const routeCandidates = new Array<Candidate[] | undefined>(snapshot.routes.length);
  const candidatesOf = (routeIndex: number): Candidate[] => {
    let list = routeCandidates[routeIndex];
    if (list !== undefined) return list;
    list = [];
    const rules = snapshot.routes[routeIndex]!.rules;
    for (let ruleIndex = 0; ruleIndex < rules.length; ruleIndex++) {
      const matches = rules[ruleIndex]!.matches;
      for (let matchIndex = 0; matchIndex < matches.length; matchIndex++) {
        const candidate = toCandidate(matches[matchIndex]!, routeIndex, ruleIndex, matchIndex, order[routeIndex]!, regex);
        if (candidate === null) continue;
        let id = keyIds.get(candidate.bucketKey);
        if (id === undefined) keyIds.set(candidate.bucketKey, (id = keyIds.size));
        candidate.bucketKeyId = id;
        // Slots are numbered in order of first use.
        for (const c of candidate.conditions) {
          if (c.kind === "header" && !headerNames.has(c.name)) headerNames.set(c.name, headerNames.size);
          if (c.kind === "query" && !queryNames.has(c.name)) queryNames.set(c.name, queryNames.size);
        }
        list.push(candidate);
      }
    }
    routeCandidates[routeIndex] = list;
    return list;
  };

  // Routes attached to each listener, in route order.
  const routesByListener = snapshot.listeners.map((): number[] => []);
  snapshot.routes.forEach((route, routeIndex) => {
    for (const attachment of route.attachments) {
      const list = routesByListener[attachment.listener];
      if (list !== undefined && list[list.length - 1] !== routeIndex) list.push(routeIndex);
    }
  });

  const listeners = snapshot.listeners
    .map((listener, index) => ({ listener, index, rank: listenerHostRank(listener.hostname) }))
    .sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.rank[2] - b.rank[2] || a.index - b.index)
    .map(({ listener, index }): ListenerModel => ({ index, listener, exactHosts: new Map(), wildcardHosts: new Map(), anyHost: null }));

  for (const model of listeners) {
    const groupFor = (pattern: string | null): Group => {
      if (pattern === null) return (model.anyHost ??= newGroup());
      const wildcard = pattern.startsWith("*.");
      const map = wildcard ? model.wildcardHosts : model.exactHosts;
      const key = wildcard ? pattern.slice(1) : pattern;
      let group = map.get(key);
      if (group === undefined) map.set(key, (group = newGroup()));
      return group;
    };
    for (const routeIndex of routesByListener[model.index]!) {
      const patterns = routeHostPatterns(snapshot.routes[routeIndex]!, model.index, model.listener);
      const candidates = candidatesOf(routeIndex);
      for (const pattern of patterns) {
        const group = groupFor(pattern);
        let list = members.get(group);
        if (list === undefined) members.set(group, (list = []));
        for (const c of candidates) list.push(c);
      }
    }
  }

  // Bucket lookup by key id, shared by all groups (a 10,000-route table has thousands of groups).
  const buckets = new BucketIndex(keyIds.size);
  for (const [group, list] of members) splitIntoBuckets(group, list.sort(comparePrecedence), buckets);
  return {
    listeners,
    groups,
    headerNames: [...headerNames.keys()],
    queryNames: [...queryNames.keys()],
    routeCount: snapshot.routes.length,
    regexPrograms: regex.programs,
    bucketKeyCount: keyIds.size,
  };
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
 * A match as a candidate, or null when it can never match (a regex outside the supported subset: the translator
 * rejects those with a condition, so this only guards against a hand-made snapshot).
 */
function toCandidate(match: Match, route: number, rule: number, matchIndex: number, routeRank: number, regex: RegexPrograms): Candidate | null {
  const conditions: Condition[] = [];
  let regexOk = true;
  if (match.method !== null) conditions.push({ kind: "method", name: "", type: "Exact", value: match.method });
  // Spec §3: if several entries share a name, only the first counts.
  let headerCount = 0;
  for (let i = 0; i < match.headers.length; i++) {
    const h = match.headers[i]!;
    const name = h.name.toLowerCase();
    if (i > 0 && match.headers.slice(0, i).some((earlier) => earlier.name.toLowerCase() === name)) continue;
    headerCount++;
    conditions.push({ kind: "header", name, type: h.type, value: h.value });
    if (h.type === "RegularExpression") regexOk &&= regex.ok(h.value);
  }
  let paramCount = 0;
  for (let i = 0; i < match.queryParams.length; i++) {
    const q = match.queryParams[i]!;
    if (i > 0 && match.queryParams.slice(0, i).some((earlier) => earlier.name === q.name)) continue;
    paramCount++;
    conditions.push({ kind: "query", name: q.name, type: q.type, value: q.value });
    if (q.type === "RegularExpression") regexOk &&= regex.ok(q.value);
  }
  if (match.path.type === "RegularExpression") regexOk &&= regex.ok(match.path.value);
  if (!regexOk) return null;
  const bucketKey = match.path.type === "PathPrefix" ? normalizePrefix(match.path.value) : match.path.value;
  // "Most characters" of a PathPrefix counts the value without its ignored trailing "/" (spec §3).
  const pathLength =
    match.path.type === "Exact" ? 0 : match.path.type === "PathPrefix" ? bucketKey.length : match.path.value.length;
  return {
    route,
    rule,
    match: matchIndex,
    pathType: match.path.type,
    pathValue: match.path.value,
    bucketKey,
    bucketKeyId: -1,
    conditions,
    pathClass: pathClass(match),
    pathLength,
    anyMethod: match.method === null ? 1 : 0,
    headerCount,
    paramCount,
    routeRank,
  };
}

/**
 * Spec §3 precedence inside one hostname group: Exact path, then RegularExpression (longer pattern first), then
 * PathPrefix (more characters first); then has a method, most headers, most query params, oldest route,
 * namespace/name, rule order, match order.
 */
export function comparePrecedence(a: Candidate, b: Candidate): number {
  return (
    a.pathClass - b.pathClass ||
    b.pathLength - a.pathLength ||
    a.anyMethod - b.anyMethod ||
    b.headerCount - a.headerCount ||
    b.paramCount - a.paramCount ||
    a.routeRank - b.routeRank ||
    a.rule - b.rule ||
    a.match - b.match
  );
}

/**
 * Splits a group's sorted candidates into exact-path buckets, the regex list and prefix buckets (keyed by the
 * normalized prefix), each keeping precedence order. Buckets are ordered by their best candidate, so a lookup that
 * visits exact, then regex, then prefixes longest-first meets candidates in precedence order.
 */
function splitIntoBuckets(group: Group, sorted: Candidate[], index: BucketIndex): void {
  for (const c of sorted) {
    if (c.pathType === "RegularExpression") {
      group.regex.push(c);
      continue;
    }
    const exact = c.pathType === "Exact";
    const known = index.find(exact, c.bucketKeyId, group.id);
    if (known !== undefined) {
      known.candidates.push(c);
      continue;
    }
    // Most buckets hold one candidate: an exact-size list rather than an empty one that grows on first push.
    const bucket: PathBucket = { key: c.bucketKey, keyId: c.bucketKeyId, candidates: [c] };
    index.set(exact, c.bucketKeyId, group.id, bucket);
    (exact ? group.exact : group.prefix).push(bucket);
  }
}

/**
 * The bucket each key id has in the group being split, for exact and prefix keys. An entry of an earlier group is
 * simply replaced: groups are split one after the other.
 */
class BucketIndex {
  private readonly owner: Int32Array;
  private readonly buckets: (PathBucket | undefined)[];

  constructor(private readonly keyCount: number) {
    this.owner = new Int32Array(keyCount * 2).fill(-1);
    this.buckets = new Array<PathBucket | undefined>(keyCount * 2).fill(undefined);
  }

  find(exact: boolean, keyId: number, group: number): PathBucket | undefined {
    const slot = exact ? keyId : this.keyCount + keyId;
    return this.owner[slot] === group ? this.buckets[slot] : undefined;
  }

  set(exact: boolean, keyId: number, group: number, bucket: PathBucket): void {
    const slot = exact ? keyId : this.keyCount + keyId;
    this.owner[slot] = group;
    this.buckets[slot] = bucket;
  }
}
