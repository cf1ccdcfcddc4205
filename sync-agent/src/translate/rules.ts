/**
 * One HTTPRouteRule -> one IR rule, or the reason it is invalid (spec §3-§7). Invalid backendRefs and unresolved
 * filter references do not invalidate the rule: they are ResolvedRefs problems and the edge answers their share
 * with 500.
 */
import type { Backend, Filter, Retry } from "../../../schema/snapshot.ts";
import type { RuleIR } from "../ir/types.ts";
import { list, num, obj, str } from "../k8s/fields.ts";
import { Reasons, type RouteProblem } from "./conditions.ts";
import { resolveBackendRef, type BackendContext, type ResolvedBackend } from "./backends.ts";
import { DEFAULT_RETRY_ATTEMPTS, INVALID_BACKEND_STATUS } from "./defaults.ts";
import { parseDuration } from "./duration.ts";
import { translateFilters } from "./filters.ts";
import { translateMatches } from "./matches.ts";

export interface RuleResult {
  rule?: RuleIR;
  /** Set when the rule is invalid in itself and dropped. */
  problem?: RouteProblem;
  refProblems: RouteProblem[];
}

/** Status recorded for a valid backend's entry; only invalid entries' statuses are ever served. */
const VALID_BACKEND_STATUS = 200;
const MAX_WEIGHT = 1_000_000;

export function translateRule(raw: Record<string, unknown>, index: number, ctx: BackendContext): RuleResult {
  const name = str(raw.name);
  const where = name ? `rules[${index}] (${name})` : `rules[${index}]`;
  const matches = translateMatches(raw.matches);
  if (!matches.ok) return dropped(where, matches.problem);
  const filters = translateFilters(raw.filters, matches.matches, ctx, where);
  if (filters.problem) return dropped(where, filters.problem);
  const refProblems = [...filters.refProblems];
  const rawBackends = list(raw.backendRefs);
  if (rawBackends.length > 0 && filters.filters.some((f) => f.type === "RequestRedirect")) {
    return dropped(where, { reason: Reasons.IncompatibleFilters, message: "RequestRedirect cannot be combined with backendRefs" });
  }
  // Exact size: the list lives as long as the IR (an empty array that is pushed to reserves room for 16).
  const backends = new Array<Backend>(rawBackends.length);
  for (let j = 0; j < rawBackends.length; j++) {
    const rawBackend = obj(rawBackends[j]);
    const weight = rawBackend.weight === undefined ? 1 : num(rawBackend.weight);
    if (weight === undefined || !Number.isInteger(weight) || weight < 0 || weight > MAX_WEIGHT) {
      return dropped(where, { reason: Reasons.UnsupportedValue, message: `backendRefs[${j}]: weight ${String(rawBackend.weight)} is not an integer in 0-${MAX_WEIGHT}` });
    }
    const backendWhere = `${where} backendRefs[${j}]`;
    const backendFilters = translateFilters(rawBackend.filters, matches.matches, ctx, backendWhere);
    if (backendFilters.problem) return dropped(where, backendFilters.problem);
    if (backendFilters.refProblems.length > 0) refProblems.push(...backendFilters.refProblems);
    const resolved = resolveBackendRef(rawBackend, ctx);
    if (resolved.target === null) refProblems.push({ reason: resolved.problem.reason, message: `${backendWhere}: ${resolved.problem.message}` });
    // The common entry (weight 1, no filters) is one object per reference, shared (backends.ts ResolvedBackend).
    backends[j] =
      weight === 1 && backendFilters.filters.length === 0
        ? (resolved.backend ??= backendEntry(resolved, backendFilters.filters, 1))
        : backendEntry(resolved, backendFilters.filters, weight);
  }
  const timeouts = translateTimeouts(raw.timeouts);
  if (typeof timeouts === "string") return dropped(where, { reason: Reasons.UnsupportedValue, message: timeouts });
  const retry = translateRetry(raw.retry);
  if (typeof retry === "string") return dropped(where, { reason: Reasons.UnsupportedValue, message: retry });
  return {
    rule: { backends, filters: filters.filters, index, matches: matches.matches, name: name ?? null, retry, timeouts },
    refProblems,
  };
}

function backendEntry(resolved: ResolvedBackend, filters: Filter[], weight: number): Backend {
  // Keys in sorted order throughout: the compiler serializes these objects as they are (compile/route.ts).
  return {
    filters,
    reason: resolved.target === null ? resolved.problem.reason : "",
    ref: resolved.ref,
    status: resolved.target === null ? INVALID_BACKEND_STATUS : VALID_BACKEND_STATUS,
    target: resolved.target,
    weight,
  };
}

function dropped(where: string, problem: RouteProblem): RuleResult {
  const message = problem.message.startsWith("rules[") ? problem.message : `${where}: ${problem.message}`;
  return { problem: { reason: problem.reason, message }, refProblems: [] };
}

/** Shared by every rule without timeouts (frozen: the IR is plain data nobody modifies). */
const NO_TIMEOUTS: RuleIR["timeouts"] = Object.freeze({ backendRequestMs: 0, requestMs: 0 });

/** GEP-1742: "0s" disables; backendRequest must not exceed request unless request is disabled. Unset is 0 (none). */
function translateTimeouts(raw: unknown): RuleIR["timeouts"] | string {
  if (raw === undefined) return NO_TIMEOUTS;
  const spec = obj(raw);
  const requestMs = timeoutField(spec, "request");
  if (typeof requestMs === "string") return requestMs;
  const backendRequestMs = timeoutField(spec, "backendRequest");
  if (typeof backendRequestMs === "string") return backendRequestMs;
  if (requestMs > 0 && backendRequestMs > requestMs) {
    return `timeouts.backendRequest (${String(spec.backendRequest)}) must not exceed timeouts.request (${String(spec.request)})`;
  }
  return { backendRequestMs, requestMs };
}

function timeoutField(spec: Record<string, unknown>, field: "request" | "backendRequest"): number | string {
  const value = spec[field];
  if (value === undefined) return 0;
  const ms = typeof value === "string" ? parseDuration(value) : undefined;
  return ms === undefined ? `timeouts.${field} "${String(value)}" is not a GEP-2257 duration such as "500ms" or "1m30s"` : ms;
}

/** GEP-1731 retry: codes 400-599, attempts = retries after the first try, backoff = minimum wait. */
function translateRetry(raw: unknown): Retry | null | string {
  if (raw === undefined || raw === null) return null;
  const spec = obj(raw);
  const codes: number[] = [];
  for (const code of list(spec.codes)) {
    const n = num(code);
    if (n === undefined || !Number.isInteger(n) || n < 400 || n > 599) return `retry.codes entry ${String(code)} is not an HTTP status in 400-599`;
    if (!codes.includes(n)) codes.push(n);
  }
  const attempts = spec.attempts === undefined ? DEFAULT_RETRY_ATTEMPTS : num(spec.attempts);
  if (attempts === undefined || !Number.isInteger(attempts) || attempts < 0) return `retry.attempts ${String(spec.attempts)} is not an integer >= 0`;
  let backoffMs = 0;
  if (spec.backoff !== undefined) {
    const parsed = typeof spec.backoff === "string" ? parseDuration(spec.backoff) : undefined;
    if (parsed === undefined) return `retry.backoff "${String(spec.backoff)}" is not a GEP-2257 duration`;
    backoffMs = parsed;
  }
  return { attempts, backoffMs, codes: codes.length > 1 ? codes.sort((a, b) => a - b) : codes, retryConnectionErrors: true, retryNonIdempotent: false };
}
