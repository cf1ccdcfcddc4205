/**
 * Sends one conformance case's request through the worker and compares what came back, and what the echo origins
 * saw, with the case's expectations (conformance/utils/http/http.go semantics, summarized in the case notes).
 */
import { randomUUID } from "node:crypto";
import type { EchoResponse, EchoServer } from "../support/echo-server.ts";
import type { SendOptions, SendResult } from "../support/http-client.ts";
import { sleep } from "../support/wrangler-dev.ts";
import type { EchoOrigins } from "./environment.ts";
import { defaultPort, wantsRequestId, type CaseExpectation, type ConformanceCase, type RedirectExpectation } from "./suite.ts";

export interface TrafficContext {
  send(options: SendOptions): Promise<SendResult>;
  origins: EchoOrigins;
  /** Host used when a case names none: the Gateway's address. */
  defaultHost: string;
}

export interface PreparedRequest {
  options: SendOptions;
  /** The scheme the client used (redirects without a scheme keep it). */
  scheme?: "http" | "https";
  /** The request path as the backend should see it (with the same request id / uuid). */
  expectedBackendPath: string | undefined;
}

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

const UUID_PLACEHOLDER = "<fresh-uuid-per-probe>";

function withQueryParam(path: string, name: string, value: string): string {
  return `${path}${path.includes("?") ? "&" : "?"}${name}=${value}`;
}

export function prepareRequest(c: ConformanceCase, defaultHost: string): PreparedRequest {
  const uuid = randomUUID();
  const requestId = randomUUID();
  const fill = (p: string) => {
    const filled = p.replaceAll(UUID_PLACEHOLDER, uuid);
    return wantsRequestId(c) ? withQueryParam(filled, "gateway-api-conformance-request-id", requestId) : filled;
  };
  let host = c.request.host ?? defaultHost;
  // The upstream harness picks the gateway port from the Host header; locally the worker's request.url is built from it.
  if (!/:\d+$/.test(host) && c.gatewayPort && c.gatewayPort !== defaultPort(c)) host = `${host}:${c.gatewayPort}`;
  const headers: Record<string, string> = { ...c.request.headers };
  const setHeaders = Object.entries(c.request.backendSetResponseHeaders ?? {});
  if (setHeaders.length > 0) headers["X-Echo-Set-Header"] = setHeaders.map(([k, v]) => `${k}:${v}`).join(",");
  const backendPath = c.expected.backendRequest?.path;
  // Go's client (the upstream suite's) sends a body-less POST/PUT/PATCH with Content-Length: 0; Node's would send an
  // empty chunked body, after which Miniflare's server drops the kept-alive connection under the next request.
  const emptyBody = BODY_METHODS.has(c.request.method) ? { body: "" } : {};
  return {
    options: { method: c.request.method, path: fill(c.request.path), host, headers, ...emptyBody, ...(c.request.sni ? { sni: c.request.sni } : {}) },
    expectedBackendPath: backendPath ? fill(backendPath) : undefined,
    scheme: c.request.scheme,
  };
}

/** Sends the case once and returns the problems (empty = pass). */
export async function runCase(ctx: TrafficContext, c: ConformanceCase, deviations: string[] = []): Promise<string[]> {
  const prepared = prepareRequest(c, ctx.defaultHost);
  const since = Date.now();
  let res: SendResult;
  try {
    res = await ctx.send(prepared.options);
  } catch (err) {
    return [`request failed: ${(err as Error).message}`];
  }
  const problems = compareResponse(c.expected, res, prepared, deviations);
  if (problems.length > 0) return problems;
  if (c.expected.answeredByGateway) problems.push(...(await upstreamCalls(ctx, prepared, since)));
  if (c.expected.mirroredTo && [200, 204].includes(res.status)) problems.push(...(await mirrorProblems(ctx, c.expected, prepared)));
  return problems;
}

function statusMatches(expected: CaseExpectation, status: number): boolean {
  // The harness treats 408 and 504 as the same timeout error.
  return expected.statusCodes.includes(status) || (status === 408 && expected.statusCodes.includes(504));
}

/**
 * Set EDGEWAY_CONFORMANCE_STRICT_HOST=1 to count the Host deviation as a failure (docs/conformance.md).
 */
const STRICT_HOST = process.env.EDGEWAY_CONFORMANCE_STRICT_HOST === "1";

export function compareResponse(
  expected: CaseExpectation,
  res: SendResult,
  prepared: PreparedRequest,
  deviations: string[] = [],
): string[] {
  if (!statusMatches(expected, res.status)) {
    return [`status ${res.status}, want ${expected.statusCodes.join("/")} (${res.body.slice(0, 120).replace(/\s+/g, " ")})`];
  }
  const problems: string[] = [];
  problems.push(...responseHeaderProblems(expected, res));
  if (expected.redirectRequest) problems.push(...redirectProblems(expected.redirectRequest, res, prepared));
  if (expected.answeredByGateway) {
    if ((res.json as Partial<EchoResponse> | undefined)?.pod) problems.push("answered by the echo origin, not by the gateway");
    return problems;
  }
  if (![200, 204].includes(res.status)) return problems;
  const echo = res.json as EchoResponse | undefined;
  if (!echo?.pod) {
    if (expected.backend || expected.namespace || expected.backendRequest?.path) problems.push("response is not an echo answer");
    return problems;
  }
  if (expected.namespace && echo.namespace !== expected.namespace) problems.push(`namespace ${echo.namespace}, want ${expected.namespace}`);
  if (expected.backend && !echo.pod.startsWith(`${expected.backend}-`)) problems.push(`pod ${echo.pod}, want backend ${expected.backend}`);
  const br = expected.backendRequest;
  if (br) {
    if (prepared.expectedBackendPath && echo.path !== prepared.expectedBackendPath) {
      problems.push(`backend path ${echo.path}, want ${prepared.expectedBackendPath}`);
    }
    if (br.host && echo.host !== br.host) {
      // workerd's fetch() always sends the origin URL's authority as Host; the client's Host travels in
      // X-Forwarded-Host. Accepted as a listed deviation only when X-Forwarded-Host carries exactly the expected host.
      const forwarded = echo.headers["X-Forwarded-Host"]?.[0];
      if (!STRICT_HOST && forwarded === br.host) deviations.push("Host reaches the origin as X-Forwarded-Host");
      else problems.push(`backend host ${echo.host}${forwarded ? ` (X-Forwarded-Host ${forwarded})` : ""}, want ${br.host}`);
    }
    if (br.method && echo.method !== br.method) problems.push(`backend method ${echo.method}, want ${br.method}`);
  }
  const headerOf = (name: string) =>
    Object.entries(echo.headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  for (const [name, value] of Object.entries(expected.requestHeaders ?? {})) {
    const got = headerOf(name);
    if (got === undefined) problems.push(`backend did not get header ${name}`);
    else if (got.join(",") !== value) problems.push(`backend header ${name}: ${JSON.stringify(got.join(","))}, want ${JSON.stringify(value)}`);
  }
  for (const name of expected.absentRequestHeaders ?? []) {
    if (headerOf(name) !== undefined) problems.push(`backend got header ${name}, want it absent`);
  }
  return problems;
}

function responseHeaderProblems(expected: CaseExpectation, res: SendResult): string[] {
  const problems: string[] = [];
  const norm = (v: string) => (expected.ignoreWhitespaceInResponseHeaders ? v.replace(/\s+/g, "") : v);
  for (const [name, value] of Object.entries(expected.responseHeaders ?? {})) {
    const got = res.headers[name.toLowerCase()];
    if (got === undefined || norm(got) !== norm(value)) problems.push(`response header ${name}: ${got}, want ${value}`);
  }
  for (const [name, options] of Object.entries(expected.responseHeaderAlternatives ?? {})) {
    const got = res.headers[name.toLowerCase()];
    if (got === undefined || !options.some((o) => norm(o) === norm(got))) {
      problems.push(`response header ${name}: ${got}, want one of ${JSON.stringify(options)}`);
    }
  }
  for (const name of expected.absentResponseHeaders ?? []) {
    if (res.headers[name.toLowerCase()] !== undefined) problems.push(`response header ${name} present, want absent`);
  }
  return problems;
}

const DEFAULT_PORT: Record<string, string> = { http: "80", https: "443" };

/** Compares Location's scheme, host (without port), port and path, as the upstream redirect assertions do. */
function redirectProblems(want: RedirectExpectation, res: SendResult, prepared: PreparedRequest): string[] {
  const location = res.headers.location;
  if (!location) return ["no Location header"];
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return [`Location ${location} is not an absolute URL`];
  }
  const problems: string[] = [];
  const scheme = url.protocol.slice(0, -1);
  const wantScheme = want.scheme ?? (prepared.scheme ?? "http");
  if (scheme !== wantScheme) problems.push(`redirect scheme ${scheme}, want ${wantScheme}`);
  if (want.host !== null && !want._defaults?.hostNotChecked && url.hostname !== want.host) {
    problems.push(`redirect host ${url.hostname}, want ${want.host}`);
  }
  const port = url.port || DEFAULT_PORT[scheme] || "";
  const wantPort = want.port !== null ? String(want.port) : DEFAULT_PORT[wantScheme];
  if (port !== wantPort) problems.push(`redirect port ${port}, want ${wantPort}`);
  const wantPath = want.path ?? prepared.options.path.split("?")[0];
  if (url.pathname !== wantPath) problems.push(`redirect path ${url.pathname}, want ${wantPath}`);
  return problems;
}

/** answeredByGateway: no origin may have seen the request. */
async function upstreamCalls(ctx: TrafficContext, prepared: PreparedRequest, since: number): Promise<string[]> {
  await sleep(50);
  const hits: string[] = [];
  for (const origin of await ctx.origins.all()) {
    const seen = origin.requests.filter(
      (r) => r.receivedAt >= since && r.path === prepared.options.path && r.method === prepared.options.method,
    );
    if (seen.length > 0) hits.push(`${origin.namespace}/${origin.service} got the request (must be answered by the gateway)`);
  }
  return hits;
}

async function mirrorProblems(ctx: TrafficContext, expected: CaseExpectation, prepared: PreparedRequest): Promise<string[]> {
  const problems: string[] = [];
  for (const mirror of expected.mirroredTo ?? []) {
    if ((mirror as { percent?: number }).percent !== undefined) continue; // Sampled: checked by the distribution run.
    const origin = await ctx.origins.get(mirror.namespace, mirror.name);
    if (!(await waitForRequest(origin, prepared.expectedBackendPath ?? prepared.options.path, 5000))) {
      problems.push(`mirror ${mirror.namespace}/${mirror.name} did not receive ${prepared.options.path}`);
    }
  }
  return problems;
}

export async function waitForRequest(origin: EchoServer, path: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (origin.requests.some((r) => r.path === path)) return true;
    await sleep(25);
  }
  return false;
}
