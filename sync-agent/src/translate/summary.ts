/**
 * A one-line-per-object view of computed status, like `kubectl get`: what the CLI prints after compiling.
 */
import type { Condition, ObjectStatus } from "./api.ts";

export interface SummaryRow {
  kind: string;
  namespace: string;
  name: string;
  accepted: string;
  resolved: string;
  programmed: string;
  /** "Reason: message" of the first condition that is not as it should be, or "". */
  detail: string;
}

const HEADER: SummaryRow = {
  kind: "KIND",
  namespace: "NAMESPACE",
  name: "NAME",
  accepted: "ACCEPTED",
  resolved: "RESOLVED",
  programmed: "PROGRAMMED",
  detail: "REASON/MESSAGE",
};

/** Conditions whose healthy status is False (Conflicted) or that only carry news when True (PartiallyInvalid). */
const HEALTHY_FALSE = new Set(["Conflicted"]);

export function summarize(statuses: readonly ObjectStatus[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const s of statuses) {
    const base = { kind: s.kind, namespace: s.namespace ?? "", name: s.name };
    if (s.kind === "GatewayClass" || s.kind === "Gateway") {
      const conditions = conditionsOf(s.status);
      const listeners = listenersOf(s.status);
      const listenerConditions = listeners.flatMap((l) => l.conditions.map((c) => ({ ...c, message: `listener ${l.name}: ${c.reason}: ${c.message}` })));
      rows.push({
        ...base,
        accepted: statusOf(conditions, "Accepted"),
        resolved: s.kind === "Gateway" ? aggregate(listeners.map((l) => statusOf(l.conditions, "ResolvedRefs"))) : "-",
        programmed: s.kind === "Gateway" ? statusOf(conditions, "Programmed") : "-",
        detail: problem([...conditions, ...listenerConditions]),
      });
      continue;
    }
    const parents = Array.isArray(s.status.parents) ? (s.status.parents as { parentRef: Record<string, unknown>; conditions: Condition[] }[]) : [];
    for (const parent of parents) {
      rows.push({
        ...base,
        name: `${s.name} -> ${String(parent.parentRef.name)}${parent.parentRef.sectionName ? `#${String(parent.parentRef.sectionName)}` : ""}`,
        accepted: statusOf(parent.conditions, "Accepted"),
        resolved: statusOf(parent.conditions, "ResolvedRefs"),
        programmed: "-",
        detail: problem(parent.conditions),
      });
    }
  }
  return rows;
}

export function formatTable(rows: readonly SummaryRow[]): string {
  const all = [HEADER, ...rows];
  const keys = ["kind", "namespace", "name", "accepted", "resolved", "programmed"] as const;
  const widths = keys.map((k) => Math.max(...all.map((r) => r[k].length)));
  return all.map((r) => [...keys.map((k, i) => r[k].padEnd(widths[i] ?? 0)), r.detail].join("  ").trimEnd()).join("\n");
}

function conditionsOf(status: Record<string, unknown>): Condition[] {
  return Array.isArray(status.conditions) ? (status.conditions as Condition[]) : [];
}

function listenersOf(status: Record<string, unknown>): { name: string; conditions: Condition[] }[] {
  return Array.isArray(status.listeners) ? (status.listeners as { name: string; conditions: Condition[] }[]) : [];
}

function statusOf(conditions: readonly Condition[], type: string): string {
  return conditions.find((c) => c.type === type)?.status ?? "-";
}

function aggregate(values: string[]): string {
  if (values.length === 0) return "-";
  return values.every((v) => v === "True") ? "True" : "False";
}

function problem(conditions: readonly Condition[]): string {
  const bad = conditions.find((c) => (HEALTHY_FALSE.has(c.type) ? c.status === "True" : c.status !== "True" && c.type !== "PartiallyInvalid"))
    ?? conditions.find((c) => c.type === "PartiallyInvalid" && c.status === "True");
  if (bad === undefined) return "";
  const message = bad.message.replace(/\s+/g, " ");
  return message.startsWith("listener ") ? message : `${bad.reason}: ${message}`;
}
