/**
 * Hostname rules (spec §1): validity of listener and route hostnames, and the route/listener intersection.
 */

/** RFC 1123 DNS subdomain with an optional leading "*." label; IP addresses are not allowed (Gateway API Hostname). */
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IPV4 = /^[0-9]+(\.[0-9]+){3}$/;

/** Returns a problem message, or undefined when `hostname` is a valid Gateway API Hostname. */
export function hostnameProblem(hostname: string): string | undefined {
  if (hostname.length > 253) return `hostname "${hostname}" is longer than 253 characters`;
  if (IPV4.test(hostname) || hostname.includes(":")) return `hostname "${hostname}" is an IP address, which is not allowed`;
  if (!HOSTNAME.test(hostname.toLowerCase())) {
    return `hostname "${hostname}" is not a valid DNS name (a leading "*." label is the only wildcard allowed)`;
  }
  return undefined;
}

/** PreciseHostname (redirect and rewrite targets): a hostname without the wildcard label. */
export function preciseHostnameProblem(hostname: string): string | undefined {
  if (hostname.startsWith("*")) return `hostname "${hostname}" must not be a wildcard`;
  return hostnameProblem(hostname);
}

function isWildcard(hostname: string): boolean {
  return hostname.startsWith("*.");
}

/** `*.example.com` matches `foo.example.com` and `foo.bar.example.com`, never `example.com` itself (spec §1). */
function wildcardCovers(wildcard: string, host: string): boolean {
  const suffix = wildcard.slice(1); // ".example.com"
  return host.length > suffix.length && host.endsWith(suffix);
}

/**
 * The hostnames a route serves on a listener (spec §1): null when none of the route's hostnames intersects the
 * listener's; [] meaning "every host the listener accepts"; otherwise the sorted, de-duplicated intersection, where
 * the more specific side of each intersecting pair wins (route `*.specific.com` on listener `very.specific.com`
 * serves only `very.specific.com`). `routeHostnames` must already be lower-case, sorted and unique (the route's
 * list is normalized once, not once per listener); with a hostname-less listener it is returned as is.
 */
export function intersectHostnames(listenerHostname: string | null, routeHostnames: readonly string[]): string[] | null {
  if (routeHostnames.length === 0) return [];
  if (listenerHostname === null) return routeHostnames as string[];
  const out: string[] = [];
  for (const route of routeHostnames) {
    const common = intersectPair(listenerHostname, route);
    if (common !== undefined) out.push(common);
  }
  return out.length === 0 ? null : sortedUnique(out);
}

function intersectPair(listener: string, route: string): string | undefined {
  if (listener === route) return listener;
  const lw = isWildcard(listener);
  const rw = isWildcard(route);
  if (rw && !lw) return wildcardCovers(route, listener) ? listener : undefined;
  if (lw && !rw) return wildcardCovers(listener, route) ? route : undefined;
  if (lw && rw) {
    // Both wildcards: the narrower one (more labels right of "*") is the intersection.
    if (wildcardCovers(listener, route.slice(2))) return route;
    if (wildcardCovers(route, listener.slice(2))) return listener;
  }
  return undefined;
}

export function sortedUnique(values: readonly string[]): string[] {
  if (values.length < 2) return [...values];
  return [...new Set(values)].sort();
}
