/**
 * TranslateOptions defaults, in one place (STYLE.md §6).
 */
import type { TranslateOptions } from "./api.ts";

export const DEFAULT_CONTROLLER_NAME = "edgeway.dev/gateway-controller";
export const DEFAULT_NOW = "1970-01-01T00:00:00Z";
/** Sorts missing creationTimestamps as oldest, so the precedence tie-break stays total (then namespace/name). */
export const MISSING_CREATION_TIMESTAMP = "1970-01-01T00:00:00Z";
/** GEP-1731 leaves `attempts` unset to the implementation: one retry. */
export const DEFAULT_RETRY_ATTEMPTS = 1;
/** GEP-1767: maxAge defaults to 5 seconds. */
export const DEFAULT_CORS_MAX_AGE = 5;
/** Spec §4: RequestRedirect statusCode defaults to 302. */
export const DEFAULT_REDIRECT_STATUS = 302;
/** Status for an invalid backend's share of traffic (spec §5). */
export const INVALID_BACKEND_STATUS = 500;

export interface Defaults {
  controllerName: string;
  now: string;
  originTemplate: string | undefined;
  clusterName: string;
  gatewayFilter: Set<string> | undefined;
  gatewayAddresses(key: string, name: string, namespace: string): string[];
}

export function applyTranslateDefaults(options: TranslateOptions = {}): Defaults {
  const addresses = options.gatewayAddresses ?? {};
  return {
    controllerName: options.controllerName ?? DEFAULT_CONTROLLER_NAME,
    now: options.now ?? DEFAULT_NOW,
    originTemplate: options.originTemplate === "" ? undefined : options.originTemplate,
    clusterName: options.clusterName ?? "",
    gatewayFilter: options.gateways && options.gateways.length > 0 ? new Set(options.gateways) : undefined,
    gatewayAddresses(key, name, namespace) {
      const configured = addresses[key] ?? addresses["*"];
      return configured && configured.length > 0 ? [...configured] : [`${name}.${namespace}.edgeway.local`];
    },
  };
}
