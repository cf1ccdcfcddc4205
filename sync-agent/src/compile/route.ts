/**
 * One IR route -> the snapshot's Route for one Gateway: listener names become indexes and attachments are sorted.
 *
 * Why nothing else is copied: the blob is canonical JSON (schema/canonical.ts: keys sorted, no whitespace). The
 * translator builds every rule, match, filter and backend with its keys in sorted order and sorts the lists whose
 * order means nothing (header and query matches, header modifier entries, retry codes), so the compiler can share
 * those objects and `JSON.stringify(compactSnapshot(snapshot))` (schema/wire.ts, which only rebuilds rules, matches and
 * backends to leave defaults out) is already the canonical JSON of the wire form. compile.test.ts and the golden
 * invariants check the equality.
 */
import type { Route } from "../../../schema/snapshot.ts";
import type { AttachmentIR, RouteIR } from "../ir/types.ts";

export function compileRoute(route: RouteIR, gatewayKey: string, listenerIndex: Map<string, number>): Route {
  const attachments: Route["attachments"] = [];
  for (const attachment of route.attachments) {
    if (attachment.gateway !== gatewayKey) continue;
    const listener = listenerIndex.get(attachment.listener);
    if (listener !== undefined) attachments.push(compileAttachment(attachment, listener));
  }
  if (attachments.length > 1) attachments.sort(byListener);
  return {
    attachments,
    creationTimestamp: route.creationTimestamp,
    generation: route.generation,
    name: route.name,
    namespace: route.namespace,
    rules: route.rules,
  };
}

function compileAttachment(attachment: AttachmentIR, listener: number): Route["attachments"][number] {
  return { hostnames: attachment.hostnames.length > 1 ? [...attachment.hostnames].sort() : attachment.hostnames, listener };
}

function byListener(a: { listener: number }, b: { listener: number }): number {
  return a.listener - b.listener;
}
