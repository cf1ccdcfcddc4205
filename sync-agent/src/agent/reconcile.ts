/**
 * One reconcile, level-triggered over the informer caches:
 *
 *   caches -> translate() -> compileSnapshots() -> [leader] publish changed snapshots -> [leader] write status
 *
 * Standbys stop after compiling (warm caches, and a compile error shows up in their logs and metrics too), and never
 * publish or write status. User errors are data (conditions from the translator) and never fail the run. System
 * errors fail it, so the queue retries with backoff: a compile error publishes nothing (the last good pointer stays
 * live); a failed publish of one Gateway still lets the others publish and every status be written (the Gateway
 * whose publish failed simply stays Programmed=False/Pending).
 */
import type { CompiledSnapshot, KubeObject, ObjectStatus, TranslateOptions, TranslateResult } from "../translate/api.ts";
import type { EdgeStatusPoller } from "../kube/edge-status.ts";
import { applyEdgeAcknowledgement } from "../kube/programmed.ts";
import type { StatusWriter } from "../kube/status-writer.ts";
import type { AgentMetrics } from "../server/metrics.ts";
import { errorText, type Logger } from "./log.ts";
import { DeposedError, type PublishRecord, type SnapshotPublisher } from "./publishing.ts";

export interface Pipeline {
  translate(objects: readonly KubeObject[], options: TranslateOptions): TranslateResult;
  compileSnapshots(ir: unknown): Promise<CompiledSnapshot[]>;
  /** For a pipeline that keeps work between runs (cli/agent.ts createPipeline): how much the last run reused. */
  reuse?(): PipelineReuse;
}

/** Routes the last run translated and compiled, and routes it took from earlier runs instead. */
export interface PipelineReuse {
  translated: number;
  translationsReused: number;
  compiled: number;
  compilesReused: number;
}

export interface Leadership {
  isLeader(): boolean;
  epoch: number;
}

export interface ReconcilerDeps {
  objects: () => KubeObject[];
  pipeline: Pipeline;
  translateOptions: TranslateOptions;
  leadership: Leadership;
  publisher?: SnapshotPublisher;
  statusWriter: StatusWriter;
  edge: EdgeStatusPoller;
  metrics: AgentMetrics;
  log: Logger;
  /** Observers (tests, convergence measurements). */
  onPublished?: (record: PublishRecord) => void;
}

export interface ReconcileReport {
  gateways: number;
  published: number;
  statuses: number;
  publishErrors: number;
  statusErrors: number;
}

export async function reconcileOnce(deps: ReconcilerDeps): Promise<ReconcileReport> {
  const { metrics, log } = deps;
  const stopTimer = metrics.reconcileDuration.startTimer();
  metrics.reconciles.inc();
  try {
    const objects = deps.objects();
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const result = deps.pipeline.translate(objects, { ...deps.translateOptions, now });
    for (const w of result.warnings) log.warn("translate warning", { warning: w });
    const compiled = await deps.pipeline.compileSnapshots(result.ir);
    for (const c of compiled) metrics.snapshotBytes.set({ gateway: c.gateway }, c.bytes.byteLength);
    const reuse = deps.pipeline.reuse?.();
    if (reuse) {
      metrics.routeTranslations.inc({ outcome: "translated" }, reuse.translated);
      metrics.routeTranslations.inc({ outcome: "reused" }, reuse.translationsReused);
      metrics.routeCompiles.inc({ outcome: "compiled" }, reuse.compiled);
      metrics.routeCompiles.inc({ outcome: "reused" }, reuse.compilesReused);
    }
    const report: ReconcileReport = { gateways: compiled.length, published: 0, statuses: 0, publishErrors: 0, statusErrors: 0 };
    if (!deps.leadership.isLeader()) return report;

    const publishFailure = await publishAll(deps, compiled, report);
    await writeStatuses(deps, result.statuses, objects, report);
    if (publishFailure) throw publishFailure;
    // Retried with backoff by the queue; a status that can never be written retries at the capped interval.
    if (report.statusErrors > 0) throw new Error(`${report.statusErrors} status write(s) failed`);
    return report;
  } catch (error) {
    metrics.reconcileErrors.inc();
    throw error;
  } finally {
    stopTimer();
  }
}

async function publishAll(deps: ReconcilerDeps, compiled: CompiledSnapshot[], report: ReconcileReport): Promise<unknown> {
  const { publisher, metrics, log, leadership } = deps;
  if (!publisher) return undefined;
  let failure: unknown;
  for (const c of compiled) {
    if (!publisher.needsPublish(c)) continue;
    const stopTimer = metrics.publishDuration.startTimer();
    try {
      const record = await publisher.publish(c, leadership.epoch, () => leadership.isLeader());
      if (!record) continue;
      stopTimer();
      report.published++;
      metrics.publishes.inc({ gateway: c.gateway });
      log.info("snapshot published", {
        gateway: c.gateway,
        generation: c.gatewayGeneration,
        epoch: record.pointer.epoch,
        counter: record.pointer.counter,
        hash: c.sha256,
        bytes: c.bytes.byteLength,
        ms: Math.round(record.ms),
      });
      deps.onPublished?.(record);
    } catch (error) {
      report.publishErrors++;
      metrics.publishFailures.inc({ gateway: c.gateway });
      log.error("publish failed; previous pointer stays live", { gateway: c.gateway, error: errorText(error) });
      failure ??= error;
      if (error instanceof DeposedError) break;
    }
  }
  return failure;
}

async function writeStatuses(deps: ReconcilerDeps, statuses: ObjectStatus[], objects: KubeObject[], report: ReconcileReport): Promise<void> {
  const { statusWriter, edge, metrics, log, leadership } = deps;
  const cached = new Map(objects.map((o) => [`${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`, o]));
  const writeOne = async (desired: ObjectStatus) => {
    if (!leadership.isLeader()) return; // Deposed mid-run: the new leader writes from here on.
    const gateway = `${desired.namespace}/${desired.name}`;
    const status =
      desired.kind === "Gateway" ? applyEdgeAcknowledgement(desired, { configured: edge.configured(), served: edge.servedVersion(gateway) }) : desired;
    if (desired.kind === "Gateway") {
      const served = edge.servedVersion(gateway);
      metrics.servedLag.set({ gateway }, served ? Math.max(0, desired.generation - served.gatewayGeneration) : -1);
    }
    try {
      const outcome = await statusWriter.write(status, cached.get(`${desired.kind}/${desired.namespace ?? ""}/${desired.name}`));
      metrics.statusWrites.inc({ kind: desired.kind, outcome });
      if (outcome === "written") report.statuses++;
    } catch (error) {
      // One object's status failing (RBAC, validation, an exhausted 409 storm) must not stop the others.
      report.statusErrors++;
      metrics.statusWrites.inc({ kind: desired.kind, outcome: "error" });
      log.warn("status write failed", { kind: desired.kind, namespace: desired.namespace, name: desired.name, error: errorText(error) });
    }
  };
  // A few writes in flight: with 1,000 routes one at a time would cost 1,000 round trips in a row; more than a few
  // would only queue behind the apiserver's per-client rate limits.
  let next = 0;
  const worker = async () => {
    while (next < statuses.length) await writeOne(statuses[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(STATUS_CONCURRENCY, statuses.length) }, worker));
}

const STATUS_CONCURRENCY = 8;
