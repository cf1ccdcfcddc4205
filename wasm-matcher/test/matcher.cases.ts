/**
 * The shared case suite: every precedence example of gateway-api-semantics.md §1 and §3, every match type and the
 * edge cases, run against both matchers (reference.test.ts, wasm.test.ts). Expectations name routes, so a case reads
 * like the spec sentence it checks.
 */
import { expect, it } from "vitest";
import type { Snapshot } from "../../schema/snapshot.ts";
import { newMatchOutcome, writeOutcome, type Matcher, type MatchResult } from "../src/api.ts";
import { exact, listener, match, prefix, regex, request, route, rule, snapshot, type RequestSpec } from "./snapshot-builder.ts";

type Expect = { route: string; rule?: number; match?: number } | "no-listener" | { noRoute: number };

interface MatcherCase {
  name: string;
  snapshot: () => Snapshot;
  checks: [RequestSpec, Expect][];
}

const one = (...routes: Parameters<typeof route>[0][]): Snapshot => snapshot([listener()], routes.map(route));
const longPath = "/long" + "/segment".repeat(1200);
const hugePath = "/huge/" + "x".repeat(70_000);

export const matcherCases: MatcherCase[] = [
  // §3 examples from the conformance tests.
  {
    name: "path length beats query params: /path5?animal=hydra goes to PathPrefix /path5",
    snapshot: () => one({ name: "r", rules: [rule([match({ query: [["animal", "hydra"]] })]), rule([match({ path: prefix("/path5") })])] }),
    checks: [[{ url: "/path5?animal=hydra" }, { route: "r", rule: 1 }], [{ url: "/?animal=hydra" }, { route: "r", rule: 0 }]],
  },
  {
    name: "method beats headers: PATCH / with version: four goes to the method rule",
    snapshot: () => one({ name: "r", rules: [rule([match({ headers: [["version", "four"]] })]), rule([match({ method: "PATCH" })])] }),
    checks: [
      [{ method: "PATCH", headers: { version: "four" } }, { route: "r", rule: 1 }],
      [{ method: "GET", headers: { version: "four" } }, { route: "r", rule: 0 }],
    ],
  },
  {
    name: "headers beat query params: /?animal=hydra with version: four goes to the header rule",
    snapshot: () => one({ name: "r", rules: [rule([match({ query: [["animal", "hydra"]] })]), rule([match({ headers: [["version", "four"]] })])] }),
    checks: [[{ url: "/?animal=hydra", headers: { version: "four" } }, { route: "r", rule: 1 }]],
  },
  // §1 listeners.
  {
    name: "listener isolation: abc.foo.example.com only uses the abc.foo.example.com listener's routes",
    snapshot: () =>
      snapshot(
        [listener(null), listener("*.example.com"), listener("*.foo.example.com"), listener("abc.foo.example.com")],
        [
          route({ name: "empty", attach: [{ listener: 0 }], rules: [rule()] }),
          route({ name: "wild", attach: [{ listener: 1 }], rules: [rule()] }),
          route({ name: "foo-wild", attach: [{ listener: 2 }], rules: [rule()] }),
          route({ name: "abc", attach: [{ listener: 3 }], rules: [rule([match({ path: prefix("/abc") })])] }),
        ],
      ),
    checks: [
      [{ host: "abc.foo.example.com", url: "/abc/x" }, { route: "abc" }],
      [{ host: "abc.foo.example.com", url: "/" }, { noRoute: 3 }],
      [{ host: "x.foo.example.com" }, { route: "foo-wild" }],
      [{ host: "x.example.com" }, { route: "wild" }],
      [{ host: "example.com" }, { route: "empty" }],
      [{ host: "other.org" }, { route: "empty" }],
    ],
  },
  {
    name: "listener selection by port and protocol",
    snapshot: () =>
      snapshot([listener(null, 8080), listener(null, 443, "HTTPS")], [route({ name: "plain", attach: [{ listener: 0 }], rules: [rule()] }), route({ name: "tls", attach: [{ listener: 1 }], rules: [rule()] })]),
    checks: [
      [{ port: 8080 }, { route: "plain" }],
      [{ scheme: "https", port: 443 }, { route: "tls" }],
      [{ port: 80 }, "no-listener"],
      [{ scheme: "http", port: 443 }, "no-listener"],
      [{ scheme: "https", port: 8080 }, "no-listener"],
    ],
  },
  {
    name: "wildcard listener needs a label before the suffix",
    snapshot: () => snapshot([listener("*.example.com")], [route({ name: "r", rules: [rule()] })]),
    checks: [
      [{ host: "a.example.com" }, { route: "r" }],
      [{ host: "a.b.example.com" }, { route: "r" }],
      [{ host: "example.com" }, "no-listener"],
      [{ host: ".example.com" }, "no-listener"],
      [{ host: "aexample.com" }, "no-listener"],
    ],
  },
  {
    name: "route *.specific.com on listener very.specific.com serves only very.specific.com",
    snapshot: () => snapshot([listener("very.specific.com")], [route({ name: "r", attach: [{ listener: 0, hostnames: ["*.specific.com"] }], rules: [rule()] })]),
    checks: [
      [{ host: "very.specific.com" }, { route: "r" }],
      [{ host: "other.specific.com" }, "no-listener"],
    ],
  },
  {
    name: "across routes: exact hostname > longer wildcard > shorter wildcard > no hostname, falling through on no match",
    snapshot: () =>
      snapshot(
        [listener(null)],
        [
          route({ name: "any", rules: [rule()] }),
          route({ name: "wild", attach: [{ listener: 0, hostnames: ["*.example.com"] }], rules: [rule()] }),
          route({ name: "foo-wild", attach: [{ listener: 0, hostnames: ["*.foo.example.com"] }], rules: [rule([match({ path: prefix("/b") })])] }),
          route({ name: "exact", attach: [{ listener: 0, hostnames: ["bar.foo.example.com"] }], rules: [rule([match({ path: exact("/only") })])] }),
        ],
      ),
    checks: [
      [{ host: "bar.foo.example.com", url: "/only" }, { route: "exact" }],
      [{ host: "bar.foo.example.com", url: "/b/1" }, { route: "foo-wild" }],
      [{ host: "baz.foo.example.com", url: "/b" }, { route: "foo-wild" }],
      [{ host: "baz.foo.example.com", url: "/x" }, { route: "wild" }],
      [{ host: "x.example.com", url: "/b" }, { route: "wild" }],
      [{ host: "example.com" }, { route: "any" }],
      [{ host: "other.org" }, { route: "any" }],
    ],
  },
  {
    name: "a route without hostnames ranks like one naming the listener's hostname (then §3 decides)",
    snapshot: () =>
      snapshot(
        [listener("a.example.com")],
        [
          route({ name: "named", attach: [{ listener: 0, hostnames: ["a.example.com"] }], rules: [rule()] }),
          route({ name: "unnamed", rules: [rule([match({ path: prefix("/deep") })])] }),
        ],
      ),
    checks: [
      [{ host: "a.example.com", url: "/deep/x" }, { route: "unnamed" }],
      [{ host: "a.example.com", url: "/other" }, { route: "named" }],
    ],
  },
  // §3 match types.
  {
    name: "Exact path: case-sensitive full equality",
    snapshot: () => one({ name: "r", rules: [rule([match({ path: exact("/abc") })])] }),
    checks: [
      [{ url: "/abc" }, { route: "r" }],
      [{ url: "/abc/" }, { noRoute: 0 }],
      [{ url: "/Abc" }, { noRoute: 0 }],
      [{ url: "/abcd" }, { noRoute: 0 }],
    ],
  },
  {
    name: "PathPrefix: segment-wise, trailing slash of the value ignored",
    snapshot: () =>
      one({
        name: "r",
        rules: [rule([match({ path: prefix("/abc") })]), rule([match({ path: prefix("/v2") })]), rule([match({ path: prefix("/match/") })])],
      }),
    checks: [
      [{ url: "/abc" }, { route: "r", rule: 0 }],
      [{ url: "/abc/" }, { route: "r", rule: 0 }],
      [{ url: "/abc/def" }, { route: "r", rule: 0 }],
      [{ url: "/abcd" }, { noRoute: 0 }],
      [{ url: "/v2/" }, { route: "r", rule: 1 }],
      [{ url: "/v2/example" }, { route: "r", rule: 1 }],
      [{ url: "/v2example" }, { noRoute: 0 }],
      [{ url: "/match/any" }, { route: "r", rule: 2 }],
      [{ url: "/match" }, { route: "r", rule: 2 }],
      [{ url: "/ABC" }, { noRoute: 0 }],
    ],
  },
  {
    name: "RegularExpression path: full match",
    snapshot: () => one({ name: "r", rules: [rule([match({ path: regex("/r/[0-9]+") })])] }),
    checks: [
      [{ url: "/r/123" }, { route: "r" }],
      [{ url: "/r/123x" }, { noRoute: 0 }],
      [{ url: "/x/r/1" }, { noRoute: 0 }],
    ],
  },
  {
    name: "headers: Exact is case-sensitive, names arrive lower-case, absent never matches, first entry per name wins",
    snapshot: () =>
      one({
        name: "r",
        rules: [
          rule([match({ headers: [["version", "one"], ["version", "two"]] })]),
          rule([match({ headers: [["x-re", "v[0-9]+", "RegularExpression"]] })]),
          rule([match({ headers: [["x-any", ".*", "RegularExpression"]] })]),
        ],
      }),
    checks: [
      [{ headers: { Version: "one" } }, { route: "r", rule: 0 }],
      [{ headers: { version: "two" } }, { noRoute: 0 }],
      [{ headers: { version: "ONE" } }, { noRoute: 0 }],
      [{ headers: { "x-re": "v42" } }, { route: "r", rule: 1 }],
      [{ headers: { "x-re": "v42 " } }, { noRoute: 0 }],
      [{ headers: { "x-any": "" } }, { route: "r", rule: 2 }],
      [{}, { noRoute: 0 }],
    ],
  },
  {
    name: "query params: case-sensitive names, first value wins, percent-decoded, '+' literal, regex",
    snapshot: () =>
      one({
        name: "r",
        rules: [
          rule([match({ query: [["animal", "whale"]] })]),
          rule([match({ query: [["q", "a+b"]] })]),
          rule([match({ query: [["n", "[0-9]{3}", "RegularExpression"]] })]),
          rule([match({ query: [["empty", ""]] })]),
        ],
      }),
    checks: [
      [{ url: "/?animal=whale" }, { route: "r", rule: 0 }],
      [{ url: "/?ANIMAL=whale" }, { noRoute: 0 }],
      [{ url: "/?animal=whale&animal=dolphin" }, { route: "r", rule: 0 }],
      [{ url: "/?animal=dolphin&animal=whale" }, { noRoute: 0 }],
      [{ url: "/?x=1&%61nimal=%77hale" }, { route: "r", rule: 0 }],
      [{ url: "/?q=a+b" }, { route: "r", rule: 1 }],
      [{ url: "/?q=a%20b" }, { noRoute: 0 }],
      [{ url: "/?q=a%2Bb" }, { route: "r", rule: 1 }],
      [{ url: "/?n=123" }, { route: "r", rule: 2 }],
      [{ url: "/?n=1234" }, { noRoute: 0 }],
      [{ url: "/?empty" }, { route: "r", rule: 3 }],
      [{ url: "/?empty=&animal=whale" }, { route: "r", rule: 0 }],
      [{ url: "/?animal=wh%zzale" }, { noRoute: 0 }],
    ],
  },
  {
    name: "method: exact",
    snapshot: () => one({ name: "r", rules: [rule([match({ method: "POST" })])] }),
    checks: [
      [{ method: "POST" }, { route: "r" }],
      [{ method: "post" }, { noRoute: 0 }],
      [{ method: "GET" }, { noRoute: 0 }],
    ],
  },
  // §3 precedence, one criterion at a time.
  {
    name: "Exact beats RegularExpression beats PathPrefix; longer prefix and longer pattern first",
    snapshot: () =>
      one({
        name: "r",
        rules: [
          rule([match({ path: prefix("/a") })]),
          rule([match({ path: prefix("/a/b") })]),
          rule([match({ path: regex("/a/.*") })]),
          rule([match({ path: regex("/a/b/.*") })]),
          rule([match({ path: exact("/a/b/c") })]),
        ],
      }),
    checks: [
      [{ url: "/a/b/c" }, { route: "r", rule: 4 }],
      [{ url: "/a/b/d" }, { route: "r", rule: 3 }],
      [{ url: "/a/x" }, { route: "r", rule: 2 }],
      [{ url: "/a/b" }, { route: "r", rule: 2 }],
      [{ url: "/a" }, { route: "r", rule: 0 }],
    ],
  },
  {
    name: "the longest matching PathPrefix wins, whatever the rule order",
    snapshot: () =>
      one({
        name: "r",
        rules: [rule([match({ path: prefix("/") })]), rule([match({ path: prefix("/a") })]), rule([match({ path: prefix("/a/b/") })]), rule([match({ path: prefix("/a/b/c/d") })])],
      }),
    checks: [
      [{ url: "/a/b/c" }, { route: "r", rule: 2 }],
      [{ url: "/a/b/c/d/e" }, { route: "r", rule: 3 }],
      [{ url: "/a/bc" }, { route: "r", rule: 1 }],
      [{ url: "/b" }, { route: "r", rule: 0 }],
    ],
  },
  {
    name: "more headers beat fewer, more query params beat fewer",
    snapshot: () =>
      one({
        name: "r",
        rules: [
          rule([match({ headers: [["a", "1"]] })]),
          rule([match({ headers: [["a", "1"], ["b", "2"]] })]),
          rule([match({ query: [["x", "1"]] })]),
          rule([match({ query: [["x", "1"], ["y", "2"]] })]),
        ],
      }),
    checks: [
      [{ headers: { a: "1", b: "2" } }, { route: "r", rule: 1 }],
      [{ headers: { a: "1" } }, { route: "r", rule: 0 }],
      [{ url: "/?x=1&y=2" }, { route: "r", rule: 3 }],
      [{ url: "/?x=1&y=3" }, { route: "r", rule: 2 }],
    ],
  },
  {
    name: "oldest route wins, then namespace/name, then rule order, then match order",
    snapshot: () =>
      snapshot(
        [listener()],
        [
          route({ name: "a-new", created: "2024-06-01T00:00:00Z", rules: [rule([match({ path: prefix("/t") })])] }),
          route({ name: "z-old", created: "2023-01-01T00:00:00Z", rules: [rule([match({ path: prefix("/t") })])] }),
          route({ name: "b", namespace: "ns2", rules: [rule([match({ path: prefix("/n") })])] }),
          route({ name: "b", namespace: "ns1", rules: [rule([match({ path: prefix("/n") })])] }),
          route({ name: "multi", rules: [rule([match({ path: prefix("/q") }), match({ path: prefix("/m") })]), rule([match({ path: prefix("/m") })])] }),
        ],
      ),
    checks: [
      [{ url: "/t" }, { route: "z-old" }],
      [{ url: "/n" }, { route: "ns1/b" }],
      [{ url: "/m" }, { route: "multi", rule: 0, match: 1 }],
    ],
  },
  // Edge cases.
  {
    name: "edge paths: empty, //, percent-encoded and non-ASCII bytes",
    snapshot: () =>
      one({
        name: "r",
        rules: [rule([match({ path: prefix("/") })]), rule([match({ path: exact("/caf%C3%A9") })]), rule([match({ path: exact("/café") })]), rule([match({ path: exact("/") })])],
      }),
    checks: [
      [{ url: "" }, { route: "r", rule: 0 }],
      [{ url: "//" }, { route: "r", rule: 0 }],
      [{ url: "/" }, { route: "r", rule: 3 }],
      [{ url: "/caf%C3%A9" }, { route: "r", rule: 1 }],
      [{ url: "/café" }, { route: "r", rule: 2 }],
    ],
  },
  {
    name: "very long paths, within and beyond the wasm buffers",
    snapshot: () => one({ name: "r", rules: [rule([match({ path: prefix("/long/segment") })]), rule([match({ path: prefix("/huge") })])] }),
    checks: [
      [{ url: longPath }, { route: "r", rule: 0 }],
      [{ url: hugePath }, { route: "r", rule: 1 }],
      [{ url: "/x" + "/".repeat(5000) }, { noRoute: 0 }],
    ],
  },
  {
    name: "many headers on one match",
    snapshot: () => one({ name: "r", rules: [rule([match({ headers: Array.from({ length: 40 }, (_, i): [string, string] => [`h${i}`, `v${i}`]) })])] }),
    checks: [
      [{ headers: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`h${i}`, `v${i}`])) }, { route: "r" }],
      [{ headers: Object.fromEntries(Array.from({ length: 39 }, (_, i) => [`h${i}`, `v${i}`])) }, { noRoute: 0 }],
    ],
  },
  {
    name: "no listener, no route",
    snapshot: () => snapshot([listener("a.example.com")], [route({ name: "r", rules: [rule([match({ path: exact("/x") })])] })]),
    checks: [
      [{ host: "b.example.com", url: "/x" }, "no-listener"],
      [{ host: "a.example.com", url: "/y" }, { noRoute: 0 }],
    ],
  },
  {
    name: "a Gateway without listeners or routes",
    snapshot: () => snapshot([listener()], []),
    checks: [[{}, { noRoute: 0 }]],
  },
];

/** Defines one test per case against the matcher `make` builds. */
export function runMatcherCases(make: (s: Snapshot) => Matcher): void {
  for (const c of matcherCases) {
    it(c.name, () => {
      const s = c.snapshot();
      const matcher = make(s);
      // One outcome object for the whole case: each matchInto() must overwrite every field the previous one set.
      const out = newMatchOutcome();
      for (const [req, want] of c.checks) {
        const label = `${req.method ?? "GET"} ${req.host ?? "example.com"}${(req.url ?? "/").slice(0, 80)}`;
        const got = matcher.match(request(req));
        expect(describeResult(s, got), label).toEqual(describeExpect(want));
        expect({ ...matcher.matchInto(request(req), out) }, `matchInto ${label}`).toEqual(writeOutcome(got, newMatchOutcome()));
      }
    });
  }
}

function describeExpect(want: Expect): string {
  if (want === "no-listener") return "no-listener";
  if ("noRoute" in want) return `no-route on listener ${want.noRoute}`;
  const name = want.route.includes("/") ? want.route : `default/${want.route}`;
  return `${name} rule ${want.rule ?? 0} match ${want.match ?? 0}`;
}

function describeResult(s: Snapshot, got: MatchResult): string {
  if (got.kind === "no-listener") return "no-listener";
  if (got.kind === "no-route") return `no-route on listener ${got.listener}`;
  const r = s.routes[got.route]!;
  return `${r.namespace}/${r.name} rule ${got.rule} match ${got.match}`;
}
