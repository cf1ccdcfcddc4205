import type { Listener, Match, Route } from "../../schema/snapshot.ts";

/**
 * The precedence rules both matchers share as *rules* (each implements them in its own code): helpers for listener
 * hostname specificity, route hostnames and the route-level tie-breaks. Spec references are to
 * gateway-api-semantics.md; choices the spec leaves open are documented in docs/matcher.md.
 */

/** Listener specificity (spec §1): exact > wildcard (more labels, then more characters) > no hostname. */
export function listenerHostRank(hostname: string | null): [number, number, number] {
  if (hostname === null) return [2, 0, 0];
  if (hostname.startsWith("*.")) return [1, -hostname.split(".").length, -hostname.length];
  return [0, 0, 0];
}

/**
 * The host patterns a route serves on one listener: the union of the effective hostnames of all its attachments to
 * that listener. An attachment without hostnames serves whatever the listener accepts, i.e. the listener's own
 * hostname (null = any host), so a route that omits hostnames ranks exactly like one that names the listener's host.
 */
export function routeHostPatterns(route: Route, listenerIndex: number, listener: Listener): (string | null)[] {
  const patterns = new Set<string | null>();
  for (const attachment of route.attachments) {
    if (attachment.listener !== listenerIndex) continue;
    if (attachment.hostnames.length === 0) patterns.add(listener.hostname);
    for (const h of attachment.hostnames) patterns.add(h.toLowerCase());
  }
  return [...patterns];
}

/**
 * Spec §3 tie-break 6 then 7: oldest creationTimestamp first, then "{namespace}/{name}" alphabetically; the rank of
 * each route in that order. `created`: creationTime of each route; `inNameOrder`: the routes are already in
 * "{namespace}/{name}" order (compareRouteNames), as the compiler sorts them, so ties on time keep index order and
 * the order is a numeric sort of (time rank, index) with no string built or compared.
 */
export function routeOrder(routes: readonly Route[], created: Float64Array = creationTimes(routes), inNameOrder = namesAscending(routes)): Int32Array {
  const n = routes.length;
  const rank = new Int32Array(n);
  if (!inNameOrder) {
    const byAge = routes.map((route, index) => ({ index, time: created[index]!, name: `${route.namespace}/${route.name}` }));
    byAge.sort((a, b) => a.time - b.time || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || a.index - b.index);
    byAge.forEach((entry, position) => (rank[entry.index] = position));
    return rank;
  }
  // Sort keys (time, index) as one exact number: time since the oldest x n + index when the spread of times allows
  // (some 28 years of milliseconds at 10,000 routes), else the time's position among the distinct times x n + index.
  let oldest = Infinity;
  let newest = -Infinity;
  for (let r = 0; r < n; r++) {
    oldest = Math.min(oldest, created[r]!);
    newest = Math.max(newest, created[r]!);
  }
  const keys = new Float64Array(n);
  if ((newest - oldest + 1) * n <= 2 ** 53) {
    for (let r = 0; r < n; r++) keys[r] = (created[r]! - oldest) * n + r;
  } else {
    const times = Float64Array.from(created).sort();
    let distinct = 0;
    for (let i = 0; i < n; i++) if (i === 0 || times[i] !== times[distinct - 1]) times[distinct++] = times[i]!;
    for (let r = 0; r < n; r++) keys[r] = positionOf(times, distinct, created[r]!) * n + r;
  }
  keys.sort();
  for (let position = 0; position < n; position++) rank[keys[position]! % n] = position;
  return rank;
}

/** The index of `value` in the ascending `sorted[0 .. count)`, which holds it. */
function positionOf(sorted: Float64Array, count: number, value: number): number {
  let lo = 0;
  let hi = count - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function creationTimes(routes: readonly Route[]): Float64Array {
  const created = new Float64Array(routes.length);
  for (let r = 0; r < routes.length; r++) created[r] = creationTime(routes[r]!.creationTimestamp);
  return created;
}

/** Whether every route's "{namespace}/{name}" sorts at or after the one before it. */
export function namesAscending(routes: readonly Route[]): boolean {
  for (let r = 1; r < routes.length; r++) if (compareRouteNames(routes[r - 1]!, routes[r]!) > 0) return false;
  return true;
}

/** "{namespace}/{name}" of `a` against `b` (UTF-16 code unit order, as `<`), without building either string. */
export function compareRouteNames(a: Route, b: Route): number {
  if (a.namespace === b.namespace) return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  const x = `${a.namespace}/${a.name}`;
  const y = `${b.namespace}/${b.name}`;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Milliseconds since the epoch; an unparsable timestamp sorts last (treated as newest). The form Kubernetes writes
 * (RFC 3339 in UTC, whole seconds: "2024-01-31T12:00:00Z") is read here with Date.UTC; any other form, or a field
 * out of range, goes to Date.parse, whose result this equals on the form it reads.
 */
export function creationTime(timestamp: string): number {
  const t = timestamp.length === 20 ? utcSeconds(timestamp) : NaN;
  if (!Number.isNaN(t)) return t;
  const parsed = Date.parse(timestamp);
  return Number.isNaN(parsed) ? Number.MAX_SAFE_INTEGER : parsed;
}

/** "YYYY-MM-DDTHH:MM:SSZ" in milliseconds since the epoch, or NaN. */
function utcSeconds(s: string): number {
  if (s.charCodeAt(4) !== 0x2d || s.charCodeAt(7) !== 0x2d || s.charCodeAt(10) !== 0x54 || s.charCodeAt(13) !== 0x3a || s.charCodeAt(16) !== 0x3a || s.charCodeAt(19) !== 0x5a) return NaN;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  // A NaN field fails every comparison. Date.parse takes day 31 of any month (Feb 31 is Mar 3): so does the sum.
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 59)) return NaN;
  return (((daysFromCivil(year, month) + day - 1) * 24 + hour) * 60 + minute) * 60000 + second * 1000;
}

/** Days from 1970-01-01 to the first of `month` (1-12) of `year` (proleptic Gregorian; H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5);
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function digits(s: string, from: number, count: number): number {
  let v = 0;
  for (let i = from; i < from + count; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

/** A PathPrefix value without its trailing "/" (spec §3: a trailing "/" in the value is ignored); "/" becomes "". */
export function normalizePrefix(value: string): string {
  return value.slice(0, prefixLength(value));
}

/** The length of normalizePrefix(value). */
export function prefixLength(value: string): number {
  let end = value.length;
  while (end > 0 && value.charCodeAt(end - 1) === 0x2f) end--;
  return end;
}

/** Path match class: Exact beats RegularExpression beats PathPrefix (our choice for regex, as Envoy Gateway does). */
export function pathClass(match: Match): number {
  return match.path.type === "Exact" ? 0 : match.path.type === "RegularExpression" ? 1 : 2;
}
