/**
 * IR invariants. A violation is a bug in the translator (user errors never reach the IR: they became conditions),
 * so the compiler refuses an IR with problems rather than publish something half-right.
 *
 * `validate(ir)` runs every check. The compiler runs the same checks without a walk of its own (compile/index.ts):
 * checkGateways first, checkRoute as it groups routes by Gateway, checkRule as it compiles each rule, where it reads
 * those objects anyway. For a valid IR the checks build nothing: no "namespace/name" key per route
 * (duplicates are found by namespace, then name), no location string or closure per rule (spelled out only for a
 * problem).
 */
import type { GatewayIR, IR, RouteIR, RuleIR } from "./types.ts";

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
  const routes = new RouteChecks(checkGateways(ir.gateways, problems), problems);
  for (const route of ir.routes) {
    routes.checkRoute(route);
    for (const rule of route.rules) checkRule(route, rule, problems);
  }
  return problems;
}

/** Duplicate Gateways and listeners; returns the listener names of each Gateway ("namespace/name"). */
export function checkGateways(gateways: readonly GatewayIR[], problems: IRProblem[]): Map<string, Set<string>> {
  const listenersByGateway = new Map<string, Set<string>>();
  for (const gateway of gateways) {
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
  return listenersByGateway;
}

/** Route-level checks (duplicates, attachments to unknown listeners), route by route. */
export class RouteChecks {
  private readonly names = new Map<string, Set<string>>();
  // Almost every attachment names the same Gateway as the one before: its listener set is kept at hand.
  private lastGateway: string | undefined;
  private lastListeners: Set<string> | undefined;

  constructor(
    private readonly listenersByGateway: Map<string, Set<string>>,
    private readonly problems: IRProblem[],
  ) {}

  checkRoute(route: RouteIR): void {
    let names = this.names.get(route.namespace);
    if (names === undefined) this.names.set(route.namespace, (names = new Set()));
    if (names.has(route.name)) this.problems.push({ code: "DuplicateRoute", at: routeAt(route), message: "route appears twice" });
    names.add(route.name);
    for (const attachment of route.attachments) {
      if (attachment.gateway !== this.lastGateway) {
        this.lastGateway = attachment.gateway;
        this.lastListeners = this.listenersByGateway.get(attachment.gateway);
      }
      if (!this.lastListeners?.has(attachment.listener)) {
        this.problems.push({ code: "UnknownAttachment", at: routeAt(route), message: `attached to unknown listener ${attachment.gateway}#${attachment.listener}` });
      }
    }
  }
}

export function checkRule(route: RouteIR, rule: RuleIR, problems: IRProblem[]): void {
  if (rule.matches.length === 0) problems.push({ code: "EmptyMatches", at: ruleAt(route, rule), message: "rule has no matches" });
  const { requestMs, backendRequestMs } = rule.timeouts;
  if (!(requestMs >= 0 && backendRequestMs >= 0) || (requestMs > 0 && backendRequestMs > requestMs)) {
    problems.push({ code: "InvalidTimeout", at: ruleAt(route, rule), message: `backendRequest ${backendRequestMs}ms exceeds request ${requestMs}ms` });
  }
  const backends = rule.backends;
  for (let i = 0; i < backends.length; i++) {
    const backend = backends[i]!;
    if (!Number.isInteger(backend.weight) || backend.weight < 0 || backend.weight > 1_000_000) {
      problems.push({ code: "InvalidWeight", at: ruleAt(route, rule), message: `backend ${backend.ref} weight ${backend.weight}` });
    }
    if (backend.target === null && backend.status < 400) {
      problems.push({ code: "InvalidBackend", at: ruleAt(route, rule), message: `invalid backend ${backend.ref} must answer with an error status` });
    }
  }
}

function routeAt(route: RouteIR): string {
  return `route ${route.namespace}/${route.name}`;
}

function ruleAt(route: RouteIR, rule: RuleIR): string {
  return `${routeAt(route)} rule ${rule.index}`;
}
