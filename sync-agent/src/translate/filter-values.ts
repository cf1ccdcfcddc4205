/**
 * The values inside each filter (spec §4). Each function returns the snapshot's shape, or a message saying what is
 * wrong for the condition.
 */
import type { Cors, Filter, HeaderModifier, Match, PathModifier } from "../../../schema/snapshot.ts";
import { bool, list, num, obj, str } from "../k8s/fields.ts";
import { DEFAULT_CORS_MAX_AGE, DEFAULT_REDIRECT_STATUS } from "./defaults.ts";
import { preciseHostnameProblem } from "./hostnames.ts";

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-zA-Z]+$/;
const MAX_HEADER_ACTIONS = 16;
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

/** CEL on HTTPRouteRule; an impossible filter/match combination, so the rule gets IncompatibleFilters (spec §4). */
export const INCOMPATIBLE_PREFIX = "ReplacePrefixMatch needs exactly one match in the rule, with a PathPrefix path";

const NO_HEADERS = Object.freeze([]) as unknown as HeaderModifier["set"];
const NO_NAMES = Object.freeze([]) as unknown as string[];

/** Header names are case-insensitive and each may be the subject of only one action (spec §4). */
export function translateHeaderModifier(raw: unknown): HeaderModifier | string {
  if (raw === undefined) return "the modifier is required for this filter type";
  const spec = obj(raw);
  const seen: string[] = [];
  // Lists of exact size (they live as long as the IR), one shared frozen list when empty.
  const modifier: HeaderModifier = { add: NO_HEADERS, remove: NO_NAMES, set: NO_HEADERS };
  for (const action of ["set", "add"] as const) {
    const entries = list(spec[action]);
    if (entries.length > MAX_HEADER_ACTIONS) return `${action} has more than ${MAX_HEADER_ACTIONS} entries`;
    if (entries.length === 0) continue;
    const values = new Array<HeaderModifier["set"][number]>(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const entry = obj(entries[i]);
      const name = str(entry.name) ?? "";
      const problem = claimHeader(seen, name);
      if (problem) return problem;
      const value = str(entry.value) ?? "";
      // RFC 9110 §5.5: field values never contain CR, LF or NUL; the edge could not send such a header at all.
      if (/[\r\n\0]/.test(value)) return `header "${name}" value contains CR, LF or NUL`;
      values[i] = { name: name.toLowerCase(), value };
    }
    modifier[action] = values;
  }
  const removes = list(spec.remove);
  if (removes.length > MAX_HEADER_ACTIONS) return `remove has more than ${MAX_HEADER_ACTIONS} entries`;
  if (removes.length > 0) {
    modifier.remove = new Array<string>(removes.length);
    for (let i = 0; i < removes.length; i++) {
      const name = str(removes[i]) ?? "";
      const problem = claimHeader(seen, name);
      if (problem) return problem;
      modifier.remove[i] = name.toLowerCase();
    }
  }
  // Names are unique within the modifier, so sorting loses nothing and makes equal modifiers serialize equally.
  if (modifier.add.length > 1) modifier.add.sort(byName);
  if (modifier.set.length > 1) modifier.set.sort(byName);
  if (modifier.remove.length > 1) modifier.remove.sort();
  return modifier;
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function claimHeader(seen: string[], name: string): string | undefined {
  if (!TOKEN.test(name)) return `header name "${name}" is not a valid token`;
  const lower = name.toLowerCase();
  if (seen.includes(lower)) return `header "${name}" is the subject of more than one action`;
  seen.push(lower);
  return undefined;
}

/**
 * ReplaceFullPath / ReplacePrefixMatch. ReplacePrefixMatch needs exactly one match whose path is a PathPrefix
 * (CEL on HTTPRouteRule); its value becomes `prefix` so the edge never has to guess which prefix matched.
 */
export function translatePathModifier(raw: unknown, matches: readonly Match[]): PathModifier | string {
  const spec = obj(raw);
  const type = str(spec.type);
  if (type === "ReplaceFullPath") {
    const value = str(spec.replaceFullPath);
    if (value === undefined) return "ReplaceFullPath needs replaceFullPath";
    if (!value.startsWith("/")) return `replaceFullPath "${value}" must start with /`;
    return { type, value };
  }
  if (type === "ReplacePrefixMatch") {
    const value = str(spec.replacePrefixMatch);
    if (value === undefined) return "ReplacePrefixMatch needs replacePrefixMatch";
    if (value !== "" && !value.startsWith("/")) return `replacePrefixMatch "${value}" must start with /`;
    const only = matches.length === 1 ? matches[0] : undefined;
    if (only === undefined || only.path.type !== "PathPrefix") {
      return INCOMPATIBLE_PREFIX;
    }
    return { prefix: only.path.value, type, value };
  }
  return `path modifier type "${String(type)}" is not supported`;
}

export function translateRedirect(raw: unknown, matches: readonly Match[]): Filter | string {
  if (raw === undefined) return "requestRedirect is required";
  const spec = obj(raw);
  const scheme = spec.scheme === undefined ? null : str(spec.scheme);
  if (scheme !== null && scheme !== "http" && scheme !== "https") return `scheme "${String(spec.scheme)}" is not http or https`;
  const hostname = spec.hostname === undefined ? null : (str(spec.hostname) ?? "");
  if (hostname !== null) {
    const problem = preciseHostnameProblem(hostname);
    if (problem) return problem;
  }
  const port = spec.port === undefined ? null : num(spec.port);
  if (port === undefined || (port !== null && (!Number.isInteger(port) || port < 1 || port > 65535))) return `port ${String(spec.port)} is not in 1-65535`;
  const statusCode = spec.statusCode === undefined ? DEFAULT_REDIRECT_STATUS : num(spec.statusCode);
  if (statusCode === undefined || !REDIRECT_CODES.has(statusCode)) return `statusCode ${String(spec.statusCode)} is not one of 301, 302, 303, 307, 308`;
  const path = spec.path === undefined ? null : translatePathModifier(spec.path, matches);
  if (typeof path === "string") return path;
  return {
    hostname: hostname === null ? null : hostname.toLowerCase(),
    path,
    port,
    scheme,
    statusCode: statusCode as 301 | 302 | 303 | 307 | 308,
    type: "RequestRedirect",
  };
}

/** GEP-3171: `percent` (0-100) or `fraction` (numerator <= denominator, denominator default 100); neither is 100 %. */
export function translateMirrorFraction(spec: Record<string, unknown>): { numerator: number; denominator: number } | string {
  const hasPercent = spec.percent !== undefined;
  const hasFraction = spec.fraction !== undefined;
  if (hasPercent && hasFraction) return "set percent or fraction, not both";
  if (hasPercent) {
    const percent = num(spec.percent);
    if (percent === undefined || !Number.isInteger(percent) || percent < 0 || percent > 100) return `percent ${String(spec.percent)} is not in 0-100`;
    return { numerator: percent, denominator: 100 };
  }
  if (hasFraction) {
    const fraction = obj(spec.fraction);
    const numerator = num(fraction.numerator);
    const denominator = fraction.denominator === undefined ? 100 : num(fraction.denominator);
    if (numerator === undefined || !Number.isInteger(numerator) || numerator < 0) return "fraction.numerator must be an integer >= 0";
    if (denominator === undefined || !Number.isInteger(denominator) || denominator < 1) return "fraction.denominator must be an integer >= 1";
    if (numerator > denominator) return "fraction.numerator must not exceed fraction.denominator";
    return { numerator, denominator };
  }
  return { numerator: 100, denominator: 100 };
}

function strings(value: unknown): string[] {
  return list(value).filter((v): v is string => typeof v === "string");
}

/** GEP-1767 CORS: lists copied as written, maxAge defaults to 5 seconds. */
export function translateCors(raw: unknown): Cors | string {
  if (raw === undefined) return "cors is required";
  const spec = obj(raw);
  const allowCredentials = bool(spec.allowCredentials) ?? false;
  const exposeHeaders = strings(spec.exposeHeaders);
  if (allowCredentials && exposeHeaders.includes("*")) return "exposeHeaders \"*\" is not allowed with allowCredentials";
  const allowOrigins = strings(spec.allowOrigins);
  for (const origin of allowOrigins) {
    if (origin !== "*" && !/^https?:\/\/(\*\.)?[^/*:?#]+(:[0-9]{1,5})?$/.test(origin)) {
      return `allowOrigins entry "${origin}" is not "*" or scheme://host[:port]`;
    }
  }
  const maxAge = spec.maxAge === undefined ? DEFAULT_CORS_MAX_AGE : num(spec.maxAge);
  if (maxAge === undefined || !Number.isInteger(maxAge) || maxAge < 0) return `maxAge ${String(spec.maxAge)} is not a non-negative integer`;
  return {
    allowCredentials,
    allowHeaders: strings(spec.allowHeaders),
    allowMethods: strings(spec.allowMethods),
    allowOrigins,
    exposeHeaders,
    maxAge,
  };
}
