/**
 * A tiny HTTP/1.1 client for tests: unlike fetch() it may set Host (the gateway matches listeners and routes on it),
 * keeps repeated headers, never follows redirects, and bounds every request in time.
 */
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";

export interface SendOptions {
  method?: string;
  /** Path with query, sent as is. */
  path: string;
  host?: string;
  /** Header name -> value; a list sends the header several times. */
  headers?: Record<string, string | string[]>;
  body?: string;
  timeoutMs?: number;
  /** TLS server name for https base URLs (default: the Host without port). Certificates are not verified. */
  sni?: string;
}

export interface SendResult {
  status: number;
  /** Lower-case names; repeated headers joined with ", " except set-cookie. */
  headers: Record<string, string>;
  body: string;
  /** The body parsed as JSON when it is JSON, else undefined. */
  json: unknown;
  durationMs: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
// Local `wrangler dev --local-protocol https` uses a self-signed certificate; SNI varies per request, so no pooling.
const tlsAgent = new https.Agent({ keepAlive: false, rejectUnauthorized: false });

export function send(baseUrl: string, options: SendOptions): Promise<SendResult> {
  const base = new URL(baseUrl);
  const raw: string[] = [];
  if (options.host !== undefined) raw.push("Host", options.host);
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) raw.push(name, v);
  }
  if (options.host === undefined) raw.push("Host", base.host);
  if (options.body !== undefined) raw.push("Content-Length", String(Buffer.byteLength(options.body)));
  const started = performance.now();
  const secure = base.protocol === "https:";
  const servername = options.sni ?? (options.host ?? base.hostname).replace(/:\d+$/, "");
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      {
        agent: secure ? tlsAgent : agent,
        // RFC 6066 §3: no IP literals in SNI.
        ...(secure ? { rejectUnauthorized: false, ...(isIP(servername) ? {} : { servername }) } : {}),
        host: base.hostname,
        port: base.port,
        method: options.method ?? "GET",
        path: options.path,
        headers: raw,
        timeout: options.timeoutMs ?? 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
          }
          let json: unknown;
          if ((headers["content-type"] ?? "").includes("application/json")) {
            try {
              json = JSON.parse(body);
            } catch {
              json = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, headers, body, json, durationMs: performance.now() - started });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`request ${options.method ?? "GET"} ${options.path} timed out`)));
    req.on("error", reject);
    req.end(options.body);
  });
}
