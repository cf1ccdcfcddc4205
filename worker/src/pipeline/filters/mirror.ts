/**
 * RequestMirror (spec §4, GEP-3171): a copy of the request, as earlier filters shaped it, goes to the mirror's
 * backend; each mirror is sampled independently; the response is ignored. Mirrors run in `ctx.waitUntil` with their
 * own deadline, so a dead or slow mirror never delays or fails the primary.
 */
import type { Mirror } from "../../../../schema/snapshot.ts";
import { upstreamRequest, type UpstreamDraft } from "../forward.ts";

export function sampled(mirror: Mirror, random: () => number = Math.random): boolean {
  return random() * mirror.denominator < mirror.numerator;
}

/** A frozen copy of the draft: later filters must not change what this mirror sends. */
export function captureDraft(draft: UpstreamDraft): UpstreamDraft {
  return { ...draft, headers: new Headers(draft.headers) };
}

export async function sendMirror(mirror: Mirror, draft: UpstreamDraft, body: Uint8Array<ArrayBuffer> | null, timeoutMs: number): Promise<void> {
  const controller = new AbortController();
  // No abort reason: workerd logs a subrequest body upload that fails with a reason of the worker's own as an uncaught
  // exception, and treats a reason-free abort as a disconnect (see timeouts.ts).
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(upstreamRequest(draft, mirror.backend, body, controller.signal));
    await response.body?.cancel();
  } catch {
    // Ignored by design: the mirror's fate never reaches the client.
  } finally {
    clearTimeout(timer);
  }
}
