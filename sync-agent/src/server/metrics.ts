/**
 * Prometheus metrics (prom-client), on a registry of their own so that several agents in one process (tests) do not
 * collide. Names follow Prometheus conventions: a unit suffix, `_total` for counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export class AgentMetrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({ name: "edgeway_reconciles_total", help: "Reconcile runs.", registers: [this.registry] });
  readonly reconcileErrors = new Counter({ name: "edgeway_reconcile_errors_total", help: "Reconcile runs that failed.", registers: [this.registry] });
  readonly reconcileDuration = new Histogram({
    name: "edgeway_reconcile_duration_seconds",
    help: "Time of one reconcile: translate, compile, publish, status.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly publishDuration = new Histogram({
    name: "edgeway_publish_duration_seconds",
    help: "Time to publish one Gateway's snapshot (blob and pointer).",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly publishFailures = new Counter({ name: "edgeway_publish_failures_total", help: "Snapshot publishes that failed (the previous pointer stays live).", labelNames: ["gateway"], registers: [this.registry] });
  readonly publishes = new Counter({ name: "edgeway_publishes_total", help: "Pointers written.", labelNames: ["gateway"], registers: [this.registry] });
  readonly routeTranslations = new Counter({
    name: "edgeway_route_translations_total",
    help: "HTTPRoutes translated by reconciles (translated), or whose translation was kept from an earlier reconcile because nothing it reads changed (reused).",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly routeCompiles = new Counter({
    name: "edgeway_route_compiles_total",
    help: "Routes compiled into snapshots by reconciles (compiled), or whose compiled form was kept from an earlier reconcile (reused).",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly snapshotBytes = new Gauge({ name: "edgeway_snapshot_bytes", help: "Size of the last compiled snapshot per Gateway.", labelNames: ["gateway"], registers: [this.registry] });
  readonly servedLag = new Gauge({
    name: "edgeway_served_generation_lag",
    help: "Gateway generation minus the generation of the snapshot the edge reports serving (0 = up to date; -1 = edge serves nothing).",
    labelNames: ["gateway"],
    registers: [this.registry],
  });
  readonly leader = new Gauge({ name: "edgeway_leader", help: "1 while this replica holds the Lease.", registers: [this.registry] });
  readonly epoch = new Gauge({ name: "edgeway_leader_epoch", help: "Lease transitions when this replica became leader.", registers: [this.registry] });
  readonly statusWrites = new Counter({ name: "edgeway_status_writes_total", help: "Status subresource writes by outcome.", labelNames: ["kind", "outcome"], registers: [this.registry] });
  readonly watchEvents = new Gauge({ name: "edgeway_informer_events", help: "Informer events since start, by kind and event.", labelNames: ["kind", "event"], registers: [this.registry] });
  readonly gcDeleted = new Counter({ name: "edgeway_gc_deleted_blobs_total", help: "Snapshot blobs garbage-collected.", registers: [this.registry] });

  constructor(defaultMetrics = true) {
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: "edgeway_agent_" });
  }
}
