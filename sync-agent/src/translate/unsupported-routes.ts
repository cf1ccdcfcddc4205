/**
 * GRPCRoute, TCPRoute, TLSRoute and UDPRoute attached to our Gateways: edgeway serves HTTPRoute only, so each of
 * their parentRefs of ours gets Accepted=False/NotAllowedByListeners (our listeners' supportedKinds never list them)
 * and the route is not counted in attachedRoutes.
 */
import type { KubeObject, ObjectStatus } from "./api.ts";
import { generationOf, namespaceOf } from "../k8s/kinds.ts";
import { obj } from "../k8s/fields.ts";
import { ConditionWriter, fail, Reasons } from "./conditions.ts";
import type { Defaults } from "./defaults.ts";
import type { GatewayModel } from "./gateway.ts";
import { ourParentRefs } from "./parent-refs.ts";

export function unsupportedRouteStatus(route: KubeObject, gateways: Map<string, GatewayModel>, defaults: Defaults): ObjectStatus | undefined {
  const parents = ourParentRefs(route, obj(route.spec), gateways);
  if (parents.length === 0) return undefined;
  const generation = generationOf(route);
  const writer = new ConditionWriter(generation, defaults.now);
  const verdict = fail(Reasons.NotAllowedByListeners, `${route.kind} is not supported by edgeway, which serves HTTPRoute only`);
  return {
    apiVersion: route.apiVersion,
    kind: route.kind,
    namespace: namespaceOf(route),
    name: route.metadata.name,
    generation,
    status: {
      parents: parents.map((p) => ({ parentRef: p.echo, controllerName: defaults.controllerName, conditions: [writer.condition("Accepted", verdict)] })),
    },
  };
}
