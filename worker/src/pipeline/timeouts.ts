/**
 * GEP-1742 timeouts. `requestMs` bounds the whole transaction (all attempts and backoffs); `backendRequestMs` bounds
 * each attempt. 0 disables either (spec §6: "0s" SHOULD disable). Both run until the origin's response body has
 * been read to the end (spec §6: `backendRequest` covers "the first byte sent to the full response"): before the
 * headers arrive an expiry is a 504 (or a retry); once the body is streaming to the client it can only be cut, which
 * aborts the fetch and resets the client's stream.
 */

/** The release of an attempt that armed no timer. */
export const NOTHING_ARMED = (): void => {};

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
  /** `release` disarms the attempt's timers: call it once the body is done (or discarded). */
  | { kind: "response"; response: Response; release: () => void }
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
      return { kind: "response", response: await send(undefined), release: NOTHING_ARMED };
    } catch (error) {
      return { kind: "connection-error", message: error instanceof Error ? error.message : String(error) };
    }
  }
  // The attempt's fetch() is aborted without a reason: workerd treats that as a disconnect of a request body it is
  // still sending, where any reason would be logged as an uncaught exception (body.ts). Which timer fired is read
  // from `deadline.expired` and `perTryFired`, never from the reason.
  const controller = new AbortController();
  let perTryFired = false;
  const onDeadline = () => controller.abort();
  deadlineSignal?.addEventListener("abort", onDeadline);
  const timer =
    backendRequestMs > 0
      ? setTimeout(() => {
          perTryFired = true;
          controller.abort();
        }, backendRequestMs)
      : null;
  const release = () => {
    if (timer !== null) clearTimeout(timer);
    deadlineSignal?.removeEventListener("abort", onDeadline);
  };
  try {
    return { kind: "response", response: await send(controller.signal), release };
  } catch (error) {
    release();
    if (deadline.expired) return { kind: "request-timeout" };
    if (perTryFired) return { kind: "backend-timeout" };
    return { kind: "connection-error", message: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Keeps timers armed while the origin's body streams: the body piped through a stream that calls `release` once it
 * has been read to the end (an expiry before that aborts the fetch and errors this stream). Null when the response
 * has no body to stream (a 101 upgrade has none): the caller releases at once.
 */
export function releaseAfterBody(response: Response, release: () => void): ReadableStream | null {
  return response.body?.pipeThrough(new TransformStream({ flush: release })) ?? null;
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
