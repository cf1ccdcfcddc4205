import type { CharSet } from "./charset.ts";

/**
 * The parsed pattern. No captures and no greediness: only whether the whole input matches counts, so `(a)`, `(?:a)`
 * and `a` are the same node, and `a*?` is `a*`.
 */
export type Node =
  /** Matches the empty string. */
  | { kind: "empty" }
  /** One code point from the set (a literal is a one-element set). */
  | { kind: "set"; set: CharSet }
  /** Empty-width assertion: holds where the position has one of these context bits (program.ts `Assert`). */
  | { kind: "assert"; bits: number }
  /** Two or more items in sequence; never contains `empty`. */
  | { kind: "concat"; items: Node[] }
  /** Two or more alternatives. */
  | { kind: "alt"; items: Node[] }
  /** `item` at least `min` and at most `max` times (`max` -1: unbounded); never 0..0. */
  | { kind: "repeat"; item: Node; min: number; max: number };

export const EMPTY: Node = { kind: "empty" };

export function concat(items: Node[]): Node {
  const kept = items.filter((n) => n.kind !== "empty");
  if (kept.length === 0) return EMPTY;
  if (kept.length === 1) return kept[0]!;
  return { kind: "concat", items: kept };
}

export function alternate(items: Node[]): Node {
  return items.length === 1 ? items[0]! : { kind: "alt", items };
}

export function repeat(item: Node, min: number, max: number): Node {
  if (max === 0 || item.kind === "empty") return EMPTY;
  if (min === 1 && max === 1) return item;
  return { kind: "repeat", item, min, max };
}
