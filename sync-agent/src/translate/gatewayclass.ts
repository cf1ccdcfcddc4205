/**
 * GatewayClass (spec §2): classes whose controllerName is ours are Accepted; others are not touched.
 */
import type { KubeObject, ObjectStatus } from "./api.ts";
import { generationOf } from "../k8s/kinds.ts";
import { obj, str } from "../k8s/fields.ts";
import { ConditionWriter, fail, ok, Reasons, type Verdict } from "./conditions.ts";

export interface GatewayClassModel {
  object: KubeObject;
  accepted: Verdict;
}

export function isOurClass(object: KubeObject, controllerName: string): boolean {
  return str(obj(object.spec).controllerName) === controllerName;
}

export function translateGatewayClass(object: KubeObject): GatewayClassModel {
  const parametersRef = obj(object.spec).parametersRef;
  // edgeway defines no GatewayClass parameters kind: a reference is one it cannot honour.
  const accepted =
    parametersRef === undefined
      ? ok(Reasons.Accepted, "edgeway serves this class")
      : fail(Reasons.InvalidParameters, "parametersRef is not supported: edgeway takes no GatewayClass parameters");
  return { object, accepted };
}

export function gatewayClassStatus(model: GatewayClassModel, now: string): ObjectStatus {
  const generation = generationOf(model.object);
  const writer = new ConditionWriter(generation, now);
  return {
    apiVersion: model.object.apiVersion,
    kind: "GatewayClass",
    name: model.object.metadata.name,
    generation,
    status: { conditions: [writer.condition("Accepted", model.accepted)] },
  };
}
