import type { Node } from "./ast.ts";
import { type LoweredSet, lowerSet } from "./utf8.ts";
import {
  Op,
  REGEX_CLASS_BYTES,
  REGEX_HEADER_BYTES,
  REGEX_INST_BYTES,
  REGEX_MAGIC,
} from "./program.ts";

/**
 * Thompson construction (Cox, "Regular Expression Matching Can Be Simple And Fast") from the AST to the program
 * format in program.ts. Counted repetition is expanded: x{n,m} is n copies of x followed by m-n nested optional
 * copies (x(x(x)?)?)?, x{n,} is n-1 copies and x+. `programSize` predicts the instruction count without building, so
 * patterns such as ((a{1000}){1000}){1000} are rejected before any expansion.
 */

/** A hole to patch: instruction pc, and whether it is Split's `arg` (else `out`). */
type Hole = { pc: number; arg: boolean };
interface Fragment {
  start: number;
  holes: Hole[];
}

interface Inst {
  op: Op;
  arg: number;
  out: number;
}

/**
 * Lowered sets are pure functions of their ranges and are never modified, so they are shared by every pattern
 * compiled in this process: route tables and the translator compile thousands of patterns built from the same few
 * classes and literals. Single-code-point sets (literals) are keyed by number; the cache is bounded.
 */
const sharedLiterals = new Map<number, LoweredSet>();
const sharedSets = new Map<string, LoweredSet>();
const SHARED_SET_LIMIT = 4096;

function lowered(set: number[]): LoweredSet {
  if (set.length === 2 && set[0] === set[1]) {
    let result = sharedLiterals.get(set[0]!);
    if (result === undefined) {
      result = lowerSet(set);
      if (sharedLiterals.size >= SHARED_SET_LIMIT) sharedLiterals.clear();
      sharedLiterals.set(set[0]!, result);
    }
    return result;
  }
  const key = set.join(",");
  let result = sharedSets.get(key);
  if (result === undefined) {
    result = lowerSet(set);
    if (sharedSets.size >= SHARED_SET_LIMIT) sharedSets.clear();
    sharedSets.set(key, result);
  }
  return result;
}

/** Instructions `emitProgram` will produce for `node`, Match included. May exceed 2^53 for absurd patterns. */
export function programSize(node: Node): number {
  return nodeSize(node) + 1;
}

function nodeSize(node: Node): number {
  switch (node.kind) {
    case "empty":
    case "assert":
      return 1;
    case "set":
      return lowered(node.set).insts.length;
    case "concat":
      return node.items.reduce((sum, item) => sum + nodeSize(item), 0);
    case "alt":
      return node.items.reduce((sum, item) => sum + nodeSize(item), 0) + node.items.length - 1;
    case "repeat": {
      const s = nodeSize(node.item);
      if (node.max === -1) return node.min <= 1 ? s + 1 : node.min * s + 1;
      return node.min * s + (node.max - node.min) * (s + 1);
    }
  }
}

class ProgramBuilder {
  /** Entry pc, set once the program is built. */
  start = 0;
  readonly insts: Inst[] = [];
  readonly classes: Uint8Array[] = [];
  private readonly classIndex = new Map<string, number>();

  private emit(op: Op, arg: number, out: number): number {
    this.insts.push({ op, arg, out });
    return this.insts.length - 1;
  }

  private patch(holes: Hole[], target: number): void {
    for (const h of holes) {
      if (h.arg) this.insts[h.pc]!.arg = target;
      else this.insts[h.pc]!.out = target;
    }
  }

  compile(node: Node): Fragment {
    switch (node.kind) {
      case "empty": {
        const pc = this.emit(Op.Jump, 0, -1);
        return { start: pc, holes: [{ pc, arg: false }] };
      }
      case "assert": {
        const pc = this.emit(Op.Assert, node.bits, -1);
        return { start: pc, holes: [{ pc, arg: false }] };
      }
      case "set":
        return this.compileSet(lowered(node.set));
      case "concat": {
        const first = this.compile(node.items[0]!);
        let holes = first.holes;
        for (let k = 1; k < node.items.length; k++) {
          const next = this.compile(node.items[k]!);
          this.patch(holes, next.start);
          holes = next.holes;
        }
        return { start: first.start, holes };
      }
      case "alt":
        return this.compileAlternation(node.items);
      case "repeat":
        return this.compileRepeat(node.item, node.min, node.max);
    }
  }

  private compileAlternation(items: Node[]): Fragment {
    const last = this.compile(items[items.length - 1]!);
    let start = last.start;
    const holes = [...last.holes];
    for (let k = items.length - 2; k >= 0; k--) {
      const f = this.compile(items[k]!);
      holes.push(...f.holes);
      start = this.emit(Op.Split, f.start, start);
    }
    return { start, holes };
  }

  private compileRepeat(item: Node, min: number, max: number): Fragment {
    const parts: Fragment[] = [];
    const copies = max === -1 ? Math.max(min - 1, 0) : min;
    for (let k = 0; k < copies; k++) parts.push(this.compile(item));
    if (max === -1) parts.push(min === 0 ? this.star(item) : this.plus(item));
    else if (max > min) parts.push(this.optionals(item, max - min));
    for (let k = 1; k < parts.length; k++) this.patch(parts[k - 1]!.holes, parts[k]!.start);
    return { start: parts[0]!.start, holes: parts[parts.length - 1]!.holes };
  }

  /** x*: L: Split(x, exit); x -> L. */
  private star(item: Node): Fragment {
    const x = this.compile(item);
    const loop = this.emit(Op.Split, x.start, -1);
    this.patch(x.holes, loop);
    return { start: loop, holes: [{ pc: loop, arg: false }] };
  }

  /** x+: x; Split(x, exit). */
  private plus(item: Node): Fragment {
    const x = this.compile(item);
    const loop = this.emit(Op.Split, x.start, -1);
    this.patch(x.holes, loop);
    return { start: x.start, holes: [{ pc: loop, arg: false }] };
  }

  /** (x(x(x)?)?)? with `count` copies: every Split and the innermost x leave the fragment. */
  private optionals(item: Node, count: number): Fragment {
    const holes: Hole[] = [];
    let start = -1;
    let previous: Hole[] = [];
    for (let k = 0; k < count; k++) {
      const x = this.compile(item);
      const split = this.emit(Op.Split, x.start, -1);
      holes.push({ pc: split, arg: false });
      if (k === 0) start = split;
      else this.patch(previous, split);
      previous = x.holes;
    }
    holes.push(...previous);
    return { start, holes };
  }

  private compileSet(set: LoweredSet): Fragment {
    const base = this.insts.length;
    const holes: Hole[] = [];
    for (let k = 0; k < set.insts.length; k++) {
      const inst = set.insts[k]!;
      let arg = inst.arg;
      if (inst.op === Op.Split) arg += base;
      if (inst.op === Op.Class) arg = this.classFor(inst.bitmap!);
      const out = inst.out === -1 ? -1 : inst.out + base;
      this.emit(inst.op, arg, out);
      if (inst.out === -1 && inst.op !== Op.Fail) holes.push({ pc: base + k, arg: false });
    }
    return { start: set.start + base, holes };
  }

  private classFor(bitmap: Uint8Array): number {
    const key = bitmapKey(bitmap);
    let index = this.classIndex.get(key);
    if (index === undefined) {
      index = this.classes.length;
      this.classes.push(bitmap);
      this.classIndex.set(key, index);
    }
    return index;
  }
}

/** Identical bitmaps share one class; the key is computed once per (shared, immutable) bitmap. */
const bitmapKeys = new WeakMap<Uint8Array, string>();

function bitmapKey(bitmap: Uint8Array): string {
  let key = bitmapKeys.get(bitmap);
  if (key === undefined) {
    key = bitmap.join(",");
    bitmapKeys.set(bitmap, key);
  }
  return key;
}

/** Builds the program bytes for `node` (whose size the caller has checked against the cap). */
export function emitProgram(node: Node): Uint8Array {
  const b = build(node);
  const bytes = new Uint8Array(programLength(b));
  writeProgram(b, new DataView(bytes.buffer), bytes, 0);
  return bytes;
}

/**
 * Programs encoded back to back into one growable buffer: a route table compiles a thousand or more patterns, and
 * one buffer costs less than a buffer per program.
 */
export class ProgramArena {
  bytes = new Uint8Array(16 * 1024);
  length = 0;
  private view = new DataView(this.bytes.buffer);

  /** Appends the program for `node` (whose size the caller has checked); returns its offset in `bytes`. */
  add(node: Node): number {
    const b = build(node);
    const at = this.reserve(programLength(b));
    writeProgram(b, this.view, this.bytes, at);
    return at;
  }

  /** Appends a program emitted before (programs hold no absolute offsets); returns its offset in `bytes`. */
  append(program: Uint8Array): number {
    const at = this.reserve(program.length);
    this.bytes.set(program, at);
    return at;
  }

  /** Makes room for `size` more bytes; returns where they start. */
  private reserve(size: number): number {
    if (this.length + size > this.bytes.length) {
      let capacity = this.bytes.length * 2;
      while (capacity < this.length + size) capacity *= 2;
      const next = new Uint8Array(capacity);
      next.set(this.bytes.subarray(0, this.length));
      this.bytes = next;
      this.view = new DataView(next.buffer);
    }
    const at = this.length;
    this.length = at + size;
    return at;
  }
}

function build(node: Node): ProgramBuilder {
  const b = new ProgramBuilder();
  const root = b.compile(node);
  const match = b.insts.length;
  b.insts.push({ op: Op.Match, arg: 0, out: 0 });
  for (const h of root.holes) {
    if (h.arg) b.insts[h.pc]!.arg = match;
    else b.insts[h.pc]!.out = match;
  }
  b.start = root.start;
  return b;
}

function programLength(b: ProgramBuilder): number {
  return REGEX_HEADER_BYTES + b.insts.length * REGEX_INST_BYTES + b.classes.length * REGEX_CLASS_BYTES;
}

function writeProgram(b: ProgramBuilder, view: DataView, bytes: Uint8Array, at: number): void {
  const { insts, classes } = b;
  view.setUint32(at, REGEX_MAGIC, true);
  view.setUint32(at + 4, insts.length, true);
  view.setUint32(at + 8, classes.length, true);
  view.setUint32(at + 12, b.start, true);
  for (let pc = 0; pc < insts.length; pc++) {
    const inst = insts[pc]!;
    // A Fail instruction never continues; its out is any valid pc (0) so the program has no dangling pointer.
    const out = inst.out < 0 ? 0 : inst.out;
    view.setUint32(at + REGEX_HEADER_BYTES + pc * REGEX_INST_BYTES, (inst.op | (inst.arg << 8)) >>> 0, true);
    view.setUint32(at + REGEX_HEADER_BYTES + pc * REGEX_INST_BYTES + 4, out, true);
  }
  const classBase = at + REGEX_HEADER_BYTES + insts.length * REGEX_INST_BYTES;
  for (let k = 0; k < classes.length; k++) bytes.set(classes[k]!, classBase + k * REGEX_CLASS_BYTES);
}
