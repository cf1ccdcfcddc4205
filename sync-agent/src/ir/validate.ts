/**
 * IR invariants. A violation is a bug in the translator (user errors never reach the IR: they became conditions),
 * so the compiler refuses an IR with problems rather than publish something half-right.
 */
import type { IR } from "./types.ts";

export type IRProblemCode =
  | "DuplicateGateway"
  | "DuplicateListener"
  | "DuplicateRoute"
  | "UnknownAttachment"
  | "EmptyMatches"
  | "InvalidWeight"
  | "InvalidBackend"
  | "InvalidTimeout";

export interface IRProblem {
  code: IRProblemCode;
  /** Where: "gateway ns/name", "route ns/name rule 2", ... */
  at: string;
  message: string;
}

export function validate(ir: IR): IRProblem[] {
  const problems: IRProblem[] = [];
  const listenersByGateway = new Map<string, Set<string>>();
  for (const gateway of ir.gateways) {
    const key = `${gateway.namespace}/${gateway.name}`;
    if (listenersByGateway.has(key)) problems.push({ code: "DuplicateGateway", at: `gateway ${key}`, message: "gateway appears twice" });
    const names = new Set<string>();
    for (const listener of gateway.listeners) {
      if (names.has(listener.name)) {
        problems.push({ code: "DuplicateListener", at: `gateway ${key}`, message: `listener "${listener.name}" appears twice` });
      }
      names.add(listener.name);
    }
    listenersByGateway.set(key, names);
  }
  const routeKeys = new Set<string>();
  for (const route of ir.routes) {
    const key = `${route.namespace}/${route.name}`;
    if (routeKeys.has(key)) problems.push({ code: "DuplicateRoute", at: `route ${key}`, message: "route appears twice" });
    routeKeys.add(key);
    for (const attachment of route.attachments) {
      if (!listenersByGateway.get(attachment.gateway)?.has(attachment.listener)) {
        problems.push({
          code: "UnknownAttachment",
          at: `route ${key}`,
          message: `attached to unknown listener ${attachment.gateway}#${attachment.listener}`,
        });
      }
    }
    for (const rule of route.rules) {
      // Built only for a problem: this runs for every rule of every route on each compile.
      const at = (): string => `route ${key} rule ${rule.index}`;
      if (rule.matches.length === 0) problems.push({ code: "EmptyMatches", at: at(), message: "rule has no matches" });
      const { requestMs, backendRequestMs } = rule.timeouts;
      if (!(requestMs >= 0 && backendRequestMs >= 0) || (requestMs > 0 && backendRequestMs > requestMs)) {
        problems.push({ code: "InvalidTimeout", at: at(), message: `backendRequest ${backendRequestMs}ms exceeds request ${requestMs}ms` });
      }
      for (const backend of rule.backends) {
        if (!Number.isInteger(backend.weight) || backend.weight < 0 || backend.weight > 1_000_000) {
          problems.push({ code: "InvalidWeight", at: at(), message: `backend ${backend.ref} weight ${backend.weight}` });
        }
        if (backend.target === null && backend.status < 400) {
          problems.push({ code: "InvalidBackend", at: at(), message: `invalid backend ${backend.ref} must answer with an error status` });
        }
      }
    }
  }
  return problems;
}
