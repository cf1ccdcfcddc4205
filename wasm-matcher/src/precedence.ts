import type { Listener, Match, Route, Snapshot } from "../../schema/snapshot.ts";

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

/** Spec §3 tie-break 6 then 7: oldest creationTimestamp first, then "{namespace}/{name}" alphabetically. */
export function routeOrder(snapshot: Snapshot): number[] {
  const byAge = snapshot.routes.map((route, index) => ({ index, time: creationTime(route), name: `${route.namespace}/${route.name}` }));
  byAge.sort((a, b) => a.time - b.time || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || a.index - b.index);
  const order = new Array<number>(snapshot.routes.length);
  byAge.forEach((entry, position) => (order[entry.index] = position));
  return order;
}

/** Milliseconds since the epoch; an unparsable timestamp sorts last (treated as newest). */
function creationTime(route: Route): number {
  const t = Date.parse(route.creationTimestamp);
  return Number.isNaN(t) ? Number.MAX_SAFE_INTEGER : t;
}

/** A PathPrefix value without its trailing "/" (spec §3: a trailing "/" in the value is ignored); "/" becomes "". */
export function normalizePrefix(value: string): string {
  let end = value.length;
  while (end > 0 && value.charCodeAt(end - 1) === 0x2f) end--;
  return value.slice(0, end);
}

/** Path match class: Exact beats RegularExpression beats PathPrefix (our choice for regex, as Envoy Gateway does). */
export function pathClass(match: Match): number {
  return match.path.type === "Exact" ? 0 : match.path.type === "RegularExpression" ? 1 : 2;
}
