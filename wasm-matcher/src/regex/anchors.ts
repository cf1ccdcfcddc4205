import { type Node, EMPTY, alternate, concat } from "./ast.ts";
import { Assert } from "./program.ts";

/**
 * Removes the `^` / `\A` that can only be reached at the start of the input and the `$` / `\z` that can only be
 * reached at its end. Under full-match semantics they always hold there, so the language is unchanged; without them
 * the program has no assertion left in the common `^/api/.*$` form and can run in the lazy DFA (assembly/regex-dfa.ts),
 * which only handles assertion-free programs.
 */
export function removeEdgeAnchors(node: Node): Node {
  return strip(node, true, true);
}

const AT_START = Assert.BeginText | Assert.BeginLine;
const AT_END = Assert.EndText | Assert.EndLine;

/** `atStart`: this node can only begin at input position 0; `atEnd`: it can only finish at the end of the input. */
function strip(node: Node, atStart: boolean, atEnd: boolean): Node {
  switch (node.kind) {
    case "assert":
      // Each anchor tests one condition (the parser never combines bits), which holds at that edge.
      if (atStart && (node.bits & AT_START) === node.bits) return EMPTY;
      if (atEnd && (node.bits & AT_END) === node.bits) return EMPTY;
      return node;
    case "alt":
      return alternate(node.items.map((item) => strip(item, atStart, atEnd)));
    case "concat": {
      const items = node.items;
      // Item k begins at position 0 only if every item before it matches only the empty string; same for the end.
      const endFlags = items.map(() => false);
      let end = atEnd;
      for (let k = items.length - 1; k >= 0; k--) {
        endFlags[k] = end;
        end = end && zeroWidth(items[k]!);
      }
      let start = atStart;
      const out: Node[] = [];
      items.forEach((item, k) => {
        out.push(strip(item, start, endFlags[k]!));
        start = start && zeroWidth(item);
      });
      return concat(out);
    }
    case "repeat":
      // x? runs its body at most once, at its own position; other repetitions may run it anywhere.
      if (node.min === 0 && node.max === 1) {
        const item = strip(node.item, atStart, atEnd);
        return item.kind === "empty" ? EMPTY : { ...node, item };
      }
      return node;
    default:
      return node;
  }
}

/** Whether `node` can only match the empty string. */
function zeroWidth(node: Node): boolean {
  switch (node.kind) {
    case "empty":
    case "assert":
      return true;
    case "set":
      return false;
    case "concat":
    case "alt":
      return node.items.every(zeroWidth);
    case "repeat":
      return zeroWidth(node.item);
  }
}
