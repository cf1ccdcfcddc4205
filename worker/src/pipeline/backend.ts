/**
 * Backend pick by weight (spec §5): share = weight / sum of weights; weight 0 never chosen; an invalid backend keeps
 * its share and answers it with its `status` (500, or 503 for no ready endpoints). No backends, or all weights 0:
 * 500 (the v1 types say nothing for all-zero; 500 matches HTTPRouteNoBackendRefs).
 */
import type { Backend, BackendRef } from "../../../schema/snapshot.ts";

export type BackendChoice =
  | { kind: "forward"; backend: Backend; target: BackendRef }
  | { kind: "invalid"; backend: Backend; status: number }
  | { kind: "none" };

export function pickBackend(backends: readonly Backend[], random: () => number = Math.random): BackendChoice {
  let total = 0;
  for (const backend of backends) total += backend.weight;
  if (total <= 0) return { kind: "none" };
  let point = random() * total;
  let chosen: Backend | undefined;
  for (const backend of backends) {
    if (backend.weight === 0) continue;
    chosen = backend;
    if (point < backend.weight) break;
    point -= backend.weight;
  }
  if (!chosen) return { kind: "none" };
  return chosen.target ? { kind: "forward", backend: chosen, target: chosen.target } : { kind: "invalid", backend: chosen, status: chosen.status };
}
