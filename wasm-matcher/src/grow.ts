/**
 * The growable buffers of the table compiler (string pool, word lists, candidate columns) grow the same way: a new
 * typed array of the same kind, the old contents copied to its start.
 */
type Growable = Int32Array | Uint32Array | Uint8Array;

/** A new array of `a`'s kind with `size` elements (>= a.length), starting with a copy of `a`. */
export function grownTo<T extends Growable>(a: T, size: number): T {
  const next = new (a.constructor as new (length: number) => T)(size);
  next.set(a);
  return next;
}

/** Double `capacity` until it holds `needed` elements. */
export function doubledUntil(capacity: number, needed: number): number {
  let size = capacity * 2;
  while (size < needed) size *= 2;
  return size;
}
