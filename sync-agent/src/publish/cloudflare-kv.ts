/**
 * Workers KV through Cloudflare's REST API (developers.cloudflare.com/api/resources/kv/subresources/namespaces):
 *
 *   GET|PUT|DELETE /accounts/{account_id}/storage/kv/namespaces/{namespace_id}/values/{key_name}
 *   PUT            /accounts/{account_id}/storage/kv/namespaces/{namespace_id}/bulk      (JSON array, base64 allowed)
 *   GET            /accounts/{account_id}/storage/kv/namespaces/{namespace_id}/keys?prefix=&cursor=&limit=
 *
 * Limits respected (developers.cloudflare.com/kv/platform/limits): key <= 512 bytes, value <= 25 MiB, at most one
 * write per second to the same key (the pointer is the only key we rewrite, so it is the one this paces). 429 and
 * 5xx are retried with exponential backoff and jitter, waiting at least as long as Retry-After says.
 * The API token is read from a file (a mounted Secret) on each request, so rotation needs no restart; it is never
 * logged, and error messages carry only the status and Cloudflare's error codes.
 */
import { readFile } from "node:fs/promises";
import { backoffDelay, retryAfterMs, sleep, type BackoffOptions } from "../agent/backoff.ts";
import { silentLogger, type Logger } from "../agent/log.ts";
import type { KvStore } from "./publisher.ts";

export const KV_MAX_KEY_BYTES = 512;
export const KV_MAX_VALUE_BYTES = 25 * 1024 * 1024;
/** The bulk endpoint takes up to 10,000 pairs and 100 MB per request. */
const BULK_MAX_PAIRS = 10_000;
const BULK_MAX_BYTES = 90 * 1024 * 1024;

export interface CloudflareKvOptions {
  accountId: string;
  namespaceId: string;
  /** File holding the API token (needs "Workers KV Storage: Edit"). */
  apiTokenFile: string;
  /** Default https://api.cloudflare.com/client/v4 (tests point it at a local fake). */
  baseUrl?: string;
  maxAttempts?: number;
  backoff?: BackoffOptions;
  /** Minimum gap between two writes to one key (KV allows one per second). */
  minWriteIntervalMs?: number;
  log?: Logger;
}

export class CloudflareKvError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class CloudflareKvStore implements KvStore {
  private readonly base: string;
  private readonly lastWrite = new Map<string, number>();
  private readonly log: Logger;

  constructor(private readonly options: CloudflareKvOptions) {
    const root = (options.baseUrl ?? "https://api.cloudflare.com/client/v4").replace(/\/+$/, "");
    this.base = `${root}/accounts/${encodeURIComponent(options.accountId)}/storage/kv/namespaces/${encodeURIComponent(options.namespaceId)}`;
    this.log = options.log ?? silentLogger;
  }

  async get(key: string): Promise<string | null> {
    checkKey(key);
    const res = await this.request("GET", `/values/${encodeURIComponent(key)}`, undefined, [404]);
    return res.status === 404 ? null : await res.text();
  }

  async put(entries: { key: string; value: Uint8Array | string }[]): Promise<void> {
    for (const { key, value } of entries) {
      checkKey(key);
      const size = typeof value === "string" ? Buffer.byteLength(value) : value.byteLength;
      if (size > KV_MAX_VALUE_BYTES) throw new CloudflareKvError(413, `value for ${key} is ${size} bytes, over the 25 MiB KV limit`);
    }
    // One entry: the values endpoint (raw body). Several: /bulk in batches, in order, so callers' ordering holds.
    if (entries.length === 1) return this.putOne(entries[0]!.key, entries[0]!.value);
    for (const batch of batches(entries)) {
      await this.paceWrites(batch.map((e) => e.key));
      const body = JSON.stringify(
        batch.map(({ key, value }) => (typeof value === "string" ? { key, value } : { key, value: Buffer.from(value).toString("base64"), base64: true })),
      );
      await this.request("PUT", "/bulk", { body, contentType: "application/json" });
      this.markWritten(batch.map((e) => e.key));
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) {
      checkKey(key);
      await this.request("DELETE", `/values/${encodeURIComponent(key)}`, undefined, [404]);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const names: string[] = [];
    let cursor = "";
    do {
      const query = new URLSearchParams({ prefix, limit: "1000", ...(cursor ? { cursor } : {}) });
      const res = await this.request("GET", `/keys?${query}`);
      const page = (await res.json()) as { result?: { name: string }[]; result_info?: { cursor?: string } };
      for (const k of page.result ?? []) names.push(k.name);
      cursor = page.result_info?.cursor ?? "";
    } while (cursor);
    return names;
  }

  private async putOne(key: string, value: Uint8Array | string): Promise<void> {
    await this.paceWrites([key]);
    const body = typeof value === "string" ? value : new Uint8Array(value);
    await this.request("PUT", `/values/${encodeURIComponent(key)}`, { body, contentType: "application/octet-stream" });
    this.markWritten([key]);
  }

  /** Waits until every key's last write is at least minWriteIntervalMs old (KV: 1 write/s per key). */
  private async paceWrites(keys: string[]): Promise<void> {
    const gap = this.options.minWriteIntervalMs ?? 1000;
    const last = Math.max(0, ...keys.map((k) => this.lastWrite.get(k) ?? 0));
    const wait = last + gap - Date.now();
    if (wait > 0) await sleep(wait);
  }

  private markWritten(keys: string[]): void {
    const now = Date.now();
    for (const k of keys) this.lastWrite.set(k, now);
  }

  private async request(
    method: string,
    path: string,
    payload?: { body: string | Uint8Array<ArrayBuffer>; contentType: string },
    accept: number[] = [],
  ): Promise<Response> {
    const maxAttempts = this.options.maxAttempts ?? 6;
    const backoff = this.options.backoff ?? { initialMs: 500, maxMs: 30_000 };
    for (let attempt = 1; ; attempt++) {
      const token = (await readFile(this.options.apiTokenFile, "utf8")).trim();
      let res: Response;
      try {
        res = await fetch(this.base + path, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(payload ? { "content-type": payload.contentType } : {}) },
          body: payload?.body,
        });
      } catch (error) {
        if (attempt >= maxAttempts) throw new CloudflareKvError(0, `${method} ${path.split("?")[0]}: ${(error as Error).message}`);
        await sleep(backoffDelay(attempt, backoff));
        continue;
      }
      if (res.ok || accept.includes(res.status)) return res;
      const retriable = res.status === 429 || res.status >= 500;
      const detail = await errorDetail(res);
      if (!retriable || attempt >= maxAttempts) throw new CloudflareKvError(res.status, `${method} ${path.split("?")[0]}: HTTP ${res.status} ${detail}`);
      const delay = Math.max(backoffDelay(attempt, backoff), retryAfterMs(res.headers.get("retry-after")) ?? 0);
      this.log.warn("cloudflare kv retry", { method, status: res.status, attempt, delayMs: delay });
      await sleep(delay);
    }
  }
}

function checkKey(key: string): void {
  if (!key || Buffer.byteLength(key) > KV_MAX_KEY_BYTES) throw new CloudflareKvError(414, `KV key must be 1..${KV_MAX_KEY_BYTES} bytes: ${key.slice(0, 64)}`);
  if (key === "." || key === "..") throw new CloudflareKvError(400, `KV key ${key} is not allowed`);
}

function* batches<T extends { value: Uint8Array | string }>(entries: T[]): Generator<T[]> {
  let batch: T[] = [];
  let bytes = 0;
  for (const e of entries) {
    const size = typeof e.value === "string" ? Buffer.byteLength(e.value) : Math.ceil((e.value.byteLength * 4) / 3);
    if (batch.length && (batch.length >= BULK_MAX_PAIRS || bytes + size > BULK_MAX_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(e);
    bytes += size;
  }
  if (batch.length) yield batch;
}

/** Cloudflare's v4 envelope: { success, errors: [{ code, message }] }. Only codes and messages, never headers. */
async function errorDetail(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { errors?: { code?: number; message?: string }[] };
    return (body.errors ?? []).map((e) => `${e.code}: ${e.message}`).join("; ");
  } catch {
    return "";
  }
}
