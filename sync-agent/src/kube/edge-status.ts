/**
 * Edge acknowledgement: polls the worker's `GET /__edgeway/status` (Bearer token read from a file) and remembers,
 * per Gateway, which pointer version the edge serves. The status writer turns "the edge serves a snapshot compiled
 * from generation >= the Gateway's generation" into Programmed=True (DESIGN.md §2 "Acknowledgement").
 *
 * Response shape (worker/src/status.ts): { now, gateways: [{ gateway: "ns/name", served: { epoch, counter, hash,
 * gatewayGeneration, ... } | null, lastError, ... }] }. Unknown fields are ignored; a malformed entry is skipped.
 * Several URLs may be polled (one worker deployment per Gateway); the highest served version per Gateway wins.
 */
import { readFile } from "node:fs/promises";
import { compareVersions } from "../../../schema/pointer.ts";
import { errorText, silentLogger, type Logger } from "../agent/log.ts";

export interface ServedVersion {
  epoch: number;
  counter: number;
  hash: string;
  gatewayGeneration: number;
}

export interface EdgeStatusOptions {
  urls: string[];
  tokenFile?: string;
  intervalMs: number;
  timeoutMs: number;
  /** Called when any served version changed (the agent enqueues a reconcile to update Programmed). */
  onChange?: () => void;
  log?: Logger;
}

export class EdgeStatusPoller {
  private served = new Map<string, ServedVersion>();
  private timer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  lastError: string | undefined;
  polls = 0;

  constructor(private readonly options: EdgeStatusOptions) {
    this.log = options.log ?? silentLogger;
  }

  configured(): boolean {
    return this.options.urls.length > 0;
  }

  servedVersion(gateway: string): ServedVersion | undefined {
    return this.served.get(gateway);
  }

  start(): void {
    if (this.timer || !this.configured()) return;
    const tick = async () => {
      await this.poll();
      this.timer = setTimeout(() => void tick(), this.options.intervalMs);
      this.timer.unref?.();
    };
    this.timer = setTimeout(() => void tick(), 0);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One round over every URL. Never throws; a failing URL keeps what it last reported. */
  async poll(): Promise<void> {
    this.polls++;
    const token = this.options.tokenFile ? (await readFile(this.options.tokenFile, "utf8").catch(() => "")).trim() : "";
    const next = new Map(this.served);
    let errors = 0;
    for (const url of this.options.urls) {
      try {
        const res = await fetch(url, {
          headers: token ? { authorization: `Bearer ${token}` } : {},
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        for (const [gateway, version] of parseStatus(await res.json())) {
          const known = next.get(gateway);
          if (!known || compareVersions(version, known) > 0 || version.gatewayGeneration !== known.gatewayGeneration) next.set(gateway, version);
        }
      } catch (error) {
        errors++;
        this.lastError = `${new URL(url).host}: ${errorText(error)}`;
        this.log.warn("edge status poll failed", { url: new URL(url).origin + new URL(url).pathname, error: errorText(error) });
      }
    }
    if (errors === 0) this.lastError = undefined;
    const changed = !sameVersions(this.served, next);
    this.served = next;
    if (changed) this.options.onChange?.();
  }
}

export function parseStatus(body: unknown): [string, ServedVersion][] {
  const gateways = (body as { gateways?: unknown })?.gateways;
  if (!Array.isArray(gateways)) return [];
  const out: [string, ServedVersion][] = [];
  for (const g of gateways) {
    const gateway = (g as { gateway?: unknown })?.gateway;
    const s = (g as { served?: Record<string, unknown> | null })?.served;
    if (typeof gateway !== "string" || !s) continue;
    const { epoch, counter, hash, gatewayGeneration } = s;
    if ([epoch, counter, gatewayGeneration].every((n) => Number.isInteger(n)) && typeof hash === "string") {
      out.push([gateway, { epoch: epoch as number, counter: counter as number, hash, gatewayGeneration: gatewayGeneration as number }]);
    }
  }
  return out;
}

function sameVersions(a: Map<string, ServedVersion>, b: Map<string, ServedVersion>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w || w.hash !== v.hash || w.epoch !== v.epoch || w.counter !== v.counter || w.gatewayGeneration !== v.gatewayGeneration) return false;
  }
  return true;
}
