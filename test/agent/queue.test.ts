/** The reconcile queue: debounced, single flight, coalesced, retried with backoff. */
import { describe, expect, it } from "vitest";
import { ReconcileQueue } from "../../sync-agent/src/agent/queue.ts";

const retry = { initialMs: 10, maxMs: 20 };

describe("ReconcileQueue", () => {
  it("turns a burst of events into one run", async () => {
    let runs = 0;
    const q = new ReconcileQueue(async () => void runs++, { debounceMs: 20, maxDelayMs: 500, retry });
    for (let i = 0; i < 100; i++) q.enqueue();
    await new Promise((r) => setTimeout(r, 60));
    await q.idle();
    expect(runs).toBe(1);
  });

  it("never runs twice at once, and events during a run cause exactly one more run", async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    let release!: () => void;
    const q = new ReconcileQueue(
      async () => {
        runs++;
        active++;
        maxActive = Math.max(maxActive, active);
        if (runs === 1) await new Promise<void>((r) => (release = r));
        active--;
      },
      { debounceMs: 1, maxDelayMs: 10, retry },
    );
    q.enqueue();
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 50; i++) q.enqueue(); // during run 1
    release();
    await new Promise((r) => setTimeout(r, 30));
    await q.idle();
    expect(runs).toBe(2);
    expect(maxActive).toBe(1);
  });

  it("does not let a steady drip of events postpone a run past maxDelay", async () => {
    let firstRunAt = 0;
    const t0 = performance.now();
    const q = new ReconcileQueue(async () => void (firstRunAt ||= performance.now()), { debounceMs: 30, maxDelayMs: 100, retry });
    const drip = setInterval(() => q.enqueue(), 10);
    await new Promise((r) => setTimeout(r, 250));
    clearInterval(drip);
    q.stop();
    expect(firstRunAt).toBeGreaterThan(0);
    expect(firstRunAt - t0).toBeLessThan(200);
  });

  it("retries a failing run with backoff until it succeeds", async () => {
    let runs = 0;
    const errors: number[] = [];
    const q = new ReconcileQueue(
      async () => {
        if (++runs < 3) throw new Error("apiserver down");
      },
      { debounceMs: 1, maxDelayMs: 5, retry, onError: (_e, attempt) => errors.push(attempt) },
    );
    q.enqueue();
    await new Promise((r) => setTimeout(r, 150));
    await q.idle();
    expect(runs).toBe(3);
    expect(errors).toEqual([1, 2]);
  });
});
