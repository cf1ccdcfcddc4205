import { type Node, alternate, concat, repeat } from "./ast.ts";
import {
  type CharSet,
  MAX_CODE_POINT,
  PERL_CLASSES,
  POSIX_CLASSES,
  SURROGATE_HI,
  SURROGATE_LO,
  foldAsciiCase,
  negateSet,
  normalizeSet,
} from "./charset.ts";
import { Assert, REGEX_MAX_NESTING, REGEX_MAX_REPEAT } from "./program.ts";

/**
 * Parser for the RE2 subset in docs/regex.md. It follows RE2's Perl-mode grammar (re2/parse.cc, Go regexp/syntax)
 * so a pattern means here what it means in RE2, and rejects, with a reason, what RE2 rejects or what we do not run.
 * It recurses only on group nesting, which is capped at REGEX_MAX_NESTING.
 */
export type ParseResult = { ok: true; node: Node } | { ok: false; reason: string };

/** RE2's flags: i (ASCII case folding here), m (multi-line ^ $), s (. matches \n), U (ungreedy: no effect on match). */
interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
}

class PatternError extends Error {}

const LF = 0x0a;
/** `.` without the s flag: every code point but \n (RE2's default). */
const ANY_BUT_NL: CharSet = [0, LF - 1, LF + 1, MAX_CODE_POINT];
const ANY: CharSet = [0, MAX_CODE_POINT];

export function parseRegex(pattern: string): ParseResult {
  const chars: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.codePointAt(i)!;
    if (c >= SURROGATE_LO && c <= SURROGATE_HI) return { ok: false, reason: `pattern is not valid Unicode: lone surrogate at position ${chars.length + 1}` };
    if (c > 0xffff) i++;
    chars.push(c);
  }
  const parser = new Parser(chars);
  try {
    return { ok: true, node: parser.parseAll() };
  } catch (e) {
    if (e instanceof PatternError) return { ok: false, reason: e.message };
    throw e;
  }
}

class Parser {
  private pos = 0;
  private readonly groupNames = new Set<string>();

  constructor(private readonly chars: number[]) {}

  parseAll(): Node {
    const node = this.parseAlternation({ i: false, m: false, s: false }, 0);
    if (this.pos < this.chars.length) this.fail("unexpected ) without a matching (");
    return node;
  }

  private fail(message: string, at = this.pos): never {
    throw new PatternError(`${message} at position ${at + 1}`);
  }

  private peek(offset = 0): number {
    return this.chars[this.pos + offset] ?? -1;
  }

  private eat(c: string): boolean {
    if (this.peek() !== c.charCodeAt(0)) return false;
    this.pos++;
    return true;
  }

  private lookingAt(text: string): boolean {
    for (let k = 0; k < text.length; k++) if (this.peek(k) !== text.charCodeAt(k)) return false;
    return true;
  }

  /** alternation := concatenation ('|' concatenation)*, up to an unconsumed ')' or the end. */
  private parseAlternation(outer: Flags, depth: number): Node {
    const flags = { ...outer };
    const alternatives: Node[] = [];
    let items: Node[] = [];
    while (this.pos < this.chars.length && this.peek() !== 0x29 /* ) */) {
      if (this.eat("|")) {
        alternatives.push(concat(items));
        items = [];
        continue;
      }
      const atoms = this.parseAtoms(flags, depth);
      if (atoms.length === 0) continue;
      for (let k = 0; k < atoms.length - 1; k++) items.push(atoms[k]!);
      items.push(this.parseQuantifiers(atoms[atoms.length - 1]!));
    }
    alternatives.push(concat(items));
    return alternate(alternatives);
  }

  /**
   * The next atoms: usually one; several for `\Q...\E` (a following quantifier applies to the last one, as in RE2);
   * none for a flag group such as `(?i)`, which changes `flags` for the rest of the enclosing group.
   */
  private parseAtoms(flags: Flags, depth: number): Node[] {
    const start = this.pos;
    const c = this.peek();
    if (this.quantifierAhead()) this.fail(`missing argument to repetition operator ${String.fromCodePoint(c)}`);
    this.pos++;
    switch (c) {
      case 0x28 /* ( */:
        return this.parseGroup(flags, depth + 1, start);
      case 0x5b /* [ */:
        return [{ kind: "set", set: this.parseClass(flags, start) }];
      case 0x2e /* . */:
        return [{ kind: "set", set: flags.s ? ANY : ANY_BUT_NL }];
      case 0x5e /* ^ */:
        return [{ kind: "assert", bits: flags.m ? Assert.BeginLine : Assert.BeginText }];
      case 0x24 /* $ */:
        return [{ kind: "assert", bits: flags.m ? Assert.EndLine : Assert.EndText }];
      case 0x5c /* \ */:
        return this.parseEscapeOutsideClass(flags, start);
      default:
        return [literal(c, flags)];
    }
  }

  private parseGroup(flags: Flags, depth: number, start: number): Node[] {
    if (depth > REGEX_MAX_NESTING) this.fail(`nesting too deep (more than ${REGEX_MAX_NESTING} levels)`, start);
    if (this.eat("?")) {
      const inner = this.parseGroupPrefix(flags, start);
      if (inner === null) return [];
      return [this.parseGroupBody(inner, depth, start)];
    }
    return [this.parseGroupBody(flags, depth, start)];
  }

  private parseGroupBody(flags: Flags, depth: number, start: number): Node {
    const node = this.parseAlternation(flags, depth);
    if (!this.eat(")")) this.fail("missing closing )", start);
    return node;
  }

  /**
   * After `(?`: a non-capturing or named group (returns the flags for its body), or a flag group `(?i)` (updates
   * `flags` in place, returns null). Everything else RE2 does not run is rejected by name.
   */
  private parseGroupPrefix(flags: Flags, start: number): Flags | null {
    if (this.eat(":")) return flags;
    if (this.lookingAt("P<") || (this.lookingAt("<") && this.peek(1) !== 0x3d && this.peek(1) !== 0x21)) {
      this.pos += this.peek() === 0x50 ? 2 : 1;
      this.parseGroupName(start);
      return flags;
    }
    if (this.lookingAt("P=")) this.fail("backreferences are not supported ((?P=name))", start);
    if (this.lookingAt("P>")) this.fail("recursion is not supported ((?P>name))", start);
    if (this.lookingAt("=") || this.lookingAt("!")) this.fail("lookahead assertions are not supported", start);
    if (this.lookingAt("<=") || this.lookingAt("<!")) this.fail("lookbehind assertions are not supported", start);
    if (this.lookingAt(">")) this.fail("atomic groups are not supported", start);
    if (this.lookingAt("#")) this.fail("comment groups (?#...) are not supported", start);
    return this.parseFlags(flags, start);
  }

  private parseGroupName(start: number): void {
    let name = "";
    while (this.pos < this.chars.length && this.peek() !== 0x3e /* > */) name += String.fromCodePoint(this.chars[this.pos++]!);
    if (!this.eat(">")) this.fail("missing > after group name", start);
    if (!/^[A-Za-z0-9_]+$/.test(name)) this.fail(`invalid group name <${name}>`, start);
    if (this.groupNames.has(name)) this.fail(`duplicate group name <${name}>`, start);
    this.groupNames.add(name);
  }

  /** `(?flags)` or `(?flags:`, flags = [imsU]* optionally followed by `-` and [imsU]+ (RE2's syntax). */
  private parseFlags(flags: Flags, start: number): Flags | null {
    const next = { ...flags };
    let negate = false;
    let sawFlag = false;
    for (;;) {
      const c = this.chars[this.pos++];
      if (c === undefined) this.fail("missing closing )", start);
      const ch = String.fromCodePoint(c);
      if (ch === "i" || ch === "m" || ch === "s" || ch === "U") {
        if (ch !== "U") next[ch] = !negate;
        sawFlag = true;
      } else if (ch === "-" && !negate) {
        negate = true;
        sawFlag = false;
      } else if ((ch === ":" || ch === ")") && sawFlag) {
        if (ch === ":") return next;
        Object.assign(flags, next);
        return null;
      } else if (/[a-zA-Z]/.test(ch)) {
        this.fail(`flag ${ch} is not supported (supported flags: i, m, s, U)`, start);
      } else {
        this.fail(`invalid group syntax (?${this.text(start + 2, this.pos)}`, start);
      }
    }
  }

  private text(from: number, to: number): string {
    return String.fromCodePoint(...this.chars.slice(from, to));
  }

  /** Whether a repetition operator starts here (a `{` that is not `{n}`, `{n,}`, `{n,m}` is a literal, as in RE2). */
  private quantifierAhead(): boolean {
    const c = this.peek();
    if (c === 0x2a || c === 0x2b || c === 0x3f) return true;
    return c === 0x7b && this.readCounts(false) !== null;
  }

  /** Reads `{n}`, `{n,}` or `{n,m}` at pos; consumes it only when `consume`. */
  private readCounts(consume: boolean): { min: number; max: number } | null {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.text(this.pos, Math.min(this.chars.length, this.pos + 24)));
    if (m === null) return null;
    if (consume) this.pos += m[0].length;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? -1 : Number(m[3]);
    return { min, max };
  }

  private parseQuantifiers(atom: Node): Node {
    let node = atom;
    let previous: { start: number; lazy: boolean } | null = null;
    while (this.quantifierAhead()) {
      const start = this.pos;
      if (previous !== null) {
        const op = this.text(previous.start, this.pos + 1);
        if (!previous.lazy && this.peek() === 0x2b) this.fail(`possessive quantifiers are not supported (${op})`, start);
        this.fail(`bad repetition operator ${op}: repetition operators cannot follow each other`, start);
      }
      const c = this.chars[this.pos]!;
      let min = 0;
      let max = -1;
      if (c === 0x7b) ({ min, max } = this.checkCounts(this.readCounts(true)!, start));
      else {
        this.pos++;
        if (c === 0x2b) min = 1;
        if (c === 0x3f) max = 1;
      }
      // Lazy and greedy repetitions accept the same inputs; only whether the whole input matches counts.
      const lazy = this.eat("?");
      node = repeat(node, min, max);
      previous = { start, lazy };
    }
    return node;
  }

  private checkCounts(counts: { min: number; max: number }, start: number): { min: number; max: number } {
    const { min, max } = counts;
    const biggest = Math.max(min, max);
    if (biggest > REGEX_MAX_REPEAT) this.fail(`repetition count ${biggest} exceeds ${REGEX_MAX_REPEAT}`, start);
    if (max !== -1 && max < min) this.fail(`invalid repetition {${min},${max}}: maximum is below minimum`, start);
    return counts;
  }

  /** After `\` outside a class: assertions, `\Q...\E`, Perl classes, escaped characters. */
  private parseEscapeOutsideClass(flags: Flags, start: number): Node[] {
    const c = this.peek();
    const assertion = ESCAPE_ASSERTIONS[c];
    if (assertion !== undefined) {
      this.pos++;
      return [{ kind: "assert", bits: assertion }];
    }
    if (c === 0x51 /* Q */) {
      this.pos++;
      const atoms: Node[] = [];
      while (this.pos < this.chars.length && !this.lookingAt("\\E")) atoms.push(literal(this.chars[this.pos++]!, flags));
      this.pos += this.lookingAt("\\E") ? 2 : 0;
      return atoms.length === 0 ? [] : atoms;
    }
    const item = this.parseEscape(start, false);
    if (typeof item === "number") return [literal(item, flags)];
    return [{ kind: "set", set: flags.i ? foldAsciiCase(item) : item }];
  }

  /** After `\` (pos at the escaped character): a code point, or a set for `\d \s \w \D \S \W`. */
  private parseEscape(start: number, inClass: boolean): number | CharSet {
    const c = this.chars[this.pos++];
    if (c === undefined) this.fail("trailing backslash at end of pattern", start);
    const ch = String.fromCodePoint(c);
    const perl = PERL_CLASSES[ch.toLowerCase()];
    if (perl !== undefined && /[dswDSW]/.test(ch)) return ch === ch.toLowerCase() ? perl : negateSet(perl);
    if (ch >= "1" && ch <= "7" && this.peek() >= 0x30 && this.peek() <= 0x37) return this.readOctal(c - 0x30);
    if (ch === "0") return this.readOctal(0);
    if (ch >= "1" && ch <= "9") this.fail(`backreferences are not supported (\\${ch})`, start);
    if (ch === "x") return this.readHex(start);
    const control = CONTROL_ESCAPES[ch];
    if (control !== undefined) return control;
    if (c < 0x80 && !/[0-9A-Za-z_]/.test(ch)) return c;
    this.fail(escapeProblem(ch, inClass), start);
  }

  /** Octal escapes as in RE2: `\0`, `\0nn`, `\nn`, `\nnn` (a lone `\1`..`\9` is a backreference). */
  private readOctal(first: number): number {
    let v = first;
    for (let n = 0; n < 2 && this.peek() >= 0x30 && this.peek() <= 0x37; n++) v = v * 8 + (this.chars[this.pos++]! - 0x30);
    return v;
  }

  private readHex(start: number): number {
    let digits: string;
    if (this.eat("{")) {
      const close = this.chars.indexOf(0x7d, this.pos);
      if (close < 0) this.fail("missing } in \\x{...}", start);
      digits = this.text(this.pos, close);
      this.pos = close + 1;
    } else {
      digits = this.text(this.pos, this.pos + 2);
      this.pos += 2;
      if (digits.length !== 2) this.fail("\\x needs two hex digits", start);
    }
    if (!/^[0-9A-Fa-f]{1,8}$/.test(digits)) this.fail(`invalid hex escape \\x${digits}`, start);
    const v = parseInt(digits, 16);
    if (v > MAX_CODE_POINT) this.fail(`escape \\x{${digits}} is beyond U+10FFFF`, start);
    if (v >= SURROGATE_LO && v <= SURROGATE_HI) this.fail(`escape \\x{${digits}} is a surrogate, not a character`, start);
    return v;
  }

  /** After `[`: `[...]` / `[^...]` with ranges, escapes and `[:name:]`; a leading `]` is a literal (RE2). */
  private parseClass(flags: Flags, start: number): CharSet {
    const negated = this.eat("^");
    let ranges: CharSet = [];
    let first = true;
    for (;;) {
      if (this.pos >= this.chars.length) this.fail("missing closing ]", start);
      if (this.peek() === 0x5d && !first) {
        this.pos++;
        break;
      }
      first = false;
      const posix = this.lookingAt("[:") ? this.parsePosixClass() : null;
      if (posix !== null) {
        ranges.push(...posix);
        continue;
      }
      const itemStart = this.pos;
      const lo = this.parseClassChar();
      if (typeof lo !== "number") {
        ranges.push(...lo);
        continue;
      }
      let hi = lo;
      if (this.peek() === 0x2d /* - */ && this.peek(1) !== 0x5d && this.peek(1) !== -1) {
        this.pos++;
        const end = this.parseClassChar();
        if (typeof end !== "number") this.fail(`bad character class range ${this.text(itemStart, this.pos)}`, itemStart);
        if (end < lo) this.fail(`invalid character class range ${this.text(itemStart, this.pos)}`, itemStart);
        hi = end;
      }
      ranges.push(lo, hi);
    }
    ranges = normalizeSet(ranges);
    // RE2 folds case before negating: (?i)[^a] excludes both a and A.
    if (flags.i) ranges = foldAsciiCase(ranges);
    return negated ? negateSet(ranges) : ranges;
  }

  private parseClassChar(): number | CharSet {
    const start = this.pos;
    const c = this.chars[this.pos++]!;
    return c === 0x5c ? this.parseEscape(start, true) : c;
  }

  /** `[:alpha:]` / `[:^alpha:]` inside a class, or null when `[` is a literal (no closing `:]`). */
  private parsePosixClass(): CharSet | null {
    const start = this.pos;
    const text = this.text(this.pos, Math.min(this.chars.length, this.pos + 16));
    const m = /^\[:(\^?)([a-z]*):\]/.exec(text);
    if (m === null) return null;
    const set = POSIX_CLASSES[m[2]!];
    if (set === undefined) this.fail(`unknown POSIX class [:${m[1]}${m[2]}:]`, start);
    this.pos += m[0].length;
    return m[1] === "^" ? negateSet(set) : set;
  }
}

/** Literal nodes of ASCII characters without case folding, shared by every pattern (nodes are never modified). */
const ASCII_LITERALS: Node[] = Array.from({ length: 0x80 }, (_, c) => ({ kind: "set", set: [c, c] }));

function literal(c: number, flags: Flags): Node {
  if (!flags.i && c < 0x80) return ASCII_LITERALS[c]!;
  const set: CharSet = [c, c];
  return { kind: "set", set: flags.i ? foldAsciiCase(set) : set };
}

const ESCAPE_ASSERTIONS: Readonly<Record<number, number>> = {
  0x41 /* \A */: Assert.BeginText,
  0x7a /* \z */: Assert.EndText,
  0x62 /* \b */: Assert.WordBoundary,
  0x42 /* \B */: Assert.NotWordBoundary,
};

const CONTROL_ESCAPES: Readonly<Record<string, number>> = { a: 0x07, f: 0x0c, t: 0x09, n: 0x0a, r: 0x0d, v: 0x0b };

function escapeProblem(ch: string, inClass: boolean): string {
  if (ch === "p" || ch === "P") return `Unicode character classes (\\${ch}) are not supported`;
  if (ch === "k" || ch === "g") return `backreferences are not supported (\\${ch})`;
  if (ch === "C") return "\\C (any single byte) is not supported";
  if (ch === "Z") return "\\Z is not supported (use \\z or $)";
  if (inClass && "bBAzQ".includes(ch)) return `\\${ch} is not valid inside a character class`;
  return `invalid escape sequence \\${ch}`;
}

