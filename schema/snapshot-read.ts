/**
 * readSnapshotJson(text): validateSnapshot's answer for snapshot JSON, without valibot's cost in the common case, a
 * valid snapshot.
 *
 * valibot builds a dataset object for every value it checks and a fresh output object or array for every object and
 * array; for a 10,000-route snapshot (about 240,000 objects, 150,000 arrays, 390,000 leaves) that is 0.4-0.6 s of CPU,
 * a third of it garbage collection, on every cold start and snapshot swap. `fillSnapshotInPlace` reads SnapshotSchema
 * (snapshot.ts) by hand in one walk over the parsed JSON: the same checks on the same values and the same defaults
 * filled in. Objects without defaults are kept as JSON.parse made them, and must then hold only the schema's keys
 * (valibot's output drops other keys; the fast path leaves such input to valibot); objects with defaults are made
 * anew. On anything the schema could refuse it stops and returns null, and readSnapshotJson hands a fresh parse of the
 * text to validateSnapshot, which accepts or refuses it and words the problems. So valibot's schema stays the
 * definition and the fast path may only ever agree with it: snapshot-read.test.ts checks that they agree on every value
 * of a snapshot holding every object of the schema changed to values at and around the schema's limits, and on seeded
 * random snapshots, valid ones and ones with one value changed, removed or added.
 */
import {
  HEADER_NAME,
  isOriginUrl,
  SCHEMA_VERSION,
  validateSnapshot,
  WIRE_DEFAULTS,
  type Backend,
  type BackendRef,
  type Filter,
  type Match,
  type Rule,
  type Snapshot,
  type StringMatch,
  type ValidationResult,
} from "./snapshot.ts";

/** Parses and validates snapshot JSON (the wire form) as `validateSnapshot(JSON.parse(text))` does. Never throws. */
export function readSnapshotJson(text: string): ValidationResult<Snapshot> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [`snapshot JSON does not parse: ${error instanceof Error ? error.message : String(error)}`] };
  }
  const snapshot = fillSnapshotInPlace(parsed);
  // The fast path may have filled defaults in before it stopped: valibot gets the JSON as written.
  return snapshot !== null ? { ok: true, value: snapshot } : validateSnapshot(JSON.parse(text));
}

/** Thrown where the schema could refuse; fillSnapshotInPlace turns it into null. */
const REFUSED: unique symbol = Symbol("refused");

function refuse(): never {
  throw REFUSED;
}

/** Origins already checked in this read: a snapshot names the same few hundred origins tens of thousands of times. */
let origins = new Map<string, boolean>();

/**
 * `parsed` (JSON.parse's output, changed in place) as the Snapshot validateSnapshot would return, or null where the
 * schema could refuse it or where valibot's output could differ (keys the schema does not know). Only for values
 * JSON.parse made: a prototype, a getter or a non-enumerable key is not looked for.
 */
export function fillSnapshotInPlace(parsed: unknown): Snapshot | null {
  origins = new Map();
  try {
    snapshot(parsed);
    return parsed as Snapshot;
  } catch (error) {
    if (error === REFUSED) return null;
    throw error;
  } finally {
    origins = new Map();
  }
}

type Fields = Record<string, unknown>;

// Leaves: the checks of the schema's leaves, each refusing what the schema's leaf refuses.

/** v.object accepts any non-null object (arrays too) and reads its keys as `o.key` does. */
function object(value: unknown): Fields {
  return value !== null && typeof value === "object" ? (value as Fields) : refuse();
}

/**
 * An object kept as JSON.parse made it ends with a check that it holds `keys` keys: its schema's keys, all required
 * and all checked by then (the snapshot's `routeTable` is filled in first), so one key more is one the schema does not
 * know. (for...in of a JSON object walks its own keys without allocating.)
 */
function exactly(o: Fields, keys: number): void {
  let n = 0;
  for (const _ in o) n++;
  if (n !== keys) refuse();
}

function string(value: unknown): asserts value is string {
  if (typeof value !== "string") refuse();
}

function boolean(value: unknown): asserts value is boolean {
  if (typeof value !== "boolean") refuse();
}

/** v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max)). */
function integer(value: unknown, min: number, max = Infinity): asserts value is number {
  if (!(typeof value === "number" && Number.isInteger(value) && value >= min && value <= max)) refuse();
}

/** `name` of the schema: 1 to 253 characters. */
function name(value: unknown): void {
  if (!(typeof value === "string" && value.length >= 1 && value.length <= 253)) refuse();
}

function headerName(value: unknown): void {
  if (!(typeof value === "string" && HEADER_NAME.test(value))) refuse();
}

function origin(value: unknown): void {
  if (typeof value !== "string") refuse();
  let valid = origins.get(value);
  if (valid === undefined) {
    valid = isOriginUrl(value);
    origins.set(value, valid);
  }
  if (!valid) refuse();
}

function pick(value: unknown, options: readonly unknown[]): void {
  if (!options.includes(value)) refuse();
}

function each(value: unknown, check: (item: unknown) => void): asserts value is unknown[] {
  if (!Array.isArray(value)) refuse();
  for (let i = 0; i < value.length; i++) check(value[i]);
}

/** Each item of the array `value` replaced by what `read` makes of it. */
function replaceEach<T>(value: unknown, read: (item: unknown) => T): T[] {
  if (!Array.isArray(value)) refuse();
  for (let i = 0; i < value.length; i++) value[i] = read(value[i]);
  return value as T[];
}

/** A list with an empty default (emptyList of the schema): absent, a fresh []. */
function checkedList<T>(value: unknown, check: (item: unknown) => void): T[] {
  if (value === undefined) return [];
  each(value, check);
  return value as T[];
}

const PROTOCOLS = ["http", "h2c", "ws"];
const PATH_TYPES = ["Exact", "PathPrefix", "RegularExpression"];
const STRING_MATCH_TYPES = ["Exact", "RegularExpression"];
const SCHEMES = ["http", "https"];
const REDIRECT_CODES = [301, 302, 303, 307, 308];
const LISTENER_PROTOCOLS = ["HTTP", "HTTPS"];

const protocol = (value: unknown) => pick(value, PROTOCOLS);

// The schema's objects, in snapshot.ts's order. Objects without defaults are checked where they are; those with
// defaults (backends and their targets, matches, rules) are made anew, as valibot makes them, in one shape each:
// adding fields to the objects JSON.parse made cost several times more (each one's map and property store change).

function headerValue(value: unknown): void {
  const o = object(value);
  headerName(o.name);
  string(o.value);
  exactly(o, 2);
}

function headerModifier(value: unknown): void {
  const o = object(value);
  each(o.set, headerValue);
  each(o.add, headerValue);
  each(o.remove, headerName);
  exactly(o, 3);
}

function pathModifier(value: unknown): void {
  const o = object(value);
  string(o.value);
  if (o.type === "ReplaceFullPath") exactly(o, 2);
  else if (o.type === "ReplacePrefixMatch") {
    string(o.prefix);
    exactly(o, 3);
  } else refuse();
}

/** BackendRefSchema; with `ownerRef`, BackendTargetSchema and BackendSchema's transform (an absent `ref` is the backend's). */
function backendRef(value: unknown, ownerRef?: string): BackendRef {
  const o = object(value);
  const ref = ownerRef !== undefined && o.ref === undefined ? ownerRef : o.ref;
  string(ref);
  origin(o.origin);
  const protocol = o.protocol === undefined ? WIRE_DEFAULTS.protocol : o.protocol;
  pick(protocol, PROTOCOLS);
  const out = { ref, origin: o.origin, protocol } as BackendRef;
  // v.optional(v.boolean()) without a default: in the output exactly when in the input.
  if ("hostOverride" in o) {
    if (o.hostOverride !== undefined) boolean(o.hostOverride);
    out.hostOverride = o.hostOverride as boolean | undefined;
  }
  return out;
}

function mirror(value: unknown): void {
  const o = object(value);
  o.backend = backendRef(o.backend);
  integer(o.numerator, 0);
  integer(o.denominator, 1);
  exactly(o, 3);
}

function cors(value: unknown): void {
  const o = object(value);
  each(o.allowOrigins, string);
  boolean(o.allowCredentials);
  each(o.allowMethods, string);
  each(o.allowHeaders, string);
  each(o.exposeHeaders, string);
  integer(o.maxAge, 0);
  exactly(o, 6);
}

function filter(value: unknown): void {
  const o = object(value);
  switch (o.type) {
    case "RequestHeaderModifier":
    case "ResponseHeaderModifier":
      headerModifier(o.modifier);
      return exactly(o, 2);
    case "RequestRedirect":
      if (o.scheme !== null) pick(o.scheme, SCHEMES);
      if (o.hostname !== null) string(o.hostname);
      if (o.port !== null) integer(o.port, 1, 65535);
      pick(o.statusCode, REDIRECT_CODES);
      if (o.path !== null) pathModifier(o.path);
      return exactly(o, 6);
    case "URLRewrite":
      if (o.hostname !== null) string(o.hostname);
      if (o.path !== null) pathModifier(o.path);
      return exactly(o, 3);
    case "RequestMirror":
      mirror(o.mirror);
      return exactly(o, 2);
    case "CORS":
      cors(o.cors);
      return exactly(o, 2);
    case "DirectResponse":
      integer(o.status, 200, 599);
      string(o.reason);
      return exactly(o, 3);
    default:
      return refuse();
  }
}

function backend(value: unknown): Backend {
  const o = object(value);
  const weight = o.weight === undefined ? WIRE_DEFAULTS.weight : o.weight;
  integer(weight, 0, 1_000_000);
  const ref = o.ref;
  string(ref);
  const target = o.target === undefined || o.target === null ? null : backendRef(o.target, ref);
  const status = o.status === undefined ? WIRE_DEFAULTS.status : o.status;
  integer(status, 100, 599);
  const reason = o.reason === undefined ? WIRE_DEFAULTS.reason : o.reason;
  string(reason);
  const filters = checkedList<Filter>(o.filters, filter);
  return { weight, ref, target, status, reason, filters } as Backend;
}

function stringMatch(value: unknown): void {
  const o = object(value);
  pick(o.type, STRING_MATCH_TYPES);
  string(o.name);
  string(o.value);
  exactly(o, 3);
}

function match(value: unknown): Match {
  const o = object(value);
  const path = object(o.path);
  pick(path.type, PATH_TYPES);
  string(path.value);
  exactly(path, 2);
  const headers = checkedList<StringMatch>(o.headers, stringMatch);
  const queryParams = checkedList<StringMatch>(o.queryParams, stringMatch);
  const method = o.method === undefined ? null : o.method;
  if (method !== null) string(method);
  return { path, headers, queryParams, method } as Match;
}

function retryCode(value: unknown): void {
  integer(value, 100, 599);
}

function retry(value: unknown): void {
  const o = object(value);
  each(o.codes, retryCode);
  integer(o.attempts, 0);
  integer(o.backoffMs, 0);
  boolean(o.retryConnectionErrors);
  boolean(o.retryNonIdempotent);
  exactly(o, 5);
}

function timeouts(value: unknown): Rule["timeouts"] {
  if (value === undefined) return { requestMs: 0, backendRequestMs: 0 };
  const o = object(value);
  integer(o.requestMs, 0);
  integer(o.backendRequestMs, 0);
  exactly(o, 2);
  return o as Rule["timeouts"];
}

function rule(value: unknown): Rule {
  const o = object(value);
  const index = o.index;
  integer(index, 0);
  const ruleName = o.name === undefined ? null : o.name;
  if (ruleName !== null) string(ruleName);
  const matches = replaceEach(o.matches, match);
  if (matches.length < 1) refuse();
  const filters = checkedList<Filter>(o.filters, filter);
  const backends = o.backends === undefined ? [] : replaceEach(o.backends, backend);
  const ruleTimeouts = timeouts(o.timeouts);
  const ruleRetry = o.retry === undefined ? null : o.retry;
  if (ruleRetry !== null) retry(ruleRetry);
  return { index, name: ruleName, matches, filters, backends, timeouts: ruleTimeouts, retry: ruleRetry } as Rule;
}

function attachment(value: unknown): void {
  const o = object(value);
  integer(o.listener, 0);
  each(o.hostnames, string);
  exactly(o, 2);
}

function route(value: unknown): void {
  const o = object(value);
  name(o.namespace);
  name(o.name);
  string(o.creationTimestamp);
  integer(o.generation, 0);
  each(o.attachments, attachment);
  replaceEach(o.rules, rule);
  exactly(o, 6);
}

function listener(value: unknown): void {
  const o = object(value);
  name(o.name);
  integer(o.port, 1, 65535);
  pick(o.protocol, LISTENER_PROTOCOLS);
  if (o.hostname !== null) string(o.hostname);
  exactly(o, 4);
}

function gateway(value: unknown): void {
  const o = object(value);
  name(o.namespace);
  name(o.name);
  integer(o.generation, 0);
  exactly(o, 3);
}

function snapshot(value: unknown): void {
  const o = object(value);
  if (o.schemaVersion !== SCHEMA_VERSION) refuse();
  gateway(o.gateway);
  each(o.listeners, listener);
  each(o.routes, route);
  // JSON never holds bytes: the route table is the blob's, set by the reader (blob.ts).
  if (o.routeTable !== undefined) refuse();
  o.routeTable = new Uint8Array(0);
  exactly(o, 5);
}
