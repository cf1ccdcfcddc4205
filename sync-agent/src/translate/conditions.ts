/**
 * Status conditions (metav1.Condition) and the reasons edgeway emits, with the Gateway API's own names.
 */
import type { Condition } from "./api.ts";

/** A condition before observedGeneration / lastTransitionTime are stamped on it. */
export interface Verdict {
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
}

export function ok(reason: string, message = ""): Verdict {
  return { status: "True", reason, message };
}

export function fail(reason: string, message: string): Verdict {
  return { status: "False", reason, message };
}

/** Stamps conditions for one object: every condition carries the object's generation (spec §2 observedGeneration). */
export class ConditionWriter {
  constructor(
    private readonly generation: number,
    private readonly now: string,
  ) {}

  condition(type: string, verdict: Verdict): Condition {
    return {
      type,
      status: verdict.status,
      reason: verdict.reason,
      message: verdict.message,
      observedGeneration: this.generation,
      lastTransitionTime: this.now,
    };
  }
}

/** Route-level problems found while translating rules or backendRefs. */
export interface RouteProblem {
  reason: string;
  message: string;
}

export const Reasons = {
  Accepted: "Accepted",
  Programmed: "Programmed",
  ResolvedRefs: "ResolvedRefs",
  Invalid: "Invalid",
  InvalidParameters: "InvalidParameters",
  ListenersNotValid: "ListenersNotValid",
  UnsupportedAddress: "UnsupportedAddress",
  AddressNotUsable: "AddressNotUsable",
  UnsupportedProtocol: "UnsupportedProtocol",
  UnsupportedValue: "UnsupportedValue",
  PortUnavailable: "PortUnavailable",
  InvalidCertificateRef: "InvalidCertificateRef",
  InvalidRouteKinds: "InvalidRouteKinds",
  RefNotPermitted: "RefNotPermitted",
  NoConflicts: "NoConflicts",
  HostnameConflict: "HostnameConflict",
  ProtocolConflict: "ProtocolConflict",
  NotAllowedByListeners: "NotAllowedByListeners",
  NoMatchingListenerHostname: "NoMatchingListenerHostname",
  NoMatchingParent: "NoMatchingParent",
  IncompatibleFilters: "IncompatibleFilters",
  InvalidKind: "InvalidKind",
  BackendNotFound: "BackendNotFound",
} as const;
