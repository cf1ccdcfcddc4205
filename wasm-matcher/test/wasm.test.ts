import { describe, expect, it } from "vitest";
import { newMatchOutcome } from "../src/api.ts";
import { loadMatcherModule } from "../src/load-node.ts";
import { createReferenceMatcher } from "../src/reference.ts";
import { homeSlot, keyHash } from "../src/table-format.ts";
import { createWasmMatcher } from "../src/wasm.ts";
import { runMatcherCases } from "./matcher.cases.ts";
import { exact, listener, match, prefix, regex, request, route, rule, snapshot } from "./snapshot-builder.ts";

const module = loadMatcherModule();

describe("wasm matcher", () => runMatcherCases((s) => createWasmMatcher(module, s)));

// The wrapper copies the request in one piece when it is all ASCII and string by string as UTF-8 otherwise; these
// requests take the second path (and its overflow check) and must answer exactly as the reference matcher.
describe("wasm matcher: request copy", () => {
  const snap = snapshot(
    [listener("*.example.com"), listener(null)],
    [
      route({ name: "host", attach: [{ listener: 0, hostnames: ["café.example.com"] }], rules: [rule([match({ path: prefix("/a") })])] }),
      route({ name: "header", attach: [{ listener: 0 }], rules: [rule([match({ path: exact("/h"), headers: [["x-name", "zoë"]] })])] }),
      route({ name: "header-re", attach: [{ listener: 0 }], rules: [rule([match({ path: exact("/r"), headers: [["x-name", ".é+", "RegularExpression"]] })])] }),
      route({ name: "query", attach: [{ listener: 1 }], rules: [rule([match({ path: regex("/q.*"), query: [["k", "ü"]] })])] }),
    ],
  );
  const wasm = createWasmMatcher(module, snap);
  const reference = createReferenceMatcher(snap);
  const cases = [
    request({ host: "café.example.com", url: "/a/b" }),
    request({ host: "x.example.com", url: "/h", headers: { "x-name": "zoë" } }),
    request({ host: "x.example.com", url: "/h", headers: { "x-name": "zoe" } }),
    request({ host: "x.example.com", url: "/r", headers: { "x-name": "aéé" } }),
    request({ host: "x.example.com", url: "/r" }),
    request({ host: "other.org", url: "/q/ü?k=ü" }),
    request({ host: "other.org", url: "/q?k=%C3%BC" }),
    request({ host: "other.org", url: "/q?k=\ud800" }),
    // Fits the buffer in UTF-16 code units (40,000 < 65,536) but not as UTF-8 (80,000 bytes): the reference answers.
    request({ host: "x.example.com", url: "/h", headers: { "x-name": "é".repeat(40_000) } }),
    request({ host: "café.example.com", url: "/a/" + "é".repeat(40_000) }),
    // Many "/" (the wasm records 8,192) under a host-keyed group, below and beyond the limit (beyond: the reference answers).
    request({ host: "café.example.com", url: "/a" + "/b".repeat(5_000) }),
    request({ host: "café.example.com", url: "/a" + "/b".repeat(9_000) }),
    request({ host: "x.example.com", url: "/h" + "/".repeat(9_000), headers: { "x-name": "zoë" } }),
  ];
  it.each(cases.map((r, i) => [i, r] as const))("request %i answers as the reference matcher", (_, r) => {
    expect(wasm.match(r)).toEqual(reference.match(r));
  });
  it("finds the routes the non-ASCII values name", () => {
    expect(wasm.match(cases[0]!)).toMatchObject({ kind: "match", route: 0 });
    expect(wasm.match(cases[1]!)).toMatchObject({ kind: "match", route: 1 });
    expect(wasm.match(cases[3]!)).toMatchObject({ kind: "match", route: 2 });
    expect(wasm.match(cases[5]!)).toMatchObject({ kind: "match", route: 3 });
    expect(wasm.match(cases[6]!)).toMatchObject({ kind: "match", route: 3 });
    expect(wasm.match(cases[9]!)).toMatchObject({ kind: "match", route: 0 });
    expect(wasm.match(cases[10]!)).toMatchObject({ kind: "match", route: 0 });
    expect(wasm.match(cases[11]!)).toMatchObject({ kind: "match", route: 0 });
  });
  it("returns a new result object per call (callers may keep results)", () => {
    const a = wasm.match(cases[0]!);
    const b = wasm.match(cases[1]!);
    expect(a).not.toBe(b);
    expect(a).toMatchObject({ route: 0 });
  });
  it("matchInto writes the caller's object and returns it, every field overwritten", () => {
    const out = newMatchOutcome();
    expect(wasm.matchInto(cases[1]!, out)).toBe(out);
    expect(out).toEqual({ kind: "match", listener: 0, route: 1, rule: 0, match: 0 });
    expect(wasm.matchInto(request({ host: "x.example.com", url: "/nothing" }), out)).toEqual({ kind: "no-route", listener: 0, route: -1, rule: -1, match: -1 });
    expect(wasm.matchInto(request({ host: "x.example.com", url: "/a", port: 8080 }), out)).toEqual({ kind: "no-listener", listener: -1, route: -1, rule: -1, match: -1 });
  });
});

// The wrapper keeps Gateway API's nine method names in the request buffer and points a request with one of them
// there; any other method is copied with the request's strings. Each must still compare as its own bytes, also after
// a request that filled the buffer with non-ASCII bytes up to its end.
describe("wasm matcher: method names", () => {
  const methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "PURGE", "GETS", "GE", "get"];
  const snap = snapshot(
    [listener(null)],
    [
      route({ name: "by-method", rules: methods.map((method) => rule([match({ path: prefix("/m"), method })])) }),
      route({ name: "tail", rules: [rule([match({ path: prefix("/t") })])] }),
    ],
  );
  const wasm = createWasmMatcher(module, snap);
  const reference = createReferenceMatcher(snap);
  it.each(methods.map((m, i) => [m, i] as const))("%s selects its own rule", (method, i) => {
    expect(wasm.match(request({ method, url: "/m/x" }))).toEqual({ kind: "match", listener: 0, route: 0, rule: i, match: 0 });
  });
  it.each(["POS", "POSTS", "Get", ""])("%j matches no method rule", (method) => {
    expect(wasm.match(request({ method, url: "/m" }))).toEqual({ kind: "no-route", listener: 0 });
  });
  it("keeps the method names intact after requests as long as the buffer", () => {
    for (const n of [65_000, 65_470, 65_500, 65_530, 32_760, 21_840]) {
      const long = request({ method: "PATCH", url: "/t/" + "é".repeat(n / 2) });
      expect(wasm.match(long)).toEqual(reference.match(long));
      const ascii = request({ method: "TRACE", url: "/t/" + "a".repeat(n) });
      expect(wasm.match(ascii)).toEqual(reference.match(ascii));
      for (const [i, method] of methods.entries()) expect(wasm.match(request({ method, url: "/m" }))).toMatchObject({ rule: i });
    }
  });
});

// A runtime hash slot holds a key's first 28 bytes and compares the rest in the table's pool: keys that share their
// first 28 bytes (or more) and differ after them, or differ only in length, must still tell apart.
describe("wasm matcher: keys longer than a runtime slot holds", () => {
  const common = "/a-path-prefix-of-exactly-28"; // 28 bytes
  const snap = snapshot(
    [listener()],
    [
      route({ name: "p1", rules: [rule([match({ path: prefix(`${common}/one`) })])] }),
      route({ name: "p2", rules: [rule([match({ path: prefix(`${common}/two`) })])] }),
      route({ name: "e28", rules: [rule([match({ path: exact(common) })])] }),
      route({ name: "e29", rules: [rule([match({ path: exact(`${common}x`) })])] }),
      route({ name: "e27", rules: [rule([match({ path: exact(common.slice(0, 27)) })])] }),
    ],
  );
  const wasm = createWasmMatcher(module, snap);
  const reference = createReferenceMatcher(snap);
  const urls = [`${common}/one`, `${common}/one/deeper`, `${common}/two/x`, `${common}/three`, common, `${common}x`, `${common}y`, common.slice(0, 27), `${common}/on`];
  it.each(urls)("%s answers as the reference matcher", (url) => {
    expect(wasm.match(request({ url }))).toEqual(reference.match(request({ url })));
  });
  it("finds each route by its full key", () => {
    expect(wasm.match(request({ url: `${common}/two/x` }))).toMatchObject({ kind: "match", route: 1 });
    expect(wasm.match(request({ url: common }))).toMatchObject({ kind: "match", route: 2 });
    expect(wasm.match(request({ url: `${common}x` }))).toMatchObject({ kind: "match", route: 3 });
    expect(wasm.match(request({ url: `${common}y` })).kind).toBe("no-route");
  });
  it("does not take a path whose hash collides with a key's for that key (the bytes past the slot's 28 are compared)", () => {
    // Two 36-byte paths with the first 28 bytes in common and the same key hash (found by search, then pinned).
    const [a, b] = [`${common}/0069066`, `${common}/0106505`];
    const bytes = (s: string) => new TextEncoder().encode(s);
    expect(keyHash(bytes(a))).toBe(keyHash(bytes(b)));
    const collide = snapshot([listener()], [route({ name: "a", rules: [rule([match({ path: exact(a) })])] })]);
    const m = createWasmMatcher(module, collide);
    expect(m.match(request({ url: a }))).toMatchObject({ kind: "match", route: 0 });
    expect(m.match(request({ url: b })).kind).toBe("no-route");
  });
});

// docs/regex.md "Worst case": one request may spend REGEX_REQUEST_STEPS (2^20) regex steps; after that its regex
// conditions do not match. `.*a[ab]{1000}` ("an a 1,000 characters before the end") keeps up to 1,000 NFA threads
// alive on a run of a's and has more DFA states than any cache holds: the worst case the budget exists for.
describe("wasm matcher: regex step budget", () => {
  const snap = snapshot(
    [listener()],
    [
      route({
        name: "r",
        rules: [rule([match({ path: exact("/x"), headers: [["x-h", ".*a[ab]{1000}", "RegularExpression"]] })]), rule([match({ path: exact("/x") })])],
      }),
    ],
  );
  const wasm = createWasmMatcher(module, snap);
  const reference = createReferenceMatcher(snap);
  const withValue = (value: string) => request({ url: "/x", headers: { "x-h": value } });

  it("evaluates a value within the budget exactly", () => {
    const r = withValue("a".repeat(1_001));
    expect(wasm.match(r)).toMatchObject({ kind: "match", rule: 0 });
    expect(wasm.match(r)).toEqual(reference.match(r));
    expect(wasm.match(withValue("b" + "a".repeat(1_000)))).toMatchObject({ kind: "match", rule: 1 });
  });

  it("stops a regex beyond the budget: the condition does not match, later rules still do", () => {
    const r = withValue("a".repeat(16_384));
    expect(reference.match(r)).toMatchObject({ kind: "match", rule: 0 });
    expect(wasm.match(r)).toMatchObject({ kind: "match", rule: 1 });
  });

  it("gives every request a fresh budget", () => {
    wasm.match(withValue("a".repeat(16_384)));
    expect(wasm.match(withValue("a".repeat(1_001)))).toMatchObject({ kind: "match", rule: 0 });
  });
});

// The compiler and the wasm place a key at floor(fullHash * slotCount / 2^32); the JS side computes it in doubles.
describe("hash home slot", () => {
  it("is floor(full * count / 2^32) exactly, up to 2^26 slots", () => {
    let x = 12345;
    const cases: [number, number][] = [[0xffffffff, 2 ** 26 - 1], [0xffffffff, 1], [0, 5], [0x80000000, 3]];
    for (let i = 0; i < 10_000; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      cases.push([x >>> 0, 1 + (Math.imul(i, 0x9e3779b1) >>> 0) % 2 ** 26]);
    }
    for (const [full, count] of cases) expect(homeSlot(full, count)).toBe(Number((BigInt(full) * BigInt(count)) >> 32n));
  });
});
