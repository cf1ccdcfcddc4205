/**
 * The route-level tie-breaks of precedence.ts (spec §3 tie-breaks 6 and 7): creationTime reads the timestamps
 * Kubernetes writes without Date.parse and must agree with it on every input; routeOrder's numeric path (routes
 * already in name order, as the compiler sorts them) must give the ranks its comparator path gives.
 */
import { describe, expect, it } from "vitest";
import type { Route } from "../../schema/snapshot.ts";
import { compareRouteNames, creationTime, creationTimes, namesAscending, routeOrder } from "../src/precedence.ts";
import { rng } from "./regex-fixtures/grammar.ts";
import { match, route, rule } from "./snapshot-builder.ts";

/** Date.parse as the table orders it: an unparsable timestamp sorts last. */
const parsed = (s: string): number => {
  const t = Date.parse(s);
  return Number.isNaN(t) ? Number.MAX_SAFE_INTEGER : t;
};

describe("creationTime", () => {
  it("agrees with Date.parse on edge cases", () => {
    const cases = [
      "2024-01-01T00:00:00Z",
      "1970-01-01T00:00:00Z",
      "1969-12-31T23:59:59Z",
      "0000-01-01T00:00:00Z",
      "0099-06-15T12:00:00Z",
      "9999-12-31T23:59:59Z",
      "2024-02-29T00:00:00Z",
      "2023-02-29T00:00:00Z",
      "2023-02-31T10:00:00Z",
      "2023-04-31T00:00:00Z",
      "2023-01-01T24:00:00Z",
      "2023-01-01T23:60:00Z",
      "2023-01-01T23:59:60Z",
      "2023-00-01T00:00:00Z",
      "2023-13-01T00:00:00Z",
      "2023-01-00T00:00:00Z",
      "2023-01-32T00:00:00Z",
      "2023-01-01t00:00:00z",
      "2023-01-01T00:00:00.5Z",
      "2023-01-01T00:00:00+01:00",
      "2023-01-01 00:00:00Z",
      "2023-1-01T00:00:00Z",
      "2023-01-01T00:00:0xZ",
      "+2023-01-01T00:00:0Z",
      "",
      "not a time",
    ];
    for (const s of cases) expect([s, creationTime(s)]).toEqual([s, parsed(s)]);
  });

  it("agrees with Date.parse on random timestamps of the Kubernetes form", () => {
    const random = rng(7);
    const int = (n: number) => Math.floor(random() * n);
    const pad = (v: number, n: number) => String(v).padStart(n, "0");
    for (let i = 0; i < 20_000; i++) {
      const s = `${pad(int(10_000), 4)}-${pad(int(14), 2)}-${pad(int(33), 2)}T${pad(int(26), 2)}:${pad(int(62), 2)}:${pad(int(62), 2)}Z`;
      expect([s, creationTime(s)]).toEqual([s, parsed(s)]);
    }
  });
});

describe("routeOrder", () => {
  /** Routes with few distinct names and times, so both tie-breaks are exercised. */
  const randomRoutes = (count: number, seed: number): Route[] => {
    const random = rng(seed);
    const int = (n: number) => Math.floor(random() * n);
    const times = ["2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", "2023-06-01T12:00:00Z", "2024-01-01T00:00:00.500Z", "bad", "1960-01-01T00:00:00Z"];
    return Array.from({ length: count }, () =>
      route({ namespace: ["a", "a-b", "ab", "b"][int(4)]!, name: `r${int(count)}`, created: times[int(times.length)]!, rules: [rule([match({ path: { type: "PathPrefix", value: "/" } })])] }),
    );
  };

  it("ranks routes in name order by time, then index, as the comparator does", () => {
    for (const seed of [1, 2, 3]) {
      const routes = randomRoutes(500, seed).sort(compareRouteNames);
      expect(namesAscending(routes)).toBe(true);
      const created = creationTimes(routes);
      const numeric = routeOrder(routes, created, true);
      expect(numeric).toEqual(routeOrder(routes, created, false));
      expect([...numeric].sort((a, b) => a - b)).toEqual(routes.map((_, i) => i));
    }
  });

  it("falls back to distinct time positions when the spread of times is too wide for one number", () => {
    const routes = ["1000-01-01T00:00:00Z", "9999-01-01T00:00:00Z", "bad", "5000-01-01T00:00:00Z"].flatMap((created, i) =>
      Array.from({ length: 200 }, (_, k) => route({ namespace: "ns", name: `r${String(i * 200 + k).padStart(4, "0")}`, created, rules: [] })),
    );
    expect(namesAscending(routes)).toBe(true);
    const created = creationTimes(routes);
    expect(routeOrder(routes, created, true)).toEqual(routeOrder(routes, created, false));
  });

  it("compares {namespace}/{name} as the joined strings do", () => {
    const names = ["a", "a-b", "a/b", "ab", "b", "", "A"];
    for (const ns1 of names) {
      for (const n1 of names) {
        for (const ns2 of names) {
          for (const n2 of names) {
            const x = `${ns1}/${n1}`;
            const y = `${ns2}/${n2}`;
            const a = route({ namespace: ns1, name: n1, rules: [] });
            const b = route({ namespace: ns2, name: n2, rules: [] });
            expect(Math.sign(compareRouteNames(a, b))).toBe(x < y ? -1 : x > y ? 1 : 0);
          }
        }
      }
    }
  });

  it("sorts out-of-order names with the comparator", () => {
    const routes = randomRoutes(300, 9);
    expect(namesAscending(routes)).toBe(false);
    const rank = routeOrder(routes);
    const expected = routes
      .map((r, index) => ({ index, time: parsed(r.creationTimestamp), name: `${r.namespace}/${r.name}` }))
      .sort((a, b) => a.time - b.time || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || a.index - b.index)
      .map((e) => e.index);
    expect(expected.map((index) => rank[index])).toEqual(routes.map((_, i) => i));
  });
});
