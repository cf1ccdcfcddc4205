/**
 * The upstream conformance cases as data (`<dir>/cases.json`, `<dir>/base-manifests.yaml`), read at run time and
 * never copied into the repository, plus the rules deciding which tests and cases apply at the edge.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface ConditionExpectation {
  type: string;
  status: "True" | "False" | "Unknown" | null;
  reason: string | null;
}

export interface ExpectedCheck {
  check: string;
  object?: { kind: string; ref: string };
  parentRef?: { group?: string; kind?: string; namespace?: string; name: string };
  conditions?: ConditionExpectation[];
  parents?: Array<{ parentRef: { group?: string; kind?: string; namespace?: string; name: string }; conditions: ConditionExpectation[] }>;
  listeners?: Array<{
    name: string;
    supportedKindsMustInclude?: Array<{ group?: string; kind: string }>;
    supportedKindsMustBeEmpty?: boolean;
    attachedRoutes?: number;
    conditions?: ConditionExpectation[];
  }>;
  action?: string;
  note?: string;
}

export interface CaseRequest {
  host: string | null;
  path: string;
  method: string;
  headers: Record<string, string>;
  scheme: "http" | "https";
  protocol: string;
  followRedirects: boolean;
  sni?: string;
  backendSetResponseHeaders?: Record<string, string>;
}

export interface RedirectExpectation {
  scheme: string | null;
  host: string | null;
  port: string | number | null;
  path: string | null;
  _defaults?: { schemeFromRequest?: boolean; hostNotChecked?: boolean; portDefaultForScheme?: boolean; pathFromRequest?: boolean };
}

export interface CaseExpectation {
  statusCode: number;
  statusCodes: number[];
  backend: string | null;
  namespace: string | null;
  backendRequest?: { path: string; host: string | null; method: string };
  requestHeaders?: Record<string, string>;
  absentRequestHeaders?: string[];
  responseHeaders?: Record<string, string>;
  absentResponseHeaders?: string[];
  responseHeaderAlternatives?: Record<string, string[]>;
  ignoreWhitespaceInResponseHeaders?: boolean;
  redirectRequest?: RedirectExpectation;
  answeredByGateway?: boolean;
  mirroredTo?: Array<{ name: string; namespace: string }>;
}

export interface ConformanceCase {
  id: string;
  name: string;
  subtest?: string;
  gateway?: string;
  gatewayPort?: number;
  request: CaseRequest;
  expected: CaseExpectation;
  notes?: string[];
  retrySimulation?: unknown;
  precondition?: { action: string; kind: string; ref: string };
}

export interface ConformanceTest {
  name: string;
  description: string;
  provisional: boolean;
  features: string[];
  gateway: string | null;
  manifests: { files: string[]; yaml: Record<string, string> };
  expectedConditions: ExpectedCheck[];
  cases: ConformanceCase[];
  tls?: unknown;
  websocket?: {
    url: string;
    originHeader: string;
    exchange: Array<{ send: "text" | "binary"; data?: string; dataBytes?: number[]; expectEcho: boolean }>;
  };
  weights?: { expected: Record<string, number>; totalRequests: number; concurrency: number; tolerance: number; maxRetries: number };
  distribution?: { totalRequests: number; concurrency: number; toleranceStdDevs: number; maxChecks: number };
  trafficCheck?: { kind: string; requests: number };
  setup?: string;
}

export type SuiteLoad = { ok: true; tests: ConformanceTest[]; baseYaml: string } | { ok: false; reason: string; count: number };

export function loadSuite(dir: string): SuiteLoad {
  const casesPath = join(dir, "cases.json");
  const basePath = join(dir, "base-manifests.yaml");
  if (!existsSync(casesPath)) return { ok: false, reason: `no ${casesPath}`, count: 0 };
  const tests = JSON.parse(readFileSync(casesPath, "utf8")) as ConformanceTest[];
  // Without the base manifests no test can run: every one of them is skipped.
  if (!existsSync(basePath)) return { ok: false, reason: `no ${basePath}`, count: tests.length };
  return { ok: true, tests, baseYaml: readFileSync(basePath, "utf8") };
}

/**
 * Features edgeway does not claim (the upstream suite skips tests needing an unclaimed feature): routes other than
 * HTTPRoute are not served at the edge, and the local echo origin speaks neither h2c nor WebSocket.
 */
export const UNSUPPORTED_FEATURES: Record<string, string> = {
  SupportTLSRoute: "TLSRoute is not implemented (the edge terminates TLS itself)",
  SupportGRPCRoute: "GRPCRoute is not implemented",
  SupportTCPRoute: "TCPRoute is not implemented",
  SupportUDPRoute: "UDPRoute is not implemented",
};

/** Whole tests that cannot run against the loopback worker (Miniflare); the reasons are listed in docs/conformance.md. */
export function testSkipReason(test: ConformanceTest): string | undefined {
  for (const feature of test.features) {
    const reason = UNSUPPORTED_FEATURES[feature];
    if (reason) return `feature ${feature}: ${reason}`;
  }
  if (test.features.includes("SupportHTTPRouteBackendProtocolH2C")) {
    return "h2c: the client speaks HTTP/2 prior knowledge and the backend port is h2c-only; the local worker serves HTTP/1.1";
  }
  return undefined;
}

/** Single cases that cannot run locally (the test's other cases still do). */
export function caseSkipReason(c: ConformanceCase): string | undefined {
  const hostname = (c.request.host ?? "").replace(/:\d+$/, "");
  if (c.request.scheme === "https" && c.request.sni && c.request.host && c.request.sni !== hostname) {
    return "SNI differs from Host: the worker sees only Host (at the edge Cloudflare handles SNI before the worker runs)";
  }
  if (c.request.protocol === "H2C_PRIOR_KNOWLEDGE") return "h2c prior knowledge to the gateway: the local worker serves HTTP/1.1";
  const hostPort = /:(\d+)$/.exec(c.request.host ?? "")?.[1];
  if (hostPort !== undefined && Number(hostPort) !== (c.gatewayPort ?? defaultPort(c))) {
    return "Host names a port other than the connection's: the local worker, like the edge, builds request.url from Host, so the worker cannot see the connection port";
  }
  return undefined;
}

export function defaultPort(c: ConformanceCase): number {
  return c.request.scheme === "https" ? 443 : 80;
}

/** Cases whose notes ask for the `gateway-api-conformance-request-id` query parameter (mirror tests). */
export function wantsRequestId(c: ConformanceCase): boolean {
  return (c.notes ?? []).some((n) => n.includes("gateway-api-conformance-request-id"));
}
