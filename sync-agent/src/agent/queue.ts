/**
 * The reconcile trigger. Every watch event calls `enqueue()`; the queue turns any burst of events into one run:
 *
 *   - debounced: a run starts `debounceMs` after the last event, but never later than `maxDelayMs` after the first
 *     one (so a steady drip of events cannot starve reconciliation);
 *   - single flight: never two runs at once;
 *   - coalesced: events that arrive during a run cause exactly one more run after it, however many there were.
 *
 * The reconcile function reconciles the whole world from the caches (level-triggered, like controller-runtime), so
 * losing the identity of individual events is safe. A throwing run is reported and retried with backoff.
 */
import { backoffDelay, type BackoffOptions } from "./backoff.ts";

export interface ReconcileQueueOptions {
  debounceMs: number;
  maxDelayMs: number;
  retry: BackoffOptions;
  onError?: (error: unknown, attempt: number) => void;
}

export class ReconcileQueue {
  private pendingSince: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private dirty = false;
  private failures = 0;
  private stopped = false;
  runs = 0;

  constructor(
    private readonly reconcile: () => Promise<void>,
    private readonly options: ReconcileQueueOptions,
  ) {}

  /** Notes that something changed; a run follows. */
  enqueue(): void {
    if (this.stopped) return;
    if (this.running) {
      this.dirty = true;
      return;
    }
    const now = Date.now();
    this.pendingSince ??= now;
    const latest = this.pendingSince + this.options.maxDelayMs;
    this.schedule(Math.max(0, Math.min(now + this.options.debounceMs, latest) - now));
  }

  /** Resolves once no run is in flight or pending (for tests and graceful shutdown). */
  async idle(): Promise<void> {
    while (this.running || this.timer || this.dirty) await (this.running ?? new Promise((r) => setTimeout(r, 5)));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.dirty = false;
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(), delayMs);
    this.timer.unref?.();
  }

  private fire(): void {
    this.timer = undefined;
    this.pendingSince = undefined;
    this.dirty = false;
    this.running = this.runOnce().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.failures > 0) this.schedule(backoffDelay(this.failures, this.options.retry));
      else if (this.dirty) this.enqueue();
    });
  }

  private async runOnce(): Promise<void> {
    this.runs++;
    try {
      await this.reconcile();
      this.failures = 0;
    } catch (error) {
      this.failures++;
      this.options.onError?.(error, this.failures);
    }
  }
}
