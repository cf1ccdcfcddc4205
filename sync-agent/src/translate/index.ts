/**
 * translate(objects, options): Gateway API objects -> IR + status (api.ts). Pure and order-independent: objects are
 * indexed first, every collection walked in sorted key order, and statuses sorted by kind, namespace, name.
 *
 *   index -> GatewayClasses of ours -> their Gateways (listeners) -> HTTPRoutes (rules, attachment) -> statuses
 */
import type { KubeObject, ObjectStatus, TranslateOptions, TranslateResult } from "./api.ts";
import type { IR, RouteIR } from "../ir/types.ts";
import { indexObjects } from "../k8s/index.ts";
import { obj, str } from "../k8s/fields.ts";
import { applyTranslateDefaults } from "./defaults.ts";
import { gatewayIR, gatewayIsAccepted, gatewayStatus, translateGateway, type GatewayModel } from "./gateway.ts";
import { gatewayClassStatus, isOurClass, translateGatewayClass, type GatewayClassModel } from "./gatewayclass.ts";
import { translateHTTPRoute } from "./httproute.ts";
import { unsupportedRouteStatus } from "./unsupported-routes.ts";

export type { IR } from "../ir/types.ts";

export function translate(objects: readonly KubeObject[], options: TranslateOptions = {}): TranslateResult & { ir: IR } {
  const defaults = applyTranslateDefaults(options);
  const index = indexObjects(objects);
  const classes = new Map<string, GatewayClassModel>();
  for (const name of sortedKeys(index.gatewayClasses)) {
    const object = index.gatewayClasses.get(name)!;
    if (isOurClass(object, defaults.controllerName)) classes.set(name, translateGatewayClass(object));
  }
  const gateways = new Map<string, GatewayModel>();
  for (const key of sortedKeys(index.gateways)) {
    if (defaults.gatewayFilter && !defaults.gatewayFilter.has(key)) continue;
    const object = index.gateways.get(key)!;
    const gatewayClass = classes.get(str(obj(object.spec).gatewayClassName) ?? "");
    if (gatewayClass === undefined) continue;
    gateways.set(key, translateGateway(index, object, gatewayClass.accepted, defaults));
  }
  const statuses: ObjectStatus[] = [];
  const routes: RouteIR[] = [];
  const backendCache = new Map();
  for (const key of sortedKeys(index.httpRoutes)) {
    const { ir, status } = translateHTTPRoute(index.httpRoutes.get(key)!, index, gateways, defaults, backendCache);
    if (status) statuses.push(status);
    if (ir) routes.push(ir);
  }
  for (const key of sortedKeys(index.unsupportedRoutes)) {
    const status = unsupportedRouteStatus(index.unsupportedRoutes.get(key)!, gateways, defaults);
    if (status) statuses.push(status);
  }
  for (const model of classes.values()) statuses.push(gatewayClassStatus(model, defaults.now));
  for (const gateway of gateways.values()) statuses.push(gatewayStatus(gateway, defaults.now));
  const ir: IR = { gateways: [...gateways.values()].filter(gatewayIsAccepted).map(gatewayIR), routes };
  return { ir, statuses: statuses.sort(compareStatus), warnings: index.warnings };
}

function sortedKeys(map: Map<string, unknown>): string[] {
  return [...map.keys()].sort();
}

const KIND_ORDER = ["GatewayClass", "Gateway", "HTTPRoute"];

function compareStatus(a: ObjectStatus, b: ObjectStatus): number {
  const ka = KIND_ORDER.indexOf(a.kind) >>> 0;
  const kb = KIND_ORDER.indexOf(b.kind) >>> 0;
  if (ka !== kb) return ka - kb;
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  const na = `${a.namespace ?? ""}/${a.name}`;
  const nb = `${b.namespace ?? ""}/${b.name}`;
  return na < nb ? -1 : na > nb ? 1 : 0;
}
