/**
 * The local KV store that `wrangler dev --persist-to DIR` reads, as a KvStore.
 *
 * `wrangler kv ... --local --persist-to DIR` and `wrangler dev --persist-to DIR` both run Miniflare with
 * `DIR/v3` as the persistence root and the namespace id from wrangler.toml as the store's name. This store opens the
 * same Miniflare KV namespace directly: one workerd process for the store's whole life instead of one `wrangler`
 * process (about 2 s each) per get/put, and a running `wrangler dev` sees each write at once, as it does for
 * `wrangler kv key put --local`. A put() of several entries is written in order, so publishSnapshot's "blob first,
 * then pointer" holds.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Miniflare } from "miniflare";
import type { KvStore } from "./publisher.ts";

/** The KV binding of wrangler.toml the worker reads snapshots from. */
export const KV_BINDING = "EDGEWAY_KV";
/** Default `--persist-to` directory of `npm start` (relative to the repository root). */
export const DEFAULT_PERSIST_DIR = ".edgeway/kv";

export interface LocalKvOptions {
  /** The `--persist-to` directory `wrangler dev` runs with. */
  persistTo: string;
  /** KV namespace id; default: the `id` of the EDGEWAY_KV binding in wrangler.toml. */
  namespaceId?: string;
  /** wrangler.toml to read the namespace id from; default ./wrangler.toml. */
  wranglerConfig?: string;
}

/** Reads `id` of the `[[kv_namespaces]]` entry whose binding is EDGEWAY_KV, without a TOML dependency. */
export function namespaceIdFromWranglerToml(text: string, binding = KV_BINDING): string | undefined {
  for (const block of text.split(/^\s*\[\[kv_namespaces\]\]\s*$/m).slice(1)) {
    const body = block.split(/^\s*\[/m)[0] ?? "";
    const bindingName = /^\s*binding\s*=\s*"([^"]*)"/m.exec(body)?.[1];
    const id = /^\s*id\s*=\s*"([^"]*)"/m.exec(body)?.[1];
    if (bindingName === binding && id) return id;
  }
  return undefined;
}

type KvNamespace = Awaited<ReturnType<Miniflare["getKVNamespace"]>>;

export class LocalKvStore implements KvStore {
  readonly persistTo: string;
  readonly namespaceId: string;
  private readonly mf: Miniflare;
  private namespace: Promise<KvNamespace> | undefined;

  constructor(options: LocalKvOptions) {
    this.persistTo = resolve(options.persistTo);
    this.namespaceId = options.namespaceId ?? readNamespaceId(options.wranglerConfig ?? "wrangler.toml");
    this.mf = new Miniflare({
      modules: true,
      // The store needs no worker code of its own; Miniflare requires one script to host the binding.
      script: "export default { fetch() { return new Response(null, { status: 404 }); } }",
      kvNamespaces: { [KV_BINDING]: this.namespaceId },
      kvPersist: true,
      // No fetch of the Request.cf placeholder from the network: this process only touches local files.
      cf: false,
      // Same layout as wrangler's `--persist-to DIR` (wrangler appends "v3").
      defaultPersistRoot: resolve(this.persistTo, "v3"),
    });
  }

  private kv(): Promise<KvNamespace> {
    this.namespace ??= this.mf.getKVNamespace(KV_BINDING);
    return this.namespace;
  }

  async get(key: string): Promise<string | null> {
    return (await this.kv()).get(key, "text");
  }

  /** A value as bytes: snapshot blobs are binary (schema/blob.ts). */
  async getBytes(key: string): Promise<Uint8Array<ArrayBuffer> | null> {
    const value = await (await this.kv()).get(key, "arrayBuffer");
    return value === null ? null : new Uint8Array(value);
  }

  async put(entries: { key: string; value: Uint8Array | string }[]): Promise<void> {
    const kv = await this.kv();
    // Sequential on purpose: callers rely on the order (a pointer must never land before its blob).
    for (const { key, value } of entries) {
      await kv.put(key, typeof value === "string" ? value : copyToArrayBuffer(value));
    }
  }

  async delete(keys: string[]): Promise<void> {
    const kv = await this.kv();
    for (const key of keys) await kv.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    const kv = await this.kv();
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await kv.list({ prefix, ...(cursor ? { cursor } : {}) });
      for (const key of page.keys) names.push(key.name);
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
    return names;
  }

  /** Stops the store's workerd process. */
  close(): Promise<void> {
    return this.mf.dispose();
  }
}

function readNamespaceId(configPath: string): string {
  let text: string;
  try {
    text = readFileSync(configPath, "utf8");
  } catch (err) {
    throw new Error(`cannot read ${configPath} to find the ${KV_BINDING} namespace id: ${(err as Error).message}`);
  }
  const id = namespaceIdFromWranglerToml(text);
  if (!id) throw new Error(`${configPath} has no [[kv_namespaces]] entry with binding = "${KV_BINDING}" and an id`);
  return id;
}

function copyToArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}
