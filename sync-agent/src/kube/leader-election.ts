/**
 * Lease-based leader election (coordination.k8s.io/v1 Lease), following client-go's leaderelection package:
 *
 *   - acquire: the Lease is free when it has no holder, or its holder has not renewed it for leaseDurationSeconds as
 *     observed on *our* clock (we time from when we last saw the record change, so clock skew between replicas does
 *     not matter);
 *   - every write is a PUT carrying the resourceVersion we read: two candidates racing get one 200 and one 409;
 *   - a change of holder increments `leaseTransitions`, which is the snapshot epoch: the new leader's pointers
 *     outrank anything a deposed leader may still write (schema/pointer.ts orders by (epoch, counter));
 *   - the leader renews every retryPeriod; if it has not renewed successfully within renewDeadline it stops leading
 *     at once. `isLeader()` checks the deadline on every call, so a publish that starts after the deadline is
 *     refused even before the renew loop notices. renewDeadline < leaseDuration leaves the gap in which the old
 *     leader has stopped and nobody else may yet start.
 */
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from "@kubernetes/client-node";
import { errorText, silentLogger, type Logger } from "../agent/log.ts";

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  onStartedLeading?: (epoch: number) => void;
  onStoppedLeading?: () => void;
  log?: Logger;
  /** Monotonic milliseconds (injectable for tests). */
  now?: () => number;
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly log: Logger;
  private readonly now: () => number;
  private leading = false;
  private lastRenewAt = -Infinity;
  private observed: { key: string; at: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private inFlight: Promise<void> | undefined;
  /** leaseTransitions of the Lease while we hold it. */
  epoch = -1;
  transitions = 0;

  constructor(
    kc: KubeConfig,
    private readonly options: LeaderElectionOptions,
  ) {
    this.api = kc.makeApiClient(CoordinationV1Api);
    this.log = (options.log ?? silentLogger).child({ lease: `${options.namespace}/${options.name}`, identity: options.identity });
    this.now = options.now ?? (() => performance.now());
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = () => {
      this.inFlight = this.tryAcquireOrRenew().finally(() => {
        this.inFlight = undefined;
        if (!this.stopped) this.timer = setTimeout(tick, this.options.retryPeriodMs);
      });
    };
    tick();
  }

  /** Stops campaigning; when leading, releases the Lease so a standby takes over without waiting for expiry. */
  async stop(release = true): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
    if (release && this.isLeader()) await this.release();
    this.setLeading(false);
  }

  isLeader(): boolean {
    if (this.leading && this.now() - this.lastRenewAt > this.options.renewDeadlineMs) this.setLeading(false);
    return this.leading;
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const { namespace, name, identity } = this.options;
    try {
      const lease = await this.readLease();
      // MicroTime: the apiserver parses acquireTime/renewTime with exactly six fractional digits
      // (metav1.RFC3339Micro); a plain Date would serialize three and be rejected.
      const now = new V1MicroTime();
      if (!lease) {
        const created = await this.api.createNamespacedLease({
          namespace,
          body: { metadata: { name, namespace }, spec: this.holderSpec(now, now, 0) },
        });
        return this.renewed(created);
      }
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity ?? "";
      const key = `${holder}|${lease.metadata?.resourceVersion}`;
      if (this.observed?.key !== key) this.observed = { key, at: this.now() };
      const expired = this.now() - this.observed.at > (spec.leaseDurationSeconds ?? this.options.leaseDurationSeconds) * 1000;
      if (holder && holder !== identity && !expired) {
        if (this.leading) this.setLeading(false);
        return;
      }
      const transitions = (spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1);
      const acquireTime = holder === identity && spec.acquireTime ? new V1MicroTime(spec.acquireTime) : now;
      const replaced = await this.api.replaceNamespacedLease({
        namespace,
        name,
        body: { metadata: { ...lease.metadata, name, namespace }, spec: this.holderSpec(acquireTime, now, transitions) },
      });
      this.renewed(replaced);
    } catch (error) {
      // A 409 means someone else wrote first (normal contention); anything else deserves a look (RBAC, a rejected
      // body, an unreachable apiserver). Either way we are not renewed.
      const conflict = (error as { code?: number }).code === 409;
      (conflict ? this.log.debug : this.log.warn)("lease acquire/renew failed", { error: errorText(error) });
      this.isLeader();
    }
  }

  private holderSpec(acquireTime: Date, renewTime: Date, leaseTransitions: number) {
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: this.options.leaseDurationSeconds,
      acquireTime,
      renewTime,
      leaseTransitions,
    };
  }

  private renewed(lease: V1Lease): void {
    this.lastRenewAt = this.now();
    this.transitions = lease.spec?.leaseTransitions ?? 0;
    this.observed = { key: `${this.options.identity}|${lease.metadata?.resourceVersion}`, at: this.now() };
    if (!this.leading) {
      this.epoch = this.transitions;
      this.setLeading(true);
    }
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    if (leading) {
      this.log.info("started leading", { epoch: this.epoch });
      this.options.onStartedLeading?.(this.epoch);
    } else {
      // Losing the Lease while running is worth a warning; giving it up on shutdown is not.
      (this.stopped ? this.log.info : this.log.warn)("stopped leading", { epoch: this.epoch });
      this.options.onStoppedLeading?.();
    }
  }

  private async release(): Promise<void> {
    try {
      const lease = await this.readLease();
      if (lease?.spec?.holderIdentity !== this.options.identity) return;
      // client-go's ReleaseOnCancel: empty holder, 1 s duration, transitions kept so the next holder increments them.
      const spec = { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1 };
      await this.api.replaceNamespacedLease({ namespace: this.options.namespace, name: this.options.name, body: { ...lease, spec } });
      this.log.info("lease released");
    } catch (error) {
      this.log.warn("lease release failed", { error: errorText(error) });
    }
  }

  private async readLease(): Promise<V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease({ namespace: this.options.namespace, name: this.options.name });
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  }
}
