/**
 * Random patterns for the differential tests, built from a small grammar. Each pattern is rendered twice: in our RE2
 * syntax and as an equivalent JavaScript RegExp source, written independently of our parser (classes are spelled out
 * as explicit code-point ranges), so JS RegExp can serve as the oracle. `sample` draws strings that match, so the
 * tests see both outcomes.
 */
import fc from "fast-check";

export type Gen =
  | { kind: "char"; cp: number; re2: string }
  | { kind: "class"; re2: string; ranges: number[]; negated: boolean }
  | { kind: "dot" }
  | { kind: "assert"; re2: string; js: string }
  | { kind: "cat"; items: Gen[] }
  | { kind: "alt"; items: Gen[] }
  | { kind: "group"; item: Gen; style: "(" | "(?:" | "(?P<n>" }
  | { kind: "repeat"; item: Gen; min: number; max: number; op: string };

export interface Flags {
  i: boolean;
  s: boolean;
  m: boolean;
}

const ASCII_CHARS: Array<[number, string]> = [
  [0x61, "a"], [0x62, "b"], [0x63, "c"], [0x41, "A"], [0x31, "1"], [0x5f, "_"], [0x20, " "], [0x2d, "-"],
  [0x2e, "\\."], [0x2a, "\\*"], [0x2f, "/"],
];
const UNICODE_CHARS: Array<[number, string]> = [
  [0xe9, "é"], [0xfc, "ü"], [0x4e2d, "中"], [0x1f600, "😀"], [0x7ff, "\\x{7FF}"], [0x800, "\\x{800}"], [0xffff, "\\x{FFFF}"],
  [0x10000, "\\x{10000}"],
];

const GROUP_STYLES = fc.constantFrom<Array<"(" | "(?:" | "(?P<n>">>("(", "(?:", "(?P<n>");
const SPACE = [9, 10, 12, 13, 32, 32];
const ASCII_CLASSES: Array<Omit<Extract<Gen, { kind: "class" }>, "kind">> = [
  { re2: "[abc]", ranges: [0x61, 0x63], negated: false },
  { re2: "[^ab]", ranges: [0x61, 0x62], negated: true },
  { re2: "[A-Z0-9]", ranges: [0x30, 0x39, 0x41, 0x5a], negated: false },
  { re2: "\\d", ranges: [0x30, 0x39], negated: false },
  { re2: "\\D", ranges: [0x30, 0x39], negated: true },
  { re2: "\\w", ranges: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a], negated: false },
  { re2: "\\W", ranges: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a], negated: true },
  { re2: "\\s", ranges: SPACE, negated: false },
  { re2: "\\S", ranges: SPACE, negated: true },
  { re2: "[[:alpha:]]", ranges: [0x41, 0x5a, 0x61, 0x7a], negated: false },
  { re2: "[[:^digit:]_]", ranges: [0x30, 0x39], negated: true },
  { re2: "[-a]", ranges: [0x2d, 0x2d, 0x61, 0x61], negated: false },
  { re2: "[]a]", ranges: [0x5d, 0x5d, 0x61, 0x61], negated: false },
  { re2: "[^/]", ranges: [0x2f, 0x2f], negated: true },
  { re2: "[^\\n]", ranges: [0x0a, 0x0a], negated: true },
  { re2: "[\\d_-]", ranges: [0x2d, 0x2d, 0x30, 0x39, 0x5f, 0x5f], negated: false },
];
const UNICODE_CLASSES: typeof ASCII_CLASSES = [
  { re2: "[é-ü]", ranges: [0xe9, 0xfc], negated: false },
  { re2: "[^é]", ranges: [0xe9, 0xe9], negated: true },
  { re2: "[\\x{80}-\\x{10FFFF}]", ranges: [0x80, 0x10ffff], negated: false },
  { re2: "[a\\x{4E00}-\\x{9FFF}]", ranges: [0x61, 0x61, 0x4e00, 0x9fff], negated: false },
  { re2: "[\\x{7F0}-\\x{801}]", ranges: [0x7f0, 0x801], negated: false },
  { re2: "[^\\x{1F600}-\\x{1F64F}a]", ranges: [0x61, 0x61, 0x1f600, 0x1f64f], negated: true },
];
const ASSERTS = [
  { re2: "^", js: "^" }, { re2: "$", js: "$" }, { re2: "\\b", js: "\\b" }, { re2: "\\B", js: "\\B" },
];

/** Pattern trees; `unicode` adds non-ASCII literals and classes. */
export function genArbitrary(unicode: boolean): fc.Arbitrary<Gen> {
  const chars = unicode ? [...ASCII_CHARS, ...UNICODE_CHARS] : ASCII_CHARS;
  const classes = unicode ? [...ASCII_CLASSES, ...UNICODE_CLASSES] : ASCII_CLASSES;
  const leaf = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...chars).map(([cp, re2]): Gen => ({ kind: "char", cp, re2 })) },
    { weight: 3, arbitrary: fc.constantFrom(...classes).map((c): Gen => ({ kind: "class", ...c })) },
    { weight: 1, arbitrary: fc.constant<Gen>({ kind: "dot" }) },
    { weight: 1, arbitrary: fc.constantFrom(...ASSERTS).map((a): Gen => ({ kind: "assert", ...a })) },
  );
  const { node } = fc.letrec<{ node: Gen }>((tie) => ({
    node: fc.oneof(
      { depthSize: "small", maxDepth: 4 },
      { weight: 4, arbitrary: leaf },
      { weight: 3, arbitrary: fc.array(tie("node"), { minLength: 2, maxLength: 4 }).map((items): Gen => ({ kind: "cat", items })) },
      { weight: 1, arbitrary: fc.array(tie("node"), { minLength: 2, maxLength: 3 }).map((items): Gen => ({ kind: "alt", items })) },
      {
        weight: 1,
        arbitrary: fc.tuple(tie("node"), GROUP_STYLES).map(
          ([item, style]): Gen => ({ kind: "group", item, style }),
        ),
      },
      { weight: 2, arbitrary: fc.tuple(tie("node"), repetition).map(([item, r]): Gen => ({ kind: "repeat", item, ...r })) },
    ),
  }));
  return node;
}

const repetition = fc.oneof(
  fc.constantFrom(
    { min: 0, max: -1, op: "*" }, { min: 1, max: -1, op: "+" }, { min: 0, max: 1, op: "?" },
    { min: 0, max: -1, op: "*?" }, { min: 1, max: -1, op: "+?" }, { min: 0, max: 1, op: "??" },
  ),
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.constantFrom("exact", "atLeast", "between"), fc.boolean()).map(
    ([n, extra, form, lazy]) => {
      const q = lazy ? "?" : "";
      if (form === "exact") return { min: n, max: n, op: `{${n}}${q}` };
      if (form === "atLeast") return { min: n, max: -1, op: `{${n},}${q}` };
      return { min: n, max: n + extra, op: `{${n},${n + extra}}${q}` };
    },
  ),
);

function isAtom(g: Gen): boolean {
  return g.kind === "char" || g.kind === "class" || g.kind === "dot";
}

/** Our RE2 syntax. Group names are numbered so they stay unique. */
export function renderRe2(g: Gen, names = { next: 0 }): string {
  switch (g.kind) {
    case "char":
    case "class":
    case "assert":
      return g.re2;
    case "dot":
      return ".";
    case "cat":
      return g.items.map((x) => (x.kind === "alt" ? `(?:${renderRe2(x, names)})` : renderRe2(x, names))).join("");
    case "alt":
      return g.items.map((x) => renderRe2(x, names)).join("|");
    case "group": {
      const open = g.style === "(?P<n>" ? `(?P<n${names.next++}>` : g.style;
      return `${open}${renderRe2(g.item, names)})`;
    }
    case "repeat":
      return isAtom(g.item) ? `${renderRe2(g.item, names)}${g.op}` : `(?:${renderRe2(g.item, names)})${g.op}`;
  }
}

function jsChar(cp: number, unicode: boolean): string {
  if (unicode) return `\\u{${cp.toString(16)}}`;
  return `\\u${cp.toString(16).padStart(4, "0")}`;
}

/** The same language as a JavaScript RegExp source (flags from `jsFlags`). */
export function renderJs(g: Gen, flags: Flags, unicode: boolean): string {
  switch (g.kind) {
    case "char":
      return jsChar(g.cp, unicode);
    case "class": {
      let body = "";
      for (let k = 0; k < g.ranges.length; k += 2) body += `${jsChar(g.ranges[k]!, unicode)}-${jsChar(g.ranges[k + 1]!, unicode)}`;
      return `[${g.negated ? "^" : ""}${body}]`;
    }
    case "dot":
      // RE2's `.` excludes only \n (JS's also excludes \r, U+2028, U+2029); with (?s) it is any character.
      return flags.s ? "[^]" : "[^\\n]";
    case "assert":
      // (?m) ^ and $ as lookarounds: the JS m flag would also turn the oracle's own ^(?:...)$ wrapper into line anchors.
      if (flags.m && g.js === "^") return "(?<![^\\n])";
      if (flags.m && g.js === "$") return "(?![^\\n])";
      return g.js;
    case "cat":
      return g.items.map((x) => `(?:${renderJs(x, flags, unicode)})`).join("");
    case "alt":
      return g.items.map((x) => renderJs(x, flags, unicode)).join("|");
    case "group":
      return `(?:${renderJs(g.item, flags, unicode)})`;
    case "repeat":
      return `(?:${renderJs(g.item, flags, unicode)})${g.op}`;
  }
}

/** A small deterministic PRNG (mulberry32) for `sample`. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A string the pattern probably matches (assertions are ignored, so not always). */
export function sample(g: Gen, random: () => number, flags: Flags, unicode: boolean): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
  switch (g.kind) {
    case "char": {
      const c = String.fromCodePoint(g.cp);
      return flags.i && random() < 0.5 ? (random() < 0.5 ? c.toUpperCase() : c.toLowerCase()) : c;
    }
    case "class": {
      if (g.negated) return pick(unicode ? ["x", "Z", "%", "\n", "é", "中", "😀", "7"] : ["x", "Z", "%", "\n", "7"]);
      const k = 2 * Math.floor((random() * g.ranges.length) / 2);
      const lo = g.ranges[k]!;
      const hi = g.ranges[k + 1]!;
      return String.fromCodePoint(lo + Math.floor(random() * Math.min(hi - lo + 1, 64)));
    }
    case "dot":
      return pick(unicode ? ["a", "-", "é", "\n", "😀"] : ["a", "-", "\n", "Q"]);
    case "assert":
      return "";
    case "cat":
      return g.items.map((x) => sample(x, random, flags, unicode)).join("");
    case "alt":
      return sample(pick(g.items), random, flags, unicode);
    case "group":
      return sample(g.item, random, flags, unicode);
    case "repeat": {
      const max = g.max === -1 ? g.min + 3 : g.max;
      const count = g.min + Math.floor(random() * (max - g.min + 1));
      let s = "";
      for (let k = 0; k < count; k++) s += sample(g.item, random, flags, unicode);
      return s;
    }
  }
}

export const flagsArbitrary: fc.Arbitrary<Flags> = fc.record({ i: fc.boolean(), s: fc.boolean(), m: fc.boolean() });

/** Our pattern with its leading flag group, e.g. "(?is)abc". */
export function withFlags(re2: string, flags: Flags): string {
  const f = `${flags.i ? "i" : ""}${flags.m ? "m" : ""}${flags.s ? "s" : ""}`;
  return f === "" ? re2 : `(?${f})${re2}`;
}

export function jsFlags(flags: Flags, unicode: boolean): string {
  return `${flags.i ? "i" : ""}${unicode ? "u" : ""}`;
}
