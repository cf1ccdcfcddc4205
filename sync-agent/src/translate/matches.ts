/**
 * HTTPRouteRule.matches (spec §3): path, headers, query params and method, with the spec's value rules. A match the
 * edge could not evaluate faithfully makes the rule invalid (dropped, PartiallyInvalid) rather than match loosely.
 */
import type { Match, StringMatch } from "../../../schema/snapshot.ts";
import { checkRegex } from "../../../wasm-matcher/src/regex/check.ts";
import { list, obj, str } from "../k8s/fields.ts";
import { Reasons, type RouteProblem } from "./conditions.ts";

export type MatchesResult = { ok: true; matches: Match[] } | { ok: false; problem: RouteProblem };

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-zA-Z]+$/;
/**
 * One shared, frozen empty list for every match without header or query-param matches (most of them): the IR is
 * plain data nobody modifies, and a 10,000-route translation otherwise keeps tens of thousands of empty arrays alive.
 */
const NO_STRING_MATCHES = Object.freeze([]) as unknown as StringMatch[];

/** No matches, or an empty match, means PathPrefix "/" (spec §3). */
export const DEFAULT_PATH = { type: "PathPrefix", value: "/" } as const;

export function translateMatches(raw: unknown): MatchesResult {
  const entries = list(raw);
  if (entries.length === 0) return { ok: true, matches: [{ headers: NO_STRING_MATCHES, method: null, path: { ...DEFAULT_PATH }, queryParams: NO_STRING_MATCHES }] };
  // Exact size: the list lives as long as the IR, and an empty array that is pushed to reserves room for 16.
  const matches = new Array<Match>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const result = translateMatch(obj(entries[i]));
    if (typeof result === "string") return { ok: false, problem: { reason: Reasons.UnsupportedValue, message: `matches[${i}]: ${result}` } };
    matches[i] = result;
  }
  return { ok: true, matches };
}

function translateMatch(raw: Record<string, unknown>): Match | string {
  const path = translatePath(raw.path);
  if (typeof path === "string") return path;
  const headers = translateStringMatches(raw.headers, "header", (name) => name.toLowerCase());
  if (typeof headers === "string") return headers;
  const queryParams = translateStringMatches(raw.queryParams, "queryParam", (name) => name);
  if (typeof queryParams === "string") return queryParams;
  let method: string | null = null;
  if (raw.method !== undefined) {
    const m = str(raw.method);
    if (m === undefined || !METHODS.has(m)) return `method "${String(raw.method)}" is not an HTTP method of the spec (upper-case)`;
    method = m;
  }
  // Keys in sorted order, lists sorted by name (ANDed, so order-free): the compiler serializes these objects as they
  // are (compile/route.ts).
  return { headers: sortByName(headers), method, path, queryParams: sortByName(queryParams) };
}

function translatePath(raw: unknown): Match["path"] | string {
  if (raw === undefined) return { ...DEFAULT_PATH };
  const spec = obj(raw);
  const type = str(spec.type) ?? "PathPrefix";
  const value = str(spec.value) ?? "/";
  if (type === "Exact" || type === "PathPrefix") {
    const problem = pathValueProblem(value);
    return problem ? `path ${type} "${value}" ${problem}` : { type, value };
  }
  if (type === "RegularExpression") {
    const check = checkRegex(value);
    return check.ok ? { type, value } : `path regular expression "${value}" is not supported: ${check.reason}`;
  }
  return `path type "${type}" is not supported`;
}

/** Spec §3: Exact/PathPrefix values start with "/" and contain no "//", "/./", "/../", "%2f", "#", nor end in "/." or "/..". */
const FORBIDDEN_IN_PATH = /\/\/|\/\.\/|\/\.\.\/|%2f|%2F|#/;

export function pathValueProblem(value: string): string | undefined {
  if (!value.startsWith("/")) return "must start with /";
  const bad = FORBIDDEN_IN_PATH.exec(value);
  if (bad) return `must not contain "${bad[0]}"`;
  if (value.endsWith("/.") || value.endsWith("/..")) return "must not end with /. or /..";
  return undefined;
}

/** Headers and query params: only the first entry per name counts (spec §3); headers compare names case-insensitively. */
function translateStringMatches(raw: unknown, what: string, key: (name: string) => string): StringMatch[] | string {
  const entries = list(raw);
  if (entries.length === 0) return NO_STRING_MATCHES;
  // At most one entry per given one (it lives as long as the IR); shortened below if names repeat.
  const out = new Array<StringMatch>(entries.length);
  let count = 0;
  const seen: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = obj(entries[i]);
    const name = str(entry.name) ?? "";
    const value = str(entry.value) ?? "";
    const type = str(entry.type) ?? "Exact";
    if (!TOKEN.test(name)) return `${what} name "${name}" is not a valid token`;
    const normalized = key(name);
    if (seen.includes(normalized)) continue;
    seen.push(normalized);
    if (type === "RegularExpression") {
      const check = checkRegex(value);
      if (!check.ok) return `${what} ${name} regular expression "${value}" is not supported: ${check.reason}`;
    } else if (type !== "Exact") {
      return `${what} ${name} match type "${type}" is not supported`;
    }
    out[count++] = { name: normalized, type, value };
  }
  if (count < out.length) out.length = count;
  return out;
}

function sortByName<T extends { name: string }>(items: T[]): T[] {
  return items.length < 2 ? items : items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
