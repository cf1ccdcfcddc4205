/**
 * The request pipeline (DESIGN.md §3): limits -> normalize -> snapshot -> listener/route match -> rule (filters,
 * backend, forward) -> access log. Everything the edge decides on its own is a clear status, never a crash.
 */
import { newMatchOutcome, type MatchRequest } from "../../../wasm-matcher/src/api.ts";
import { tokenMatches } from "../auth.ts";
import { resolveConfig, type Env, type BackgroundTasks } from "../env.ts";
import { writeAccessLog, type AccessLogEntry } from "../log.ts";
import { versionOf, type SnapshotRegistry } from "../snapshot/store.ts";
import { readClientHeaders } from "./forward.ts";
import { checkRequestLimits } from "./limits.ts";
import { hostNamedExactly } from "./listener.ts";
import { normalizeRequest, type NormalizedRequest } from "./normalize.ts";
import { localResponse, withDebugHeaders } from "./respond.ts";
import { executeRule, type RuleLog } from "./rule.ts";
import { selectSnapshot } from "./select.ts";

export interface ProxyDeps {
  registry: SnapshotRegistry;
  random?: () => number;
}

export async function handleProxy(request: Request, env: Env, ctx: BackgroundTasks, deps: ProxyDeps): Promise<Response> {
  const started = Date.now();
  const entry: AccessLogEntry = {
    gateway: null,
    method: request.method,
    host: "",
    path: "",
    route: null,
    rule: null,
    backend: null,
    attempts: 0,
    status: 0,
    durationMs: 0,
    snapshot: null,
  };
  let response: Response;
  try {
    response = await runPipeline(request, env, ctx, deps, entry);
  } catch (error) {
    // A bug must not leak details to clients; the log line keeps them.
    entry.reason = `internal error: ${error instanceof Error ? error.message : String(error)}`;
    response = localResponse(500, "internal error");
  }
  entry.status = response.status;
  entry.durationMs = Date.now() - started;
  writeAccessLog(entry);
  return response;
}

async function runPipeline(request: Request, env: Env, ctx: BackgroundTasks, deps: ProxyDeps, entry: AccessLogEntry): Promise<Response> {
  const config = resolveConfig(env);
  const client = readClientHeaders(request.headers);
  const url = request.url;
  const violation = checkRequestLimits(url, client, config);
  if (violation) {
    entry.reason = violation.reason;
    return localResponse(violation.status, violation.reason);
  }
  const normalized = normalizeRequest(request.method, url);
  if (!normalized.ok) {
    entry.reason = normalized.reason;
    return localResponse(normalized.status, normalized.reason);
  }
  const req = normalized.value;
  entry.host = req.host;
  entry.path = req.path;

  // A warm isolate has its snapshot at hand: no promise to wait for.
  const selected = selectSnapshot(deps.registry, env.EDGEWAY_KV, config, ctx, req);
  const loaded = selected instanceof Promise ? await selected : selected;
  if (!loaded) {
    entry.reason = "no snapshot loaded yet";
    return localResponse(503, entry.reason, { "retry-after": String(config.retryAfterSeconds) });
  }
  entry.gateway = loaded.gateway;
  entry.snapshot = versionOf(loaded);

  // The isolate's one outcome object is read right away, before any await lets another request reuse it.
  const { kind, listener: listenerIndex, route: routeIndex, rule: ruleIndex } = loaded.matcher.matchInto(matchRequest(req, request.headers), outcome);
  if (kind !== "match") {
    entry.reason = kind === "no-listener" ? "no listener matches" : "no route matches";
    return localResponse(404, entry.reason);
  }
  const route = loaded.snapshot.routes[routeIndex];
  const rule = route?.rules[ruleIndex];
  const listener = loaded.snapshot.listeners[listenerIndex];
  if (!route || !rule || !listener) throw new Error(`matcher returned an index outside the snapshot: ${JSON.stringify({ listenerIndex, routeIndex, ruleIndex })}`);
  entry.route = `${route.namespace}/${route.name}`;
  entry.rule = rule.index;

  const log: RuleLog = { backend: null, attempts: 0 };
  const response = await executeRule({
    request,
    client,
    normalized: req,
    rule,
    listenerPort: listener.port,
    hostNamedExactly: hostNamedExactly(req.host, listener, route, listenerIndex),
    config,
    ctx,
    random: deps.random ?? Math.random,
    log,
  });
  entry.backend = log.backend;
  entry.attempts = log.attempts;
  if (log.reason) entry.reason = log.reason;
  if (log.mirrors) entry.mirrors = log.mirrors;

  if (client.debugToken !== null && (await tokenMatches(client.debugToken, config.statusToken))) {
    return withDebugHeaders(response, { gateway: loaded.gateway, route: entry.route, rule: rule.index, backend: log.backend, snapshot: entry.snapshot });
  }
  return response;
}

/** The matcher writes each request's outcome here (matchInto: no result object per request). */
const outcome = newMatchOutcome();

function matchRequest(req: NormalizedRequest, headers: Headers): MatchRequest {
  return {
    method: req.method,
    scheme: req.scheme,
    port: req.port,
    host: req.host,
    path: req.path,
    query: req.query,
    header: (name) => headers.get(name),
  };
}
