/**
 * A tiny Workers KV wrapper (STYLE.md §8): transient errors are retried with exponential backoff and jitter; a miss
 * (null) is an answer and returned at once. Nothing is cached here: no `cacheTtl`, so a key that is missing now (a
 * pointer that arrived before its blob, KV being eventually consistent) is not remembered as missing for long.
 */

export interface KvReadOptions {
  attempts: number;
  backoffMs: number;
}

async function withRetries<T>(read: () => Promise<T>, options: KvReadOptions): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < Math.max(1, options.attempts); attempt++) {
    if (attempt > 0) await sleep(options.backoffMs * 2 ** (attempt - 1) * (1 + Math.random()));
    try {
      return await read();
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

export function readText(kv: KVNamespace, key: string, options: KvReadOptions): Promise<string | null> {
  return withRetries(() => kv.get(key, "text"), options);
}

export function readBytes(kv: KVNamespace, key: string, options: KvReadOptions): Promise<ArrayBuffer | null> {
  return withRetries(() => kv.get(key, "arrayBuffer"), options);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
