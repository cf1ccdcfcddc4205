/**
 * Gateway `Programmed` from the edge's acknowledgement. The translator can only say whether a Gateway *can* be
 * programmed; whether it *is* depends on the edge serving a snapshot compiled from this generation. The spec's
 * Programmed condition means "configuration has been sent to the data plane and should be ready soon"; we keep the
 * stronger reading: True only once the edge reports serving a snapshot whose gatewayGeneration is at least the
 * Gateway's generation. Until then: Programmed=False, reason Pending, with a message naming what the edge serves.
 * A False verdict from the translator (Invalid, NoResources, ...) is left as it is. Listener Programmed conditions
 * follow the Gateway's (a listener cannot be serving while its Gateway's snapshot is not).
 */
import { versionString } from "../../../schema/pointer.ts";
import type { Condition, ObjectStatus } from "../translate/api.ts";
import type { ServedVersion } from "./edge-status.ts";

export interface EdgeView {
  /** False when no worker status URL is configured: Programmed cannot be confirmed. */
  configured: boolean;
  served?: ServedVersion;
}

export function applyEdgeAcknowledgement(status: ObjectStatus, edge: EdgeView): ObjectStatus {
  if (status.kind !== "Gateway") return status;
  const generation = status.generation;
  const served = edge.served;
  if (edge.configured && served && served.gatewayGeneration >= generation) {
    const message = `The edge serves version ${versionString(served)} (generation ${served.gatewayGeneration})`;
    const s = status.status as { conditions?: Condition[] };
    const conditions = (s.conditions ?? []).map((c) => (c.type === "Programmed" && c.status === "True" ? { ...c, message } : c));
    return { ...status, status: { ...status.status, conditions } };
  }
  const message = !edge.configured
    ? "No edge status endpoint is configured, so the agent cannot confirm the edge serves this generation"
    : !served
      ? `Waiting for the edge to serve generation ${generation}; the edge serves no snapshot for this Gateway yet`
      : `Waiting for the edge to serve generation ${generation}; the edge serves version ${versionString(served)} (generation ${served.gatewayGeneration})`;
  const pending = (c: Condition): Condition =>
    c.type === "Programmed" && c.status === "True" ? { ...c, status: "False", reason: "Pending", message, observedGeneration: generation } : c;
  const s = status.status as { conditions?: Condition[]; listeners?: { conditions?: Condition[] }[] };
  const conditions = (s.conditions ?? []).map(pending);
  if (!conditions.some((c) => c.type === "Programmed")) {
    conditions.push({ type: "Programmed", status: "False", reason: "Pending", message, observedGeneration: generation, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z") });
  }
  const listeners = s.listeners?.map((l) => ({ ...l, conditions: (l.conditions ?? []).map(pending) }));
  return { ...status, status: { ...status.status, conditions, ...(listeners ? { listeners } : {}) } };
}
