/**
 * Listener validation (spec §2 "Listener status"): protocol, port, hostname, TLS certificate references,
 * allowedRoutes, and conflicts between listeners of one Gateway.
 */
import type { ObjectIndex } from "../k8s/index.ts";
import { GATEWAY_GROUP } from "../k8s/kinds.ts";
import { num, obj, objList, str } from "../k8s/fields.ts";
import { fail, ok, Reasons, type Verdict } from "./conditions.ts";
import { hostnameProblem } from "./hostnames.ts";
import { referencePermitted } from "./reference-grants.ts";
import { compileSelector } from "./selector.ts";
import { secretProblem } from "./secrets.ts";

export type NamespacePolicy =
  | { from: "Same" }
  | { from: "All" }
  | {
      from: "Selector";
      matches: (labels: Record<string, string>) => boolean;
      /** The selector's answer per route namespace, decided once per translation (hundreds of routes share one). */
      decided: Map<string, boolean>;
    };

export interface RouteGroupKind {
  group: string;
  kind: string;
}

export interface ListenerModel {
  name: string;
  port: number;
  protocol: string;
  hostname: string | null;
  /** Accepted condition, before conflicts are considered. */
  accepted: Verdict;
  resolvedRefs: Verdict;
  conflicted: Verdict;
  supportedKinds: RouteGroupKind[];
  namespaces: NamespacePolicy;
  /** Routes attached (Accepted=True) to this listener, counted while routes are translated (countAttachedRoute). */
  attachedRoutes: number;
  /** The last route counted: a route attaching through several parentRefs is counted once. */
  lastAttachedRoute: object | null;
}

const SUPPORTED_PROTOCOLS = new Set(["HTTP", "HTTPS"]);
const HTTP_ROUTE: RouteGroupKind = { group: GATEWAY_GROUP, kind: "HTTPRoute" };

/**
 * Counts `route` as attached to `listener`, once however many of its parentRefs reach it. Routes are translated one
 * after the other, so remembering the last one counted is enough (no set of 10,000 route keys per listener).
 */
export function countAttachedRoute(listener: ListenerModel, route: object): void {
  if (listener.lastAttachedRoute === route) return;
  listener.lastAttachedRoute = route;
  listener.attachedRoutes++;
}

export function listenerIsValid(listener: ListenerModel): boolean {
  return listener.accepted.status === "True" && listener.conflicted.status === "False";
}

/** Programmed: valid, not conflicted, certificates resolved and at least one route kind it can serve. */
export function listenerIsProgrammed(listener: ListenerModel): boolean {
  return listenerIsValid(listener) && !certificateFailed(listener) && listener.supportedKinds.length > 0;
}

function certificateFailed(listener: ListenerModel): boolean {
  return listener.resolvedRefs.status === "False" && listener.resolvedRefs.reason !== Reasons.InvalidRouteKinds;
}

export function programmedVerdict(listener: ListenerModel): Verdict {
  if (listenerIsProgrammed(listener)) return ok(Reasons.Programmed);
  if (listener.accepted.status === "False") return fail(Reasons.Invalid, "the listener is not accepted");
  if (listener.conflicted.status === "True") return fail(Reasons.Invalid, "the listener conflicts with another listener");
  if (certificateFailed(listener)) return fail(Reasons.Invalid, "the listener's certificate references are not resolved");
  return fail(Reasons.Invalid, "the listener allows no route kind edgeway serves");
}

/** Gateway API SectionName. */
const SECTION_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function translateListeners(index: ObjectIndex, gateway: { namespace: string }, spec: Record<string, unknown>): ListenerModel[] {
  const listeners = objList(spec.listeners).map((raw, i) => translateListener(index, gateway.namespace, raw, i));
  const seen = new Set<string>();
  for (const listener of listeners) {
    // Listener names are unique within a Gateway (CRD validation); a repeated name cannot be told apart in status.
    if (seen.has(listener.name)) listener.accepted = fail(Reasons.UnsupportedValue, `listener name "${listener.name}" is used by an earlier listener`);
    else if (!SECTION_NAME.test(listener.name) || listener.name.length > 253) {
      listener.accepted = fail(Reasons.UnsupportedValue, `listener name "${listener.name.slice(0, 80)}" is not a valid section name`);
    }
    seen.add(listener.name);
  }
  markConflicts(listeners);
  return listeners;
}

function translateListener(index: ObjectIndex, namespace: string, raw: Record<string, unknown>, i: number): ListenerModel {
  const name = str(raw.name) ?? `listener-${i}`;
  const protocol = str(raw.protocol) ?? "";
  const port = num(raw.port) ?? 0;
  const rawHostname = str(raw.hostname);
  const hostname = rawHostname === undefined || rawHostname === "" ? null : rawHostname.toLowerCase();
  const supportedProtocol = SUPPORTED_PROTOCOLS.has(protocol);
  const kinds = routeKinds(raw, supportedProtocol);
  const policy = namespacePolicy(raw);
  const accepted = acceptance(raw, protocol, port, hostname, supportedProtocol, policy);
  const tls = protocol === "HTTPS" ? certificateRefs(index, namespace, raw) : ok(Reasons.ResolvedRefs);
  const resolvedRefs = kinds.invalid.length > 0 ? fail(Reasons.InvalidRouteKinds, `route kinds not supported on this listener: ${kinds.invalid.join(", ")}`) : tls;
  return {
    name,
    port,
    protocol,
    hostname,
    accepted,
    // An invalid route kind and a broken certificate together: the certificate is the one that stops traffic.
    resolvedRefs: tls.status === "False" ? tls : resolvedRefs,
    conflicted: fail(Reasons.NoConflicts, ""),
    supportedKinds: kinds.supported,
    namespaces: policy.ok ? policy.policy : { from: "Same" },
    attachedRoutes: 0,
    lastAttachedRoute: null,
  };
}

function acceptance(
  raw: Record<string, unknown>,
  protocol: string,
  port: number,
  hostname: string | null,
  supportedProtocol: boolean,
  policy: PolicyResult,
): Verdict {
  if (!supportedProtocol) {
    return fail(Reasons.UnsupportedProtocol, `protocol "${protocol}" is not supported: edgeway serves HTTP and HTTPS listeners`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) return fail(Reasons.UnsupportedValue, `port ${port} is not in 1-65535`);
  if (hostname !== null) {
    const problem = hostnameProblem(hostname);
    if (problem) return fail(Reasons.UnsupportedValue, problem);
  }
  if (protocol === "HTTPS") {
    const mode = str(obj(raw.tls).mode) ?? "Terminate";
    if (mode !== "Terminate") return fail(Reasons.UnsupportedValue, `tls.mode "${mode}" is not supported on HTTPS listeners (Terminate only)`);
  }
  if (!policy.ok) return fail(Reasons.UnsupportedValue, policy.message);
  return ok(Reasons.Accepted);
}

/** allowedRoutes.kinds (spec §2): unset means the protocol's kinds; listed kinds we cannot serve are InvalidRouteKinds. */
function routeKinds(raw: Record<string, unknown>, supportedProtocol: boolean): { supported: RouteGroupKind[]; invalid: string[] } {
  const listed = obj(raw.allowedRoutes).kinds;
  if (!Array.isArray(listed)) return { supported: supportedProtocol ? [HTTP_ROUTE] : [], invalid: [] };
  const supported: RouteGroupKind[] = [];
  const invalid: string[] = [];
  for (const entry of objList(listed)) {
    const group = str(entry.group) ?? GATEWAY_GROUP;
    const kind = str(entry.kind) ?? "";
    if (supportedProtocol && group === GATEWAY_GROUP && kind === "HTTPRoute") {
      if (supported.length === 0) supported.push(HTTP_ROUTE);
    } else {
      invalid.push(group === GATEWAY_GROUP ? kind : `${group}/${kind}`);
    }
  }
  return { supported, invalid };
}

type PolicyResult = { ok: true; policy: NamespacePolicy } | { ok: false; message: string };

function namespacePolicy(raw: Record<string, unknown>): PolicyResult {
  const namespaces = obj(obj(raw.allowedRoutes).namespaces);
  const from = str(namespaces.from) ?? "Same";
  if (from === "Same" || from === "All") return { ok: true, policy: { from } };
  if (from !== "Selector") return { ok: false, message: `allowedRoutes.namespaces.from "${from}" is not one of All, Same, Selector` };
  const selector = compileSelector(namespaces.selector);
  if (!selector.ok) return { ok: false, message: `allowedRoutes.namespaces.selector: ${selector.message}` };
  return { ok: true, policy: { from: "Selector", matches: selector.matches, decided: new Map() } };
}

/** HTTPS certificateRefs (spec §2, §8): core Secrets that exist, hold a PEM pair, and are granted when cross-namespace. */
function certificateRefs(index: ObjectIndex, namespace: string, raw: Record<string, unknown>): Verdict {
  const refs = objList(obj(raw.tls).certificateRefs);
  if (refs.length === 0) return fail(Reasons.InvalidCertificateRef, "an HTTPS listener needs tls.certificateRefs");
  for (const ref of refs) {
    const group = str(ref.group) ?? "";
    const kind = str(ref.kind) ?? "Secret";
    const name = str(ref.name) ?? "";
    const refNamespace = str(ref.namespace) ?? namespace;
    const label = `${refNamespace}/${name}`;
    if (group !== "" || kind !== "Secret") {
      return fail(Reasons.InvalidCertificateRef, `certificateRef ${label} is ${group || "core"}/${kind}: only core Secrets are supported`);
    }
    const permitted = referencePermitted(
      index,
      { group: GATEWAY_GROUP, kind: "Gateway", namespace },
      { group: "", kind: "Secret", namespace: refNamespace, name },
    );
    if (!permitted) return fail(Reasons.RefNotPermitted, `certificateRef ${label} is in another namespace and no ReferenceGrant allows it`);
    index.reads?.add(refNamespace);
    const secret = index.secrets.get(label);
    if (secret === undefined) return fail(Reasons.InvalidCertificateRef, `Secret ${label} does not exist`);
    const problem = secretProblem(secret);
    if (problem) return fail(Reasons.InvalidCertificateRef, `Secret ${label}: ${problem}`);
  }
  return ok(Reasons.ResolvedRefs);
}

/**
 * Conflicts (spec: listeners must be distinct). On one port, listeners of different protocols are ProtocolConflict;
 * listeners of the same protocol and the same hostname are HostnameConflict. Every listener of a conflicting set is
 * marked, so the outcome does not depend on listener order.
 */
function markConflicts(listeners: ListenerModel[]): void {
  const byPort = new Map<number, ListenerModel[]>();
  for (const listener of listeners) {
    const bucket = byPort.get(listener.port);
    if (bucket) bucket.push(listener);
    else byPort.set(listener.port, [listener]);
  }
  for (const [port, group] of byPort) {
    if (group.length < 2) continue;
    const protocols = new Set(group.map((l) => l.protocol));
    if (protocols.size > 1) {
      for (const l of group) {
        l.conflicted = ok(Reasons.ProtocolConflict, `port ${port} is used with several protocols: ${[...protocols].sort().join(", ")}`);
      }
      continue;
    }
    const byHost = new Map<string, ListenerModel[]>();
    for (const l of group) {
      const key = l.hostname ?? "";
      const bucket = byHost.get(key);
      if (bucket) bucket.push(l);
      else byHost.set(key, [l]);
    }
    for (const [host, same] of byHost) {
      if (same.length < 2) continue;
      for (const l of same) {
        l.conflicted = ok(Reasons.HostnameConflict, `listeners ${same.map((s) => s.name).join(", ")} share port ${port} and hostname "${host || "*"}"`);
      }
    }
  }
}
