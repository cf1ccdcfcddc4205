/**
 * The leader's publishing step, around the shared `publishSnapshot` (blob first, pointer last):
 *
 *   - only snapshots whose bytes changed since our last successful publish for that Gateway are published (one
 *     pointer write per change keeps within KV's 1 write/s per key);
 *   - pointer version = (epoch, counter): epoch is the Lease's transition count, counter is above both the live
 *     pointer's counter and the clock in milliseconds, so it grows across restarts without any stored state;
 *   - fencing: leadership is re-checked right before each pointer write, and a live pointer with a *higher*
 *     (epoch, counter) than ours means a newer leader exists: we stop instead of overwriting it;
 *   - a failure leaves the previous pointer live (publishSnapshot writes it last) and is reported per Gateway.
 */
import { compareVersions, pointerKey, verifyPointer, type Pointer } from "../../../schema/pointer.ts";
import type { CompiledSnapshot } from "../translate/api.ts";
import { publishSnapshot, type KvStore } from "../publish/publisher.ts";

export class DeposedError extends Error {}

export interface PublishRecord {
  gateway: string;
  pointer: Pointer;
  ms: number;
}

export class SnapshotPublisher {
  private readonly published = new Map<string, string>();
  private lastCounter = 0;

  constructor(
    private readonly kv: KvStore,
    private readonly secret: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Forget what we published (on gaining leadership: another leader may have written since). */
  reset(): void {
    this.published.clear();
  }

  needsPublish(c: CompiledSnapshot): boolean {
    return this.published.get(c.gateway) !== c.sha256;
  }

  async publish(c: CompiledSnapshot, epoch: number, stillLeader: () => boolean): Promise<PublishRecord | undefined> {
    if (!this.needsPublish(c)) return undefined;
    const start = performance.now();
    const live = await this.livePointer(c.gateway);
    if (live && live.epoch > epoch) throw new DeposedError(`pointer of ${c.gateway} has epoch ${live.epoch} > ours ${epoch}: a newer leader exists`);
    if (live && live.epoch === epoch && live.hash === c.sha256 && live.gatewayGeneration === c.gatewayGeneration) {
      this.published.set(c.gateway, c.sha256); // Already live (e.g. we published it before a restart of this loop).
      return undefined;
    }
    const counter = Math.max(this.lastCounter + 1, (live?.epoch === epoch ? live.counter : -1) + 1, this.now());
    if (live && compareVersions({ epoch, counter }, live) <= 0) throw new DeposedError(`pointer of ${c.gateway} is ahead of ours`);
    if (!stillLeader()) throw new DeposedError("lost leadership before the pointer write");
    this.lastCounter = counter;
    const pointer = await publishSnapshot(this.kv, c, { secret: this.secret(), epoch, counter });
    this.published.set(c.gateway, c.sha256);
    return { gateway: c.gateway, pointer, ms: performance.now() - start };
  }

  /** The live pointer, if it verifies: one the worker would refuse (forged, unreadable) must not fence us out. */
  private async livePointer(gateway: string): Promise<Pointer | undefined> {
    const check = await verifyPointer(this.secret(), await this.kv.get(pointerKey(gateway)));
    return check.ok ? check.pointer : undefined;
  }
}
