/**
 * One IR route -> the snapshot's Route for one Gateway (listener names become indexes, attachments are sorted) and
 * its wire form (schema/wire.ts), with the IR's rule invariants checked on the way (ir/validate.ts checkRule).
 *
 * Why nothing else is copied: the blob is canonical JSON (schema/canonical.ts: keys sorted, no whitespace). The
 * translator builds every rule, match, filter and backend with its keys in sorted order and sorts the lists whose
 * order means nothing (header and query matches, header modifier entries, retry codes), so the compiler can share
 * those objects, and `JSON.stringify` of the wire form (which only rebuilds rules, matches and backends to leave
 * defaults out) is already its canonical JSON. compile.test.ts and the golden invariants check the equality.
 *
 * Why one walk: a 10,000-route IR is some 200,000 objects spread over the heap. Checking a route's rules, projecting
 * the route and compacting it while they are in cache reads each from memory once, where a validate pass, a projection
 * pass and a compaction pass read them three times.
 */
import type { Backend, Route } from "../../../schema/snapshot.ts";
import { compactRoute, type WireBackend, type WireRoute } from "../../../schema/wire.ts";
import type { AttachmentIR, RouteIR } from "../ir/types.ts";
import { checkRule, type IRProblem } from "../ir/validate.ts";

export interface CompiledRoute {
  route: Route;
  wire: WireRoute;
}

/** `wireBackends`: compactRule's `shared`, one map per snapshot (the translator shares its common backend entries). */
export function compileRoute(
  route: RouteIR,
  gatewayKey: string,
  listenerIndex: Map<string, number>,
  problems: IRProblem[],
  wireBackends: Map<Backend, WireBackend>,
): CompiledRoute {
  const attachments: Route["attachments"] = [];
  for (const attachment of route.attachments) {
    if (attachment.gateway !== gatewayKey) continue;
    const listener = listenerIndex.get(attachment.listener);
    if (listener !== undefined) attachments.push(compileAttachment(attachment, listener));
  }
  if (attachments.length > 1) attachments.sort(byListener);
  for (const rule of route.rules) checkRule(route, rule, problems);
  // Keys in sorted order (see above).
  const compiled: Route = {
    attachments,
    creationTimestamp: route.creationTimestamp,
    generation: route.generation,
    name: route.name,
    namespace: route.namespace,
    rules: route.rules,
  };
  return { route: compiled, wire: compactRoute(compiled, wireBackends) };
}

function compileAttachment(attachment: AttachmentIR, listener: number): Route["attachments"][number] {
  return { hostnames: attachment.hostnames.length > 1 ? [...attachment.hostnames].sort() : attachment.hostnames, listener };
}

function byListener(a: { listener: number }, b: { listener: number }): number {
  return a.listener - b.listener;
}
