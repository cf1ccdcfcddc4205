/**
 * The request body, read once: buffered when it fits `retryBufferBytes` (so retries and mirrors can replay it),
 * otherwise streamed to the origin exactly once (no retry, no mirror). A body without Content-Length is counted as it
 * streams; crossing `maxBodyBytes` errors the stream, and the request is answered 413.
 */

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
  }
}

/** Set once a streamed body crosses the limit; `abort` fires first so the upstream request is torn down. */
export interface OverLimit {
  exceeded: boolean;
  abort: AbortController;
}

export type PreparedBody =
  | { kind: "none" }
  | { kind: "buffered"; bytes: Uint8Array<ArrayBuffer> }
  | { kind: "streamed"; stream: ReadableStream<Uint8Array>; overLimit: OverLimit };

export const NO_BODY: PreparedBody = { kind: "none" };

export async function prepareBody(stream: ReadableStream<Uint8Array>, bufferLimit: number, maxBodyBytes: number): Promise<PreparedBody> {
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
        overLimit.abort.abort(new BodyTooLarge(maxBodyBytes));
        await reader.cancel().catch(() => {});
        return controller.error(new BodyTooLarge(maxBodyBytes));
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
  if (body.kind === "streamed") return body.stream;
  return null;
}
