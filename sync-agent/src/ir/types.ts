/**
 * The intermediate representation: what the translator decided, as plain data. It knows nothing of Kubernetes
 * objects (no apiVersion, no status) and nothing of Workers; the compiler turns it into one snapshot per Gateway.
 *
 * Leaf shapes (matches, filters, backends, retry) are the snapshot schema's own data types: they are already plain,
 * validated data, and sharing them keeps the compiler a projection rather than a second translation.
 */
import type { Backend, Filter, Match, Retry } from "../../../schema/snapshot.ts";

export type { Backend, Filter, Match, Retry };

export interface IR {
  /** Gateways of ours that are Accepted, keyed nowhere: the compiler sorts them. */
  gateways: GatewayIR[];
  /** Routes with at least one attachment to a Gateway in `gateways`. */
  routes: RouteIR[];
}

export interface GatewayIR {
  namespace: string;
  name: string;
  generation: number;
  /** Programmed listeners only (valid, not conflicted, references resolved), in the Gateway's order. */
  listeners: ListenerIR[];
}

export interface ListenerIR {
  name: string;
  port: number;
  protocol: "HTTP" | "HTTPS";
  /** Lower-case; null matches every host. */
  hostname: string | null;
}

export interface RouteIR {
  namespace: string;
  name: string;
  creationTimestamp: string;
  generation: number;
  attachments: AttachmentIR[];
  /** Valid rules only; invalid ones were dropped (PartiallyInvalid) and keep no slot, but `index` keeps their position. */
  rules: RuleIR[];
}

export interface AttachmentIR {
  /** "namespace/name" of the Gateway. */
  gateway: string;
  /** Listener name within that Gateway. */
  listener: string;
  /** Effective hostnames (route x listener intersection); [] means every host the listener accepts. */
  hostnames: string[];
}

export interface RuleIR {
  index: number;
  name: string | null;
  matches: Match[];
  filters: Filter[];
  backends: Backend[];
  timeouts: { requestMs: number; backendRequestMs: number };
  retry: Retry | null;
}
