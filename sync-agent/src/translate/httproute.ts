/**
 * HTTPRoute translation (spec §2-§9): rules once per route, then attachment and status once per parentRef of ours.
 */
import type { KubeObject, ObjectStatus } from "./api.ts";
import type { ObjectIndex } from "../k8s/index.ts";
import type { AttachmentIR, RouteIR, RuleIR } from "../ir/types.ts";
import { generationOf, namespaceOf, objectNameProblem } from "../k8s/kinds.ts";
import { list, obj, objList, str } from "../k8s/fields.ts";
import { ConditionWriter, fail, ok, Reasons, type RouteProblem, type Verdict } from "./conditions.ts";
import type { Condition } from "./api.ts";
import type { Defaults } from "./defaults.ts";
import { MISSING_CREATION_TIMESTAMP } from "./defaults.ts";
import { gatewayIsAccepted, type GatewayModel } from "./gateway.ts";
import { hostnameProblem, intersectHostnames, sortedUnique } from "./hostnames.ts";
import { countAttachedRoute, listenerIsProgrammed, type ListenerModel } from "./listeners.ts";
import { allowedListeners, ourParentRefs } from "./parent-refs.ts";
import { translateRule } from "./rules.ts";
import { BackendCache, type BackendContext } from "./backends.ts";

export interface RouteTranslation {
  ir: RouteIR | undefined;
  status: ObjectStatus | undefined;
}

/** A listener the route was counted on (attachedRoutes): its Gateway's key and its index in the Gateway's listeners. */
export interface CountedListener {
  gateway: string;
  listener: number;
}

/** At most this many problems are spelled out in one condition message; the rest are counted. */
const MAX_MESSAGES = 3;

export function translateHTTPRoute(
  route: KubeObject,
  index: ObjectIndex,
  gateways: Map<string, GatewayModel>,
  defaults: Defaults,
  backendCache: BackendContext["cache"] = new BackendCache(),
  counted?: CountedListener[],
): RouteTranslation {
  const spec = obj(route.spec);
  const parents = ourParentRefs(route, spec, gateways);
  if (parents.length === 0) return { ir: undefined, status: undefined };
  const namespace = namespaceOf(route);
  const name = route.metadata.name;
  const generation = generationOf(route);
  const nameProblem = objectNameProblem(route);
  const hostnames = nameProblem ? ({ ok: false, message: nameProblem } as const) : routeHostnames(spec);
  const ctx: BackendContext = { index, routeNamespace: namespace, originTemplate: defaults.originTemplate, clusterName: defaults.clusterName, cache: backendCache };
  // Exact size where it lives on (the IR, the status): an empty array that is pushed to reserves room for 16.
  const rawRules = list(spec.rules);
  const rules = new Array<RuleIR>(rawRules.length);
  let ruleCount = 0;
  const dropped: RouteProblem[] = [];
  const refProblems: RouteProblem[] = [];
  for (let i = 0; i < rawRules.length; i++) {
    const result = translateRule(obj(rawRules[i]), i, ctx);
    refProblems.push(...result.refProblems);
    if (result.rule) rules[ruleCount++] = result.rule;
    else if (result.problem) dropped.push(result.problem);
  }
  if (ruleCount < rules.length) rules.length = ruleCount;
  const writer = new ConditionWriter(generation, defaults.now);
  const resolvedRefs = refProblems.length === 0 ? ok(Reasons.ResolvedRefs) : fail(firstReason(refProblems), summarize(refProblems));
  // Keyed by the listener model (one object per Gateway listener): no "gateway#listener" string per attachment.
  const attachments = new Map<ListenerModel, AttachmentIR>();
  const statusParents = new Array<Record<string, unknown>>(parents.length);
  for (let p = 0; p < parents.length; p++) {
    const parent = parents[p]!;
    let accepted: Verdict;
    if (!hostnames.ok) {
      accepted = fail(Reasons.UnsupportedValue, hostnames.message);
    } else if (rules.length === 0) {
      // Spec §2: a route is Accepted only if at least one rule is implemented.
      accepted = dropped.length > 0 ? fail(firstReason(dropped), summarize(dropped)) : fail(Reasons.UnsupportedValue, "the route has no rules");
    } else {
      accepted = attach(parent, hostnames.hostnames, route, namespace, index, attachments, counted);
    }
    const conditions: Condition[] = [writer.condition("Accepted", accepted), writer.condition("ResolvedRefs", resolvedRefs)];
    if (dropped.length > 0 && rules.length > 0) {
      conditions.push(writer.condition("PartiallyInvalid", ok(Reasons.UnsupportedValue, `Dropped Rule(s): ${summarize(dropped)}`)));
    }
    statusParents[p] = { parentRef: parent.echo, controllerName: defaults.controllerName, conditions };
  }
  const status: ObjectStatus = { apiVersion: route.apiVersion, kind: "HTTPRoute", namespace, name, generation, status: { parents: statusParents } };
  if (attachments.size === 0) return { ir: undefined, status };
  const ir: RouteIR = {
    namespace,
    name,
    creationTimestamp: typeof route.metadata.creationTimestamp === "string" ? route.metadata.creationTimestamp : MISSING_CREATION_TIMESTAMP,
    generation,
    attachments: [...attachments.values()],
    rules,
  };
  return { ir, status };
}

/**
 * Attaches the route through one parentRef: listeners selected and allowed, then hostname intersection (spec §1).
 * Records attachedRoutes on every listener that accepts it (and, given `counted`, which listeners those were) and IR
 * attachments on programmed listeners.
 */
function attach(
  parent: ReturnType<typeof ourParentRefs>[number],
  hostnames: string[],
  route: KubeObject,
  routeNamespace: string,
  index: ObjectIndex,
  attachments: Map<ListenerModel, AttachmentIR>,
  counted: CountedListener[] | undefined,
): Verdict {
  const selection = allowedListeners(index, parent, "HTTPRoute", routeNamespace);
  if (!selection.ok) return selection.verdict;
  let attached = 0;
  for (const listener of selection.listeners) {
    const common = intersectHostnames(listener.hostname, hostnames);
    if (common === null) continue;
    attached++;
    if (counted !== undefined && listener.lastAttachedRoute !== route) {
      counted.push({ gateway: parent.gateway.key, listener: parent.gateway.listeners.indexOf(listener) });
    }
    countAttachedRoute(listener, route);
    if (!gatewayIsAccepted(parent.gateway) || !listenerIsProgrammed(listener)) continue;
    const existing = attachments.get(listener);
    if (existing === undefined) {
      attachments.set(listener, { gateway: parent.gateway.key, listener: listener.name, hostnames: common });
    } else if (existing.hostnames.length > 0) {
      // Two parentRefs reaching the same listener: the union of what each allows ([] already means "all").
      existing.hostnames = common.length === 0 ? [] : [...new Set([...existing.hostnames, ...common])].sort();
    }
  }
  if (attached === 0) {
    return fail(
      Reasons.NoMatchingListenerHostname,
      `no hostname of the route intersects a listener hostname of Gateway ${parent.gateway.key} it may attach to`,
    );
  }
  return ok(Reasons.Accepted);
}

function routeHostnames(spec: Record<string, unknown>): { ok: true; hostnames: string[] } | { ok: false; message: string } {
  const hostnames: string[] = [];
  for (const raw of list(spec.hostnames)) {
    const hostname = str(raw) ?? "";
    const problem = hostnameProblem(hostname);
    if (problem) return { ok: false, message: `spec.hostnames: ${problem}` };
    hostnames.push(hostname.toLowerCase());
  }
  return { ok: true, hostnames: sortedUnique(hostnames) };
}

function firstReason(problems: RouteProblem[]): string {
  return problems[0]?.reason ?? Reasons.UnsupportedValue;
}

function summarize(problems: RouteProblem[]): string {
  const shown = problems.slice(0, MAX_MESSAGES).map((p) => p.message);
  const more = problems.length - shown.length;
  return more > 0 ? `${shown.join("; ")}; and ${more} more` : shown.join("; ");
}
