/**
 * One IR route -> the snapshot's Route for one Gateway: listener names become indexes, lists whose order has no
 * meaning are sorted, and every object is built with its keys in sorted order.
 *
 * Why sorted keys: the blob is canonical JSON (schema/canonical.ts: keys sorted, no whitespace). Building objects in
 * that order makes `JSON.stringify(snapshot)` equal to `canonicalJson(snapshot)` without a second, allocating pass
 * over a multi-megabyte tree (10,000 routes: hundreds of thousands of objects). compile.test.ts checks the equality.
 */
import type { Backend, BackendRef, Filter, HeaderModifier, Match, PathModifier, Route, Rule, StringMatch } from "../../../schema/snapshot.ts";
import type { AttachmentIR, RouteIR, RuleIR } from "../ir/types.ts";

export function compileRoute(route: RouteIR, gatewayKey: string, listenerIndex: Map<string, number>): Route {
  const attachments: Route["attachments"] = [];
  for (const attachment of route.attachments) {
    if (attachment.gateway !== gatewayKey) continue;
    const listener = listenerIndex.get(attachment.listener);
    if (listener !== undefined) attachments.push(compileAttachment(attachment, listener));
  }
  attachments.sort(byListener);
  return {
    attachments,
    creationTimestamp: route.creationTimestamp,
    generation: route.generation,
    name: route.name,
    namespace: route.namespace,
    rules: route.rules.map(compileRule),
  };
}

function compileAttachment(attachment: AttachmentIR, listener: number): Route["attachments"][number] {
  return { hostnames: [...attachment.hostnames].sort(), listener };
}

function byListener(a: { listener: number }, b: { listener: number }): number {
  return a.listener - b.listener;
}

function compileRule(rule: RuleIR): Rule {
  return {
    backends: rule.backends.map(compileBackend),
    filters: rule.filters.map(compileFilter),
    index: rule.index,
    // Match order is meaningful (the first matching entry wins); inside one match, headers and query params are ANDed.
    matches: rule.matches.map(compileMatch),
    name: rule.name,
    retry:
      rule.retry === null
        ? null
        : {
            attempts: rule.retry.attempts,
            backoffMs: rule.retry.backoffMs,
            codes: [...rule.retry.codes].sort(numeric),
            retryConnectionErrors: rule.retry.retryConnectionErrors,
            retryNonIdempotent: rule.retry.retryNonIdempotent,
          },
    timeouts: { backendRequestMs: rule.timeouts.backendRequestMs, requestMs: rule.timeouts.requestMs },
  };
}

function compileBackend(backend: Backend): Backend {
  return {
    filters: backend.filters.map(compileFilter),
    reason: backend.reason,
    ref: backend.ref,
    status: backend.status,
    target: backend.target === null ? null : compileTarget(backend.target),
    weight: backend.weight,
  };
}

function compileTarget(target: BackendRef): BackendRef {
  return { origin: target.origin, protocol: target.protocol, ref: target.ref };
}

function compileMatch(match: Match): Match {
  return {
    headers: sortByName(match.headers).map(compileStringMatch),
    method: match.method,
    path: { type: match.path.type, value: match.path.value },
    queryParams: sortByName(match.queryParams).map(compileStringMatch),
  };
}

function compileStringMatch(match: StringMatch): StringMatch {
  return { name: match.name, type: match.type, value: match.value };
}

function compileFilter(filter: Filter): Filter {
  switch (filter.type) {
    case "RequestHeaderModifier":
    case "ResponseHeaderModifier":
      return { modifier: compileModifier(filter.modifier), type: filter.type };
    case "RequestRedirect":
      return {
        hostname: filter.hostname,
        path: filter.path === null ? null : compilePath(filter.path),
        port: filter.port,
        scheme: filter.scheme,
        statusCode: filter.statusCode,
        type: filter.type,
      };
    case "URLRewrite":
      return { hostname: filter.hostname, path: filter.path === null ? null : compilePath(filter.path), type: filter.type };
    case "RequestMirror":
      return {
        mirror: { backend: compileTarget(filter.mirror.backend), denominator: filter.mirror.denominator, numerator: filter.mirror.numerator },
        type: filter.type,
      };
    case "CORS": {
      const c = filter.cors;
      return {
        cors: {
          allowCredentials: c.allowCredentials,
          allowHeaders: [...c.allowHeaders],
          allowMethods: [...c.allowMethods],
          allowOrigins: [...c.allowOrigins],
          exposeHeaders: [...c.exposeHeaders],
          maxAge: c.maxAge,
        },
        type: filter.type,
      };
    }
    case "DirectResponse":
      return { reason: filter.reason, status: filter.status, type: filter.type };
  }
}

function compilePath(path: PathModifier): PathModifier {
  return path.type === "ReplacePrefixMatch" ? { prefix: path.prefix, type: path.type, value: path.value } : { type: path.type, value: path.value };
}

function compileModifier(modifier: HeaderModifier): HeaderModifier {
  return {
    add: sortByName(modifier.add).map((h) => ({ name: h.name, value: h.value })),
    remove: [...modifier.remove].sort(),
    set: sortByName(modifier.set).map((h) => ({ name: h.name, value: h.value })),
  };
}

function sortByName<T extends { name: string }>(items: readonly T[]): T[] {
  return items.length < 2 ? [...items] : [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function numeric(a: number, b: number): number {
  return a - b;
}
