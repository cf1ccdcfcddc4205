/**
 * A list+watch informer for one resource, built on the client's `Watch` transport and generated list APIs.
 *
 * Why not `makeInformer`/`ListWatch` from @kubernetes/client-node 1.4.0: it stops for good after any non-410 error
 * (the caller must restart it, racing its own abort callback), re-watches in a tight loop when the server closes the
 * stream, cannot send `timeoutSeconds` or `allowWatchBookmarks`, and has no way to notice a silent, half-open watch
 * (its 30 s abort timeout is overwritten before use). The loop below keeps the same list-then-watch protocol
 * (client-go's Reflector) and adds what the controller needs:
 *
 *   - list, remember the list's resourceVersion, watch from it; every event advances it (bookmarks included);
 *   - 410 Gone (HTTP status or an in-stream ERROR Status with code 410 "Expired") -> forget the RV and relist;
 *   - server-side `timeoutSeconds` (jittered) so watches rotate like client-go's;
 *   - a watchdog: no event and no bookmark for `watchdogMs` -> abort the watch and start another;
 *   - list/watch errors -> exponential backoff with jitter; a success resets it;
 *   - one bad object (no name, a throwing transform) is skipped and counted, never stops the loop.
 */
import { Watch, type KubeConfig } from "@kubernetes/client-node";
import type { KubeObject } from "../translate/api.ts";
import { backoffDelay, sleep, type BackoffOptions } from "../agent/backoff.ts";
import { errorText, silentLogger, type Logger } from "../agent/log.ts";
import type { ListFunction, WatchedResource } from "./resources.ts";

export interface ReflectorOptions {
  watchTimeoutSeconds: number;
  watchdogMs: number;
  backoff: BackoffOptions;
  /** Applied to every object before it is cached (e.g. dropping Secret data). */
  transform?: (obj: KubeObject) => KubeObject;
  log?: Logger;
}

export type ReflectorEvent = "relist" | "added" | "modified" | "deleted" | "gone" | "watchdog" | "error" | "bad-object";

export class Reflector {
  private readonly objects = new Map<string, KubeObject>();
  private resourceVersion = "";
  private stopped = true;
  private synced = false;
  private abortCurrent: (() => void) | undefined;
  private readonly stopSignal = new AbortController();
  private failures = 0;
  private loop: Promise<void> | undefined;
  /** Set by accept() when the cache changed (which callback to fire). */
  private lastChange: "added" | "modified" | undefined;
  private readonly log: Logger;
  /** Counts by event, for tests and metrics. */
  readonly stats: Record<ReflectorEvent, number> = { relist: 0, added: 0, modified: 0, deleted: 0, gone: 0, watchdog: 0, error: 0, "bad-object": 0 };

  constructor(
    private readonly kc: KubeConfig,
    readonly resource: WatchedResource,
    private readonly listFn: ListFunction,
    private readonly onChange: (resource: WatchedResource) => void,
    private readonly options: ReflectorOptions,
  ) {
    this.log = (options.log ?? silentLogger).child({ kind: resource.kind });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopSignal.abort();
    this.abortCurrent?.();
    await this.loop;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  list(): KubeObject[] {
    return [...this.objects.values()];
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.relist();
        const outcome = await this.watchOnce();
        if (outcome === "events") this.failures = 0;
        else await sleep(backoffDelay(++this.failures, this.options.backoff), this.stopSignal.signal);
      } catch (error) {
        if (this.stopped) break;
        this.failures++;
        this.stats.error++;
        const delay = backoffDelay(this.failures, this.options.backoff);
        const hint = statusCode(error) === 404 ? `the API server does not serve ${this.resource.path} (are the CRDs installed?)` : undefined;
        const forbidden = statusCode(error) === 403 ? `RBAC forbids list/watch of ${this.resource.path} (see deploy/rbac.yaml)` : undefined;
        this.log.warn("list/watch failed; backing off", { error: errorText(error), hint: hint ?? forbidden, attempt: this.failures, delayMs: delay });
        await sleep(delay, this.stopSignal.signal);
      }
    }
  }

  private async relist(): Promise<void> {
    const list = await this.listFn();
    this.stats.relist++;
    const seen = new Set<string>();
    let changed = false;
    for (const item of list.items) {
      this.lastChange = undefined;
      const key = this.accept(item);
      if (key) seen.add(key);
      if (this.lastChange) changed = true;
    }
    for (const key of [...this.objects.keys()]) {
      if (!seen.has(key)) {
        this.objects.delete(key);
        changed = true;
      }
    }
    this.resourceVersion = list.resourceVersion;
    const first = !this.synced;
    this.synced = true;
    this.log.info("listed", { count: this.objects.size, resourceVersion: this.resourceVersion });
    if (changed || first) this.onChange(this.resource);
  }

  /** Caches one object; returns its key, or undefined for a bad object. Sets `lastChange` when the cache changed. */
  private accept(raw: KubeObject): string | undefined {
    try {
      const obj = this.options.transform ? this.options.transform(raw) : raw;
      const name = obj?.metadata?.name;
      if (typeof name !== "string" || !name) throw new Error("object without metadata.name");
      const key = `${obj.metadata.namespace ?? ""}/${name}`;
      const old = this.objects.get(key);
      if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return key;
      this.objects.set(key, obj);
      this.lastChange = old ? "modified" : "added";
      this.stats[this.lastChange]++;
      return key;
    } catch (error) {
      this.stats["bad-object"]++;
      this.log.warn("skipping bad object", { error: errorText(error) });
      return undefined;
    }
  }

  /**
   * One watch request. Resolves "events" or "empty" (the stream ended without delivering anything, which is backed
   * off so a server that closes at once is not hammered); rejects on transport or HTTP errors other than 410.
   */
  private watchOnce(): Promise<"events" | "empty"> {
    return new Promise((resolve, reject) => {
      let delivered = 0;
      let settled = false;
      let watchdog: NodeJS.Timeout | undefined;
      let controller: AbortController | undefined;
      const finish = (error: unknown, outcome: "events" | "empty" = delivered > 0 ? "events" : "empty") => {
        if (settled) return;
        settled = true;
        clearTimeout(watchdog);
        this.abortCurrent = undefined;
        controller?.abort();
        if (error && isGone(error)) {
          this.gone();
          resolve("events");
        } else if (error && !this.stopped) reject(error);
        else resolve(outcome);
      };
      const arm = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => {
          this.stats.watchdog++;
          this.log.warn("watch silent; restarting", { afterMs: this.options.watchdogMs });
          finish(null, "events");
        }, this.options.watchdogMs);
      };
      this.abortCurrent = () => finish(null);
      arm();
      const timeoutSeconds = Math.round(this.options.watchTimeoutSeconds * (1 + Math.random()));
      const params = { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds };
      const onEvent = (type: string, obj: KubeObject & { code?: number }) => {
        if (settled) return;
        delivered++;
        arm();
        this.handleEvent(type, obj);
        if (type === "ERROR") finish(obj.code === 410 ? null : new Error(`watch ERROR event: ${errorText({ code: obj.code, body: obj })}`));
      };
      new Watch(this.kc)
        .watch(this.resource.path, params, onEvent, (err: unknown) => finish(err ?? null))
        .then((c) => {
          controller = c;
          if (settled) c.abort();
        }, (err: unknown) => finish(err));
    });
  }

  private handleEvent(type: string, obj: KubeObject & { code?: number }): void {
    switch (type) {
      case "ADDED":
      case "MODIFIED": {
        this.lastChange = undefined;
        this.accept(obj);
        if (this.lastChange) this.onChange(this.resource);
        break;
      }
      case "DELETED": {
        const key = `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name}`;
        if (this.objects.delete(key)) {
          this.stats.deleted++;
          this.onChange(this.resource);
        }
        break;
      }
      case "BOOKMARK":
        break;
      case "ERROR":
        // A Status object: 410 Expired means our RV was compacted away; anything else ends the watch (see watchOnce).
        if (obj.code === 410) this.gone();
        return;
      default:
        this.stats["bad-object"]++;
        return;
    }
    const rv = obj.metadata?.resourceVersion;
    if (typeof rv === "string" && rv) this.resourceVersion = rv;
  }

  private gone(): void {
    this.stats.gone++;
    this.log.info("resourceVersion expired; relisting", { resourceVersion: this.resourceVersion });
    this.resourceVersion = "";
  }
}

function statusCode(error: unknown): number | undefined {
  const e = error as { statusCode?: unknown; code?: unknown } | undefined;
  const code = e?.statusCode ?? e?.code;
  return typeof code === "number" ? code : undefined;
}

function isGone(error: unknown): boolean {
  return statusCode(error) === 410;
}
