/**
 * `edgeway explain`: which listener, route, rule and match a request would get, and what the rule then does.
 *
 * The request goes through the worker's own normalization (worker/src/pipeline/normalize.ts) and the worker's own
 * matcher, the wasm one (wasm-matcher/src/wasm.ts); the TypeScript reference matcher answers too, and any
 * difference between the two is a bug reported as such (exit 3). Snapshots come from a file `edgeway compile --out`
 * wrote, or from manifests compiled by the same code as `edgeway compile`, read back through the blob reader either
 * way. With several Gateways (and no --gateway) the request is explained against each of them.
 *
 * Exit 0 when it matched (on at least one Gateway), 1 when it did not (no listener, no route, or rejected by the
 * worker before routing, e.g. 400), 2 for usage and input errors (one line), 3 when the two matchers disagree.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { readSnapshotBlob } from "../../../schema/blob.ts";
import type { Filter, Listener, Match, Route, Snapshot } from "../../../schema/snapshot.ts";
import type { MatchRequest, MatchResult } from "../../../wasm-matcher/src/api.ts";
import { loadMatcherModule } from "../../../wasm-matcher/src/load-node.ts";
import { normalizePrefix, pathClass, routeHostPatterns } from "../../../wasm-matcher/src/precedence.ts";
import { createReferenceMatcher, hostnameMatches, nonWildcardChars } from "../../../wasm-matcher/src/reference.ts";
import { createWasmMatcher } from "../../../wasm-matcher/src/wasm.ts";
import { normalizeRequest, type NormalizedRequest } from "../../../worker/src/pipeline/normalize.ts";
import { compileManifests } from "./compile.ts";

const HELP = `usage: edgeway explain (--snapshot <file> | -f <file|dir> [-f ...] [--gateway ns/name]) [options] <url>

Shows which listener, route, rule and match the worker would pick for a request, and what that rule does
(filters, backends, timeouts, retry, mirrors). The url is absolute: http://app.example.com[:port]/path?query.
With several Gateways and no --gateway, the request is explained against each of them.

options:
      --snapshot <file>      a snapshot as \`edgeway compile --out\` writes it
  -f, --filename <path>      manifest file or directory, compiled as \`edgeway compile\` does (repeatable)
      --gateway <ns/name>    only this Gateway (repeatable; with -f)
  -X, --method <method>      request method (default GET)
  -H, --header 'Name: value' request header (repeatable)
  -o, --output <format>      "text" (default) or "json"
  -h, --help                 show this help

exit: 0 matched, 1 no listener / no route / rejected before routing, 2 usage or input error,
      3 the wasm and reference matchers disagree (a bug)`;

export interface LoadedSnapshot {
  snapshot: Snapshot;
  /** sha256 hex of the blob bytes, as the snapshot pointer names it. */
  sha256: string;
}

/** A match's precedence facts, in the order the spec compares them (gateway-api-semantics.md §1, §3). */
export interface Precedence {
  /** The route hostname the request matched through (null: any host). */
  hostname: string | null;
  pathType: Match["path"]["type"];
  /** Characters of the path value that count: a prefix without its trailing "/", a regex's length; 0 for Exact. */
  pathChars: number;
  method: boolean;
  headers: number;
  queryParams: number;
  creationTimestamp: string;
  route: string;
}

export interface Candidate {
  route: string;
  rule: number;
  match: number;
  precedence: Precedence;
  /** The first precedence fact in which the winner beats this candidate. */
  losesOn: string;
}

export interface Explanation {
  gateway: string;
  snapshot: { schemaVersion: number; generation: number; sha256: string };
  outcome: MatchResult["kind"];
  /** The worker's status when it does not forward: 404 for no listener / no route. Null when a rule handles it. */
  status: number | null;
  listener: (Listener & { index: number }) | null;
  route: { namespace: string; name: string; index: number } | null;
  rule: { index: number; name: string | null } | null;
  match: ({ index: number } & Match) | null;
  precedence: Precedence | null;
  /** The best match of each other route on the listener (and of the winning route's other rules) that lost. */
  outranked: Candidate[];
  filters: Filter[];
  backends: { ref: string; weight: number; origin: string | null; protocol: string | null; status: number; reason: string; filters: Filter[] }[];
  timeouts: { requestMs: number; backendRequestMs: number } | null;
  retry: Snapshot["routes"][number]["rules"][number]["retry"];
  mirrors: { ref: string; origin: string; percent: number }[];
}

export interface ExplainOutput {
  request: { method: string; url: string; headers: [string, string][] };
  normalized: Omit<NormalizedRequest, "authority"> | null;
  rejected: { status: number; reason: string } | null;
  gateways: Explanation[];
}

class UsageError extends Error {}
class DivergenceError extends Error {}

export default async function runExplain(argv: string[]): Promise<number> {
  try {
    const { output, code } = await explainCommand(argv);
    if (output !== null) process.stdout.write(output);
    return code;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`edgeway explain: ${error.message}\n`);
      return 2;
    }
    if (error instanceof DivergenceError) {
      process.stderr.write(`edgeway explain: MATCHER DIVERGENCE (a bug, please report it): ${error.message}\n`);
      return 3;
    }
    throw error;
  }
}

async function explainCommand(argv: string[]): Promise<{ output: string | null; code: number }> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        snapshot: { type: "string" },
        filename: { type: "string", short: "f", multiple: true },
        gateway: { type: "string", multiple: true },
        method: { type: "string", short: "X", default: "GET" },
        header: { type: "string", short: "H", multiple: true },
        output: { type: "string", short: "o", default: "text" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return { output: `${HELP}\n`, code: 0 };
  if (positionals.length !== 1) throw new UsageError("exactly one request URL is required (see --help)");
  if (values.output !== "text" && values.output !== "json") throw new UsageError(`unknown output format "${values.output}" (text or json)`);
  if ((values.snapshot === undefined) === (values.filename === undefined)) throw new UsageError("give either --snapshot <file> or -f <manifests>");
  if (values.snapshot !== undefined && values.gateway) throw new UsageError("--gateway applies to -f manifests; a snapshot file holds one Gateway");
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(values.method)) throw new UsageError(`bad method "${values.method}"`);
  const url = positionals[0]!;
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new UsageError(`bad URL "${url}" (expected http(s)://host[:port]/path)`);
  const headers = parseHeaders(values.header ?? []);

  const snapshots = values.snapshot !== undefined ? [await loadSnapshotFile(values.snapshot)] : await loadManifests(values.filename!, values.gateway);
  const result = explainRequest(snapshots, values.method, url, headers);
  const matched = result.gateways.some((g) => g.outcome === "match");
  return { output: values.output === "json" ? `${JSON.stringify(result, null, 2)}\n` : formatExplanation(result), code: matched ? 0 : 1 };
}

/** `Name: value` lines into a Headers object, as the worker receives them (repeated names joined with ", "). */
function parseHeaders(lines: readonly string[]): Headers {
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new UsageError(`bad header "${line}" (expected 'Name: value')`);
    try {
      headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    } catch {
      throw new UsageError(`bad header "${line}" (invalid name or value)`);
    }
  }
  return headers;
}

export async function loadSnapshotFile(file: string): Promise<LoadedSnapshot> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return readBlob(bytes, file);
}

function readBlob(bytes: Uint8Array<ArrayBuffer>, name: string): LoadedSnapshot {
  const read = readSnapshotBlob(bytes);
  if (!read.ok) throw new UsageError(`${name}: ${read.problems[0] ?? "not a snapshot"}`);
  return { snapshot: read.value, sha256: createHash("sha256").update(bytes).digest("hex") };
}

async function loadManifests(paths: string[], gateways: string[] | undefined): Promise<LoadedSnapshot[]> {
  const manifests = await compileManifests(paths, gateways ? { gateways } : {});
  if (!manifests.ok) throw new UsageError(manifests.reason);
  if (manifests.compiled.length === 0) throw new UsageError(gateways ? `no snapshot for Gateway ${gateways.join(", ")} (not found, not ours, or not Accepted)` : "the manifests hold no Gateway of ours that is Accepted");
  return manifests.compiled.map((c) => readBlob(c.bytes, c.gateway));
}

/** Explains one request against each snapshot. Throws DivergenceError when the two matchers disagree. */
export function explainRequest(snapshots: readonly LoadedSnapshot[], method: string, url: string, headers: Headers): ExplainOutput {
  const request = { method, url, headers: [...headers] };
  const normalized = normalizeRequest(method, url);
  if (!normalized.ok) return { request, normalized: null, rejected: { status: normalized.status, reason: normalized.reason }, gateways: [] };
  const { authority: _authority, ...req } = normalized.value;
  const module = loadMatcherModule();
  const matchRequest: MatchRequest = { ...req, header: (name) => headers.get(name) };
  const gateways = snapshots.map(({ snapshot, sha256 }) => {
    const wasm = createWasmMatcher(module, snapshot).match(matchRequest);
    const reference = createReferenceMatcher(snapshot).match(matchRequest);
    if (JSON.stringify(wasm) !== JSON.stringify(reference)) {
      throw new DivergenceError(`${gatewayName(snapshot)}: wasm ${JSON.stringify(wasm)}, reference ${JSON.stringify(reference)}`);
    }
    return explainResult(snapshot, sha256, wasm, matchRequest);
  });
  return { request, normalized: req, rejected: null, gateways };
}

function gatewayName(snapshot: Snapshot): string {
  return `${snapshot.gateway.namespace}/${snapshot.gateway.name}`;
}

function explainResult(snapshot: Snapshot, sha256: string, result: MatchResult, request: MatchRequest): Explanation {
  const base: Explanation = {
    gateway: gatewayName(snapshot),
    snapshot: { schemaVersion: snapshot.schemaVersion, generation: snapshot.gateway.generation, sha256 },
    outcome: result.kind,
    status: 404,
    listener: null,
    route: null,
    rule: null,
    match: null,
    precedence: null,
    outranked: [],
    filters: [],
    backends: [],
    timeouts: null,
    retry: null,
    mirrors: [],
  };
  if (result.kind === "no-listener") return base;
  const listener = snapshot.listeners[result.listener]!;
  base.listener = { index: result.listener, ...listener };
  if (result.kind === "no-route") return base;
  const route = snapshot.routes[result.route]!;
  const rule = route.rules[result.rule]!;
  const match = rule.matches[result.match]!;
  const precedence = precedenceOf(route, match, result.listener, listener, request.host);
  return {
    ...base,
    status: null,
    route: { namespace: route.namespace, name: route.name, index: result.route },
    rule: { index: rule.index, name: rule.name },
    match: { index: result.match, ...match },
    precedence,
    outranked: outranked(snapshot, result, request, precedence),
    filters: rule.filters,
    backends: rule.backends.map((b) => ({
      ref: b.ref,
      weight: b.weight,
      origin: b.target?.origin ?? null,
      protocol: b.target?.protocol ?? null,
      status: b.status,
      reason: b.reason,
      filters: b.filters,
    })),
    timeouts: rule.timeouts,
    retry: rule.retry,
    mirrors: rule.filters.flatMap((f) =>
      f.type === "RequestMirror" ? [{ ref: f.mirror.backend.ref, origin: f.mirror.backend.origin, percent: (100 * f.mirror.numerator) / f.mirror.denominator }] : [],
    ),
  };
}

/** The route hostname the request matched through: the most specific of the route's patterns on that listener. */
function hostnameVia(route: Route, listenerIndex: number, listener: Listener, host: string): string | null {
  const matching = routeHostPatterns(route, listenerIndex, listener).filter((p) => hostnameMatches(p, host));
  matching.sort((a, b) => nonWildcardChars(b) - nonWildcardChars(a) || (b ?? "").length - (a ?? "").length);
  return matching[0] ?? null;
}

function precedenceOf(route: Route, match: Match, listenerIndex: number, listener: Listener, host: string): Precedence {
  return {
    hostname: hostnameVia(route, listenerIndex, listener, host),
    pathType: match.path.type,
    pathChars: match.path.type === "Exact" ? 0 : match.path.type === "PathPrefix" ? normalizePrefix(match.path.value).length : match.path.value.length,
    method: match.method !== null,
    headers: new Set(match.headers.map((h) => h.name.toLowerCase())).size,
    queryParams: new Set(match.queryParams.map((q) => q.name)).size,
    creationTimestamp: route.creationTimestamp,
    route: `${route.namespace}/${route.name}`,
  };
}

/**
 * The runners-up: each route on the listener that matches the request too (the winning route without the winning
 * rule), with its best match, asked of the reference matcher with a snapshot of that route alone, and the first
 * precedence fact it loses on.
 */
function outranked(snapshot: Snapshot, won: Extract<MatchResult, { kind: "match" }>, request: MatchRequest, winner: Precedence): Candidate[] {
  const listener = snapshot.listeners[won.listener]!;
  const out: Candidate[] = [];
  snapshot.routes.forEach((whole, index) => {
    if (!whole.attachments.some((a) => a.listener === won.listener)) return;
    // The winning route competes with its other rules: the best of those is the runner-up inside the route.
    const route = index === won.route ? { ...whole, rules: whole.rules.filter((_, i) => i !== won.rule) } : whole;
    const alone = createReferenceMatcher({ ...snapshot, routes: [route] }).match(request);
    if (alone.kind !== "match" || alone.listener !== won.listener) return;
    const precedence = precedenceOf(route, route.rules[alone.rule]!.matches[alone.match]!, won.listener, listener, request.host);
    out.push({ route: precedence.route, rule: route.rules[alone.rule]!.index, match: alone.match, precedence, losesOn: losesOn(winner, precedence) });
  });
  return out;
}

/** Spec §1 then §3, in order: the first fact that tells the winner from a candidate. */
function losesOn(w: Precedence, c: Precedence): string {
  const facts: [boolean, string][] = [
    [nonWildcardChars(w.hostname) !== nonWildcardChars(c.hostname) || (w.hostname ?? "").length !== (c.hostname ?? "").length, "more specific hostname"],
    [pathClass({ path: { type: w.pathType } } as Match) !== pathClass({ path: { type: c.pathType } } as Match), "path type (Exact > RegularExpression > PathPrefix)"],
    [w.pathChars !== c.pathChars, "longer path"],
    [w.method !== c.method, "method match"],
    [w.headers !== c.headers, "more header matches"],
    [w.queryParams !== c.queryParams, "more query param matches"],
    [Date.parse(w.creationTimestamp) !== Date.parse(c.creationTimestamp), "older route (creationTimestamp)"],
    [w.route !== c.route, "route namespace/name alphabetical"],
  ];
  return facts.find(([differs]) => differs)?.[1] ?? "rule order";
}

export function formatExplanation(result: ExplainOutput): string {
  const lines: string[] = [];
  const put = (label: string, value: string) => lines.push(`${`${label}:`.padEnd(13)}${value}`.trimEnd());
  put("Request", `${result.request.method.toUpperCase()} ${result.request.url}`);
  for (const [name, value] of result.request.headers) put("  Header", `${name}: ${value}`);
  if (result.rejected) {
    put("Rejected", `${result.rejected.status} ${result.rejected.reason} (before routing)`);
    return `${lines.join("\n")}\n`;
  }
  const n = result.normalized!;
  put("Normalized", `${n.method} ${n.scheme}://${n.host}:${n.port}${n.path}${n.query ? `?${n.query}` : ""}`);
  for (const g of result.gateways) {
    lines.push("");
    put("Gateway", g.gateway);
    put("Snapshot", `schema ${g.snapshot.schemaVersion}, generation ${g.snapshot.generation}, sha256 ${g.snapshot.sha256.slice(0, 12)}`);
    put("Listener", g.listener ? `${g.listener.name} (port ${g.listener.port}, ${g.listener.protocol}, hostname ${g.listener.hostname ?? "*"})` : "no listener (404)");
    if (g.outcome === "no-route") put("Route", "no route matches (404)");
    if (g.outcome !== "match") continue;
    const p = g.precedence!;
    const m = g.match!;
    put("Route", `${g.route!.namespace}/${g.route!.name}`);
    put("Rule", `${g.rule!.index}${g.rule!.name ? ` (${g.rule!.name})` : ""}`);
    put("Match", `${m.index}: ${describeMatch(m)}`);
    put("Precedence", `hostname ${p.hostname ?? "*"}, path ${p.pathType} (${p.pathChars} chars), method ${p.method ? "yes" : "no"}, headers ${p.headers}, query ${p.queryParams}, created ${p.creationTimestamp}`);
    for (const c of g.outranked) lines.push(`  beats ${c.route} rule ${c.rule} match ${c.match} on ${c.losesOn}`);
    put("Filters", g.filters.length === 0 ? "none" : "");
    g.filters.forEach((f, i) => lines.push(`  ${i + 1}. ${describeFilter(f)}`));
    put("Backends", g.backends.length === 0 ? "none (500 unless a filter responds)" : "");
    for (const b of g.backends) {
      const to = b.origin ? `${b.origin}${b.protocol !== "http" ? ` (${b.protocol})` : ""}` : `${b.status} ${b.reason}`;
      lines.push(`  ${b.ref}  weight ${b.weight}  -> ${to}${b.filters.length ? `  filters: ${b.filters.map((f) => f.type).join(", ")}` : ""}`);
    }
    const t = g.timeouts!;
    put("Timeouts", `request ${t.requestMs ? `${t.requestMs}ms` : "none"}, backendRequest ${t.backendRequestMs ? `${t.backendRequestMs}ms` : "none"}`);
    put("Retry", g.retry ? `${g.retry.attempts} attempt(s) on ${g.retry.codes.join(",") || "-"}, backoff ${g.retry.backoffMs}ms` : "none");
    put("Mirrors", g.mirrors.length === 0 ? "none" : g.mirrors.map((x) => `${x.ref} -> ${x.origin} (${x.percent}%)`).join("; "));
  }
  return `${lines.join("\n")}\n`;
}

function describeMatch(m: Match): string {
  const parts = [`path ${m.path.type} ${m.path.value}`];
  if (m.method) parts.push(`method ${m.method}`);
  for (const h of m.headers) parts.push(`header ${h.name} ${h.type} ${h.value}`);
  for (const q of m.queryParams) parts.push(`query ${q.name} ${q.type} ${q.value}`);
  return parts.join(", ");
}

function describeFilter(f: Filter): string {
  if (f.type === "RequestHeaderModifier" || f.type === "ResponseHeaderModifier") {
    const { set, add, remove } = f.modifier;
    const parts = [...set.map((h) => `set ${h.name}: ${h.value}`), ...add.map((h) => `add ${h.name}: ${h.value}`), ...remove.map((n) => `remove ${n}`)];
    return `${f.type} ${parts.join("; ")}`;
  }
  const { type, ...rest } = f;
  return `${type} ${JSON.stringify(rest)}`;
}
