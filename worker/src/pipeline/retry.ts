/**
 * GEP-1731 retries around the per-attempt timeout (spec §7).
 *
 * - `attempts` counts retries after the first try: attempts 3 => up to 4 backend calls.
 * - A response whose status is in `codes` is retried; a connection error or a per-try timeout is retried when
 *   `retryConnectionErrors` is set.
 * - Only idempotent methods (RFC 9110 §9.2.2) are retried unless `retryNonIdempotent`, and only a replayable
 *   (buffered) body can be sent again.
 * - Backoff between attempts is never below `backoffMs`: backoffMs * 2^(n-1), capped, plus up to 50 % jitter.
 * - `timeouts.request` bounds everything: when it expires the answer is 504 at once.
 * - When attempts run out the last backend response passes through (the conformance tests expect its status);
 *   a per-try timeout gives 504; a connection error gives 502 (RFC 9110 §15.6.3), except when a retry policy
 *   covering connection errors ran out of attempts on them: 503, as HTTPRouteRetryConnectionError expects (it
 *   accepts 500 or 503) and as Envoy answers an upstream connect failure.
 */
import type { Retry } from "../../../schema/snapshot.ts";
import { attemptWithTimeout, sleepWithin, type RequestDeadline } from "./timeouts.ts";

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

export interface RetryPlan {
  retry: Retry | null;
  method: string;
  replayable: boolean;
  backendRequestMs: number;
  maxBackoffFactor: number;
}

export type ForwardOutcome =
  /** `release` disarms the final attempt's timers (attemptWithTimeout); the caller calls it when the body is done. */
  | { kind: "response"; response: Response; attempts: number; release: () => void }
  | { kind: "error"; status: 502 | 503 | 504; reason: string; attempts: number };

export function maxAttempts(plan: RetryPlan): number {
  return plan.replayable && mayRetry(plan.retry, plan.method) ? 1 + plan.retry!.attempts : 1;
}

/** Whether the policy can send a request with this method more than once (the body permitting). */
export function mayRetry(retry: Retry | null, method: string): boolean {
  if (!retry || retry.attempts <= 0) return false;
  return IDEMPOTENT.has(method) || retry.retryNonIdempotent;
}

export function backoffDelay(backoffMs: number, retryNumber: number, maxFactor: number, random: () => number = Math.random): number {
  if (backoffMs <= 0) return 0;
  const base = Math.min(backoffMs * 2 ** (retryNumber - 1), backoffMs * maxFactor);
  return base + base * 0.5 * random();
}

export async function forwardWithRetries(
  send: (signal: AbortSignal | undefined) => Promise<Response>,
  plan: RetryPlan,
  deadline: RequestDeadline,
): Promise<ForwardOutcome> {
  const limit = maxAttempts(plan);
  let last: ForwardOutcome = { kind: "error", status: 502, reason: "no attempt made", attempts: 0 };
  for (let attempt = 1; attempt <= limit; attempt++) {
    if (attempt > 1) {
      const wait = backoffDelay(plan.retry?.backoffMs ?? 0, attempt - 1, plan.maxBackoffFactor);
      if (!(await sleepWithin(wait, deadline))) return requestTimeout(attempt - 1);
    }
    const result = await attemptWithTimeout(send, deadline, plan.backendRequestMs);
    switch (result.kind) {
      case "request-timeout":
        return requestTimeout(attempt);
      case "response": {
        last = { kind: "response", response: result.response, attempts: attempt, release: result.release };
        const retryable = plan.retry?.codes.includes(result.response.status) ?? false;
        if (!retryable || attempt === limit) return last;
        await result.response.body?.cancel().catch(() => {});
        result.release();
        continue;
      }
      case "backend-timeout":
      case "connection-error": {
        const retried = plan.retry?.retryConnectionErrors === true;
        last =
          result.kind === "backend-timeout"
            ? { kind: "error", status: 504, reason: "backend request timeout", attempts: attempt }
            : { kind: "error", status: retried && limit > 1 ? 503 : 502, reason: `upstream connection error: ${result.message}`, attempts: attempt };
        if (!retried) return last;
        continue;
      }
    }
  }
  return last;
}

function requestTimeout(attempts: number): ForwardOutcome {
  return { kind: "error", status: 504, reason: "request timeout", attempts };
}
