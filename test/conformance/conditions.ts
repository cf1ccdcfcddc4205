/**
 * The upstream suite's status assertions (conformance/utils/kubernetes/helpers.go), checked against the statuses
 * the translator computes. Each check returns the problems found; an empty list passes.
 */
import type { Condition, KubeObject, ObjectStatus } from "../../sync-agent/src/translate/api.ts";
import { CONTROLLER_NAME, GATEWAY_CLASS } from "./environment.ts";
import type { ConditionExpectation, ExpectedCheck } from "./suite.ts";

interface ParentStatus {
  parentRef: { group?: string; kind?: string; namespace?: string; name: string; sectionName?: string };
  controllerName: string;
  conditions: Condition[];
}
interface ListenerStatus {
  name: string;
  supportedKinds?: Array<{ group?: string; kind: string }>;
  attachedRoutes?: number;
  conditions?: Condition[];
}

function splitRef(ref: string): { namespace?: string; name: string } {
  const slash = ref.indexOf("/");
  return slash < 0 ? { name: ref } : { namespace: ref.slice(0, slash), name: ref.slice(slash + 1) };
}

export function findStatus(statuses: ObjectStatus[], kind: string, ref: string): ObjectStatus | undefined {
  const { namespace, name } = splitRef(ref);
  return statuses.find((s) => s.kind === kind && s.name === name && (namespace === undefined || s.namespace === namespace));
}

/** Problems of `conditions` against the expectations (a null status or reason is not compared). */
export function conditionProblems(where: string, conditions: Condition[] | undefined, expected: ConditionExpectation[]): string[] {
  const problems: string[] = [];
  for (const want of expected) {
    const got = (conditions ?? []).find((c) => c.type === want.type);
    if (!got) problems.push(`${where}: no ${want.type} condition`);
    else if ((want.status !== null && got.status !== want.status) || (want.reason !== null && got.reason !== want.reason)) {
      problems.push(`${where}: ${want.type}=${got.status}/${got.reason}, want ${want.status ?? "*"}/${want.reason ?? "*"}`);
    }
  }
  return problems;
}

function generationProblems(where: string, conditions: Condition[] | undefined, generation: number): string[] {
  return (conditions ?? [])
    .filter((c) => c.observedGeneration !== generation)
    .map((c) => `${where}: ${c.type} observedGeneration ${c.observedGeneration}, generation is ${generation}`);
}

function ourParents(status: ObjectStatus): ParentStatus[] {
  const parents = ((status.status as { parents?: ParentStatus[] }).parents ?? []) as ParentStatus[];
  return parents.filter((p) => p.controllerName === CONTROLLER_NAME);
}

function sameParent(got: ParentStatus["parentRef"], want: NonNullable<ExpectedCheck["parentRef"]>, routeNs?: string): boolean {
  return (
    (got.group ?? "gateway.networking.k8s.io") === (want.group ?? "gateway.networking.k8s.io") &&
    (got.kind ?? "Gateway") === (want.kind ?? "Gateway") &&
    got.name === want.name &&
    (want.namespace === undefined || (got.namespace ?? routeNs) === want.namespace)
  );
}

export function checkExpectation(check: ExpectedCheck, statuses: ObjectStatus[], objects: KubeObject[]): string[] {
  const ref = check.object?.ref ?? "";
  const kind = check.object?.kind ?? "";
  const status = check.object ? findStatus(statuses, kind, ref) : undefined;
  const missing = [`${kind} ${ref}: no status computed`];
  switch (check.check) {
    case "GatewayAddressAssigned": {
      if (!status) return missing;
      const addresses = (status.status as { addresses?: Array<{ type?: string; value?: string }> }).addresses ?? [];
      return addresses.some((a) => a.type && a.value) ? [] : [`Gateway ${ref}: status.addresses is empty`];
    }
    case "AllListenersHaveConditions": {
      if (!status) return missing;
      const listeners = (status.status as { listeners?: ListenerStatus[] }).listeners ?? [];
      if (listeners.length === 0) return [`Gateway ${ref}: no listener status`];
      return listeners.flatMap((l) => conditionProblems(`listener ${l.name}`, l.conditions, check.conditions ?? []));
    }
    case "RouteParentCondition": {
      if (!status) return missing;
      const parent = ourParents(status).find((p) => sameParent(p.parentRef, check.parentRef!, status.namespace));
      if (!parent) return [`${kind} ${ref}: no parent status for ${check.parentRef!.name}`];
      return [
        ...conditionProblems(`${kind} ${ref} parent ${check.parentRef!.name}`, parent.conditions, check.conditions ?? []),
        ...generationProblems(`${kind} ${ref}`, parent.conditions, status.generation),
      ];
    }
    case "RouteParents": {
      if (!status) return missing;
      const parents = ourParents(status);
      const problems: string[] = [];
      if (parents.length !== (check.parents ?? []).length) {
        problems.push(`${kind} ${ref}: ${parents.length} parents, want ${(check.parents ?? []).length}`);
      }
      for (const want of check.parents ?? []) {
        const parent = parents.find((p) => sameParent(p.parentRef, want.parentRef, status.namespace));
        if (!parent) problems.push(`${kind} ${ref}: no parent ${want.parentRef.name}`);
        else problems.push(...conditionProblems(`${kind} ${ref} parent ${want.parentRef.name}`, parent.conditions, want.conditions));
      }
      return problems;
    }
    case "GatewayListenerStatus": {
      if (!status) return missing;
      const listeners = (status.status as { listeners?: ListenerStatus[] }).listeners ?? [];
      const problems: string[] = [];
      for (const want of check.listeners ?? []) {
        const got = listeners.find((l) => l.name === want.name);
        if (!got) {
          problems.push(`Gateway ${ref}: no status for listener ${want.name}`);
          continue;
        }
        const kinds = got.supportedKinds ?? [];
        if (want.supportedKindsMustBeEmpty && kinds.length > 0) problems.push(`listener ${want.name}: supportedKinds not empty`);
        for (const k of want.supportedKindsMustInclude ?? []) {
          if (!kinds.some((g) => g.kind === k.kind && (g.group ?? "gateway.networking.k8s.io") === (k.group ?? "gateway.networking.k8s.io"))) {
            problems.push(`listener ${want.name}: supportedKinds lacks ${k.kind}`);
          }
        }
        if (want.attachedRoutes !== undefined && got.attachedRoutes !== want.attachedRoutes) {
          problems.push(`listener ${want.name}: attachedRoutes ${got.attachedRoutes}, want ${want.attachedRoutes}`);
        }
        problems.push(...conditionProblems(`listener ${want.name}`, got.conditions, want.conditions ?? []));
      }
      return problems;
    }
    case "RouteHasNoAcceptedParents": {
      if (!status) return []; // No status at all is "empty parents".
      const parents = ourParents(status);
      if (parents.length === 0) return [];
      const accepted = parents[0]!.conditions.find((c) => c.type === "Accepted");
      return parents.length === 1 && accepted?.status === "False"
        ? []
        : [`${kind} ${ref}: ${parents.length} parents, first Accepted=${accepted?.status}`];
    }
    case "GatewayHasZeroRoutes": {
      if (!status) return missing;
      const listeners = (status.status as { listeners?: ListenerStatus[] }).listeners ?? [];
      const attached = listeners.filter((l) => (l.attachedRoutes ?? 0) !== 0);
      return attached.length === 0 ? [] : attached.map((l) => `listener ${l.name}: attachedRoutes ${l.attachedRoutes}`);
    }
    case "ConditionsHaveLatestObservedGeneration":
    case "GenerationChanged": {
      if (!status) return missing;
      return allConditions(status).flatMap(([where, conditions]) => generationProblems(where, conditions, status.generation));
    }
    case "GatewayCondition":
    case "GatewayClassCondition": {
      if (!status) return missing;
      const conditions = (status.status as { conditions?: Condition[] }).conditions;
      return conditionProblems(`${kind} ${ref}`, conditions, check.conditions ?? []);
    }
    case "NamespaceReady":
      return namespaceReady(ref, statuses, objects);
    default:
      return [`unknown check ${check.check}`];
  }
}

function allConditions(status: ObjectStatus): Array<[string, Condition[] | undefined]> {
  const body = status.status as { conditions?: Condition[]; listeners?: ListenerStatus[]; parents?: ParentStatus[] };
  const out: Array<[string, Condition[] | undefined]> = [[`${status.kind} ${status.name}`, body.conditions]];
  for (const l of body.listeners ?? []) out.push([`listener ${l.name}`, l.conditions]);
  for (const p of (body.parents ?? []).filter((x) => x.controllerName === CONTROLLER_NAME)) out.push([`parent ${p.parentRef.name}`, p.conditions]);
  return out;
}

/** Every Gateway of our class in the namespace is Accepted and Programmed at its latest generation. */
function namespaceReady(namespace: string, statuses: ObjectStatus[], objects: KubeObject[]): string[] {
  const problems: string[] = [];
  for (const gateway of objects) {
    if (gateway.kind !== "Gateway" || gateway.metadata.namespace !== namespace) continue;
    if ((gateway.spec as { gatewayClassName?: string }).gatewayClassName !== GATEWAY_CLASS) continue;
    if (gateway.metadata.annotations?.["gateway-api/skip-this-for-readiness"] === "true") continue;
    const status = findStatus(statuses, "Gateway", `${namespace}/${gateway.metadata.name}`);
    if (!status) {
      problems.push(`Gateway ${gateway.metadata.name}: no status`);
      continue;
    }
    const conditions = (status.status as { conditions?: Condition[] }).conditions;
    problems.push(
      ...conditionProblems(`Gateway ${gateway.metadata.name}`, conditions, [
        { type: "Accepted", status: "True", reason: null },
        { type: "Programmed", status: "True", reason: null },
      ]),
      ...generationProblems(`Gateway ${gateway.metadata.name}`, conditions, status.generation),
    );
  }
  return problems;
}
