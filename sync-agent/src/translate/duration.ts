/**
 * GEP-2257 Duration: `^([0-9]{1,5}(h|m|s|ms)){1,4}$`, e.g. "1h", "500ms", "1m30s". Returns milliseconds, or
 * undefined when the text is not a Duration. "0s" is 0, which the snapshot reads as "disabled" (GEP-1742).
 */
const DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
const PART = /([0-9]{1,5})(ms|h|m|s)/g;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** Manifests repeat a handful of durations ("10s", "3s") thousands of times. */
const cache = new Map<string, number | undefined>();
const CACHE_LIMIT = 1024;

export function parseDuration(text: string): number | undefined {
  if (cache.has(text)) return cache.get(text);
  const ms = parse(text);
  if (cache.size < CACHE_LIMIT) cache.set(text, ms);
  return ms;
}

function parse(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, digits, unit] of text.matchAll(PART)) total += Number(digits) * (UNIT_MS[unit ?? ""] ?? 0);
  return total;
}
