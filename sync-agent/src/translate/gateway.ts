/**
 * Gateway translation (spec §2 "Gateway status"): acceptance, parametersRef, addresses, listeners, and the
 * Gateway's status once routes have been attached.
 */
import type { KubeObject, ObjectStatus } from "./api.ts";
import type { ObjectIndex } from "../k8s/index.ts";
import type { GatewayIR } from "../ir/types.ts";
import { generationOf, namespaceOf, objectNameProblem } from "../k8s/kinds.ts";
import { obj, objList, str } from "../k8s/fields.ts";
import { ConditionWriter, fail, ok, Reasons, type Verdict } from "./conditions.ts";
import { listenerIsProgrammed, listenerIsValid, programmedVerdict, translateListeners, type ListenerModel } from "./listeners.ts";
import type { Defaults } from "./defaults.ts";

export interface GatewayModel {
  key: string;
  object: KubeObject;
  namespace: string;
  name: string;
  generation: number;
  accepted: Verdict;
  addresses: string[];
  listeners: ListenerModel[];
}

export function translateGateway(index: ObjectIndex, object: KubeObject, classAccepted: Verdict, defaults: Defaults): GatewayModel {
  const namespace = namespaceOf(object);
  const name = object.metadata.name;
  const key = `${namespace}/${name}`;
  const spec = obj(object.spec);
  const listeners = translateListeners(index, { namespace }, spec);
  const addresses = defaults.gatewayAddresses(key, name, namespace);
  return {
    key,
    object,
    namespace,
    name,
    generation: generationOf(object),
    accepted: acceptance(object, spec, classAccepted, listeners, addresses),
    addresses,
    listeners,
  };
}

function acceptance(object: KubeObject, spec: Record<string, unknown>, classAccepted: Verdict, listeners: ListenerModel[], addresses: string[]): Verdict {
  const nameProblem = objectNameProblem(object);
  if (nameProblem) return fail(Reasons.Invalid, nameProblem);
  if (classAccepted.status !== "True") return fail(Reasons.Invalid, `the GatewayClass is not Accepted: ${classAccepted.message}`);
  const parametersRef = obj(spec.infrastructure).parametersRef;
  if (parametersRef !== undefined) {
    const ref = obj(parametersRef);
    // edgeway defines no parameters kind, so any reference is one it cannot use (spec §2: InvalidParameters).
    return fail(
      Reasons.InvalidParameters,
      `infrastructure.parametersRef ${str(ref.group) ?? ""}/${str(ref.kind) ?? ""} ${str(ref.name) ?? ""} is not supported: edgeway takes no Gateway parameters`,
    );
  }
  for (const address of objList(spec.addresses)) {
    const value = str(address.value) ?? "";
    if (!addresses.includes(value)) {
      return fail(Reasons.UnsupportedAddress, `address "${value}" is not one of the worker's public hostnames (${addresses.join(", ")})`);
    }
  }
  const valid = listeners.filter(listenerIsValid).length;
  if (valid === 0) return fail(Reasons.ListenersNotValid, "no listener is valid");
  if (valid < listeners.length) return ok(Reasons.ListenersNotValid, `${listeners.length - valid} of ${listeners.length} listeners are not valid`);
  return ok(Reasons.Accepted);
}

export function gatewayIsAccepted(gateway: GatewayModel): boolean {
  return gateway.accepted.status === "True";
}

export function gatewayIR(gateway: GatewayModel): GatewayIR {
  return {
    namespace: gateway.namespace,
    name: gateway.name,
    generation: gateway.generation,
    listeners: gateway.listeners.filter(listenerIsProgrammed).map((l) => ({
      name: l.name,
      port: l.port,
      protocol: l.protocol === "HTTPS" ? "HTTPS" : "HTTP",
      hostname: l.hostname,
    })),
  };
}

export function gatewayStatus(gateway: GatewayModel, now: string): ObjectStatus {
  const writer = new ConditionWriter(gateway.generation, now);
  const programmedListeners = gateway.listeners.filter(listenerIsProgrammed).length;
  const programmed =
    gateway.accepted.status !== "True"
      ? fail(Reasons.Invalid, "the Gateway is not Accepted")
      : programmedListeners === 0
        ? fail(Reasons.Invalid, "no listener can be programmed")
        : ok(Reasons.Programmed, "compiled into a snapshot; the agent reports Programmed once the edge serves it");
  return {
    apiVersion: gateway.object.apiVersion,
    kind: "Gateway",
    namespace: gateway.namespace,
    name: gateway.name,
    generation: gateway.generation,
    status: {
      addresses: gateway.addresses.map((value) => ({ type: addressType(value), value })),
      conditions: [writer.condition("Accepted", gateway.accepted), writer.condition("Programmed", programmed)],
      listeners: gateway.listeners.map((l) => ({
        name: l.name,
        supportedKinds: l.supportedKinds.map((k) => ({ group: k.group, kind: k.kind })),
        attachedRoutes: l.attachedRoutes,
        conditions: [
          writer.condition("Accepted", l.accepted),
          writer.condition(
            "Programmed",
            gateway.accepted.status === "True" ? programmedVerdict(l) : fail(Reasons.Invalid, "the Gateway is not Accepted"),
          ),
          writer.condition("ResolvedRefs", l.resolvedRefs),
          writer.condition("Conflicted", l.conflicted),
        ],
      })),
    },
  };
}

function addressType(value: string): string {
  return /^[0-9.]+$/.test(value) || value.includes(":") ? "IPAddress" : "Hostname";
}
