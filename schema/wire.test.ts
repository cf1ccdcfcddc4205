import { expect, it } from "vitest";
import { canonicalJson } from "./canonical.ts";
import { SCHEMA_VERSION, validateSnapshot, type Backend, type Rule, type Snapshot } from "./snapshot.ts";
import { compactSnapshot } from "./wire.ts";

const valid: Backend = {
  weight: 1,
  ref: "ns/app:80",
  target: { ref: "ns/app:80", origin: "http://app.example:80", protocol: "http" },
  status: 200,
  reason: "",
  filters: [],
};
const invalid: Backend = { weight: 0, ref: "ns/gone:80", target: null, status: 500, reason: "BackendNotFound", filters: [] };
const h2c: Backend = { ...valid, weight: 3, target: { ref: "other/app:81", origin: "http://app.example:81", protocol: "h2c" } };
const overridden: Backend = { ...valid, ref: "ns/named:80", target: { ref: "ns/named:80", origin: "https://origin.example", protocol: "http", hostOverride: true } };
const plain: Rule = {
  index: 0,
  name: null,
  matches: [{ path: { type: "PathPrefix", value: "/" }, headers: [], queryParams: [], method: null }],
  filters: [],
  backends: [valid],
  timeouts: { requestMs: 0, backendRequestMs: 0 },
  retry: null,
};
const full: Rule = {
  index: 2,
  name: "full",
  matches: [{ path: { type: "Exact", value: "/x" }, headers: [{ type: "Exact", name: "x-a", value: "1" }], queryParams: [{ type: "Exact", name: "q", value: "v" }], method: "GET" }],
  filters: [{ type: "DirectResponse", status: 500, reason: "UnsupportedValue" }],
  backends: [invalid, h2c, overridden],
  timeouts: { requestMs: 0, backendRequestMs: 3000 },
  retry: { codes: [503], attempts: 2, backoffMs: 100, retryConnectionErrors: true, retryNonIdempotent: false },
};
const snapshot: Snapshot = {
  schemaVersion: SCHEMA_VERSION,
  gateway: { namespace: "ns", name: "gw", generation: 1 },
  listeners: [{ name: "http", port: 80, protocol: "HTTP", hostname: null }],
  routes: [{ namespace: "ns", name: "r", creationTimestamp: "2026-01-01T00:00:00Z", generation: 1, attachments: [{ listener: 0, hostnames: [] }], rules: [plain, full] }],
  routeTable: new Uint8Array(0),
};
/** The snapshot as JSON with every field present (the route table never is JSON). */
const { routeTable: _table, ...asJson } = snapshot;

it("leaves defaults out of the wire form and keeps everything else", () => {
  const wire = JSON.parse(JSON.stringify(compactSnapshot(snapshot)));
  expect(wire.routes[0].rules[0]).toEqual({ backends: [{ ref: "ns/app:80", target: { origin: "http://app.example:80" } }], index: 0, matches: [{ path: { type: "PathPrefix", value: "/" } }] });
  const rule = wire.routes[0].rules[1];
  expect(rule.backends).toEqual([
    { reason: "BackendNotFound", ref: "ns/gone:80", status: 500, weight: 0 },
    { ref: "ns/app:80", target: { origin: "http://app.example:81", protocol: "h2c", ref: "other/app:81" }, weight: 3 },
    { ref: "ns/named:80", target: { hostOverride: true, origin: "https://origin.example" } },
  ]);
  expect(rule.timeouts).toEqual({ requestMs: 0, backendRequestMs: 3000 });
  expect(rule.name).toBe("full");
  expect(rule.matches[0].method).toBe("GET");
});

it("reads back as the same snapshot; of a snapshot with sorted keys, JSON.stringify of the wire form is canonical", () => {
  const sorted = JSON.parse(canonicalJson(asJson)) as Snapshot;
  const text = JSON.stringify(compactSnapshot(sorted));
  expect(text).toBe(canonicalJson(compactSnapshot(snapshot)));
  const read = validateSnapshot(JSON.parse(text));
  expect(read.ok && read.value).toStrictEqual(snapshot);
});

it("still reads a snapshot written with every field present", () => {
  const read = validateSnapshot(JSON.parse(canonicalJson(asJson)));
  expect(read.ok && read.value).toStrictEqual(snapshot);
});

it("a target without hostOverride reads back without it; hostOverride false is accepted and left out of the wire form", () => {
  const read = validateSnapshot(JSON.parse(JSON.stringify(compactSnapshot(snapshot))));
  expect(read.ok && read.value.routes[0]!.rules[0]!.backends[0]!.target).toStrictEqual(valid.target);
  const off = { ...snapshot, routes: [{ ...snapshot.routes[0]!, rules: [{ ...plain, backends: [{ ...valid, target: { ...valid.target!, hostOverride: false } }] }] }] };
  expect(validateSnapshot(off).ok).toBe(true);
  expect(JSON.parse(JSON.stringify(compactSnapshot(off))).routes[0].rules[0].backends[0].target).toEqual({ origin: "http://app.example:80" });
  const bad = JSON.parse(JSON.stringify(compactSnapshot(snapshot)));
  bad.routes[0].rules[0].backends[0].target.hostOverride = "yes";
  expect(validateSnapshot(bad).ok).toBe(false);
});
