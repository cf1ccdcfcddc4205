/**
 * Route parentRefs (spec §2): defaults, which parents are ours, and which listeners a parentRef selects and accepts.
 */
import type { KubeObject } from "./api.ts";
import type { ObjectIndex } from "../k8s/index.ts";
import { GATEWAY_GROUP, namespaceOf } from "../k8s/kinds.ts";
import { num, objList, str } from "../k8s/fields.ts";
import { fail, Reasons, type Verdict } from "./conditions.ts";
import type { GatewayModel } from "./gateway.ts";
import type { ListenerModel } from "./listeners.ts";
import { namespaceLabels } from "./selector.ts";

export interface OurParentRef {
  /** The parentRef as it appears in status.parents[].parentRef: group and kind defaulted as the API server does. */
  echo: Record<string, unknown>;
  gateway: GatewayModel;
  sectionName: string | undefined;
  port: number | undefined;
}

/** The route's parentRefs that name a Gateway of ours; others (other controllers, unknown Gateways) are not ours to report. */
export function ourParentRefs(route: KubeObject, spec: Record<string, unknown>, gateways: Map<string, GatewayModel>): OurParentRef[] {
  const routeNamespace = namespaceOf(route);
  const out: OurParentRef[] = [];
  for (const raw of objList(spec.parentRefs)) {
    const group = str(raw.group) ?? GATEWAY_GROUP;
    const kind = str(raw.kind) ?? "Gateway";
    if (group !== GATEWAY_GROUP || kind !== "Gateway") continue;
    const name = str(raw.name) ?? "";
    const namespace = str(raw.namespace) ?? routeNamespace;
    const gateway = gateways.get(`${namespace}/${name}`);
    if (gateway === undefined) continue;
    const echo: Record<string, unknown> = { group, kind };
    if (raw.namespace !== undefined) echo.namespace = namespace;
    echo.name = name;
    const sectionName = str(raw.sectionName);
    const port = num(raw.port);
    if (sectionName !== undefined) echo.sectionName = sectionName;
    if (port !== undefined) echo.port = port;
    out.push({ echo, gateway, sectionName, port });
  }
  return out;
}

export type ListenerSelection = { ok: true; listeners: ListenerModel[] } | { ok: false; verdict: Verdict };

/**
 * Listeners a parentRef selects (sectionName and/or port; neither = all) that allow this route's kind and namespace.
 */
export function allowedListeners(index: ObjectIndex, parent: OurParentRef, routeKind: string, routeNamespace: string): ListenerSelection {
  const candidates = parent.gateway.listeners.filter(
    (l) => (parent.sectionName === undefined || l.name === parent.sectionName) && (parent.port === undefined || l.port === parent.port),
  );
  if (candidates.length === 0) {
    const wanted = [parent.sectionName && `sectionName "${parent.sectionName}"`, parent.port !== undefined && `port ${parent.port}`]
      .filter(Boolean)
      .join(" and ");
    return { ok: false, verdict: fail(Reasons.NoMatchingParent, `Gateway ${parent.gateway.key} has no listener with ${wanted}`) };
  }
  const allowed = candidates.filter(
    (l) => l.supportedKinds.some((k) => k.group === GATEWAY_GROUP && k.kind === routeKind) && namespaceAllowed(index, l, parent.gateway.namespace, routeNamespace),
  );
  if (allowed.length === 0) {
    return {
      ok: false,
      verdict: fail(Reasons.NotAllowedByListeners, `no listener of Gateway ${parent.gateway.key} allows a ${routeKind} from namespace ${routeNamespace}`),
    };
  }
  return { ok: true, listeners: allowed };
}

function namespaceAllowed(index: ObjectIndex, listener: ListenerModel, gatewayNamespace: string, routeNamespace: string): boolean {
  switch (listener.namespaces.from) {
    case "All":
      return true;
    case "Same":
      return routeNamespace === gatewayNamespace;
    case "Selector": {
      const policy = listener.namespaces;
      let allowed = policy.decided.get(routeNamespace);
      if (allowed === undefined) {
        allowed = policy.matches(namespaceLabels(index, routeNamespace));
        policy.decided.set(routeNamespace, allowed);
      }
      return allowed;
    }
  }
}
