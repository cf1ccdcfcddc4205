/** Driving the worker inside workerd, and reading what the Node-side origins saw. */
import { env, exports } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { inject } from "vitest";
import worker from "../../src/index.ts";

export const origins = (): Record<string, string> => inject("origins");
export const origin = (name: string): string => {
  const url = inject("origins")[name];
  if (!url) throw new Error(`no origin ${name}`);
  return url;
};

export interface CallOptions {
  gateway: string;
  vars?: Record<string, string>;
  /** Wait for ctx.waitUntil work (mirrors, background refresh) before returning. */
  settle?: boolean;
}

/**
 * Calls the worker's fetch handler with this test's Gateway (the per-isolate caches are keyed by Gateway, so tests
 * stay independent). `exports.default.fetch` is used where the configured bindings suffice (see index tests).
 */
export async function call(input: string | Request, init: RequestInit | undefined, options: CallOptions): Promise<Response> {
  const request = typeof input === "string" ? new Request(input, init) : input;
  const ctx = createExecutionContext();
  const testEnv = { ...env, EDGEWAY_GATEWAY: options.gateway, EDGEWAY_REFRESH_INTERVAL_MS: "60000", ...options.vars };
  const response = await worker.fetch(request, testEnv, ctx);
  if (options.settle) await waitOnExecutionContext(ctx);
  return response;
}

export { exports };

export interface Recorded {
  method: string;
  path: string;
  host: string;
  headers: Record<string, string[]>;
  bodyBytes: number;
  bodyComplete: boolean;
}

/** Requests an origin received whose path contains `marker`. */
export async function seenBy(name: string, marker: string): Promise<Recorded[]> {
  const response = await fetch(`${inject("control")}/requests?origin=${name}`);
  const all = (await response.json()) as Recorded[];
  return all.filter((r) => r.path.includes(marker));
}

/** Connections the hung origin currently holds open, and has accepted in total. */
export async function blackholeConnections(): Promise<{ open: number; accepted: number }> {
  return (await (await fetch(`${inject("control")}/blackhole`)).json()) as { open: number; accepted: number };
}

export function uid(): string {
  return crypto.randomUUID().slice(0, 8);
}

export interface Echo {
  path: string;
  host: string;
  method: string;
  headers: Record<string, string[]>;
  pod: string;
}

/** Polls `probe` every 50 ms until it returns something other than null; throws after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | null>, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > until) throw new Error(`nothing after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
