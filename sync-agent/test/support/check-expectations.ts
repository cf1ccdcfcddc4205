/**
 * Evaluates golden-case expectations (expectations.ts) against what translate() + compileSnapshots() produced.
 * Returns one human-readable failure per unmet expectation; an empty list means every expectation holds.
 */
import type { ObjectStatus } from "../../src/translate/api.ts";
import type { Expectation, ParentSelector, StatusItem } from "./expectations.ts";
import { jsonEqual, resolvePath } from "./snapshot-path.ts";

export interface Outcome {
  statuses: readonly ObjectStatus[];
  /** Compiled snapshots keyed by "namespace/name" of their Gateway. */
  snapshots: ReadonlyMap<string, unknown>;
  warnings: readonly string[];
}

interface ConditionLike {
  type?: unknown;
  status?: unknown;
  reason?: unknown;
}

export function checkExpectations(expectations: readonly Expectation[], outcome: Outcome): string[] {
  const failures: string[] = [];
  for (const expectation of expectations) {
    const problem = checkOne(expectation, outcome);
    if (problem) failures.push(`${expectation.text}\n    -> ${problem}`);
  }
  return failures;
}

function checkOne(expectation: Expectation, outcome: Outcome): string | null {
  switch (expectation.on) {
    case "warning":
      return outcome.warnings.some((w) => w.includes(expectation.contains))
        ? null
        : `no warning contains "${expectation.contains}" (warnings: ${JSON.stringify(outcome.warnings)})`;
    case "snapshot":
      return checkSnapshot(expectation, outcome);
    case "status":
      return checkStatus(expectation, outcome);
  }
}

function checkSnapshot(expectation: Extract<Expectation, { on: "snapshot" }>, outcome: Outcome): string | null {
  const snapshot = outcome.snapshots.get(expectation.gateway);
  if (expectation.path === undefined) {
    const present = snapshot !== undefined;
    if (expectation.op === "absent") return present ? "a snapshot was compiled for this Gateway" : null;
    return present ? null : `no snapshot for ${expectation.gateway} (have: ${[...outcome.snapshots.keys()].join(", ") || "none"})`;
  }
  if (snapshot === undefined) return `no snapshot for ${expectation.gateway}`;
  const resolved = resolvePath(snapshot, expectation.path);
  if (expectation.op === "absent") return resolved.found ? `found ${JSON.stringify(resolved.value)}` : null;
  if (!resolved.found) return `path not found (stopped at ${resolved.missingAt})`;
  if (expectation.op === "present") return null;
  const ignoreOrder = expectation.op === "~=";
  return jsonEqual(resolved.value, expectation.value, ignoreOrder)
    ? null
    : `got ${JSON.stringify(resolved.value)}, want ${JSON.stringify(expectation.value)}${ignoreOrder ? " (any order)" : ""}`;
}

function checkStatus(expectation: Extract<Expectation, { on: "status" }>, outcome: Outcome): string | null {
  const entry = outcome.statuses.find(
    (s) => s.kind === expectation.kind && s.name === expectation.name && (s.namespace ?? undefined) === expectation.namespace,
  );
  const problems: string[] = [];
  for (const item of expectation.items) {
    const problem = checkStatusItem(item, expectation, entry);
    if (problem) problems.push(problem);
  }
  return problems.length ? problems.join("; ") : null;
}

function checkStatusItem(
  item: StatusItem,
  expectation: Extract<Expectation, { on: "status" }>,
  entry: ObjectStatus | undefined,
): string | null {
  if (item.item === "statusNone") return entry ? `status was written: ${JSON.stringify(entry.status)}` : null;
  if (item.item === "parents") {
    const count = entry ? asArray(entry.status.parents).length : 0;
    return count === item.count ? null : `parents=${count}, want ${item.count}`;
  }
  if (!entry) return "no status for this object";
  if (expectation.parent) return checkParentItem(item, expectation, entry, expectation.parent);
  if (expectation.listener !== undefined) return checkListenerItem(item, entry, expectation.listener);
  switch (item.item) {
    case "condition":
      return checkCondition(asArray(entry.status.conditions), item);
    case "listeners": {
      const count = asArray(entry.status.listeners).length;
      return count === item.count ? null : `listeners=${count}, want ${item.count}`;
    }
    case "addresses": {
      const got = asArray(entry.status.addresses);
      return jsonEqual(got, item.addresses) ? null : `addresses ${JSON.stringify(got)}, want ${JSON.stringify(item.addresses)}`;
    }
    default:
      return `${item.item} needs listener= or parent=`;
  }
}

function checkListenerItem(item: StatusItem, entry: ObjectStatus, name: string): string | null {
  const listener = asArray(entry.status.listeners).find((l) => field(l, "name") === name);
  if (listener === undefined) return `no listener status named "${name}"`;
  switch (item.item) {
    case "condition":
      return checkCondition(asArray(field(listener, "conditions")), item);
    case "attachedRoutes": {
      const got = field(listener, "attachedRoutes");
      return got === item.count ? null : `attachedRoutes=${String(got)}, want ${item.count}`;
    }
    case "supportedKinds": {
      const got = asArray(field(listener, "supportedKinds")).map((k) => field(k, "kind"));
      return jsonEqual(got, item.kinds, true) ? null : `supportedKinds ${JSON.stringify(got)}, want ${JSON.stringify(item.kinds)}`;
    }
    default:
      return `${item.item} does not apply to a listener`;
  }
}

function checkParentItem(
  item: StatusItem,
  expectation: Extract<Expectation, { on: "status" }>,
  entry: ObjectStatus,
  selector: ParentSelector,
): string | null {
  const routeNamespace = expectation.namespace;
  const parents = asArray(entry.status.parents);
  const parent = parents.find((p) => parentMatches(field(p, "parentRef"), selector, routeNamespace));
  if (parent === undefined) {
    const refs = parents.map((p) => JSON.stringify(field(p, "parentRef")));
    return `no status.parents entry for ${JSON.stringify(selector)} (have: ${refs.join(", ") || "none"})`;
  }
  if (item.item !== "condition") return `${item.item} does not apply to a route parent`;
  return checkCondition(asArray(field(parent, "conditions")), item);
}

function parentMatches(ref: unknown, selector: ParentSelector, routeNamespace: string | undefined): boolean {
  if (field(ref, "name") !== selector.name) return false;
  const namespace = field(ref, "namespace") ?? routeNamespace;
  if (namespace !== (selector.namespace ?? routeNamespace)) return false;
  if ((field(ref, "sectionName") ?? undefined) !== selector.sectionName) return false;
  return (field(ref, "port") ?? undefined) === selector.port;
}

function checkCondition(conditions: unknown[], item: Extract<StatusItem, { item: "condition" }>): string | null {
  const found = conditions.find((c) => field(c, "type") === item.type) as ConditionLike | undefined;
  if (item.status === "absent") return found ? `${item.type} present: ${describe(found)}` : null;
  if (!found) return `no ${item.type} condition (have: ${conditions.map((c) => describe(c as ConditionLike)).join(", ") || "none"})`;
  if (found.status !== item.status || (item.reason !== undefined && found.reason !== item.reason)) {
    return `${item.type}: got ${describe(found)}, want ${item.status}${item.reason ? `/${item.reason}` : ""}`;
  }
  return null;
}

function describe(c: ConditionLike): string {
  return `${String(c.type)}=${String(c.status)}/${String(c.reason)}`;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
}
