/**
 * GEP-1742 timeouts. `requestMs` bounds the whole transaction (all attempts and backoffs); `backendRequestMs` bounds
 * each attempt. 0 disables either (spec §6: "0s" SHOULD disable). Both cover the wait for the origin's response
 * headers; a body that is already streaming to the client is not cut.
 */

export class RequestDeadline {
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setTimeout> | null;
  private readonly endsAt: number;

  constructor(readonly timeoutMs: number) {
    this.endsAt = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
    this.timer = timeoutMs > 0 ? setTimeout(() => this.controller.abort(new Error("request timeout")), timeoutMs) : null;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get expired(): boolean {
    return this.controller.signal.aborted;
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
  send: (signal: AbortSignal) => Promise<Response>,
  deadline: RequestDeadline,
  backendRequestMs: number,
): Promise<AttemptResult> {
  if (deadline.expired) return { kind: "request-timeout" };
  const controller = new AbortController();
  let perTryFired = false;
  const onDeadline = () => controller.abort(new Error("request timeout"));
  deadline.signal.addEventListener("abort", onDeadline);
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
    deadline.signal.removeEventListener("abort", onDeadline);
  }
}

/** Sleeps `ms` unless the deadline expires first; returns false when it did. */
export function sleepWithin(ms: number, deadline: RequestDeadline): Promise<boolean> {
  if (deadline.expired) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      deadline.signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    deadline.signal.addEventListener("abort", onAbort, { once: true });
  });
}
