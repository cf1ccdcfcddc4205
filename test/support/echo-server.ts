/**
 * A local echo origin that behaves like the upstream conformance suite's echo backend
 * (gateway-api-semantics.md §0), so end-to-end tests can read what the origin saw.
 *
 * `/ws` echoes WebSocket messages. Dependency-free Node code: the worker's vitest globalSetup, the e2e suites, the conformance runner, the benchmark
 * and `npm start` all start origins with `startEchoServer()`.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { acceptEchoWebSocket } from "./websocket.ts";

/** The JSON body the echo origin answers with (§0). */
export interface EchoResponse {
  /** Request URI including the query string. */
  path: string;
  host: string;
  method: string;
  proto: string;
  /** Request header name (canonical casing, Host excluded) -> its list of values. */
  headers: Record<string, string[]>;
  namespace: string;
  /** Starts with the Service name, as a Deployment's pod name does. */
  pod: string;
  httpPort: string;
  tls: null;
}

/** One request as the origin received it: what mirror and "no upstream call" assertions count. */
export interface RecordedRequest {
  method: string;
  /** Request URI including the query string. */
  path: string;
  host: string;
  headers: Record<string, string[]>;
  receivedAt: number;
  /** Request body bytes received, once the body has been read to its end (0 until then). */
  bodyBytes: number;
  /** Whether the body arrived complete (false while reading, or when the client aborted it). */
  bodyComplete: boolean;
}

export interface EchoServerOptions {
  /** Service name; the pod name starts with it. */
  service: string;
  namespace: string;
  /** 0 (default) picks a free port. */
  port?: number;
}

export interface EchoServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  service: string;
  namespace: string;
  pod: string;
  /** Every request received, in arrival order (live array). */
  requests: RecordedRequest[];
  /** Forget recorded requests and retry counters. */
  reset(): void;
  close(): Promise<void>;
}

/** GEP-2257 durations plus the fractional forms Go's time.ParseDuration accepts (`1.5s`), in milliseconds. */
export function parseDurationMs(text: string): number | undefined {
  const unitMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 1e-6 };
  if (text === "0") return 0;
  const part = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/gy;
  let total = 0;
  let end = 0;
  for (let m = part.exec(text); m !== null; m = part.exec(text)) {
    total += Number(m[1]) * unitMs[m[2] as string]!;
    end = part.lastIndex;
  }
  return end === text.length && end > 0 ? total : undefined;
}

/** Go's textproto.CanonicalMIMEHeaderKey, which the upstream echo backend's header map uses. */
export function canonicalHeaderName(name: string): string {
  return name
    .toLowerCase()
    .split("-")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("-");
}

function collectHeaders(req: http.IncomingMessage): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = canonicalHeaderName(req.rawHeaders[i]!);
    // Go moves Host out of the header map into the request's Host field; the echo reports it as `host`.
    if (name === "Host") continue;
    (headers[name] ??= []).push(req.rawHeaders[i + 1]!);
  }
  return headers;
}

/** `X-Echo-Set-Header: Name:val,Name2:val2` -> response headers (§0). */
function echoSetHeaders(value: string | undefined): Array<[string, string]> {
  if (!value) return [];
  const out: Array<[string, string]> = [];
  for (const item of value.split(",")) {
    const colon = item.indexOf(":");
    if (colon <= 0) continue;
    out.push([item.slice(0, colon).trim(), item.slice(colon + 1).trim()]);
  }
  return out;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startEchoServer(options: EchoServerOptions): Promise<EchoServer> {
  // Shaped like a Deployment's pod name (<service>-<replicaset hash>-<suffix>): the upstream weight test strips the
  // last two dash-separated segments to find the backend.
  const pod = `${options.service}-${randomBytes(4).toString("hex")}-${randomBytes(3).toString("hex")}`;
  const requests: RecordedRequest[] = [];
  /** Attempts seen per retry uuid. */
  const attempts = new Map<string, number>();
  let port = options.port ?? 0;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = req.url ?? "/";
    const headers = collectHeaders(req);
    const host = req.headers.host ?? "";
    const record: RecordedRequest = { method: req.method ?? "GET", path, host, headers, receivedAt: Date.now(), bodyBytes: 0, bodyComplete: false };
    requests.push(record);
    // Drain any body so keep-alive connections stay usable, counting it for the tests.
    for await (const chunk of req) record.bodyBytes += (chunk as Buffer).byteLength;
    record.bodyComplete = true;

    const url = new URL(path, "http://echo.invalid");
    const query = url.searchParams;

    if (url.pathname.startsWith("/retry/") || url.pathname === "/retry") {
      const failed = await failRetryAttempt(query, req, res);
      if (failed) return;
    }

    const delay = query.get("delay");
    if (delay !== null) {
      const ms = parseDurationMs(delay);
      if (ms === undefined) {
        res.writeHead(400, { "content-type": "text/plain" }).end(`invalid delay ${JSON.stringify(delay)}\n`);
        return;
      }
      await sleep(ms);
    }

    const body: EchoResponse = {
      path,
      host,
      method: req.method ?? "GET",
      proto: `HTTP/${req.httpVersion}`,
      headers,
      namespace: options.namespace,
      pod,
      httpPort: String(port),
      tls: null,
    };
    for (const [name, value] of echoSetHeaders(req.headers["x-echo-set-header"] as string | undefined)) {
      res.appendHeader(name, value);
    }
    res.setHeader("content-type", "application/json");
    res.setHeader("x-content-type-options", "nosniff");
    const json = JSON.stringify(body);
    // `bodyDelay`: the headers and the first half of the body now, the rest after the delay (a slow response body).
    const bodyDelay = parseDurationMs(query.get("bodyDelay") ?? "0") ?? 0;
    if (bodyDelay > 0) {
      const half = json.length >> 1;
      res.writeHead(200);
      res.write(json.slice(0, half));
      await sleep(bodyDelay);
      if (!res.destroyed) res.end(json.slice(half));
      return;
    }
    res.end(json);
  }

  /**
   * `/retry/...?uuid=&succeedAfter=N[&responseCode=C][&delayRetry=D]`: the first N attempts for a uuid fail, each after
   * sleeping D, with status C or (no C) a TCP reset. Returns true when this attempt failed and was answered.
   */
  async function failRetryAttempt(
    query: URLSearchParams,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<boolean> {
    const uuid = query.get("uuid") ?? "";
    const succeedAfter = Number(query.get("succeedAfter") ?? "0");
    const attempt = (attempts.get(uuid) ?? 0) + 1;
    attempts.set(uuid, attempt);
    if (!(attempt <= succeedAfter)) return false;
    const delay = parseDurationMs(query.get("delayRetry") ?? "0") ?? 0;
    if (delay > 0) await sleep(delay);
    const code = query.get("responseCode");
    if (code === null) {
      req.socket.resetAndDestroy();
      return true;
    }
    res.writeHead(Number(code), { "content-type": "text/plain" }).end(`attempt ${attempt} failed\n`);
    return true;
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`echo server error: ${String(err)}\n`);
    });
  });
  server.keepAliveTimeout = 30_000;
  // Upgraded sockets leave the server's connection tracking: closeAllConnections() does not reach them, so close()
  // destroys them itself (an open WebSocket would otherwise hold server.close() forever).
  const upgraded = new Set<Duplex>();
  // `/ws` echoes WebSocket messages (the upstream echo's handler for appProtocol kubernetes.io/ws ports).
  server.on("upgrade", (req: http.IncomingMessage, socket: Duplex) => {
    upgraded.add(socket);
    socket.once("close", () => upgraded.delete(socket));
    requests.push({ method: req.method ?? "GET", path: req.url ?? "/", host: req.headers.host ?? "", headers: collectHeaders(req), receivedAt: Date.now(), bodyBytes: 0, bodyComplete: true });
    if (new URL(req.url ?? "/", "http://echo.invalid").pathname === "/ws") acceptEchoWebSocket(req, socket);
    else socket.end("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    service: options.service,
    namespace: options.namespace,
    pod,
    requests,
    reset() {
      requests.length = 0;
      attempts.clear();
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of upgraded) socket.destroy();
      });
    },
  };
}
