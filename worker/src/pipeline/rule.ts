/**
 * Steps 3-6 of the pipeline for the matched rule (DESIGN.md §3): rule filters in order, backend pick, backend
 * filters, request body, mirrors, forward with retries/timeouts, response filters.
 */
import type { BackendRef, Cors, Filter, HeaderModifier, Rule } from "../../../schema/snapshot.ts";
import type { WorkerConfig, BackgroundTasks } from "../env.ts";
import { pickBackend } from "./backend.ts";
import { bodyInit, BodyTooLarge, NO_BODY, prepareBody, replayable, type PreparedBody } from "./body.ts";
import { applyCorsToResponse, isPreflight, preflightResponse } from "./filters/cors.ts";
import { applyHeaderModifier } from "./filters/headers.ts";
import { captureDraft, sampled, sendMirror } from "./filters/mirror.ts";
import { applyPathModifier } from "./filters/path.ts";
import { redirectResponse } from "./filters/redirect.ts";
import { downstreamResponse, initialDraft, upstreamRequest, type ClientHeaders, type UpstreamDraft } from "./forward.ts";
import type { NormalizedRequest } from "./normalize.ts";
import { applyResponseModifiers, localResponse } from "./respond.ts";
import { forwardWithRetries, mayRetry } from "./retry.ts";
import { NOTHING_ARMED, releaseAfterBody, RequestDeadline } from "./timeouts.ts";

export interface RuleContext {
  request: Request;
  /** The client's headers as read once at request start. */
  client: ClientHeaders;
  normalized: NormalizedRequest;
  rule: Rule;
  listenerPort: number;
  /** The matched listener or route names the client's host exactly (listener.ts `hostNamedExactly`). */
  hostNamedExactly: boolean;
  config: WorkerConfig;
  ctx: BackgroundTasks;
  random: () => number;
  /** Filled in for the access log. */
  log: RuleLog;
}

export interface RuleLog {
  backend: string | null;
  attempts: number;
  reason?: string;
  mirrors?: number;
}

interface FilterState {
  draft: UpstreamDraft;
  cors: Cors | null;
  mirrors: { mirror: Extract<Filter, { type: "RequestMirror" }>["mirror"]; draft: UpstreamDraft }[];
}

export async function executeRule(rc: RuleContext): Promise<Response> {
  const { rule, normalized, request } = rc;
  const cors = findCors(rule.filters);
  const state: FilterState = { draft: initialDraft(rc.client, normalized, rc.hostNamedExactly), cors, mirrors: [] };
  const ruleResponseModifiers = responseModifiersOf(rule.filters);

  // GEP-1767: a preflight is answered by the gateway and MUST NOT be passed upstream.
  if (cors && isPreflight(normalized.method, request.headers)) {
    return applyResponseModifiers(preflightResponse(cors, request.headers), ruleResponseModifiers);
  }
  const early = applyRequestFilters(rule.filters, state, rc);
  if (early) return applyResponseModifiers(early, ruleResponseModifiers);

  const choice = pickBackend(rule.backends, rc.random);
  if (choice.kind === "none") {
    rc.log.reason = "no backends to forward to";
    return applyResponseModifiers(localResponse(500, rc.log.reason), ruleResponseModifiers);
  }
  rc.log.backend = choice.backend.ref;
  if (choice.kind === "invalid") {
    rc.log.reason = `backend ${choice.backend.ref} is invalid: ${choice.backend.reason || "unresolved"}`;
    return applyResponseModifiers(localResponse(choice.status, rc.log.reason), ruleResponseModifiers);
  }
  const backendEarly = applyRequestFilters(choice.backend.filters, state, rc);
  const responseModifiers = [...ruleResponseModifiers, ...responseModifiersOf(choice.backend.filters)];
  if (backendEarly) return applyResponseModifiers(backendEarly, responseModifiers);

  // A request without a body skips the body step; GET and HEAD bodies are never forwarded (upstreamRequest).
  let body: PreparedBody = NO_BODY;
  if (request.body !== null && state.draft.method !== "GET" && state.draft.method !== "HEAD") {
    // Buffer only what may be sent again: a retry that this method allows, or a mirror.
    try {
      body = await prepareBody(request.body, {
        replay: mayRetry(rc.rule.retry, state.draft.method) || state.mirrors.length > 0,
        declaredLength: rc.client.contentLength,
        bufferLimit: rc.config.retryBufferBytes,
        maxBodyBytes: rc.config.maxBodyBytes,
      });
    } catch (error) {
      if (error instanceof BodyTooLarge) return localResponse(413, error.message);
      rc.log.reason = "request body could not be read";
      return localResponse(400, rc.log.reason);
    }
  }
  dispatchMirrors(state, body, rc);
  return forward(rc, state, choice.target, body, responseModifiers);
}

/** Step 5-6: fetch() with retries and timeouts, then the response filters. */
async function forward(rc: RuleContext, state: FilterState, target: BackendRef, body: PreparedBody, responseModifiers: readonly HeaderModifier[]): Promise<Response> {
  const { rule, request } = rc;
  const deadline = new RequestDeadline(rule.timeouts.requestMs);
  let bodyHoldsDeadline = false;
  try {
    const outcome = await forwardWithRetries(
      (signal) => fetch(upstreamRequest(state.draft, target, bodyInit(body), attemptSignal(signal, body))),
      {
        retry: rule.retry,
        method: state.draft.method,
        replayable: replayable(body),
        backendRequestMs: rule.timeouts.backendRequestMs,
        maxBackoffFactor: rc.config.maxBackoffFactor,
      },
      deadline,
    );
    rc.log.attempts = outcome.attempts;
    // A streamed body that crossed the limit was cut off (the origin never saw a complete request): 413 either way.
    if (body.kind === "streamed" && body.overLimit.exceeded) {
      if (outcome.kind === "response") {
        await outcome.response.body?.cancel().catch(() => {});
        outcome.release();
      }
      rc.log.reason = `request body larger than ${rc.config.maxBodyBytes} bytes`;
      return localResponse(413, rc.log.reason);
    }
    if (outcome.kind === "error") {
      rc.log.reason = outcome.reason;
      return applyResponseModifiers(localResponse(outcome.status, outcome.reason), responseModifiers);
    }
    // The timeouts run until the origin's body is complete (timeouts.ts); the request deadline is released with it.
    const upstream = outcome.response;
    const timersArmed = deadline.signal !== null || outcome.release !== NOTHING_ARMED;
    const heldBody = timersArmed
      ? releaseAfterBody(upstream, () => {
          outcome.release();
          deadline.dispose();
        })
      : null;
    bodyHoldsDeadline = heldBody !== null;
    if (!bodyHoldsDeadline) outcome.release();
    const response = applyResponseModifiers(downstreamResponse(upstream, heldBody ?? upstream.body), responseModifiers);
    if (state.cors) applyCorsToResponse(state.cors, request.headers, response.headers);
    return response;
  } finally {
    if (!bodyHoldsDeadline) deadline.dispose();
  }
}

/**
 * A streamed body that crosses the size limit aborts the attempt as well. fetch() gets a signal aborted without a
 * reason, which workerd takes as a disconnect of the body it is still sending (body.ts); AbortSignal.any would pass
 * on a reason, and the runtime would log the cut upload as an uncaught exception.
 */
function attemptSignal(signal: AbortSignal | undefined, body: PreparedBody): AbortSignal | undefined {
  if (body.kind !== "streamed") return signal;
  const overLimit = body.overLimit.abort.signal;
  if (!signal) return overLimit;
  const attempt = new AbortController();
  const abort = () => attempt.abort();
  for (const source of [signal, overLimit]) {
    if (source.aborted) abort();
    else source.addEventListener("abort", abort, { once: true });
  }
  return attempt.signal;
}

/** Request-side filters in the order written (spec §4: filters SHOULD run in order). A Response ends the request. */
function applyRequestFilters(filters: readonly Filter[], state: FilterState, rc: RuleContext): Response | null {
  for (const filter of filters) {
    switch (filter.type) {
      case "RequestHeaderModifier":
        applyHeaderModifier(state.draft.headers, filter.modifier);
        break;
      case "URLRewrite":
        if (filter.path) state.draft.path = applyPathModifier(state.draft.path, filter.path);
        if (filter.hostname) {
          state.draft.host = filter.hostname;
          // A hostname from the snapshot: an opted-in origin is fetched under it (forward.ts upstreamTarget).
          state.draft.vouchedHost = filter.hostname;
        }
        break;
      case "RequestMirror":
        // Mirrors see the request as the filters before them left it.
        state.mirrors.push({ mirror: filter.mirror, draft: captureDraft(state.draft) });
        break;
      case "RequestRedirect":
        return redirectResponse(filter, {
          scheme: rc.normalized.scheme,
          host: rc.normalized.host,
          listenerPort: rc.listenerPort,
          path: rc.normalized.path,
          query: rc.normalized.query,
        });
      case "DirectResponse":
        rc.log.reason = filter.reason;
        return localResponse(filter.status, filter.reason);
      case "CORS":
        state.cors = filter.cors;
        break;
      case "ResponseHeaderModifier":
        break;
    }
  }
  return null;
}

function dispatchMirrors(state: FilterState, body: PreparedBody, rc: RuleContext): void {
  let sent = 0;
  for (const { mirror, draft } of state.mirrors) {
    if (sent >= rc.config.maxMirrorsPerRequest || !sampled(mirror, rc.random)) continue;
    // A streamed body can be read once, by the primary: the mirror is skipped rather than let it slow the primary.
    if (!replayable(body)) continue;
    rc.ctx.waitUntil(sendMirror(mirror, draft, body.kind === "buffered" ? body.bytes : null, rc.config.mirrorTimeoutMs));
    sent++;
  }
  rc.log.mirrors = sent;
}

function findCors(filters: readonly Filter[]): Cors | null {
  for (const filter of filters) if (filter.type === "CORS") return filter.cors;
  return null;
}

function responseModifiersOf(filters: readonly Filter[]): HeaderModifier[] {
  const out: HeaderModifier[] = [];
  for (const filter of filters) if (filter.type === "ResponseHeaderModifier") out.push(filter.modifier);
  return out;
}

