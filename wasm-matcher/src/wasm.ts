import type { Snapshot } from "../../schema/snapshot.ts";
import { writeOutcome, type Matcher, type MatchOutcome, type MatchRequest, type MatchResult } from "./api.ts";
import { createReferenceMatcher } from "./reference.ts";
import { H, HostKind, ListenerWord, LISTENER_WORDS } from "./table-format.ts";

/**
 * `createWasmMatcher(module, snapshot, table?)`: the production matcher. One instance per snapshot (a snapshot swap
 * makes a new instance; the old one is garbage), the table copied into its linear memory once, then one JS -> wasm
 * call per request. Instantiation is synchronous because Workers forbid compiling wasm from bytes at run time: the
 * worker passes the module it imported. Throws if the table is not one this build reads (the worker then keeps its
 * last good snapshot).
 */

// The request interface of assembly/limits.ts.
const W_SCHEME = 0;
const W_PORT = 1;
const W_METHOD_OFF = 2;
const W_HOST_OFF = 4;
const W_PATH_OFF = 6;
const W_QUERY_OFF = 8;
const W_LISTENER = 10;
const W_ROUTE = 11;
const W_RULE = 12;
const W_MATCH = 13;
const W_HEADERS = 16;
const RESULT_MATCH = 0;
const RESULT_NO_LISTENER = 1;
const RESULT_NO_ROUTE = 2;

interface MatcherExports {
  memory: WebAssembly.Memory;
  REQUEST_BYTES: WebAssembly.Global;
  reserve(bytes: number): number;
  loadTable(): number;
  requestBytesAddress(): number;
  match(): number;
}

const encoder = new TextEncoder();

/**
 * Gateway API's HTTPMethod values, written once at the end of the request buffer (METHOD_BYTES): a request with
 * one of them points its method words there instead of joining the method into the strings it copies.
 */
const KNOWN_METHODS = "GETHEADPOSTPUTDELETECONNECTOPTIONSTRACEPATCH";
const METHOD_BYTES = 64;

/** Where `method` starts in KNOWN_METHODS, or -1. */
function knownMethodAt(method: string): number {
  switch (method) {
    case "GET":
      return 0;
    case "HEAD":
      return 3;
    case "POST":
      return 7;
    case "PUT":
      return 11;
    case "DELETE":
      return 14;
    case "CONNECT":
      return 20;
    case "OPTIONS":
      return 27;
    case "TRACE":
      return 34;
    case "PATCH":
      return 39;
    default:
      return -1;
  }
}

export interface WasmMatcher extends Matcher {
  /** Size of the instance's linear memory (fixed after load; tests check it never grows). */
  memoryBytes(): number;
}

export function createWasmMatcher(module: WebAssembly.Module, snapshot: Snapshot, table?: Uint8Array): WasmMatcher {
  const bytes = table ?? snapshot.routeTable;
  const instance = new WebAssembly.Instance(module, {});
  const ex = instance.exports as unknown as MatcherExports;
  const base = ex.reserve(bytes.length);
  if (base === 0) throw new Error("route table: cannot reserve memory");
  new Uint8Array(ex.memory.buffer, base, bytes.length).set(bytes);
  const wordsAt = ex.loadTable();
  if (wordsAt === 0) throw new Error("route table: unknown format or version");
  // Memory never grows after loadTable(), so these views stay valid for the instance's life.
  const words = new Int32Array(ex.memory.buffer, wordsAt, W_HEADERS + 2 * readHeaderNames(bytes).length);
  const write = requestWriter(bytes, new Uint8Array(ex.memory.buffer, ex.requestBytesAddress(), ex.REQUEST_BYTES.value as number), words);
  let fallback: Matcher | null = null;

  /** Copies the request in and runs the wasm: a RESULT_* code, or -1 when the request exceeds the wasm buffers. */
  function run(request: MatchRequest): number {
    words[W_SCHEME] = request.scheme === "https" ? 1 : 0;
    words[W_PORT] = request.port;
    return write(request) ? ex.match() : -1;
  }

  function match(request: MatchRequest): MatchResult {
    const code = run(request);
    if (code === RESULT_MATCH) return { kind: "match", listener: words[W_LISTENER]!, route: words[W_ROUTE]!, rule: words[W_RULE]!, match: words[W_MATCH]! };
    if (code === RESULT_NO_ROUTE) return { kind: "no-route", listener: words[W_LISTENER]! };
    if (code === RESULT_NO_LISTENER) return { kind: "no-listener" };
    return referenceMatch(request);
  }

  function matchInto(request: MatchRequest, out: MatchOutcome): MatchOutcome {
    const code = run(request);
    if (code === RESULT_MATCH) {
      out.kind = "match";
      out.listener = words[W_LISTENER]!;
      out.route = words[W_ROUTE]!;
      out.rule = words[W_RULE]!;
      out.match = words[W_MATCH]!;
    } else if (code === RESULT_NO_ROUTE || code === RESULT_NO_LISTENER) {
      out.kind = code === RESULT_NO_ROUTE ? "no-route" : "no-listener";
      out.listener = code === RESULT_NO_ROUTE ? words[W_LISTENER]! : -1;
      out.route = -1;
      out.rule = -1;
      out.match = -1;
    } else {
      writeOutcome(referenceMatch(request), out);
    }
    return out;
  }

  /** Beyond the wasm buffers (docs/matcher.md "Limits"): same semantics, answered by the reference matcher. */
  function referenceMatch(request: MatchRequest): MatchResult {
    fallback ??= createReferenceMatcher(snapshot);
    return fallback.match(request);
  }

  return { match, matchInto, memoryBytes: () => ex.memory.buffer.byteLength };
}

/**
 * The JS half of a lookup: `write(request)` puts the request's strings into `whole` (the wasm's request bytes) and their
 * offsets and lengths into `words` (the request words), and says whether they fit. Scheme and port are the caller's.
 * The last METHOD_BYTES of `whole` hold the known method names, written here once. The matcher calls it with views
 * of its instance's memory; the match bench's copy floor with plain arrays, to time exactly this without the wasm.
 */
export function requestWriter(table: Uint8Array, whole: Uint8Array, words: Int32Array): (request: MatchRequest) => boolean {
  const headerNames = readHeaderNames(table);
  const headerValues: (string | null)[] = headerNames.map(() => null);
  const readsHost = tableReadsHost(table);
  const readsQuery = new DataView(table.buffer, table.byteOffset, table.byteLength).getUint32(H.QueryNameCount * 4, true) > 0;
  const capacity = whole.length - METHOD_BYTES;
  encoder.encodeInto(KNOWN_METHODS, whole.subarray(capacity));
  // Every request's bytes go below the method names.
  const buffer = whole.subarray(0, capacity);
  return write;

  /**
   * Writes the request's strings to the request buffer and their offsets/lengths to the request words; false when
   * they do not fit. The common case is one encodeInto() of the strings joined: a single native call that reads
   * each (often unflattened) string once, where a charCodeAt loop per string costs several times more. The joined
   * offsets are the JS lengths when every character was ASCII (written === length); otherwise the strings are
   * written one by one as UTF-8. Strings the table never reads (the host without host-based routing, the query
   * without query conditions) are left out, and so is a method of KNOWN_METHODS.
   */
  function write(request: MatchRequest): boolean {
    const method = request.method;
    const methodAt = knownMethodAt(method);
    const host = readsHost ? request.host : "";
    const path = request.path;
    const query = readsQuery ? request.query : "";
    let joined = (methodAt < 0 ? method + host : host) + path + query;
    for (let i = 0; i < headerNames.length; i++) {
      const value = request.header(headerNames[i]!);
      headerValues[i] = value;
      if (value !== null) joined += value;
    }
    if (joined.length > capacity) return false;
    if (encoder.encodeInto(joined, buffer).written !== joined.length) return writeEach(method, host, path, query);
    let at = 0;
    if (methodAt < 0) at = place(at, method.length, W_METHOD_OFF);
    else place(capacity + methodAt, method.length, W_METHOD_OFF);
    at = place(at, host.length, W_HOST_OFF);
    at = place(at, path.length, W_PATH_OFF);
    at = place(at, query.length, W_QUERY_OFF);
    for (let i = 0; i < headerNames.length; i++) {
      const value = headerValues[i] as string | null;
      if (value === null) words[W_HEADERS + 2 * i + 1] = -1;
      else at = place(at, value.length, W_HEADERS + 2 * i);
    }
    return true;
  }

  function place(at: number, length: number, wordIndex: number): number {
    words[wordIndex] = at;
    words[wordIndex + 1] = length;
    return at + length;
  }

  /** The non-ASCII path: each string encoded as UTF-8 on its own. */
  function writeEach(method: string, host: string, path: string, query: string): boolean {
    let at = put(method, 0, W_METHOD_OFF);
    if (at >= 0) at = put(host, at, W_HOST_OFF);
    if (at >= 0) at = put(path, at, W_PATH_OFF);
    if (at >= 0) at = put(query, at, W_QUERY_OFF);
    for (let i = 0; i < headerNames.length && at >= 0; i++) {
      const value = headerValues[i] as string | null;
      if (value === null) words[W_HEADERS + 2 * i + 1] = -1;
      else at = put(value, at, W_HEADERS + 2 * i);
    }
    return at >= 0;
  }

  /** Writes `s` as UTF-8 at `at`; returns the end offset, or -1 when it does not fit. */
  function put(s: string, at: number, wordIndex: number): number {
    const r = encoder.encodeInto(s, buffer.subarray(at));
    if (r.read !== s.length) return -1;
    return place(at, r.written, wordIndex);
  }
}

/**
 * Whether matching can read the request's host: some listener has a hostname or some route is attached with
 * hostnames (a host-keyed group). Otherwise every listener accepts any host and the host is not copied.
 */
function tableReadsHost(table: Uint8Array): boolean {
  const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const count = view.getUint32(H.ListenerCount * 4, true);
  const at = view.getUint32(H.ListenersOff * 4, true);
  for (let i = 0; i < count; i++) {
    const record = at + i * LISTENER_WORDS * 4;
    if (view.getUint32(record + ListenerWord.HostKind * 4, true) !== HostKind.Any) return true;
    if (view.getUint32(record + ListenerWord.Flags * 4, true) !== 0) return true;
  }
  return false;
}

/** The header names the table's conditions read, in slot order. */
export function readHeaderNames(table: Uint8Array): string[] {
  const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const count = view.getUint32(H.HeaderNameCount * 4, true);
  const at = view.getUint32(H.HeaderNamesOff * 4, true);
  const decoder = new TextDecoder();
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const off = view.getUint32(at + i * 8, true);
    const len = view.getUint32(at + i * 8 + 4, true);
    names.push(decoder.decode(table.subarray(off, off + len)));
  }
  return names;
}
