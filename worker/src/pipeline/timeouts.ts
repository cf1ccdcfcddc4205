/**
 * GEP-1742 timeouts. `requestMs` bounds the whole transaction (all attempts and backoffs); `backendRequestMs` bounds
 * each attempt. 0 disables either (spec §6: "0s" SHOULD disable). Both cover the wait for the origin's response
 * headers; a body that is already streaming to the client is not cut.
 */

export class RequestDeadline {
  /** Only a deadline that can expire has a controller and a timer (most rules configure none). */
  private readonly controller: AbortController | null;
  private readonly timer: ReturnType<typeof setTimeout> | null;
  private readonly endsAt: number;

  constructor(readonly timeoutMs: number) {
    const controller = timeoutMs > 0 ? new AbortController() : null;
    this.controller = controller;
    this.endsAt = controller ? Date.now() + timeoutMs : Infinity;
    this.timer = controller ? setTimeout(() => controller.abort(new Error("request timeout")), timeoutMs) : null;
  }

  /** Aborts when the request timeout expires; null when there is none. */
  get signal(): AbortSignal | null {
    return this.controller?.signal ?? null;
  }

  get expired(): boolean {
    return this.controller?.signal.aborted ?? false;
  }

  remainingMs(): number {
    return Math.max(0, this.endsAt - Date.now());
  }

  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
  }
}

export type AttemptResult =
  | { kind: "response"; response: Response }
  | { kind: "request-timeout" }
  | { kind: "backend-timeout" }
  | { kind: "connection-error"; message: string };

/** One upstream attempt under both deadlines. Never throws. */
export async function attemptWithTimeout(
  send: (signal: AbortSignal | undefined) => Promise<Response>,
  deadline: RequestDeadline,
  backendRequestMs: number,
): Promise<AttemptResult> {
  if (deadline.expired) return { kind: "request-timeout" };
  const deadlineSignal = deadline.signal;
  if (deadlineSignal === null && backendRequestMs <= 0) {
    // No timeout configured: no AbortController, listener or timer for this attempt.
    try {
      return { kind: "response", response: await send(undefined) };
    } catch (error) {
      return { kind: "connection-error", message: error instanceof Error ? error.message : String(error) };
    }
  }
  const controller = new AbortController();
  let perTryFired = false;
  const onDeadline = () => controller.abort(new Error("request timeout"));
  deadlineSignal?.addEventListener("abort", onDeadline);
  const timer =
    backendRequestMs > 0
      ? setTimeout(() => {
          perTryFired = true;
          controller.abort(new Error("backend request timeout"));
        }, backendRequestMs)
      : null;
  try {
    return { kind: "response", response: await send(controller.signal) };
  } catch (error) {
    if (deadline.expired) return { kind: "request-timeout" };
    if (perTryFired) return { kind: "backend-timeout" };
    return { kind: "connection-error", message: error instanceof Error ? error.message : String(error) };
  } finally {
    if (timer !== null) clearTimeout(timer);
    deadlineSignal?.removeEventListener("abort", onDeadline);
  }
}

/** Sleeps `ms` unless the deadline expires first; returns false when it did. */
export function sleepWithin(ms: number, deadline: RequestDeadline): Promise<boolean> {
  if (deadline.expired) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  const signal = deadline.signal;
  if (signal === null) return new Promise((resolve) => setTimeout(() => resolve(true), ms));
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
