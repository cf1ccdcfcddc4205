/**
 * The fast path of readSnapshotJson (fillSnapshotInPlace) against valibot's schema (validateSnapshot), on seeded
 * random wire snapshots: every field a schema default allows left out or written out, then, in most runs, one value
 * changed (to a value near a limit, of another type, or random JSON), removed, or one unknown key added. The fast path
 * must accept exactly what the schema accepts, give the same snapshot, and leave to valibot what it does not cover
 * (unknown keys, which valibot's output drops); readSnapshotJson must answer as validateSnapshot does, problems included.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SCHEMA_VERSION, validateSnapshot } from "./snapshot.ts";
import { fillSnapshotInPlace, readSnapshotJson } from "./snapshot-read.ts";

const SEED = 20261201;
const text = fc.constantFrom("", "a", "team-000", "/api/v1", "é", "x".repeat(254));
const name = fc.constantFrom("a", "team-000", "x".repeat(253));
const headerName = fc.constantFrom("x-a", "content-type", "x_b~1");
const origin = fc.constantFrom("http://a.example", "https://b.example:8443", "http://198.51.100.7:8080/", "http://[::1]:8080");
const int = (min: number, max: number) => fc.integer({ min, max });
const list = <T>(item: fc.Arbitrary<T>) => fc.array(item, { maxLength: 2 });

const headerValue = fc.record({ name: headerName, value: text });
const headerModifier = fc.record({ set: list(headerValue), add: list(headerValue), remove: list(headerName) });
const pathModifier = fc.oneof(
  fc.record({ type: fc.constant("ReplaceFullPath"), value: text }),
  fc.record({ type: fc.constant("ReplacePrefixMatch"), value: text, prefix: text }),
);
const protocol = fc.constantFrom("http", "h2c", "ws");
const backendRef = fc.record({ ref: text, origin, protocol, hostOverride: fc.boolean() }, { requiredKeys: ["ref", "origin"] });
const cors = fc.record({
  allowOrigins: list(text),
  allowCredentials: fc.boolean(),
  allowMethods: list(text),
  allowHeaders: list(text),
  exposeHeaders: list(text),
  maxAge: int(0, 86_400),
});
const filter = fc.oneof(
  fc.record({ type: fc.constantFrom("RequestHeaderModifier", "ResponseHeaderModifier"), modifier: headerModifier }),
  fc.record({
    type: fc.constant("RequestRedirect"),
    scheme: fc.constantFrom(null, "http", "https"),
    hostname: fc.option(text),
    port: fc.option(int(1, 65535)),
    statusCode: fc.constantFrom(301, 302, 303, 307, 308),
    path: fc.option(pathModifier),
  }),
  fc.record({ type: fc.constant("URLRewrite"), hostname: fc.option(text), path: fc.option(pathModifier) }),
  fc.record({ type: fc.constant("RequestMirror"), mirror: fc.record({ backend: backendRef, numerator: int(0, 100), denominator: int(1, 100) }) }),
  fc.record({ type: fc.constant("CORS"), cors }),
  fc.record({ type: fc.constant("DirectResponse"), status: int(200, 599), reason: text }),
);
const target = fc.record({ ref: text, origin, protocol, hostOverride: fc.boolean() }, { requiredKeys: ["origin"] });
const backend = fc.record(
  { weight: int(0, 1_000_000), ref: text, target: fc.option(target), status: int(100, 599), reason: text, filters: list(filter) },
  { requiredKeys: ["ref"] },
);
const stringMatch = fc.record({ type: fc.constantFrom("Exact", "RegularExpression"), name: text, value: text });
const match = fc.record(
  {
    path: fc.record({ type: fc.constantFrom("Exact", "PathPrefix", "RegularExpression"), value: text }),
    headers: list(stringMatch),
    queryParams: list(stringMatch),
    method: fc.option(fc.constantFrom("GET", "POST")),
  },
  { requiredKeys: ["path"] },
);
const retry = fc.record({ codes: list(int(100, 599)), attempts: int(0, 5), backoffMs: int(0, 1000), retryConnectionErrors: fc.boolean(), retryNonIdempotent: fc.boolean() });
const rule = fc.record(
  {
    index: int(0, 10),
    name: fc.option(text),
    matches: fc.array(match, { minLength: 1, maxLength: 2 }),
    filters: list(filter),
    backends: list(backend),
    timeouts: fc.record({ requestMs: int(0, 100_000), backendRequestMs: int(0, 100_000) }),
    retry: fc.option(retry),
  },
  { requiredKeys: ["index", "matches"] },
);
const route = fc.record({
  namespace: name,
  name,
  creationTimestamp: text,
  generation: int(0, 5),
  attachments: list(fc.record({ listener: int(0, 3), hostnames: list(text) })),
  rules: list(rule),
});
const listener = fc.record({ name, port: int(1, 65535), protocol: fc.constantFrom("HTTP", "HTTPS"), hostname: fc.option(text) });
const wireSnapshot = fc.record({
  schemaVersion: fc.constant(SCHEMA_VERSION),
  gateway: fc.record({ namespace: name, name, generation: int(0, 5) }),
  listeners: list(listener),
  routes: fc.array(route, { maxLength: 3 }),
});

/** Numbers at and next to the schema's limits. */
const NUMBERS = [-1, 0, 1, 1.5, 3, 99, 100, 199, 200, 301, 304, 599, 600, 65535, 65536, 1_000_000, 1_000_001];
/** Strings the schema's string checks care about. */
const STRINGS = ["", "x", "x".repeat(254), "http", "HTTP", "Exact", "X-Up", "x a", "ftp://a.example", "http://u:p@a.example", "http://a.example/?q", "http://a.example/#f", "not a url"];
/** Values of other types; `undefined` removes the value. */
const OTHERS: unknown[] = [undefined, null, true, 0, "x", [], {}, [{}], { type: "CORS" }, { type: "Nope" }];
const EVERY_REPLACEMENT = [...NUMBERS, ...STRINGS, ...OTHERS];

/** A valid wire snapshot holding every object of the schema, and each optional field both left out and written out. */
const FULL = {
  schemaVersion: SCHEMA_VERSION,
  gateway: { namespace: "ns", name: "gw", generation: 1 },
  listeners: [{ name: "http", port: 80, protocol: "HTTP", hostname: null }, { name: "https", port: 443, protocol: "HTTPS", hostname: "*.example.com" }],
  routes: [{
    namespace: "ns", name: "r", creationTimestamp: "2026-01-01T00:00:00Z", generation: 1,
    attachments: [{ listener: 0, hostnames: ["a.example"] }],
    rules: [
      { index: 0, matches: [{ path: { type: "PathPrefix", value: "/" } }], backends: [{ ref: "ns/a:80", target: { origin: "http://a.example" } }] },
      {
        index: 1, name: "full",
        matches: [{ path: { type: "Exact", value: "/x" }, headers: [{ type: "Exact", name: "x-a", value: "1" }], queryParams: [{ type: "RegularExpression", name: "q", value: "v" }], method: "GET" }],
        filters: [
          { type: "RequestHeaderModifier", modifier: { set: [{ name: "x-s", value: "1" }], add: [{ name: "x-a", value: "2" }], remove: ["x-r"] } },
          { type: "ResponseHeaderModifier", modifier: { set: [], add: [], remove: [] } },
          { type: "RequestRedirect", scheme: "https", hostname: "b.example", port: 8443, statusCode: 301, path: { type: "ReplaceFullPath", value: "/y" } },
          { type: "RequestRedirect", scheme: null, hostname: null, port: null, statusCode: 302, path: null },
          { type: "URLRewrite", hostname: "c.example", path: { type: "ReplacePrefixMatch", value: "/", prefix: "/x" } },
          { type: "RequestMirror", mirror: { backend: { ref: "ns/m:80", origin: "http://m.example", protocol: "h2c", hostOverride: true }, numerator: 1, denominator: 100 } },
          { type: "CORS", cors: { allowOrigins: ["https://a.example"], allowCredentials: true, allowMethods: ["GET"], allowHeaders: ["x-a"], exposeHeaders: ["x-b"], maxAge: 600 } },
          { type: "DirectResponse", status: 500, reason: "UnsupportedValue" },
        ],
        backends: [
          { weight: 0, ref: "ns/gone:80", status: 500, reason: "BackendNotFound" },
          { weight: 3, ref: "ns/b:80", target: { ref: "other/b:81", origin: "https://b.example:8443", protocol: "ws", hostOverride: false }, filters: [{ type: "URLRewrite", hostname: null, path: null }] },
          { ref: "ns/c:80", target: null, status: 200, reason: "", filters: [] },
        ],
        timeouts: { requestMs: 10_000, backendRequestMs: 3000 },
        retry: { codes: [502, 503], attempts: 2, backoffMs: 100, retryConnectionErrors: true, retryNonIdempotent: false },
      },
      { index: 2, name: null, matches: [{ path: { type: "RegularExpression", value: "/r" }, headers: [], queryParams: [], method: null }], filters: [], backends: [], timeouts: { requestMs: 0, backendRequestMs: 0 }, retry: null },
    ],
  }],
};

interface Mutation {
  at: number;
  /** Which replacement: a number for a number, a string for a string, or another type (`other`). */
  pick: number;
  other: boolean;
  json: unknown;
  /** Add an unknown key to an object instead of changing a value. */
  addKey: boolean;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  pick: fc.nat(),
  other: fc.boolean(),
  json: fc.option(fc.jsonValue({ maxDepth: 2 }), { freq: 5, nil: undefined }),
  addKey: int(0, 5).map((n) => n === 0),
});

type Container = Record<string, unknown> | unknown[];

/** Every (container, key) of a JSON value, and its objects. */
function locations(value: unknown, out: { slots: [Container, string | number][]; objects: Record<string, unknown>[] }) {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      out.slots.push([value, i]);
      locations(item, out);
    });
  } else if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    out.objects.push(o);
    for (const key of Object.keys(o)) {
      out.slots.push([o, key]);
      locations(o[key], out);
    }
  }
  return out;
}

/** Replaces the value in the `at`-th slot (modulo their number); `undefined` removes it. */
function replaceAt(value: unknown, at: number, replacement: unknown): void {
  const { slots } = locations(value, { slots: [], objects: [] });
  const [container, key] = slots[at % slots.length]!;
  if (replacement !== undefined) (container as Record<string | number, unknown>)[key] = replacement;
  else if (Array.isArray(container)) container.splice(key as number, 1);
  else delete container[key as string];
}

function addKeyAt(value: unknown, at: number, extra: unknown): void {
  const { objects } = locations(value, { slots: [], objects: [] });
  objects[at % objects.length]!.unknownField = extra;
}

function mutate(value: unknown, m: Mutation): void {
  if (m.addKey) return addKeyAt(value, m.at, m.json ?? 1);
  const { slots } = locations(value, { slots: [], objects: [] });
  const [container, key] = slots[m.at % slots.length]!;
  const current = (container as Record<string | number, unknown>)[key];
  const pool = m.other ? OTHERS : typeof current === "number" ? NUMBERS : typeof current === "string" ? STRINGS : OTHERS;
  replaceAt(value, m.at, m.json !== undefined ? m.json : pool[m.pick % pool.length]);
}

/** The fast path and valibot on the same JSON text, each on its own parse. */
function compare(json: string, unknownKeys: boolean): { fast: boolean; valibot: boolean } {
  const fast = fillSnapshotInPlace(JSON.parse(json));
  const valibot = validateSnapshot(JSON.parse(json));
  if (fast !== null) {
    expect(valibot.ok).toBe(true);
    if (valibot.ok) expect(fast).toStrictEqual(valibot.value);
  } else if (!unknownKeys) {
    expect(valibot).toMatchObject({ ok: false });
  }
  expect(readSnapshotJson(json)).toStrictEqual(valibot);
  return { fast: fast !== null, valibot: valibot.ok };
}

describe("readSnapshotJson's fast path agrees with validateSnapshot", () => {
  it("on valid wire snapshots, every default left out or written out: accepted by both, the same snapshot", () => {
    fc.assert(
      fc.property(wireSnapshot, (snapshot) => {
        expect(compare(JSON.stringify(snapshot), false)).toEqual({ fast: true, valibot: true });
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("on snapshots with one value changed, removed, or an unknown key added", () => {
    let refused = 0;
    let accepted = 0;
    fc.assert(
      fc.property(wireSnapshot, mutation, (snapshot, m) => {
        mutate(snapshot, m);
        const { valibot } = compare(JSON.stringify(snapshot), m.addKey);
        if (valibot) accepted++;
        else refused++;
      }),
      { seed: SEED, numRuns: 3000 },
    );
    // Both outcomes were exercised, not only one.
    expect(refused).toBeGreaterThan(600);
    expect(accepted).toBeGreaterThan(600);
  });

  it("on a snapshot holding every object of the schema, with each value in turn changed to every test value or removed", () => {
    const json = JSON.stringify(FULL);
    expect(compare(json, false)).toEqual({ fast: true, valibot: true });
    const slots = locations(FULL, { slots: [], objects: [] }).slots.length;
    let refused = 0;
    for (let at = 0; at < slots; at++) {
      for (let pick = 0; pick < EVERY_REPLACEMENT.length; pick++) {
        const snapshot: unknown = JSON.parse(json);
        replaceAt(snapshot, at, EVERY_REPLACEMENT[pick]);
        if (!compare(JSON.stringify(snapshot), false).valibot) refused++;
      }
    }
    expect(refused).toBeGreaterThan(slots * 10);
  });

  it("on a snapshot holding every object of the schema, with an unknown key added to each object in turn", () => {
    const json = JSON.stringify(FULL);
    const objects = locations(FULL, { slots: [], objects: [] }).objects.length;
    for (let at = 0; at < objects; at++) {
      const snapshot: unknown = JSON.parse(json);
      addKeyAt(snapshot, at, "extra");
      // Objects the fast path makes anew drop the key as valibot does; the others are left to valibot.
      expect(compare(JSON.stringify(snapshot), true).valibot).toBe(true);
    }
  });

  it("leaves unknown keys to valibot, whose output drops them", () => {
    const json = JSON.stringify({ schemaVersion: SCHEMA_VERSION, gateway: { namespace: "ns", name: "gw", generation: 1, extra: true }, listeners: [], routes: [] });
    expect(fillSnapshotInPlace(JSON.parse(json))).toBeNull();
    const read = readSnapshotJson(json);
    expect(read.ok && read.value.gateway).toStrictEqual({ namespace: "ns", name: "gw", generation: 1 });
  });

  it("words the problems as validateSnapshot does, JSON that does not parse and other versions included", () => {
    expect(readSnapshotJson("{")).toMatchObject({ ok: false, problems: [expect.stringMatching(/^snapshot JSON does not parse: /)] });
    expect(readSnapshotJson(JSON.stringify({ schemaVersion: SCHEMA_VERSION + 1 }))).toStrictEqual({
      ok: false,
      problems: [`unsupported schemaVersion ${SCHEMA_VERSION + 1} (this build reads ${SCHEMA_VERSION})`],
    });
    const noMatches = { schemaVersion: SCHEMA_VERSION, gateway: { namespace: "ns", name: "gw", generation: 1 }, listeners: [], routes: [{ namespace: "ns", name: "r", creationTimestamp: "", generation: 1, attachments: [], rules: [{ index: 0, matches: [] }] }] };
    const read = readSnapshotJson(JSON.stringify(noMatches));
    expect(read).toStrictEqual(validateSnapshot(noMatches));
    expect(read.ok ? [] : read.problems).toEqual([expect.stringContaining("routes.0.rules.0.matches")]);
  });
});
