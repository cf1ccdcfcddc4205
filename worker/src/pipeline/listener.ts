/**
 * Which Gateway answers a request when the worker serves several (EDGEWAY_GATEWAY is a comma list): the one whose
 * listener matches the request best — same port and protocol, then the most specific hostname (spec §1: exact >
 * wildcard with more labels > no hostname); ties go to the Gateway listed first. Within the chosen Gateway the
 * matcher selects the listener itself.
 */
import type { Listener, Route } from "../../../schema/snapshot.ts";

const NO_MATCH = -1;

/** Higher is more specific; -1 when the listener does not accept this scheme/port/host. */
export function listenerSpecificity(listener: Listener, scheme: "http" | "https", port: number, host: string): number {
  if ((listener.protocol === "HTTPS") !== (scheme === "https") || listener.port !== port) return NO_MATCH;
  const name = listener.hostname;
  if (name === null) return 0;
  if (name.startsWith("*.")) {
    const suffix = name.slice(1);
    return host.endsWith(suffix) && host.length > suffix.length ? name.split(".").length : NO_MATCH;
  }
  return name === host ? 1_000 : NO_MATCH;
}

export function bestListenerScore(listeners: readonly Listener[], scheme: "http" | "https", port: number, host: string): number {
  let best = NO_MATCH;
  for (const listener of listeners) best = Math.max(best, listenerSpecificity(listener, scheme, port, host));
  return best;
}

/** Index of the best candidate, or -1 when no candidate has a matching listener. */
export function chooseGateway(candidates: readonly (readonly Listener[])[], scheme: "http" | "https", port: number, host: string): number {
  let chosen = -1;
  let chosenScore = NO_MATCH;
  candidates.forEach((listeners, index) => {
    const score = bestListenerScore(listeners, scheme, port, host);
    if (score > chosenScore) {
      chosen = index;
      chosenScore = score;
    }
  });
  return chosen;
}

/**
 * Whether the client's host is a name the configuration itself wrote: the matched listener's hostname, or one of the
 * route's effective hostnames on that listener, equal to it — never through a wildcard or a listener/route without
 * hostnames, where the client chose the name. Only such a host may become the URL host of an opted-in origin
 * (forward.ts upstreamTarget). A host spelled with "*" is never exact, even if it equals a wildcard literally.
 */
export function hostNamedExactly(host: string, listener: Listener, route: Route, listenerIndex: number): boolean {
  if (host.includes("*")) return false;
  if (listener.hostname === host) return true;
  for (const attachment of route.attachments) {
    if (attachment.listener === listenerIndex && attachment.hostnames.includes(host)) return true;
  }
  return false;
}
