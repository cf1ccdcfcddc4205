/**
 * Route table bytes pinned by hash: compileRouteTable is rewritten for speed from time to time, and its output must
 * not move unless the format does (then bump TABLE_VERSION and regenerate with EDGEWAY_UPDATE_TABLE_HASHES=1, reading
 * the matcher suites' results rather than trusting the new hashes).
 *
 * Tables come from seeded random snapshots that use every feature the writer handles: listeners of every hostname
 * kind, exact and wildcard route hostnames, routes on several listeners or none, Exact / PathPrefix (with trailing
 * "/"s, and "/") / RegularExpression paths, header and query conditions (exact and regex, repeated names, mixed
 * case), methods, non-ASCII values, unusable regexes, equal and unparsable creation timestamps. Regex programs are
 * pinned the same way over generated patterns.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SCHEMA_VERSION, type Listener, type Match, type Route, type Snapshot, type StringMatch } from "../../schema/snapshot.ts";
import { compileRegex } from "../src/regex/compile.ts";
import { compileRouteTable } from "../src/table.ts";
import { compareRouteNames } from "../src/precedence.ts";
import { buildTableModel } from "../src/table-model.ts";
import { readRoutes } from "../src/table-read.ts";
import { flagsArbitrary, genArbitrary, renderRe2, rng, withFlags } from "./regex-fixtures/grammar.ts";
import { listener, match, route, rule } from "./snapshot-builder.ts";

const UPDATE = process.env.EDGEWAY_UPDATE_TABLE_HASHES === "1";

const sha256 = (bytes: Uint8Array | string): string => createHash("sha256").update(bytes).digest("hex");

/** A random Gateway snapshot of `routes` routes (same seed, same snapshot). */
function randomSnapshot(routes: number, seed: number): Snapshot {
  const random = rng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const chance = (p: number) => random() < p;
  const domains = Math.max(3, Math.ceil(routes / 20));
  const listeners: Listener[] = [
    listener(null, 80, "HTTP", "http"),
    listener(null, 443, "HTTPS", "https"),
    listener("*.apps.example.com", 443, "HTTPS", "apps"),
    listener("api.example.com", 8443, "HTTPS", "api"),
    listener("*.example.com", 8080, "HTTP", "wild"),
  ];
  const host = (): string => {
    switch (int(6)) {
      case 0:
        return `*.d${int(domains)}.example.com`;
      case 1:
        return `S${int(domains)}.Apps.Example.com`;
      case 2:
        return `x${int(domains)}.apps.example.com`;
      case 3:
        return "api.example.com";
      default:
        return `svc${int(domains)}.example.com`;
    }
  };
  const segment = () => pick(["api", "v1", "v2", "users", "items", "static", "ümlaut", "", "a-b"]);
  const path = (): Match["path"] => {
    const value = `/${segment()}/${segment()}${int(routes)}`;
    const roll = random();
    if (roll < 0.45) return { type: "PathPrefix", value: chance(0.2) ? `${value}//` : value };
    if (roll < 0.5) return { type: "PathPrefix", value: "/" };
    if (roll < 0.85) return { type: "Exact", value };
    if (roll < 0.97) return { type: "RegularExpression", value: `${value}/[0-9]+` };
    return { type: "RegularExpression", value: "/(unclosed" };
  };
  const strings = (names: string[], regexShare: number): [string, string, StringMatch["type"]][] =>
    Array.from({ length: int(4) === 0 ? int(4) + 1 : 0 }, () => {
      const regex = chance(regexShare);
      return [pick(names), regex ? pick(["[a-z]+", "v[0-9]{1,3}", "(?i)beta|canary", "(a"]) : pick(["1", "beta", "ünï", "x y"]), regex ? "RegularExpression" : "Exact"];
    });
  const list: Route[] = [];
  for (let i = 0; i < routes; i++) {
    const rules = Array.from({ length: 1 + int(3) }, () =>
      rule(
        Array.from({ length: 1 + int(3) }, () =>
          match({
            path: path(),
            headers: strings(["X-Tenant", "x-tenant", "X-Env", "accept"], 0.2),
            query: strings(["page", "Page", "debug"], 0.2),
            ...(chance(0.2) ? { method: pick(["GET", "POST", "DELETE"]) } : {}),
          }),
        ),
      ),
    );
    const attach = Array.from({ length: int(5) === 0 ? 0 : 1 + int(3) }, () => ({
      listener: int(listeners.length + 1),
      hostnames: Array.from({ length: int(3) }, host),
    }));
    const created = chance(0.05) ? "not a time" : `2024-01-${String(1 + int(28)).padStart(2, "0")}T00:00:00Z`;
    list.push(route({ name: `r${int(routes * 2)}`, namespace: `ns${int(7)}`, created, attach, rules }));
  }
  return { schemaVersion: SCHEMA_VERSION, gateway: { namespace: "gateway-ns", name: "gw", generation: 1 }, listeners, routes: list, routeTable: new Uint8Array(0) };
}

const TABLES: [routes: number, seed: number, sha256: string][] = [
  [1, 1, "6e78449bfe6feb08faf3c5c052dd1d138cc482ec41a62f1398517c58b2ac9016"],
  [2, 2, "7d5b7f7b79ad13fff8067531392902d77ab979015fd08ab01908195327c6d869"],
  [5, 3, "02461e56e6151d1121b680e2101068a30222871a7a688a2ebcc46e0a999d2005"],
  [10, 4, "738ef5c82e8839bf0e0c6b3c981ec6f70f9d171a89f4b5520867926f8e224827"],
  [40, 5, "e5fefafc460a0165353b836ea93a9b70d97b8ed0f1864c8fc8cb9211b758da89"],
  [100, 6, "d5179b5bb4fb74ddcc4fb0ad0acc01017ef323134028cd2b513a5a857ce97ea1"],
  [400, 7, "129259abd1497c11abead5b4ffb60318a93e4a2bcc2c26608f7218ecbb50f38e"],
  [1000, 8, "db557e28fb9646c743914f2292819efa7045fa1c36c30ef1e92eac6e36f35ca5"],
  [3000, 9, "4a2e7643accb20002398e9e13f459a4507d7f1945e80ec1dc5fe1f43e326afe2"],
];

describe("route table bytes", () => {
  for (const [routes, seed, expected] of TABLES) {
    it(`${routes} random routes (seed ${seed})`, () => {
      const table = compileRouteTable(randomSnapshot(routes, seed));
      if (UPDATE) console.log(`[${routes}, ${seed}, "${sha256(table)}"],`);
      else expect(sha256(table)).toBe(expected);
    });
  }

  it("the same snapshot compiled again (its regex programs now cached) gives the same bytes", () => {
    const snapshot = randomSnapshot(400, 13);
    expect(sha256(compileRouteTable(structuredClone(snapshot)))).toBe(sha256(compileRouteTable(snapshot)));
  });
});

describe("precedence sort", () => {
  it("packed keys and the comparator give the same table order", () => {
    for (const [routes, seed] of [[40, 11], [1000, 12]] as const) {
      const snapshot = randomSnapshot(routes, seed);
      const packed = buildTableModel(snapshot, true);
      const compared = buildTableModel(snapshot, false);
      expect(packed.layout.length).toBeGreaterThan(routes);
      expect(packed.layout).toEqual(compared.layout);
    }
  });

  it("so do they when path lengths spread the packed keys too wide for counting (positions among distinct keys)", () => {
    const snapshot = randomSnapshot(200, 15);
    for (const length of [70_000, 3, 150_000]) {
      snapshot.routes.push(route({ name: `long${length}`, attach: [{ listener: 0 }], rules: [rule([match({ path: { type: "PathPrefix", value: `/${"a".repeat(length)}` } })])] }));
    }
    const packed = buildTableModel(snapshot, true);
    expect(packed.layout).toEqual(buildTableModel(snapshot, false).layout);
  });

  it("routes in name order rank by time and index as the name comparator ranks them", () => {
    const snapshot = randomSnapshot(1000, 14);
    snapshot.routes.sort(compareRouteNames);
    const read = readRoutes(snapshot);
    expect(read.inNameOrder).toBe(true);
    const byNumbers = buildTableModel(snapshot, true, read);
    const slow = readRoutes(snapshot);
    slow.inNameOrder = false;
    expect(byNumbers.layout).toEqual(buildTableModel(snapshot, true, slow).layout);
  });
});

describe("regex programs", () => {
  it("4,000 generated patterns compile to pinned programs", () => {
    const all = createHash("sha256");
    let compiled = 0;
    for (const unicode of [false, true]) {
      const patterns = fc.sample(genArbitrary(unicode), { seed: 1234, numRuns: 2000 });
      const flags = fc.sample(flagsArbitrary, { seed: 99, numRuns: 2000 });
      patterns.forEach((g, i) => {
        const pattern = withFlags(renderRe2(g), flags[i]!);
        const result = compileRegex(pattern);
        all.update(result.ok ? result.program : `rejected ${pattern}`);
        if (result.ok) compiled++;
      });
    }
    const hash = all.digest("hex");
    if (UPDATE) console.log(`regex programs: ${compiled} compiled, "${hash}"`);
    else expect([compiled, hash]).toEqual([REGEX_COMPILED, REGEX_HASH]);
  });
});

const REGEX_COMPILED = 4000;
const REGEX_HASH = "4592c36570bd3338214b42e1d9cbeed1045e5d34e28bc504a5b8b8881deaa1cf";
