/**
 * The growable buffers of the table compiler (string pool, word lists, candidate columns) grow the same way: a new
 * typed array of the same kind, the old contents copied to its start.
 */
type Growable = Int32Array | Uint32Array | Uint8Array | Float64Array;

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

/**
 * A typed array kept from one table build to the next, for the build's short-lived working arrays: a 10,000-route
 * build otherwise allocates megabytes of them, and their memory (outside the JS heap) is what sets off most of the
 * collector's full collections between builds. Builds are synchronous and never nested, so one module-level Scratch
 * per use serves every build; what take() returns is valid until its next take().
 */
export class Scratch<T extends Growable> {
  constructor(private array: T) {}

  /** The first `size` elements (a view), each set to `value` when given, else holding whatever was there. */
  take(size: number, value?: number): T {
    if (size > this.array.length) this.array = new (this.array.constructor as new (length: number) => T)(doubledUntil(this.array.length, size));
    const view = this.array.subarray(0, size) as T;
    if (value !== undefined) view.fill(value);
    return view;
  }
}
