/**
 * The in-cluster controller: informers feed one coalesced reconcile queue; a Lease decides who publishes and writes
 * status; the edge's status endpoint turns publishes into Programmed; a timer resyncs, another collects old blobs.
 *
 *   informers ──event──> ReconcileQueue ──> reconcileOnce ──[leader]──> publish (KvStore) + status (apiserver)
 *   EdgeStatusPoller ──served version changed──> ReconcileQueue
 *   LeaderElector ──started leading──> ReconcileQueue (publish what standby compiled; write status)
 */
import { readFileSync } from "node:fs";
import type { KubeConfig } from "@kubernetes/client-node";
import { EdgeStatusPoller } from "../kube/edge-status.ts";
import { InformerSet } from "../kube/informers.ts";
import { LeaderElector } from "../kube/leader-election.ts";
import { StatusWriter } from "../kube/status-writer.ts";
import type { WatchedResource } from "../kube/resources.ts";
import { BlobCollector } from "../publish/gc.ts";
import type { KvStore } from "../publish/publisher.ts";
import { AgentMetrics } from "../server/metrics.ts";
import { startOpsServer } from "../server/http.ts";
import type { AgentConfig } from "./config.ts";
import { errorText, type Logger } from "./log.ts";
import { SnapshotPublisher, type PublishRecord } from "./publishing.ts";
import { ReconcileQueue } from "./queue.ts";
import { reconcileOnce, type Pipeline, type ReconcileReport } from "./reconcile.ts";

export interface AgentDeps {
  kc: KubeConfig;
  pipeline: Pipeline;
  kv?: KvStore;
  log: Logger;
  metrics?: AgentMetrics;
  /** Skip the HTTP ops server (tests that run several agents). */
  noServer?: boolean;
  onPublished?: (record: PublishRecord) => void;
  onReconciled?: (report: ReconcileReport) => void;
}

export class Agent {
  readonly metrics: AgentMetrics;
  readonly informers: InformerSet;
  readonly elector: LeaderElector;
  readonly queue: ReconcileQueue;
  readonly edge: EdgeStatusPoller;
  readonly statusWriter: StatusWriter;
  readonly publisher: SnapshotPublisher | undefined;
  private readonly gc: BlobCollector | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private closeServer: (() => Promise<void>) | undefined;
  opsUrl: string | undefined;

  constructor(
    readonly config: AgentConfig,
    private readonly deps: AgentDeps,
  ) {
    const log = deps.log;
    this.metrics = deps.metrics ?? new AgentMetrics();
    const backoff = { initialMs: 200, maxMs: 30_000 };
    this.queue = new ReconcileQueue(() => this.reconcile(), {
      debounceMs: config.debounceMs,
      maxDelayMs: config.maxDelayMs,
      retry: { initialMs: 200, maxMs: 10_000 },
      onError: (error, attempt) => log.warn("reconcile failed; retrying", { error: errorText(error), attempt }),
    });
    this.informers = new InformerSet(deps.kc, (r: WatchedResource) => this.onEvent(r), {
      watchTimeoutSeconds: config.watchTimeoutSeconds,
      watchdogMs: config.watchdogMs,
      backoff,
      log,
    });
    this.elector = new LeaderElector(deps.kc, {
      namespace: config.leaseNamespace,
      name: config.leaseName,
      identity: config.identity,
      leaseDurationSeconds: config.leaseDurationSeconds,
      renewDeadlineMs: config.renewDeadlineMs,
      retryPeriodMs: config.retryPeriodMs,
      log,
      onStartedLeading: (epoch) => {
        this.metrics.leader.set(1);
        this.metrics.epoch.set(epoch);
        this.publisher?.reset();
        this.queue.enqueue();
      },
      onStoppedLeading: () => this.metrics.leader.set(0),
    });
    this.statusWriter = new StatusWriter(deps.kc, { controllerName: config.controllerName, maxAttempts: 10, backoff: { initialMs: 10, maxMs: 100 }, log });
    this.edge = new EdgeStatusPoller({
      urls: config.workerStatusUrls,
      tokenFile: config.workerStatusTokenFile,
      intervalMs: config.edgePollMs,
      timeoutMs: 5_000,
      onChange: () => this.queue.enqueue(),
      log,
    });
    if (deps.kv) {
      const keyFile = config.snapshotKeyFile;
      // Read on use, so a rotated Secret volume takes effect without a restart; never logged.
      this.publisher = new SnapshotPublisher(deps.kv, () => (keyFile ? readFileSync(keyFile, "utf8").trim() : ""));
      this.gc = new BlobCollector(deps.kv, { graceMs: config.gcGraceMs });
    }
  }

  async start(): Promise<void> {
    const log = this.deps.log;
    log.info("agent starting", { identity: this.config.identity, publisher: this.config.publisher, lease: `${this.config.leaseNamespace}/${this.config.leaseName}` });
    if (!this.deps.noServer) {
      const { server, url } = await startOpsServer({
        listen: this.config.listen,
        ready: () => this.informers.hasSynced(),
        registry: this.metrics.registry,
        describe: () => ({ leader: this.elector.isLeader(), epoch: this.elector.epoch, identity: this.config.identity }),
      });
      this.opsUrl = url;
      this.closeServer = () => new Promise((resolve) => server.close(() => resolve()));
    }
    this.informers.start();
    this.elector.start();
    this.edge.start();
    this.every(this.config.resyncMs, () => this.queue.enqueue());
    if (this.gc) this.every(this.config.gcIntervalMs, () => void this.collectGarbage());
  }

  async stop(): Promise<void> {
    for (const t of this.timers.splice(0)) clearInterval(t);
    this.queue.stop();
    this.edge.stop();
    // Let a run in flight finish its publish and status writes while we still hold the Lease, then release it.
    await this.queue.idle();
    await this.elector.stop(true);
    await this.informers.stop();
    await this.closeServer?.();
    this.deps.log.info("agent stopped");
  }

  private onEvent(_resource: WatchedResource): void {
    // Before every kind has listed once, a run would see a partial world (e.g. routes without their Services) and
    // write misleading status: wait for the caches, as controller-runtime's WaitForCacheSync does.
    if (this.informers.hasSynced()) this.queue.enqueue();
  }

  private async reconcile(): Promise<void> {
    if (!this.informers.hasSynced()) return;
    for (const r of this.informers.reflectors) {
      for (const [event, n] of Object.entries(r.stats)) this.metrics.watchEvents.set({ kind: r.resource.kind, event }, n);
    }
    const report = await reconcileOnce({
      objects: () => this.informers.objects(),
      pipeline: this.deps.pipeline,
      translateOptions: {
        controllerName: this.config.controllerName,
        gatewayAddresses: Object.keys(this.config.gatewayAddresses).length ? this.config.gatewayAddresses : undefined,
        originTemplate: this.config.originTemplate,
        clusterName: this.config.clusterName,
      },
      leadership: this.elector,
      publisher: this.publisher,
      statusWriter: this.statusWriter,
      edge: this.edge,
      metrics: this.metrics,
      log: this.deps.log,
      onPublished: this.deps.onPublished,
    });
    this.deps.onReconciled?.(report);
  }

  private async collectGarbage(): Promise<void> {
    if (!this.gc || !this.elector.isLeader()) return;
    try {
      const result = await this.gc.collect();
      this.metrics.gcDeleted.inc(result.deleted.length);
      if (result.deleted.length) this.deps.log.info("garbage-collected blobs", { deleted: result.deleted.length, waiting: result.waiting });
    } catch (error) {
      this.deps.log.warn("blob garbage collection failed", { error: errorText(error) });
    }
  }

  private every(ms: number, fn: () => void): void {
    if (ms <= 0) return;
    const t = setInterval(fn, ms);
    t.unref?.();
    this.timers.push(t);
  }
}
