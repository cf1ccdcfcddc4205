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
  conditions: Condition[];
  /** Sort key fields (spec §3), see comparePrecedence. */
  key: number[];
}

export interface PathBucket {
  key: string;
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
}

export function buildTableModel(snapshot: Snapshot): TableModel {
  const order = routeOrder(snapshot);
  const groups: Group[] = [];
  const headerNames = new Map<string, number>();
  const queryNames = new Map<string, number>();
  const newGroup = (): Group => {
    const group: Group = { id: groups.length, exact: [], regex: [], prefix: [] };
    groups.push(group);
    return group;
  };
  const members = new Map<Group, Candidate[]>();

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
    snapshot.routes.forEach((route, routeIndex) => {
      for (const pattern of routeHostPatterns(route, model.index, model.listener)) {
        const group = groupFor(pattern);
        let list = members.get(group);
        if (list === undefined) members.set(group, (list = []));
        route.rules.forEach((rule, ruleIndex) => {
          rule.matches.forEach((match, matchIndex) => {
            const candidate = toCandidate(match, routeIndex, ruleIndex, matchIndex, order[routeIndex]!);
            if (candidate === null) return;
            for (const c of candidate.conditions) {
              if (c.kind === "header" && !headerNames.has(c.name)) headerNames.set(c.name, headerNames.size);
              if (c.kind === "query" && !queryNames.has(c.name)) queryNames.set(c.name, queryNames.size);
            }
            list!.push(candidate);
          });
        });
      }
    });
  }

  for (const [group, list] of members) splitIntoBuckets(group, list.sort(comparePrecedence));
  return { listeners, groups, headerNames: [...headerNames.keys()], queryNames: [...queryNames.keys()], routeCount: snapshot.routes.length };
}

/**
 * A match as a candidate, or null when it can never match (a regex outside the supported subset: the translator
 * rejects those with a condition, so this only guards against a hand-made snapshot).
 */
function toCandidate(match: Match, route: number, rule: number, matchIndex: number, routeRank: number): Candidate | null {
  const conditions: Condition[] = [];
  if (match.method !== null) conditions.push({ kind: "method", name: "", type: "Exact", value: match.method });
  const seenHeaders = new Set<string>();
  for (const h of match.headers) {
    const name = h.name.toLowerCase();
    // Spec §3: if several entries share a name, only the first counts.
    if (seenHeaders.has(name)) continue;
    seenHeaders.add(name);
    conditions.push({ kind: "header", name, type: h.type, value: h.value });
  }
  const seenParams = new Set<string>();
  for (const q of match.queryParams) {
    if (seenParams.has(q.name)) continue;
    seenParams.add(q.name);
    conditions.push({ kind: "query", name: q.name, type: q.type, value: q.value });
  }
  const patterns = conditions.filter((c) => c.type === "RegularExpression").map((c) => c.value);
  if (match.path.type === "RegularExpression") patterns.push(match.path.value);
  if (patterns.some((p) => !compileRegex(p).ok)) return null;
  // "Most characters" of a PathPrefix counts the value without its ignored trailing "/" (spec §3).
  const pathLength =
    match.path.type === "Exact" ? 0 : match.path.type === "PathPrefix" ? normalizePrefix(match.path.value).length : match.path.value.length;
  const key = [
    pathClass(match),
    -pathLength,
    match.method === null ? 1 : 0,
    -seenHeaders.size,
    -seenParams.size,
    routeRank,
    rule,
    matchIndex,
  ];
  return { route, rule, match: matchIndex, pathType: match.path.type, pathValue: match.path.value, conditions, key };
}

/**
 * Spec §3 precedence inside one hostname group: Exact path, then RegularExpression (longer pattern first), then
 * PathPrefix (more characters first); then has a method, most headers, most query params, oldest route,
 * namespace/name, rule order, match order. All folded into one numeric key.
 */
export function comparePrecedence(a: Candidate, b: Candidate): number {
  for (let i = 0; i < a.key.length; i++) {
    const d = a.key[i]! - b.key[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Splits a group's sorted candidates into exact-path buckets, the regex list and prefix buckets (keyed by the
 * normalized prefix), each keeping precedence order. Buckets are ordered by their best candidate, so a lookup that
 * visits exact, then regex, then prefixes longest-first meets candidates in precedence order.
 */
function splitIntoBuckets(group: Group, sorted: Candidate[]): void {
  const exact = new Map<string, PathBucket>();
  const prefix = new Map<string, PathBucket>();
  for (const c of sorted) {
    if (c.pathType === "RegularExpression") {
      group.regex.push(c);
      continue;
    }
    const map = c.pathType === "Exact" ? exact : prefix;
    const key = c.pathType === "Exact" ? c.pathValue : normalizePrefix(c.pathValue);
    let bucket = map.get(key);
    if (bucket === undefined) map.set(key, (bucket = { key, candidates: [] }));
    bucket.candidates.push(c);
  }
  group.exact = [...exact.values()];
  group.prefix = [...prefix.values()];
}
