/**
 * A local stand-in for the Workers KV REST API (api.cloudflare.com/client/v4), following the documented endpoints
 * and limits closely enough to test a publisher against:
 *
 *   GET|PUT|DELETE /accounts/:account/storage/kv/namespaces/:ns/values/:key   (key URL-encoded)
 *   PUT            /accounts/:account/storage/kv/namespaces/:ns/bulk         ([{ key, value, base64? }])
 *   GET            /accounts/:account/storage/kv/namespaces/:ns/keys?prefix=&cursor=&limit=
 *
 * Bearer auth (401 + Cloudflare's v4 error envelope otherwise), key <= 512 bytes (414), value <= 25 MiB (413), and
 * 429 when one key is written twice within a second. Every write is logged with its time, for ordering assertions.
 * Gaps: no metadata/expiration, no eventual consistency (reads see writes at once), no account/namespace checks.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const MAX_KEY_BYTES = 512;
export const MAX_VALUE_BYTES = 25 * 1024 * 1024;

export interface WriteRecord {
  key: string;
  at: number;
  bytes: number;
}

export class FakeCloudflareKv {
  readonly values = new Map<string, Buffer>();
  readonly writes: WriteRecord[] = [];
  readonly rejected: { status: number; key?: string }[] = [];
  /** Force the next N requests to answer 503 (or 429 with Retry-After when `throttle` is set). */
  failNext = 0;
  throttle = false;
  private readonly lastWrite = new Map<string, number>();
  private server: Server | undefined;
  /** Called after every successful write (tests hook convergence timing here). */
  onWrite?: (key: string, value: Buffer) => void;

  constructor(private readonly token: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res).catch((e) => reply(res, 500, envelope(false, null, [{ code: 10001, message: String(e) }]))));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/client/v4`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return reply(res, 401, envelope(false, null, [{ code: 10000, message: "Authentication error" }]));
    }
    if (this.failNext > 0) {
      this.failNext--;
      if (this.throttle) return reply(res, 429, envelope(false, null, [{ code: 971, message: "Please wait and consider throttling your request speed" }]), { "retry-after": "1" });
      return reply(res, 503, envelope(false, null, [{ code: 10013, message: "service unavailable" }]));
    }
    const url = new URL(req.url ?? "/", "http://fake");
    const m = /^\/client\/v4\/accounts\/[^/]+\/storage\/kv\/namespaces\/[^/]+\/(values\/(.+)|bulk|keys)$/.exec(url.pathname);
    if (!m) return reply(res, 404, envelope(false, null, [{ code: 7003, message: "No route for the URI" }]));
    const body = await readBody(req);
    if (m[2] !== undefined) {
      const key = decodeURIComponent(m[2]);
      if (Buffer.byteLength(key) > MAX_KEY_BYTES) return this.reject(res, 414, 10033, "key too long", key);
      if (req.method === "GET") {
        const v = this.values.get(key);
        if (!v) return reply(res, 404, envelope(false, null, [{ code: 10009, message: "get: 'key not found'" }]));
        res.writeHead(200, { "content-type": "application/octet-stream" });
        return void res.end(v);
      }
      if (req.method === "DELETE") {
        this.values.delete(key);
        return reply(res, 200, envelope(true, null));
      }
      if (req.method === "PUT") {
        const problem = this.checkWrite(key, body.length);
        if (problem) return this.reject(res, problem.status, problem.code, problem.message, key);
        this.store(key, body);
        return reply(res, 200, envelope(true, null));
      }
    }
    if (m[1] === "bulk" && req.method === "PUT") {
      const pairs = JSON.parse(body.toString("utf8")) as { key: string; value: string; base64?: boolean }[];
      const decoded = pairs.map((p) => ({ key: p.key, value: p.base64 ? Buffer.from(p.value, "base64") : Buffer.from(p.value, "utf8") }));
      for (const p of decoded) {
        const problem = Buffer.byteLength(p.key) > MAX_KEY_BYTES ? { status: 414, code: 10033, message: "key too long" } : this.checkWrite(p.key, p.value.length);
        if (problem) return this.reject(res, problem.status, problem.code, problem.message, p.key);
      }
      for (const p of decoded) this.store(p.key, p.value);
      return reply(res, 200, envelope(true, { successful_key_count: decoded.length, unsuccessful_keys: [] }));
    }
    if (m[1] === "keys" && req.method === "GET") {
      const prefix = url.searchParams.get("prefix") ?? "";
      const limit = Math.min(1000, Number(url.searchParams.get("limit") ?? 1000));
      const start = Number(url.searchParams.get("cursor") || 0);
      const names = [...this.values.keys()].filter((k) => k.startsWith(prefix)).sort();
      const page = names.slice(start, start + limit);
      const cursor = start + limit < names.length ? String(start + limit) : "";
      return reply(res, 200, { ...envelope(true, page.map((name) => ({ name }))), result_info: { count: page.length, cursor } });
    }
    return reply(res, 405, envelope(false, null, [{ code: 10000, message: "method not allowed" }]));
  }

  private checkWrite(key: string, bytes: number): { status: number; code: number; message: string } | undefined {
    if (bytes > MAX_VALUE_BYTES) return { status: 413, code: 10011, message: "value too large" };
    const last = this.lastWrite.get(key);
    if (last !== undefined && Date.now() - last < 1000) return { status: 429, code: 10097, message: "KV PUT failed: 429 Too Many Requests" };
    return undefined;
  }

  private store(key: string, value: Buffer): void {
    const now = Date.now();
    this.values.set(key, value);
    this.lastWrite.set(key, now);
    this.writes.push({ key, at: now, bytes: value.length });
    this.onWrite?.(key, value);
  }

  private reject(res: ServerResponse, status: number, code: number, message: string, key?: string): void {
    this.rejected.push({ status, key });
    reply(res, status, envelope(false, null, [{ code, message }]));
  }
}

function envelope(success: boolean, result: unknown, errors: { code: number; message: string }[] = []) {
  return { success, errors, messages: [], result };
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
