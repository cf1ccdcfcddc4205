/**
 * The translator's contract, used by the CLI (`edgeway compile`), the in-cluster agent and the tests.
 *
 *   source (files | informers) -> KubeObject[] -> translate() -> { ir, statuses } -> compileSnapshots(ir) -> publish
 *
 * translate() never throws on user input: every problem becomes a status condition with the spec's reason, and the
 * valid remainder still compiles. It is a pure function of its inputs (no clock: lastTransitionTime is supplied).
 */
import type { Snapshot } from "../../../schema/snapshot.ts";

/** Any Kubernetes object as read from YAML or the API server. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

export interface TranslateOptions {
  /** GatewayClass spec.controllerName we own. Default "edgeway.dev/gateway-controller". */
  controllerName?: string;
  /** Published as Gateway status.addresses (the worker's public hostnames). Default: one Hostname address per
   * Gateway, "<name>.<namespace>.edgeway.local". Keyed by "namespace/name", or "*" for every Gateway. */
  gatewayAddresses?: Record<string, string[]>;
  /** Origin template for Services without annotation or LoadBalancer ingress: {service} {namespace} {port} {cluster}. */
  originTemplate?: string;
  /** Substituted for {cluster} in the template. */
  clusterName?: string;
  /** Only translate these Gateways ("namespace/name"); default all of ours. */
  gateways?: string[];
  /** lastTransitionTime written into new conditions. Default "1970-01-01T00:00:00Z" (golden files zero it anyway). */
  now?: string;
}

/** A status condition (metav1.Condition). */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  observedGeneration: number;
  lastTransitionTime: string;
}

/** The computed status of one object we own (GatewayClass, Gateway, HTTPRoute), ready for the status subresource. */
export interface ObjectStatus {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  generation: number;
  /** For HTTPRoute: { parents: [...] } holding only entries with our controllerName. */
  status: Record<string, unknown>;
}

export interface TranslateResult {
  /** Plain data: no Kubernetes objects, no Workers types (sync-agent/src/ir). */
  ir: unknown;
  statuses: ObjectStatus[];
  /** Problems that are not any object's status (unparseable objects, unknown kinds skipped), for the CLI table. */
  warnings: string[];
}

export interface CompiledSnapshot {
  /** "namespace/name" of the Gateway. */
  gateway: string;
  gatewayGeneration: number;
  snapshot: Snapshot;
  /** Canonical JSON bytes (the KV blob) and their sha256 hex. */
  bytes: Uint8Array<ArrayBuffer>;
  sha256: string;
}
