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
import { namespaceOf } from "../k8s/kinds.ts";
import { applyTranslateDefaults } from "./defaults.ts";
import { gatewayIR, gatewayIsAccepted, gatewayStatus, translateGateway, type GatewayModel } from "./gateway.ts";
import { gatewayClassStatus, isOurClass, translateGatewayClass, type GatewayClassModel } from "./gatewayclass.ts";
import { translateHTTPRoute, type CountedListener } from "./httproute.ts";
import { countAttachedRoute } from "./listeners.ts";
import { byKey, type TranslateMemo } from "./memo.ts";
import { BackendCache } from "./backends.ts";
import { unsupportedRouteStatus } from "./unsupported-routes.ts";

export type { IR } from "../ir/types.ts";
export { TranslateMemo } from "./memo.ts";

/**
 * `memo`: translations to reuse and remember across calls (memo.ts says when one is reused). The result is the same
 * with or without it, down to the snapshot's bytes; compile/memo.test.ts checks that over sequences of random edits.
 */
export function translate(objects: readonly KubeObject[], options: TranslateOptions = {}, memo?: TranslateMemo): TranslateResult & { ir: IR } {
  memo?.begin(objects, options);
  const defaults = applyTranslateDefaults(options);
  const index = indexObjects(objects, memo?.classified);
  // With a memo, the namespaces read from are noted (memo.ts): the Gateways' first, then each route's.
  if (memo) index.reads = new Set();
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
  if (memo) memo.gatewaysRead(index.reads!);
  // Statuses come out sorted by kind (GatewayClass, Gateway, HTTPRoute, then other route kinds), then
  // namespace/name: every map below is walked in sorted key order, so no final sort is needed.
  const routeStatuses: ObjectStatus[] = [];
  const routes: RouteIR[] = [];
  const backendCache = new BackendCache();
  for (const [key, route] of memo ? memo.sorted(index.httpRoutes) : sortedEntries(index.httpRoutes)) {
    const remembered = memo?.recall(key, route);
    if (remembered) {
      for (const c of remembered.counted) countAttachedRoute(gateways.get(c.gateway)!.listeners[c.listener]!, route);
      if (remembered.status) routeStatuses.push(remembered.status);
      if (remembered.ir) routes.push(remembered.ir);
      continue;
    }
    const counted: CountedListener[] | undefined = memo ? [] : undefined;
    if (memo) index.reads = new Set([namespaceOf(route)]);
    const { ir, status } = translateHTTPRoute(route, index, gateways, defaults, backendCache, counted);
    if (status) routeStatuses.push(status);
    if (ir) routes.push(ir);
    memo?.remember(key, route, ir, status, counted!, index.reads!);
  }
  index.reads = undefined;
  for (const key of sortedKeys(index.unsupportedRoutes)) {
    const status = unsupportedRouteStatus(index.unsupportedRoutes.get(key)!, gateways, defaults);
    if (status) routeStatuses.push(status);
  }
  const statuses: ObjectStatus[] = [];
  for (const model of classes.values()) statuses.push(gatewayClassStatus(model, defaults.now));
  for (const gateway of gateways.values()) statuses.push(gatewayStatus(gateway, defaults.now));
  for (const status of routeStatuses) statuses.push(status);
  const ir: IR = { gateways: [...gateways.values()].filter(gatewayIsAccepted).map(gatewayIR), routes };
  memo?.commit();
  return { ir, statuses, warnings: index.warnings };
}

function sortedKeys(map: Map<string, unknown>): string[] {
  return [...map.keys()].sort();
}

/** The map's entries in key order. */
function sortedEntries<T>(map: Map<string, T>): [string, T][] {
  return [...map.entries()].sort(byKey);
}
