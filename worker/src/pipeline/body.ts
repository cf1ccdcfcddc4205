/**
 * The request body, read once. Buffered only when something may send it again — a retry policy that can retry this
 * method, or a RequestMirror — and only when it fits `retryBufferBytes`; otherwise streamed to the origin exactly
 * once (no retry, no mirror), without waiting for the whole body. A body with a Content-Length (already checked
 * against `maxBodyBytes` by limits.ts) is passed through as the runtime gave it; one without is counted as it
 * streams, and crossing `maxBodyBytes` aborts the upstream request before the body's end and answers 413.
 */

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
  }
}

/**
 * Set once a streamed body crosses the limit. The stream is meant to be sent by one fetch() under `abort.signal`
 * (rule.ts `attemptSignal`): the abort tears the upstream request down before the body's end, so the origin never
 * receives a complete request.
 */
export interface OverLimit {
  exceeded: boolean;
  abort: AbortController;
}

export type PreparedBody =
  | { kind: "none" }
  | { kind: "buffered"; bytes: Uint8Array<ArrayBuffer> }
  /** Sent once, counted against the limit as it streams. */
  | { kind: "streamed"; stream: ReadableStream<Uint8Array>; overLimit: OverLimit }
  /** Sent once as the runtime gave it: its declared Content-Length is within the limit. */
  | { kind: "passthrough"; stream: ReadableStream<Uint8Array> };

export const NO_BODY: PreparedBody = { kind: "none" };

export interface BodyPlan {
  /** A retry or a mirror may send the body again. */
  replay: boolean;
  /** The request's Content-Length, null when it has none. */
  declaredLength: string | null;
  bufferLimit: number;
  maxBodyBytes: number;
}

export async function prepareBody(stream: ReadableStream<Uint8Array>, plan: BodyPlan): Promise<PreparedBody> {
  const { bufferLimit, maxBodyBytes } = plan;
  if (!plan.replay) {
    if (plan.declaredLength !== null) return { kind: "passthrough", stream };
    const overLimit: OverLimit = { exceeded: false, abort: new AbortController() };
    return { kind: "streamed", stream: resumeStream([], stream.getReader(), 0, maxBodyBytes, overLimit), overLimit };
  }
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { kind: "buffered", bytes: concat(chunks, total) };
    total += value.byteLength;
    if (total > maxBodyBytes) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLarge(maxBodyBytes);
    }
    chunks.push(value);
    if (total > bufferLimit) {
      const overLimit: OverLimit = { exceeded: false, abort: new AbortController() };
      return { kind: "streamed", stream: resumeStream(chunks, reader, total, maxBodyBytes, overLimit), overLimit };
    }
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** The chunks already read, then the rest of the client stream, still counted against the limit. */
function resumeStream(
  head: Uint8Array[],
  reader: ReadableStreamDefaultReader<Uint8Array>,
  alreadyRead: number,
  maxBodyBytes: number,
  overLimit: OverLimit,
): ReadableStream<Uint8Array> {
  let total = alreadyRead;
  const queued = [...head];
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = queued.shift();
      if (next) return controller.enqueue(next);
      const { done, value } = await reader.read();
      if (done) return controller.close();
      total += value.byteLength;
      if (total > maxBodyBytes) {
        overLimit.exceeded = true;
        // workerd pumps this stream into the subrequest as a waitUntil task and logs that task's failure as an
        // uncaught exception, unless it is a disconnect. An abort without a reason is one (a reason of ours is
        // not), and erroring this stream would reject the read the runtime has pending, a promise nothing
        // handles (logged as well). So the abort alone cuts the upload, and that read is left unanswered.
        overLimit.abort.abort();
        await reader.cancel().catch(() => {});
        return new Promise<void>(() => {});
      }
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

export function bodyInit(body: PreparedBody): BodyInit | null {
  if (body.kind === "buffered") return body.bytes;
  if (body.kind === "streamed" || body.kind === "passthrough") return body.stream;
  return null;
}

/** Whether a second attempt or a mirror can send this body again. */
export function replayable(body: PreparedBody): boolean {
  return body.kind === "none" || body.kind === "buffered";
}
