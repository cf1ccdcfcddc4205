import type { Listener, Match, Route, Snapshot, StringMatch } from "../../schema/snapshot.ts";
import { writeOutcome, type Matcher, type MatchRequest, type MatchResult } from "./api.ts";
import { compileRegex } from "./regex/compile.ts";
import { regexFullMatchJs } from "./regex/vm.ts";
import { firstQueryValue } from "./query.ts";

/**
 * `createReferenceMatcher(snapshot)`: the oracle. It reads the snapshot directly and, for each request, evaluates
 * every match of every route on the selected listener and keeps the best by the spec's precedence, written out as
 * one comparison. Independent of the route table on purpose: the differential test pits the two against each other.
 * O(routes) per request; the worker never uses it except for inputs beyond the wasm buffers.
 */
export function createReferenceMatcher(snapshot: Snapshot): Matcher {
  const programs = new Map<string, Uint8Array | null>();
  const regex = (pattern: string, input: string | Uint8Array): boolean => {
    let program = programs.get(pattern);
    if (program === undefined) {
      const compiled = compileRegex(pattern);
      programs.set(pattern, (program = compiled.ok ? compiled.program : null));
    }
    // A pattern outside the supported subset never matches (the translator rejects it before it gets here).
    return program !== null && regexFullMatchJs(program, input);
  };
  const times = snapshot.routes.map((r) => {
    const t = Date.parse(r.creationTimestamp);
    return Number.isNaN(t) ? Number.MAX_SAFE_INTEGER : t;
  });

  // The hostnames each route serves on a listener, worked out once per listener.
  const served = new Map<number, (string | null)[][]>();
  const servedOn = (listener: number): (string | null)[][] => {
    let list = served.get(listener);
    if (list === undefined) served.set(listener, (list = snapshot.routes.map((r) => servedHostnames(r, listener, snapshot.listeners[listener]!))));
    return list;
  };

  function match(request: MatchRequest): MatchResult {
    const listener = selectListener(snapshot.listeners, request);
    if (listener < 0) return { kind: "no-listener" };
    let best: Found | null = null;
    const hostnames = servedOn(listener);
    snapshot.routes.forEach((route, routeIndex) => {
      for (const hostname of hostnames[routeIndex]!) {
        if (!hostnameMatches(hostname, request.host)) continue;
        route.rules.forEach((rule, ruleIndex) => {
          rule.matches.forEach((m, matchIndex) => {
            if (!matchHolds(m, request, regex)) return;
            const found: Found = { hostname, route, routeIndex, time: times[routeIndex]!, ruleIndex, matchIndex, match: m };
            if (best === null || beats(found, best)) best = found;
          });
        });
      }
    });
    if (best === null) return { kind: "no-route", listener };
    const b: Found = best;
    return { kind: "match", listener, route: b.routeIndex, rule: b.ruleIndex, match: b.matchIndex };
  }

  return { match, matchInto: (request, out) => writeOutcome(match(request), out) };
}

interface Found {
  hostname: string | null;
  route: Route;
  routeIndex: number;
  time: number;
  ruleIndex: number;
  matchIndex: number;
  match: Match;
}

/** Spec §1: same port and protocol, the most specific matching hostname, first listener on a tie. -1 for none. */
function selectListener(listeners: Listener[], request: MatchRequest): number {
  let chosen = -1;
  let chosenScore: number[] = [];
  listeners.forEach((l, i) => {
    if (l.port !== request.port || (l.protocol === "HTTPS") !== (request.scheme === "https")) return;
    if (!hostnameMatches(l.hostname, request.host)) return;
    const h = l.hostname;
    // exact > wildcard (more labels, then more characters) > none.
    const score = h === null ? [0, 0, 0] : h.startsWith("*.") ? [1, h.split(".").length, h.length] : [2, 0, 0];
    if (chosen < 0 || greater(score, chosenScore)) {
      chosen = i;
      chosenScore = score;
    }
  });
  return chosen;
}

function greater(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return false;
}

/** The route's effective hostnames on that listener; an attachment without hostnames takes the listener's. */
function servedHostnames(route: Route, listenerIndex: number, listener: Listener): (string | null)[] {
  const out: (string | null)[] = [];
  for (const a of route.attachments) {
    if (a.listener !== listenerIndex) continue;
    if (a.hostnames.length === 0) out.push(listener.hostname);
    else out.push(...a.hostnames.map((h) => h.toLowerCase()));
  }
  return out;
}

/** Spec §1: null matches all; "*.x" is a suffix match needing at least one label before it; otherwise equality. */
export function hostnameMatches(pattern: string | null, host: string): boolean {
  if (pattern === null) return true;
  if (pattern.startsWith("*.")) return host.length > pattern.length - 1 && host.endsWith(pattern.slice(1));
  return pattern === host;
}

function matchHolds(m: Match, request: MatchRequest, regex: (p: string, input: string | Uint8Array) => boolean): boolean {
  const path = request.path;
  if (m.path.type === "Exact" && path !== m.path.value) return false;
  if (m.path.type === "PathPrefix") {
    const prefix = m.path.value.replace(/\/+$/, "");
    if (path !== prefix && !path.startsWith(`${prefix}/`)) return false;
  }
  if (m.path.type === "RegularExpression" && !regex(m.path.value, path)) return false;
  if (m.method !== null && request.method !== m.method) return false;
  for (const h of firstPerName(m.headers, (n) => n.toLowerCase())) {
    const value = request.header(h.name.toLowerCase());
    if (value === null) return false;
    if (h.type === "Exact" ? value !== h.value : !regex(h.value, value)) return false;
  }
  for (const q of firstPerName(m.queryParams, (n) => n)) {
    const value = firstQueryValue(request.query, q.name);
    if (value === null) return false;
    if (q.type === "Exact" ? !sameBytes(value, utf8.encode(q.value)) : !regex(q.value, value)) return false;
  }
  return true;
}

const utf8 = new TextEncoder();

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Spec §3: of several entries with the same name only the first counts. */
function firstPerName(list: StringMatch[], key: (name: string) => string): StringMatch[] {
  const seen = new Set<string>();
  return list.filter((s) => {
    const k = key(s.name);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Whether `a` takes precedence over `b`: spec §1 hostname specificity, then spec §3 in order. */
function beats(a: Found, b: Found): boolean {
  const order: [number, number][] = [
    [nonWildcardChars(a.hostname), nonWildcardChars(b.hostname)],
    [(a.hostname ?? "").length, (b.hostname ?? "").length],
    [-pathRank(a.match), -pathRank(b.match)],
    [pathChars(a.match), pathChars(b.match)],
    [a.match.method === null ? 0 : 1, b.match.method === null ? 0 : 1],
    [firstPerName(a.match.headers, (n) => n.toLowerCase()).length, firstPerName(b.match.headers, (n) => n.toLowerCase()).length],
    [firstPerName(a.match.queryParams, (n) => n).length, firstPerName(b.match.queryParams, (n) => n).length],
    [-a.time, -b.time],
  ];
  for (const [x, y] of order) if (x !== y) return x > y;
  const an = `${a.route.namespace}/${a.route.name}`;
  const bn = `${b.route.namespace}/${b.route.name}`;
  if (an !== bn) return an < bn;
  if (a.routeIndex !== b.routeIndex) return a.routeIndex < b.routeIndex;
  if (a.ruleIndex !== b.ruleIndex) return a.ruleIndex < b.ruleIndex;
  return a.matchIndex < b.matchIndex;
}

export function nonWildcardChars(hostname: string | null): number {
  return hostname === null || hostname.startsWith("*.") ? 0 : hostname.length;
}

/** Exact 0, RegularExpression 1, PathPrefix 2 (regex placement is ours; docs/matcher.md). */
function pathRank(m: Match): number {
  return m.path.type === "Exact" ? 0 : m.path.type === "RegularExpression" ? 1 : 2;
}

/** Characters that count for precedence: a prefix without its ignored trailing "/", a regex's pattern length. */
function pathChars(m: Match): number {
  if (m.path.type === "Exact") return 0;
  if (m.path.type === "PathPrefix") return m.path.value.replace(/\/+$/, "").length;
  return m.path.value.length;
}
