/**
 * HTTPRoute filters (spec §4), at rule level and on backendRefs: types, the at-most-once rules, incompatible
 * combinations, and each filter's own values. A problem in a filter invalidates the rule (dropped with
 * PartiallyInvalid); an unresolved reference in a filter is a ResolvedRefs problem and the rule stays.
 *
 * Every object is built with its keys in sorted order: the compiler serializes them as they are (compile/route.ts).
 */
import type { Filter, Match } from "../../../schema/snapshot.ts";
import { list, obj, str } from "../k8s/fields.ts";
import { Reasons, type RouteProblem } from "./conditions.ts";
import { resolveBackendRef, type BackendContext } from "./backends.ts";
import { preciseHostnameProblem } from "./hostnames.ts";
import { INCOMPATIBLE_PREFIX, translateCors, translateHeaderModifier, translateMirrorFraction, translatePathModifier, translateRedirect } from "./filter-values.ts";

export interface FiltersResult {
  filters: Filter[];
  /** Makes the rule invalid. */
  problem?: RouteProblem;
  /** Unresolved references (mirror backends, ExtensionRefs): ResolvedRefs=False, rule kept. */
  refProblems: RouteProblem[];
}

/** The result for no filters (most rules and backends), shared and frozen: the IR is plain data nobody modifies. */
const NO_FILTERS: FiltersResult = Object.freeze({
  filters: Object.freeze([]) as unknown as Filter[],
  refProblems: Object.freeze([]) as unknown as RouteProblem[],
});

/** CEL: these may appear at most once per filter list; RequestMirror and ExtensionRef may repeat. */
const AT_MOST_ONCE = new Set(["CORS", "RequestHeaderModifier", "ResponseHeaderModifier", "RequestRedirect", "URLRewrite"]);

export function translateFilters(raw: unknown, matches: readonly Match[], ctx: BackendContext, where: string): FiltersResult {
  const entries = list(raw);
  if (entries.length === 0) return NO_FILTERS;
  // At most one filter per entry (the list lives as long as the IR); shortened at the end if a mirror was left out.
  const filters = new Array<Filter>(entries.length);
  let count = 0;
  const refProblems: RouteProblem[] = [];
  const seen: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = obj(entries[i]);
    const type = str(entry.type) ?? "";
    if (AT_MOST_ONCE.has(type)) {
      if (seen.includes(type)) return invalid(where, Reasons.IncompatibleFilters, `filter ${type} may appear only once`);
      seen.push(type);
    }
    const at = `filters[${i}] ${type}`;
    switch (type) {
      case "RequestHeaderModifier":
      case "ResponseHeaderModifier": {
        const key = type === "RequestHeaderModifier" ? "requestHeaderModifier" : "responseHeaderModifier";
        const modifier = translateHeaderModifier(entry[key]);
        if (typeof modifier === "string") return invalid(where, Reasons.UnsupportedValue, `${at}: ${modifier}`);
        filters[count++] = { modifier, type };
        break;
      }
      case "RequestRedirect": {
        const redirect = translateRedirect(entry.requestRedirect, matches);
        if (typeof redirect === "string") return invalid(where, reasonFor(redirect), `${at}: ${redirect}`);
        filters[count++] = redirect;
        break;
      }
      case "URLRewrite": {
        const spec = obj(entry.urlRewrite);
        if (entry.urlRewrite === undefined) return invalid(where, Reasons.UnsupportedValue, `${at}: urlRewrite is required`);
        const hostname = spec.hostname === undefined ? null : (str(spec.hostname) ?? "");
        const hostnameProblem = hostname === null ? undefined : preciseHostnameProblem(hostname);
        if (hostnameProblem) return invalid(where, Reasons.UnsupportedValue, `${at}: ${hostnameProblem}`);
        const path = spec.path === undefined ? null : translatePathModifier(spec.path, matches);
        if (typeof path === "string") return invalid(where, reasonFor(path), `${at}: ${path}`);
        filters[count++] = { hostname: hostname === null ? null : hostname.toLowerCase(), path, type };
        break;
      }
      case "RequestMirror": {
        const spec = obj(entry.requestMirror);
        const fraction = translateMirrorFraction(spec);
        if (typeof fraction === "string") return invalid(where, Reasons.UnsupportedValue, `${at}: ${fraction}`);
        const backend = resolveBackendRef(obj(spec.backendRef), ctx);
        // Spec §4: a mirror whose backend cannot be resolved is reported and not configured.
        if (backend.target === null) refProblems.push({ reason: backend.problem.reason, message: `${where}: ${at}: ${backend.problem.message}` });
        else filters[count++] = { mirror: { backend: backend.target, denominator: fraction.denominator, numerator: fraction.numerator }, type };
        break;
      }
      case "CORS": {
        const cors = translateCors(entry.cors);
        if (typeof cors === "string") return invalid(where, Reasons.UnsupportedValue, `${at}: ${cors}`);
        filters[count++] = { cors, type };
        break;
      }
      case "ExtensionRef": {
        // edgeway defines no extension filters, so every ExtensionRef is unresolved. Spec §4: it MUST NOT be skipped;
        // matching requests get an error response instead.
        const ref = obj(entry.extensionRef);
        const label = `${str(ref.group) ?? ""}/${str(ref.kind) ?? ""} ${str(ref.name) ?? ""}`;
        refProblems.push({ reason: Reasons.InvalidKind, message: `${where}: ${at}: ExtensionRef ${label} cannot be resolved; matching requests get 500` });
        filters[count++] = { reason: `unresolved ExtensionRef ${label}`, status: 500, type: "DirectResponse" };
        break;
      }
      default:
        return invalid(where, Reasons.UnsupportedValue, `${at}: filter type "${type}" is not supported`);
    }
  }
  if (seen.includes("RequestRedirect") && seen.includes("URLRewrite")) {
    return invalid(where, Reasons.IncompatibleFilters, "RequestRedirect and URLRewrite cannot be used together");
  }
  if (count < filters.length) filters.length = count;
  return { filters, refProblems };
}

function reasonFor(message: string): string {
  return message === INCOMPATIBLE_PREFIX ? Reasons.IncompatibleFilters : Reasons.UnsupportedValue;
}

function invalid(where: string, reason: string, message: string): FiltersResult {
  return { filters: [], refProblems: [], problem: { reason, message: `${where}: ${message}` } };
}
