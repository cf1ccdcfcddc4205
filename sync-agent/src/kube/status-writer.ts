/**
 * Status write-back through the status subresource: read-modify-write with the object's resourceVersion, so a
 * concurrent writer (another controller sharing an HTTPRoute, a user's kubectl edit) makes our PUT fail with 409
 * instead of being overwritten. On 409 we re-read and merge again. The first attempt uses the informer's copy when
 * given one (most writes then cost one request); every retry reads fresh. A conflict is resolved by reading again,
 * not by waiting, so retries are quick (like client-go's retry.RetryOnConflict, from 10 ms); a run that still fails
 * is retried as a whole by the reconcile queue with its longer backoff.
 */
import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import type { KubeObject, ObjectStatus } from "../translate/api.ts";
import { backoffDelay, sleep, type BackoffOptions } from "../agent/backoff.ts";
import { errorText, silentLogger, type Logger } from "../agent/log.ts";
import { GATEWAY_GROUP } from "./resources.ts";
import { mergeStatus } from "./status-merge.ts";

export type WriteOutcome = "written" | "unchanged" | "stale" | "gone";

export interface StatusWriterOptions {
  controllerName: string;
  maxAttempts: number;
  backoff: BackoffOptions;
  log?: Logger;
}

const PLURALS: Record<string, string> = { GatewayClass: "gatewayclasses", Gateway: "gateways", HTTPRoute: "httproutes" };

export class StatusWriter {
  private readonly api: CustomObjectsApi;
  private readonly log: Logger;
  readonly counts: Record<WriteOutcome | "conflict", number> = { written: 0, unchanged: 0, stale: 0, gone: 0, conflict: 0 };

  constructor(
    kc: KubeConfig,
    private readonly options: StatusWriterOptions,
  ) {
    this.api = kc.makeApiClient(CustomObjectsApi);
    this.log = options.log ?? silentLogger;
  }

  async write(desired: ObjectStatus, cached?: KubeObject): Promise<WriteOutcome> {
    const plural = PLURALS[desired.kind];
    if (!plural) throw new Error(`no status subresource for kind ${desired.kind}`);
    const ref = { group: GATEWAY_GROUP, version: desired.apiVersion.split("/")[1] ?? "v1", plural, name: desired.name };
    let current: KubeObject | undefined = cached;
    for (let attempt = 1; ; attempt++) {
      try {
        current ??= await this.read(ref, desired.namespace);
        if (!current) return this.count("gone");
        // Computed from an older spec than the server now holds: writing it would regress observedGeneration. The
        // watch event for the newer generation has already queued the run that computes the right status.
        if ((current.metadata.generation ?? 0) > desired.generation) return this.count("stale");
        const status = mergeStatus(desired.kind, current.status, desired, { controllerName: this.options.controllerName });
        if (status === null) return this.count("unchanged");
        const body = { apiVersion: current.apiVersion, kind: current.kind, metadata: current.metadata, status };
        if (desired.namespace) await this.api.replaceNamespacedCustomObjectStatus({ ...ref, namespace: desired.namespace, body });
        else await this.api.replaceClusterCustomObjectStatus({ ...ref, body });
        this.log.info("status written", { kind: desired.kind, namespace: desired.namespace, name: desired.name, generation: desired.generation });
        return this.count("written");
      } catch (error) {
        const code = (error as { code?: number }).code;
        if (code === 404) return this.count("gone");
        const retriable = code === 409 || code === 429 || (code !== undefined && code >= 500) || code === undefined;
        if (code === 409) this.counts.conflict++;
        if (!retriable || attempt >= this.options.maxAttempts) throw error;
        this.log.debug("status write retry", { kind: desired.kind, name: desired.name, attempt, error: errorText(error) });
        current = undefined;
        await sleep(backoffDelay(attempt, this.options.backoff));
      }
    }
  }

  private async read(ref: { group: string; version: string; plural: string; name: string }, namespace?: string): Promise<KubeObject | undefined> {
    const obj = namespace
      ? await this.api.getNamespacedCustomObjectStatus({ ...ref, namespace })
      : await this.api.getClusterCustomObjectStatus(ref);
    return obj as KubeObject;
  }

  private count(outcome: WriteOutcome): WriteOutcome {
    this.counts[outcome]++;
    return outcome;
  }
}
