/**
 * The per-isolate snapshot cache, one `GatewaySnapshots` per Gateway.
 *
 * - Warm: requests read the served snapshot from memory; once it is older than the refresh interval a revalidation
 *   starts in `ctx.waitUntil` (stale-while-revalidate), never on the hot path.
 * - Single flight: at most one load per Gateway at a time; concurrent callers share it.
 * - Cold: the first request may await one load, bounded by a short timeout (the caller answers 503 otherwise).
 * - Only a fully verified snapshot replaces the served one; any failure keeps the last good one and is recorded
 *   (reason + count) for /__edgeway/status.
 */
import type { Pointer } from "../../../schema/pointer.ts";
import type { WorkerConfig, BackgroundTasks } from "../env.ts";
import { loadSnapshot, type LoadedSnapshot, type MatcherFactory } from "./load.ts";

export interface SnapshotError {
  at: string;
  reason: string;
}

export interface GatewayStatus {
  gateway: string;
  served: {
    epoch: number;
    counter: number;
    hash: string;
    gatewayGeneration: number;
    publishedAt: string;
    loadedAt: string;
  } | null;
  lastRefreshAt: string | null;
  lastSuccessAt: string | null;
  lastError: SnapshotError | null;
  /** Loads refused since the isolate started (tampered, older, corrupt, unknown version, ...). */
  rejected: number;
  /** Loads that found nothing usable yet (no pointer, blob not visible, KV error). */
  unavailable: number;
}

export class GatewaySnapshots {
  private served: LoadedSnapshot | null = null;
  private inflight: Promise<void> | null = null;
  private lastCheckAt = 0;
  private lastSuccessAt = 0;
  private lastError: SnapshotError | null = null;
  private rejectedCount = 0;
  private unavailableCount = 0;
  /** Tag of the last pointer refused for its content, so a bad blob is not downloaded again every interval. */
  private refusedTag: string | null = null;
  private refusedReason = "";

  constructor(
    readonly gateway: string,
    private readonly createMatcher: MatcherFactory,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The snapshot to serve now (possibly stale, possibly none); schedules a background load when due, so a cold
   * Gateway next to a warm one never makes a request wait.
   */
  current(kv: KVNamespace, config: WorkerConfig, ctx: BackgroundTasks): LoadedSnapshot | null {
    if (this.isDue(config) && !this.inflight) ctx.waitUntil(this.refresh(kv, config));
    return this.served;
  }

  /** Cold path: wait (bounded) for one load when nothing is served and no check happened within the interval. */
  async ensure(kv: KVNamespace, config: WorkerConfig, ctx: BackgroundTasks): Promise<LoadedSnapshot | null> {
    if (this.served) return this.current(kv, config, ctx);
    if (!this.isDue(config) && !this.inflight) return null;
    const load = this.refresh(kv, config);
    ctx.waitUntil(load);
    await Promise.race([load, sleep(config.coldLoadTimeoutMs)]);
    return this.served;
  }

  /** Starts a load unless one is running (single flight). Never rejects. */
  refresh(kv: KVNamespace, config: WorkerConfig): Promise<void> {
    this.inflight ??= this.runLoad(kv, config).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  status(): GatewayStatus {
    const served = this.served;
    return {
      gateway: this.gateway,
      served: served && {
        epoch: served.pointer.epoch,
        counter: served.pointer.counter,
        hash: served.pointer.hash,
        gatewayGeneration: served.pointer.gatewayGeneration,
        publishedAt: served.pointer.publishedAt,
        loadedAt: iso(served.loadedAt),
      },
      lastRefreshAt: this.lastCheckAt ? iso(this.lastCheckAt) : null,
      lastSuccessAt: this.lastSuccessAt ? iso(this.lastSuccessAt) : null,
      lastError: this.lastError,
      rejected: this.rejectedCount,
      unavailable: this.unavailableCount,
    };
  }

  private isDue(config: WorkerConfig): boolean {
    return this.now() - this.lastCheckAt >= config.refreshIntervalMs;
  }

  private async runLoad(kv: KVNamespace, config: WorkerConfig): Promise<void> {
    this.lastCheckAt = this.now();
    const outcome = await loadSnapshot({
      kv,
      gateway: this.gateway,
      secret: config.snapshotKey,
      served: this.served?.pointer ?? null,
      createMatcher: this.createMatcher,
      kvOptions: { attempts: config.kvReadAttempts, backoffMs: config.kvBackoffMs },
      now: this.now,
      skipPointer: (pointer: Pointer) => (pointer.tag === this.refusedTag ? this.refusedReason : null),
    }).catch((error: unknown) => ({ kind: "unavailable" as const, reason: `load failed: ${String(error)}` }));
    this.lastCheckAt = this.now();
    switch (outcome.kind) {
      case "loaded":
        this.served = outcome.loaded;
        this.lastSuccessAt = this.lastCheckAt;
        this.lastError = null;
        return;
      case "unchanged":
        this.lastSuccessAt = this.lastCheckAt;
        this.lastError = null;
        return;
      case "rejected":
        this.rejectedCount++;
        if (outcome.pointer) {
          this.refusedTag = outcome.pointer.tag;
          this.refusedReason = outcome.reason;
        }
        this.recordError(outcome.reason, "rejected");
        return;
      case "unavailable":
        this.unavailableCount++;
        this.recordError(outcome.reason, "unavailable");
        return;
    }
  }

  private recordError(reason: string, kind: string): void {
    this.lastError = { at: iso(this.lastCheckAt), reason };
    console.log(JSON.stringify({ event: "snapshot-load", gateway: this.gateway, outcome: kind, reason, serving: this.served ? versionOf(this.served) : null }));
  }
}

export function versionOf(loaded: LoadedSnapshot): string {
  return `${loaded.pointer.epoch}.${loaded.pointer.counter}-${loaded.pointer.hash.slice(0, 12)}`;
}

/** Per-isolate registry, keyed by Gateway name. */
export class SnapshotRegistry {
  private readonly gateways = new Map<string, GatewaySnapshots>();
  constructor(private readonly createMatcher: MatcherFactory) {}

  for(gateway: string): GatewaySnapshots {
    let entry = this.gateways.get(gateway);
    if (!entry) {
      entry = new GatewaySnapshots(gateway, this.createMatcher);
      this.gateways.set(gateway, entry);
    }
    return entry;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
