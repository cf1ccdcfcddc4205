/**
 * Differential test: random route tables and random requests, the wasm matcher against the reference matcher.
 * Seeded (MATCHER_DIFF_SEED overrides) and bounded; prints how many comparisons ran. Any divergence fails with the
 * seed and the request so it can be replayed.
 */
import { expect, it } from "vitest";
import type { Listener, Match, Snapshot } from "../../schema/snapshot.ts";
import { newMatchOutcome, writeOutcome } from "../src/api.ts";
import { createReferenceMatcher } from "../src/reference.ts";
import { loadMatcherModule } from "../src/load-node.ts";
import { createWasmMatcher } from "../src/wasm.ts";
import { listener, match, request, route, rule, snapshot, type RequestSpec } from "./snapshot-builder.ts";

const SEED = Number(process.env.MATCHER_DIFF_SEED ?? 20240601);
const SNAPSHOTS = 300;
const REQUESTS_PER_SNAPSHOT = 120;

type Rng = () => number;

function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;
const count = (rng: Rng, max: number): number => Math.floor(rng() * (max + 1));

const HOST_PATTERNS = [null, "a.com", "*.a.com", "x.a.com", "*.x.a.com", "b.org", "*.org"] as const;
const HOSTS = ["a.com", "x.a.com", "y.x.a.com", "z.a.com", "b.org", "c.b.org", "c.net", ".a.com"];
const PATHS = ["/", "/a", "/a/", "/a/b", "/ab", "/a/b/c", "/b", "/b/c", "/caf\u00e9", "/a/b/"];
const REGEXES = ["/a/.*", "/[ab]+", "/a/b|/b", "/.*c", "/a(/b)?", "/\\w+/\\w+"];
const REQUEST_PATHS = ["/", "", "//", "/a", "/a/", "/a/b", "/a/b/c", "/a/bc", "/ab", "/b/c/d", "/caf\u00e9", "/a%2Fb", "/abc", "/b"];
const QUERIES = ["", "q=1", "q=2&q=1", "Q=1", "%71=1", "q=1&r=2", "r=%32", "q", "q=&q=1", "r=2+2", "q=1&Q=2&r=22"];
const TIMES = ["2024-01-01T00:00:00Z", "2023-05-01T00:00:00Z", "2024-01-01T00:00:00Z", "not-a-date"];

function randomMatch(rng: Rng): Match {
  const t = rng();
  const path: Match["path"] =
    t < 0.3 ? { type: "Exact", value: pick(rng, PATHS) } : t < 0.8 ? { type: "PathPrefix", value: pick(rng, PATHS) } : { type: "RegularExpression", value: pick(rng, REGEXES) };
  const strings = (names: string[], values: string[], regexes: string[]): [string, string, "Exact" | "RegularExpression"][] =>
    Array.from({ length: rng() < 0.6 ? 0 : 1 + count(rng, 1) }, () => (rng() < 0.75 ? [pick(rng, names), pick(rng, values), "Exact"] : [pick(rng, names), pick(rng, regexes), "RegularExpression"]));
  return match({
    path,
    headers: strings(["x", "y"], ["1", "2", ""], ["[12]", ".*", "2+"]),
    query: strings(["q", "Q", "r"], ["1", "2", "", "22", "2 2", "2+2"], ["[12]", ".*", "2+"]),
    ...(rng() < 0.3 ? { method: pick(rng, ["GET", "POST"]) } : {}),
  });
}

function randomSnapshot(rng: Rng): Snapshot {
  const listeners: Listener[] = Array.from({ length: 1 + count(rng, 3) }, (_, i) =>
    listener(pick(rng, HOST_PATTERNS), pick(rng, [80, 80, 8080]), rng() < 0.8 ? "HTTP" : "HTTPS", `l${i}`),
  );
  const routes = Array.from({ length: 1 + count(rng, 11) }, (_, i) =>
    route({
      name: `r${i}-${pick(rng, ["a", "b"])}`,
      namespace: pick(rng, ["ns1", "ns2"]),
      created: pick(rng, TIMES),
      attach: Array.from({ length: 1 + count(rng, 1) }, () => ({
        listener: count(rng, listeners.length - 1),
        hostnames: Array.from({ length: count(rng, 2) }, () => pick(rng, HOST_PATTERNS) ?? "a.com"),
      })),
      rules: Array.from({ length: 1 + count(rng, 2) }, () => rule(Array.from({ length: 1 + count(rng, 2) }, () => randomMatch(rng)))),
    }),
  );
  return snapshot(listeners, routes);
}

/** Mostly requests aimed at one of the snapshot's listeners (so routes get exercised), sometimes anything. */
function randomRequest(rng: Rng, snap: Snapshot): RequestSpec {
  const aimed = rng() < 0.8 ? pick(rng, snap.listeners) : null;
  const scheme = aimed ? (aimed.protocol === "HTTPS" ? "https" : "http") : rng() < 0.8 ? "http" : "https";
  const host = aimed?.hostname ? (aimed.hostname.startsWith("*.") ? pick(rng, ["y", "x.y"]) + aimed.hostname.slice(1) : aimed.hostname) : pick(rng, HOSTS);
  const query = pick(rng, QUERIES);
  const headers: Record<string, string> = {};
  if (rng() < 0.5) headers.x = pick(rng, ["1", "2", "", "22"]);
  if (rng() < 0.5) headers.y = pick(rng, ["1", "2"]);
  return {
    method: pick(rng, ["GET", "GET", "POST", "PUT"]),
    scheme,
    port: aimed?.port ?? pick(rng, [80, 8080, 443]),
    host: rng() < 0.7 ? host : pick(rng, HOSTS),
    url: pick(rng, REQUEST_PATHS) + (query === "" ? "" : `?${query}`),
    headers,
  };
}

it(`wasm and reference agree on random tables (seed ${SEED})`, () => {
  const module = loadMatcherModule();
  const rng = mulberry32(SEED);
  let compared = 0;
  let matched = 0;
  let diverged = 0;
  const divergences: string[] = [];
  // One outcome object for the whole run, as the worker keeps one per isolate.
  const out = newMatchOutcome();
  for (let s = 0; s < SNAPSHOTS; s++) {
    const snap = randomSnapshot(rng);
    const reference = createReferenceMatcher(snap);
    const wasm = createWasmMatcher(module, snap);
    for (let r = 0; r < REQUESTS_PER_SNAPSHOT; r++) {
      const spec = randomRequest(rng, snap);
      const want = reference.match(request(spec));
      const got = wasm.match(request(spec));
      const into = wasm.matchInto(request(spec), out);
      compared++;
      if (want.kind === "match") matched++;
      if (JSON.stringify(got) === JSON.stringify(want) && JSON.stringify(into) === JSON.stringify(writeOutcome(want, newMatchOutcome()))) continue;
      diverged++;
      if (divergences.length < 5) {
        divergences.push(`snapshot #${s} ${JSON.stringify(spec)}: wasm ${JSON.stringify(got)} (matchInto ${JSON.stringify(into)}) reference ${JSON.stringify(want)}`);
      }
    }
  }
  console.log(`differential: ${SNAPSHOTS} snapshots, ${compared} requests, ${matched} matched a route, ${diverged} divergences, 0 traps`);
  expect(divergences).toEqual([]);
  // The generator must exercise real matches, not just 404s.
  expect(matched).toBeGreaterThan(compared / 8);
});
