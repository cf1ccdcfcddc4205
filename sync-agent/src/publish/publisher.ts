/**
 * Publishing a compiled snapshot: the blob first (content-addressed, immutable), then the signed pointer. A reader
 * that sees the new pointer can therefore always find its blob (modulo KV's eventual consistency, which the worker
 * tolerates by keeping its last good snapshot). A failure before the pointer write leaves the previous pointer live.
 */
import { blobKey, pointerKey, signPointer, type Pointer } from "../../../schema/pointer.ts";
import { SCHEMA_VERSION } from "../../../schema/snapshot.ts";
import type { CompiledSnapshot } from "../translate/api.ts";

/** The few KV operations publishers need; implemented for Cloudflare's REST API, local wrangler KV and files. */
export interface KvStore {
  get(key: string): Promise<string | null>;
  /** Writes several keys; implementations may batch but must finish all before resolving. */
  put(entries: { key: string; value: Uint8Array | string }[]): Promise<void>;
  delete(keys: string[]): Promise<void>;
  list(prefix: string): Promise<string[]>;
}

export interface PublishOptions {
  secret: string;
  epoch: number;
  counter: number;
  now?: () => Date;
}

export async function publishSnapshot(kv: KvStore, compiled: CompiledSnapshot, options: PublishOptions): Promise<Pointer> {
  const key = blobKey(compiled.sha256);
  // Re-publishing the blob the live pointer already names would spend the key's 1 write/s for nothing.
  if ((await currentHash(kv, compiled.gateway)) !== compiled.sha256) await kv.put([{ key, value: compiled.bytes }]);
  const pointer = await signPointer(options.secret, {
    schemaVersion: SCHEMA_VERSION,
    gateway: compiled.gateway,
    hash: compiled.sha256,
    size: compiled.bytes.byteLength,
    epoch: options.epoch,
    counter: options.counter,
    gatewayGeneration: compiled.gatewayGeneration,
    publishedAt: (options.now?.() ?? new Date()).toISOString(),
  });
  await kv.put([{ key: pointerKey(compiled.gateway), value: JSON.stringify(pointer) }]);
  return pointer;
}

async function currentHash(kv: KvStore, gateway: string): Promise<string | null> {
  const raw = await kv.get(pointerKey(gateway));
  if (raw === null) return null;
  try {
    const hash = (JSON.parse(raw) as { hash?: unknown }).hash;
    return typeof hash === "string" ? hash : null;
  } catch {
    return null;
  }
}
