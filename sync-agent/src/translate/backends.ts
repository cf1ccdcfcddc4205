/**
 * backendRefs (spec §5) and mirror backendRefs (§4): kind, existence, port, appProtocol, ReferenceGrant, origin.
 * An invalid backendRef never drops the rule: it keeps its weight and its share of traffic is answered with 500.
 */
import type { BackendRef } from "../../../schema/snapshot.ts";
import type { ObjectIndex } from "../k8s/index.ts";
import { GATEWAY_GROUP } from "../k8s/kinds.ts";
import { num, obj, objList, str } from "../k8s/fields.ts";
import { Reasons, type RouteProblem } from "./conditions.ts";
import { referencePermitted } from "./reference-grants.ts";
import { resolveOrigin, type OriginContext } from "./origins.ts";

export interface BackendContext extends OriginContext {
  index: ObjectIndex;
  routeNamespace: string;
}

export type ResolvedBackend = { ref: string; target: BackendRef; problem?: undefined } | { ref: string; target: null; problem: RouteProblem };

/** Wire protocol per Service port appProtocol (spec §5); undefined for protocols the edge cannot speak. */
const APP_PROTOCOLS: Record<string, BackendRef["protocol"]> = {
  "": "http",
  http: "http",
  https: "http",
  "kubernetes.io/h2c": "h2c",
  "kubernetes.io/ws": "ws",
};

export function resolveBackendRef(raw: Record<string, unknown>, ctx: BackendContext): ResolvedBackend {
  const group = str(raw.group) ?? "";
  const kind = str(raw.kind) ?? "Service";
  const name = str(raw.name) ?? "";
  const namespace = str(raw.namespace) ?? ctx.routeNamespace;
  const port = num(raw.port);
  const ref = `${namespace}/${name}:${port ?? ""}`;
  const invalid = (reason: string, message: string): ResolvedBackend => ({ ref, target: null, problem: { reason, message } });
  if (group !== "" || kind !== "Service") {
    return invalid(Reasons.InvalidKind, `backendRef ${group ? `${group}/` : ""}${kind} ${namespace}/${name}: only core Services are supported`);
  }
  const permitted = referencePermitted(
    ctx.index,
    { group: GATEWAY_GROUP, kind: "HTTPRoute", namespace: ctx.routeNamespace },
    { group: "", kind: "Service", namespace, name },
  );
  if (!permitted) return invalid(Reasons.RefNotPermitted, `backendRef Service ${namespace}/${name} is in another namespace and no ReferenceGrant allows it`);
  const service = ctx.index.services.get(`${namespace}/${name}`);
  if (service === undefined) return invalid(Reasons.BackendNotFound, `Service ${namespace}/${name} does not exist`);
  if (port === undefined) return invalid(Reasons.BackendNotFound, `backendRef Service ${namespace}/${name} needs a port`);
  const spec = obj(service.spec);
  if (str(spec.type) === "ExternalName") {
    return invalid(Reasons.BackendNotFound, `Service ${namespace}/${name} is an ExternalName Service, which edgeway does not support`);
  }
  const servicePort = objList(spec.ports).find((p) => num(p.port) === port);
  if (servicePort === undefined) return invalid(Reasons.BackendNotFound, `Service ${namespace}/${name} has no port ${port}`);
  const appProtocol = str(servicePort.appProtocol) ?? "";
  const protocol = APP_PROTOCOLS[appProtocol];
  if (protocol === undefined) {
    return invalid(Reasons.UnsupportedProtocol, `Service ${namespace}/${name} port ${port} appProtocol "${appProtocol}" is not supported`);
  }
  const origin = resolveOrigin(service, namespace, port, appProtocol, ctx);
  if (!origin.ok) return invalid(Reasons.BackendNotFound, origin.message);
  return { ref, target: { ref, origin: origin.origin, protocol } };
}
