/**
 * Garbage collection of snapshot blobs. A blob may be deleted only when no pointer names it *and* it has been seen
 * unreferenced for a whole grace period: a blob is written before its pointer (by us or by another cluster
 * publishing into the same namespace), a worker may still be fetching a blob its cached pointer names, and KV reads
 * are eventually consistent (~60 s). Mark and sweep, with the marks kept in memory: after a restart the grace
 * period simply starts again, which only delays deletion.
 */
import { blobKey, KV_PREFIX } from "../../../schema/pointer.ts";
import type { KvStore } from "./publisher.ts";

export interface GcOptions {
  graceMs: number;
  now?: () => number;
}

export interface GcResult {
  blobs: number;
  referenced: number;
  deleted: string[];
  waiting: number;
}

const SNAPSHOT_PREFIX = `${KV_PREFIX}/snapshots/`;
const GATEWAYS_PREFIX = `${KV_PREFIX}/gateways/`;

export class BlobCollector {
  private readonly unreferencedSince = new Map<string, number>();

  constructor(
    private readonly kv: KvStore,
    private readonly options: GcOptions,
  ) {}

  async collect(): Promise<GcResult> {
    const now = (this.options.now ?? Date.now)();
    // Pointers are read *after* blobs are listed: a blob written after the listing is not a candidate this round,
    // and a pointer written after it can only name a blob we did not list or one we keep anyway.
    const blobs = (await this.kv.list(SNAPSHOT_PREFIX)).map((k) => k.slice(SNAPSHOT_PREFIX.length));
    const referenced = await this.referencedHashes();
    const deleted: string[] = [];
    for (const hash of blobs) {
      if (referenced.has(hash)) {
        this.unreferencedSince.delete(hash);
        continue;
      }
      const since = this.unreferencedSince.get(hash);
      if (since === undefined) this.unreferencedSince.set(hash, now);
      else if (now - since >= this.options.graceMs) deleted.push(hash);
    }
    if (deleted.length) await this.kv.delete(deleted.map(blobKey));
    for (const hash of deleted) this.unreferencedSince.delete(hash);
    for (const hash of this.unreferencedSince.keys()) if (!blobs.includes(hash)) this.unreferencedSince.delete(hash);
    return { blobs: blobs.length, referenced: referenced.size, deleted, waiting: this.unreferencedSince.size };
  }

  /** Hashes named by any pointer. An unreadable pointer aborts the round: deleting on partial knowledge is unsafe. */
  private async referencedHashes(): Promise<Set<string>> {
    const keys = (await this.kv.list(GATEWAYS_PREFIX)).filter((k) => k.endsWith("/pointer"));
    const hashes = new Set<string>();
    for (const key of keys) {
      const raw = await this.kv.get(key);
      if (raw === null) continue; // Deleted between list and get: it names nothing any more.
      const hash = (JSON.parse(raw) as { hash?: unknown }).hash;
      if (typeof hash !== "string") throw new Error(`pointer ${key} has no hash; not collecting this round`);
      hashes.add(hash);
    }
    return hashes;
  }
}
