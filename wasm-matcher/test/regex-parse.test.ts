/** The parser's accept/reject table: what the subset accepts, and the reason it gives for what it rejects. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkRegex } from "../src/regex/check.ts";
import { compileRegex } from "../src/regex/compile.ts";
import { removeEdgeAnchors } from "../src/regex/anchors.ts";
import { programSize } from "../src/regex/emit.ts";
import { parseRegex } from "../src/regex/parse.ts";
import { Op, REGEX_MAX_INSTS, programInstCount } from "../src/regex/program.ts";
import { regexFullMatchJs } from "../src/regex/vm.ts";

const ACCEPTED = [
  "", "abc", ".", "a.c", "[abc]", "[^abc]", "[a-z0-9_]", "[]a]", "[^]a]", "[a-]", "[-a]", "[\\]\\[]", "[.*+?]",
  "\\d\\w\\s\\D\\W\\S", "[\\d\\s-]", "\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\^\\$\\\\\\/\\-", "\\t\\n\\r\\f\\v\\a",
  "\\x41\\x{263A}\\x{10FFFF}", "\\0\\012\\123", "^abc$", "\\Aabc\\z", "\\bword\\B", "(a)", "(?:a)", "(?P<name>a)",
  "(?<name>a)", "a|b|", "|", "()", "(|a)", "a*", "a+", "a?", "a*?", "a+?", "a??", "a{2}", "a{2,}", "a{2,5}", "a{2}?",
  "a{0}", "a{0,0}", "a{1000}", "a{,5}", "a{", "a{x}", "{", "}", "]", "(?i)abc", "(?i:a)b", "(?s).", "(?m)^a$",
  "(?U)a*", "(?i-s)a", "(?-i)a", "(?ims)a", "[[:alpha:]]", "[[:^space:]x]", "[[:word:]]", "\\Qa.b*\\E", "\\Qa.b",
  "é+", "[é-ü]", "[^😀]", "😀{2}", "^*", "(?:)*",
];

const REJECTED: Array<[string, string]> = [
  ["a\\1", "backreferences are not supported"],
  ["(a)\\2", "backreferences are not supported"],
  ["\\k<name>", "backreferences are not supported"],
  ["(?P<n>a)(?P=n)", "backreferences are not supported"],
  ["(?=a)", "lookahead assertions are not supported"],
  ["(?!a)", "lookahead assertions are not supported"],
  ["(?<=a)b", "lookbehind assertions are not supported"],
  ["(?<!a)b", "lookbehind assertions are not supported"],
  ["a*+", "possessive quantifiers are not supported"],
  ["a++", "possessive quantifiers are not supported"],
  ["a{2}+", "possessive quantifiers are not supported"],
  ["a**", "bad repetition operator **"],
  ["a*??", "bad repetition operator *??"],
  ["a{2}{3}", "bad repetition operator"],
  ["*a", "missing argument to repetition operator *"],
  ["a|*", "missing argument to repetition operator *"],
  ["(?i)*", "missing argument to repetition operator *"],
  ["(+)", "missing argument to repetition operator +"],
  ["a{1001}", "repetition count 1001 exceeds 1000"],
  ["a{2,1001}", "repetition count 1001 exceeds 1000"],
  ["a{3,2}", "maximum is below minimum"],
  ["(?>a)", "atomic groups are not supported"],
  ["(?#note)", "comment groups"],
  ["(?P>n)", "recursion is not supported"],
  ["(?x)a", "flag x is not supported"],
  ["(?)", "invalid group syntax"],
  ["(?i-)", "invalid group syntax"],
  ["(?P<n>a)(?P<n>b)", "duplicate group name <n>"],
  ["(?P<>a)", "invalid group name"],
  ["(?P<a-b>a)", "invalid group name"],
  ["\\pL", "Unicode character classes (\\p) are not supported"],
  ["\\p{Greek}", "Unicode character classes (\\p) are not supported"],
  ["[\\P{L}]", "Unicode character classes (\\P) are not supported"],
  ["\\C", "\\C (any single byte) is not supported"],
  ["\\Z", "\\Z is not supported"],
  ["\\q", "invalid escape sequence \\q"],
  ["\\_", "invalid escape sequence \\_"],
  ["[\\b]", "\\b is not valid inside a character class"],
  ["a\\", "trailing backslash"],
  ["(a", "missing closing )"],
  ["a)", "unexpected ) without a matching ("],
  ["[a", "missing closing ]"],
  ["[]", "missing closing ]"],
  ["[z-a]", "invalid character class range z-a"],
  ["[a-\\d]", "bad character class range"],
  ["[[:foo:]]", "unknown POSIX class [:foo:]"],
  ["\\x{110000}", "beyond U+10FFFF"],
  ["\\x{D800}", "is a surrogate"],
  ["\\xZ1", "invalid hex escape"],
  ["\\x{41", "missing } in \\x{...}"],
  ["\uD800", "lone surrogate"],
  ["(".repeat(101) + ")".repeat(101), "nesting too deep (more than 100 levels)"],
  ["a{1000}b{1000}", `program too large: 2001 > ${REGEX_MAX_INSTS} instructions`],
  ["((a{1000}){1000}){1000}", `program too large: 1000000001 > ${REGEX_MAX_INSTS} instructions`],
  ["(((((a{1000}){1000}){1000}){1000}){1000})", "program too large: more than 10^12"],
];

describe("checkRegex", () => {
  it.each(ACCEPTED)("accepts %j", (pattern) => {
    expect(checkRegex(pattern)).toEqual({ ok: true });
  });

  it.each(REJECTED)("rejects %j: %s", (pattern, reason) => {
    const result = checkRegex(pattern);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it("says where the problem is", () => {
    expect(checkRegex("abc\\1")).toEqual({ ok: false, reason: "backreferences are not supported (\\1) at position 4" });
  });

  it("never throws, whatever the pattern", () => {
    const alphabet = "\\()[]{}|?*+^$.-:<>=!Pa1,x{}";
    let seed = 1;
    for (let n = 0; n < 20000; n++) {
      let p = "";
      for (let k = 0; k < 1 + (n % 12); k++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        p += alphabet[seed % alphabet.length];
      }
      expect(() => checkRegex(p)).not.toThrow();
    }
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (p) => {
        const result = checkRegex(p);
        expect(result.ok || result.reason.length > 0).toBe(true);
      }),
      { seed: 3, numRuns: 3000 },
    );
  });
});

describe("compileRegex", () => {
  it("predicts the program size it emits, so the cap is checked before any expansion", () => {
    for (const pattern of ACCEPTED) {
      const parsed = parseRegex(pattern);
      const compiled = compileRegex(pattern);
      if (!parsed.ok || !compiled.ok) throw new Error(pattern);
      expect(programInstCount(compiled.program), pattern).toBe(programSize(removeEdgeAnchors(parsed.node)));
    }
  });

  it("accepts a program of exactly the cap", () => {
    // One Byte instruction per literal, plus Match.
    const atCap = compileRegex("a{1000}b{999}");
    expect(atCap.ok && programInstCount(atCap.program)).toBe(REGEX_MAX_INSTS);
    expect(checkRegex("a{1000}b{999}c")).toEqual({ ok: false, reason: "program too large: 2001 > 2000 instructions" });
  });

  it("keeps `.` and negated classes small with RE2's UTF-8 shortcut", () => {
    const dot = compileRegex(".");
    const negated = compileRegex("[^/]");
    expect(dot.ok && programInstCount(dot.program)).toBeLessThanOrEqual(11);
    expect(negated.ok && programInstCount(negated.program)).toBeLessThanOrEqual(11);
  });
});

describe("edge anchors", () => {
  const program = (pattern: string): number[] => {
    const compiled = compileRegex(pattern);
    if (!compiled.ok) throw new Error(compiled.reason);
    return [...compiled.program];
  };
  const hasAssert = (pattern: string): boolean => {
    const bytes = new Uint8Array(program(pattern));
    const view = new DataView(bytes.buffer);
    for (let pc = 0; pc < view.getUint32(4, true); pc++) if ((view.getUint32(16 + pc * 8, true) & 0xff) === Op.Assert) return true;
    return false;
  };

  it.each([
    ["^/api/.*$", "/api/.*"], ["\\A/api\\z", "/api"], ["(?m)^a$", "a"], ["^(?:a|b)$", "a|b"], ["(^a|^b)", "a|b"],
    ["(?:^a)?b$", "(?:a)?b"], ["^^a$$", "a"],
  ])("%j compiles exactly like %j (no assertion left, so the lazy DFA can run it)", (anchored, plain) => {
    expect(program(anchored)).toEqual(program(plain));
    expect(hasAssert(anchored)).toBe(false);
  });

  it.each(["a^b", "a$b", "(^a)*", "a*^b", "\\bword\\b", "(?m)a$\\n^b"])("keeps the assertions of %j that are not at an edge", (p) => {
    expect(hasAssert(p)).toBe(true);
  });
});

describe("semantics of accepted syntax", () => {
  const cases: Array<[string, string, boolean]> = [
    ["[]a]", "]", true], ["[]a]", "a", true], ["[^]a]", "b", true], ["[^]a]", "]", false],
    ["a{,5}", "a{,5}", true], ["a{", "a{", true], ["a{x}", "a{x}", true],
    ["\\0\\012\\123", "\x00\nS", true], ["\\x41\\x{263A}", "A☺", true],
    ["(?i)abc", "AbC", true], ["(?i:a)b", "Ab", true], ["(?i:a)b", "AB", false], ["a(?i)b|c", "aB", true], ["a(?i)b|c", "C", true],
    ["(?i)[^a]", "A", false], ["(?i)[k]", "K", true], ["(?i)é", "É", false],
    [".", "\n", false], ["(?s).", "\n", true], ["[^a]", "\n", true],
    ["^abc$", "abc", true], ["a^b", "ab", false], ["a$b", "ab", false], ["(?m)a$\\n^b", "a\nb", true], ["a$\\n^b", "a\nb", false],
    ["\\bab\\b", "ab", true], ["a\\Bb", "ab", true], ["a\\bb", "ab", false],
    ["\\Qa.b*\\E", "a.b*", true], ["\\Qa.b*\\E", "a.bb", false], ["\\Qab\\E*", "abbb", true], ["\\Qab\\E*", "abab", false],
    ["\\s", "\v", false], ["\\s", "\f", true], ["\\w", "é", false], ["\\d", "٣", false],
    ["[[:^space:]x]", "x", true], ["[[:^space:]x]", " ", false],
    ["a{0}", "", true], ["(a|)+", "aa", true], ["(a*)*b", "aab", true], ["^*a", "a", true],
    ["é+", "éé", true], ["[é-ü]", "ö", true], ["[é-ü]", "e", false], ["[^😀]", "😀", false], ["[^😀]", "😁", true],
  ];
  it.each(cases)("%j on %j: %s", (pattern, input, expected) => {
    const compiled = compileRegex(pattern);
    if (!compiled.ok) throw new Error(compiled.reason);
    expect(regexFullMatchJs(compiled.program, input)).toBe(expected);
  });
});
