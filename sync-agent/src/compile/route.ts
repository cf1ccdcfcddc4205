/**
 * One IR route -> the snapshot's Route for one Gateway: listener names become indexes, and lists whose order has no
 * meaning are sorted so equal configurations give equal bytes.
 */
import type { Filter, HeaderModifier, Match, Route, StringMatch } from "../../../schema/snapshot.ts";
import type { RouteIR, RuleIR } from "../ir/types.ts";

export function compileRoute(route: RouteIR, gatewayKey: string, listenerIndex: Map<string, number>): Route {
  const attachments: Route["attachments"] = [];
  for (const attachment of route.attachments) {
    if (attachment.gateway !== gatewayKey) continue;
    const listener = listenerIndex.get(attachment.listener);
    if (listener === undefined) continue;
    attachments.push({ listener, hostnames: [...attachment.hostnames].sort() });
  }
  attachments.sort((a, b) => a.listener - b.listener);
  return {
    namespace: route.namespace,
    name: route.name,
    creationTimestamp: route.creationTimestamp,
    generation: route.generation,
    attachments,
    rules: route.rules.map(compileRule),
  };
}

function compileRule(rule: RuleIR): Route["rules"][number] {
  return {
    index: rule.index,
    name: rule.name,
    // Match order is meaningful (the first matching entry wins); inside one match, headers and query params are ANDed.
    matches: rule.matches.map(compileMatch),
    filters: rule.filters.map(compileFilter),
    backends: rule.backends.map((b) => ({ ...b, filters: b.filters.map(compileFilter) })),
    timeouts: { ...rule.timeouts },
    retry: rule.retry === null ? null : { ...rule.retry, codes: [...rule.retry.codes].sort((a, b) => a - b) },
  };
}

function compileMatch(match: Match): Match {
  return {
    path: { ...match.path },
    headers: sortByName(match.headers),
    queryParams: sortByName(match.queryParams),
    method: match.method,
  };
}

function compileFilter(filter: Filter): Filter {
  if (filter.type === "RequestHeaderModifier" || filter.type === "ResponseHeaderModifier") {
    return { type: filter.type, modifier: sortModifier(filter.modifier) };
  }
  return filter;
}

function sortModifier(modifier: HeaderModifier): HeaderModifier {
  return { set: sortByName(modifier.set), add: sortByName(modifier.add), remove: [...modifier.remove].sort() };
}

function sortByName<T extends { name: string } | StringMatch>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
