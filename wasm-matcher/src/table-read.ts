import type { Match, Route, Snapshot, StringMatch } from "../../schema/snapshot.ts";
import { grownTo } from "./grow.ts";
import { compileRegexInto } from "./regex/compile.ts";
import { ProgramArena } from "./regex/emit.ts";
import { compareRouteNames, creationTime, prefixLength } from "./precedence.ts";
import { Cond } from "./table-format.ts";
import { StringTable } from "./table-strings.ts";

/**
 * Reading a snapshot for the route table (table-model.ts): a 10,000-route snapshot is tens of megabytes of objects
 * spread over the heap, and every walk over it costs cache misses, so it is read once, route by route, into typed
 * arrays: candidates with their sort fields and conditions, attachments and host patterns as interned ids.
 */

export const enum PathClass {
  Exact = 0,
  RegularExpression = 1,
  PathPrefix = 2,
}

/** One candidate per usable match of a route attached to some listener, as parallel arrays indexed by id. */
export interface Candidates {
  count: number;
  route: Int32Array;
  rule: Int32Array;
  match: Int32Array;
  /**
   * Candidate i's conditions are triples conds[condFirst[i] .. condFirst[i+1]-1] in match order (method, headers,
   * query params, path regex): Cond kind, header or query-param slot, value (interned string id; regex id for the
   * regex kinds).
   */
  condFirst: Int32Array;
  conds: Int32Array;
}

/** No hostname: the route serves any host the listener accepts. */
export const ANY_HOST = -1;

/**
 * A host pattern as a number: interned key (the host, or the suffix after "*") x2, +1 for a wildcard. Route
 * hostnames are lower-cased (`lower`), a listener's hostname is taken as it is.
 */
export function hostPattern(host: string, strings: StringTable, lower: boolean): number {
  const wildcard = host.startsWith("*.");
  return strings.intern(host, wildcard ? 1 : 0, lower) * 2 + (wildcard ? 1 : 0);
}

/** Spec §3: if several entries share a name, only the first counts (header names compare case-insensitively). */
function firstOfEachName(entries: StringMatch[], header: boolean): StringMatch[] {
  for (let i = 1; i < entries.length; i++) {
    for (let j = 0; j < i; j++) {
      if (entryName(entries[j]!, header) === entryName(entries[i]!, header)) {
        return entries.filter((e, k) => entries.findIndex((f) => entryName(f, header) === entryName(e, header)) === k);
      }
    }
  }
  return entries;
}

function entryName(e: StringMatch, header: boolean): string {
  return header ? e.name.toLowerCase() : e.name;
}

/**
 * compileRegex once per pattern per table, numbered in order of first use, the programs back to back in one arena;
 * a rejected pattern is remembered as -1. Programs are also kept across tables (programCache): the agent rebuilds a
 * Gateway's table on every change, and most of its patterns were compiled for the table before.
 */
export class RegexIds {
  readonly arena = new ProgramArena();
  /** Program of regex id i: arena.bytes[offsets[i] .. offsets[i + 1]). */
  readonly offsets: number[] = [0];
  private readonly ids = new Map<string, number>();

  id(pattern: string): number {
    let id = this.ids.get(pattern);
    if (id === undefined) {
      id = this.add(pattern);
      this.ids.set(pattern, id);
    }
    return id;
  }

  private add(pattern: string): number {
    const known = programCache.get(pattern);
    if (known === null) return -1;
    if (known !== undefined) this.arena.append(known);
    else {
      const compiled = compileRegexInto(pattern, this.arena);
      const program = compiled.ok ? this.arena.bytes.slice(compiled.offset, this.arena.length) : null;
      cacheProgram(pattern, program);
      if (program === null) return -1;
    }
    return this.offsets.push(this.arena.length) - 2;
  }

  get count(): number {
    return this.offsets.length - 1;
  }
}

/** Compiled programs by pattern (null: rejected), for every table this process builds; emptied when full. */
const programCache = new Map<string, Uint8Array | null>();
const PROGRAM_CACHE_ENTRIES = 1 << 16;
const PROGRAM_CACHE_BYTES = 16 << 20;
let programCacheBytes = 0;

function cacheProgram(pattern: string, program: Uint8Array | null): void {
  const bytes = pattern.length * 2 + (program === null ? 0 : program.length);
  if (programCache.size >= PROGRAM_CACHE_ENTRIES || programCacheBytes + bytes > PROGRAM_CACHE_BYTES) {
    programCache.clear();
    programCacheBytes = 0;
  }
  programCache.set(pattern, program);
  programCacheBytes += bytes;
}

/**
 * False when the match can never match: a regex outside the supported subset (the translator rejects those with a
 * condition, so this only guards against a hand-made snapshot). Only the first entry of each name counts.
 */
function usable(match: Match, headers: StringMatch[], params: StringMatch[], regex: RegexIds): boolean {
  for (let i = 0; i < headers.length; i++) if (headers[i]!.type === "RegularExpression" && regex.id(headers[i]!.value) < 0) return false;
  for (let i = 0; i < params.length; i++) if (params[i]!.type === "RegularExpression" && regex.id(params[i]!.value) < 0) return false;
  return match.path.type !== "RegularExpression" || regex.id(match.path.value) >= 0;
}

export interface RouteRead {
  strings: StringTable;
  regex: RegexIds;
  candidates: Candidates;
  /** Candidates of route r are ids candidateFirst[r] .. candidateFirst[r+1]-1 (routes in index order). */
  candidateFirst: Int32Array;
  /** Per candidate: interned bucket key (-1 for a regex path) and the sort fields of comparePrecedence. */
  key: Int32Array;
  pathClass: Uint8Array;
  pathLength: Int32Array;
  anyMethod: Uint8Array;
  headerCount: Int32Array;
  paramCount: Int32Array;
  /** Attachments of route r: attachFirst[r] .. attachFirst[r+1]-1, each a listener and host patterns hostFirst[a] .. hostFirst[a+1]-1. */
  attachFirst: Int32Array;
  attachListener: IntList;
  hostFirst: IntList;
  hosts: IntList;
  /** Routes attached to each listener, in route order. */
  routesByListener: number[][];
  /** Header (lower-case) and query-param names by interned id. */
  names: string[];
  /** Per route: creationTime (precedence.ts), for routeOrder. */
  created: Float64Array;
  /** Whether the routes are in "{namespace}/{name}" order (precedence.ts compareRouteNames), as the compiler sorts them. */
  inNameOrder: boolean;
}

/** One pass over the snapshot's routes: attachments, host patterns, and a candidate per usable match of an attached route. */
export function readRoutes(snapshot: Snapshot): RouteRead {
  const reader = new RouteReader(snapshot.listeners.length, snapshot.routes.length);
  const routes = snapshot.routes;
  for (let r = 0; r < routes.length; r++) reader.add(routes[r]!);
  return reader.finish();
}

/**
 * readRoutes route by route: a compiler that walks the routes anyway (sync-agent's compile/index.ts) adds each one
 * as it builds it, while its objects are still in cache, instead of a second walk over the whole snapshot later.
 * Routes must be added in snapshot order, all of them (finish() checks the count), to a reader made for the
 * snapshot's listener and route counts.
 */
export class RouteReader {
  private readonly read: RouteRead;
  private readonly conds = new IntList();
  private readonly routeCount: number;
  /** Routes added so far: the index of the next one. */
  private r = 0;
  /** Candidates read so far. */
  private n = 0;
  /** The route added last. */
  private previous: Route | null = null;
  /** Length of every per-candidate column (grown by doubling). */
  private capacity: number;

  constructor(listenerCount: number, routeCount: number) {
    this.routeCount = routeCount;
    const capacity = (this.capacity = Math.max(routeCount * 4, 16));
    this.read = {
      // Some three strings per route (paths, hosts, condition values).
      strings: new StringTable(routeCount * 4),
      regex: new RegexIds(),
      candidates: {
        count: 0,
        route: new Int32Array(capacity),
        rule: new Int32Array(capacity),
        match: new Int32Array(capacity),
        condFirst: new Int32Array(capacity),
        conds: new Int32Array(0),
      },
      candidateFirst: new Int32Array(routeCount + 1),
      key: new Int32Array(capacity),
      pathClass: new Uint8Array(capacity),
      pathLength: new Int32Array(capacity),
      anyMethod: new Uint8Array(capacity),
      headerCount: new Int32Array(capacity),
      paramCount: new Int32Array(capacity),
      attachFirst: new Int32Array(routeCount + 1),
      attachListener: new IntList(),
      hostFirst: new IntList(),
      hosts: new IntList(),
      routesByListener: Array.from({ length: listenerCount }, (): number[] => []),
      names: [],
      created: new Float64Array(routeCount),
      inNameOrder: true,
    };
  }

  /** Doubles every per-candidate column of the read. */
  private growColumns(): void {
    const size = (this.capacity *= 2);
    const read = this.read;
    const c = read.candidates;
    c.route = grownTo(c.route, size);
    c.rule = grownTo(c.rule, size);
    c.match = grownTo(c.match, size);
    c.condFirst = grownTo(c.condFirst, size);
    read.key = grownTo(read.key, size);
    read.pathClass = grownTo(read.pathClass, size);
    read.pathLength = grownTo(read.pathLength, size);
    read.anyMethod = grownTo(read.anyMethod, size);
    read.headerCount = grownTo(read.headerCount, size);
    read.paramCount = grownTo(read.paramCount, size);
  }

  add(route: Route): void {
    const { read, conds } = this;
    const { strings, regex } = read;
    const r = this.r++;
    if (r >= this.routeCount) throw new Error(`route table: more than the ${this.routeCount} routes the reader was made for`);
    let n = this.n;
    read.created[r] = creationTime(route.creationTimestamp);
    if (this.previous !== null && read.inNameOrder && compareRouteNames(this.previous, route) > 0) read.inNameOrder = false;
    this.previous = route;
    read.attachFirst[r] = read.attachListener.length;
    read.candidateFirst[r] = n;
    let attached = false;
    const attachments = route.attachments;
    for (let a = 0; a < attachments.length; a++) {
      const attachment = attachments[a]!;
      const list = read.routesByListener[attachment.listener];
      if (list === undefined) continue;
      attached = true;
      if (list[list.length - 1] !== r) list.push(r);
      read.attachListener.push(attachment.listener);
      read.hostFirst.push(read.hosts.length);
      const hostnames = attachment.hostnames;
      for (let h = 0; h < hostnames.length; h++) read.hosts.push(hostPattern(hostnames[h]!, strings, true));
    }
    if (!attached) return;
    const rules = route.rules;
    for (let ruleIndex = 0; ruleIndex < rules.length; ruleIndex++) {
      const matches = rules[ruleIndex]!.matches;
      for (let matchIndex = 0; matchIndex < matches.length; matchIndex++) {
        const match = matches[matchIndex]!;
        const headers = firstOfEachName(match.headers, true);
        const params = firstOfEachName(match.queryParams, false);
        if (!usable(match, headers, params, regex)) continue;
        if (n === this.capacity) this.growColumns();
        read.candidates.route[n] = r;
        read.candidates.rule[n] = ruleIndex;
        read.candidates.match[n] = matchIndex;
        read.candidates.condFirst[n] = conds.length;
        readPath(read, n, match.path, strings);
        read.anyMethod[n] = match.method === null ? 1 : 0;
        read.headerCount[n] = headers.length;
        read.paramCount[n] = params.length;
        if (match.method !== null) conds.push3(Cond.Method, 0, strings.intern(match.method));
        for (let k = 0; k < headers.length; k++) {
          const h = headers[k]!;
          const name = strings.intern(h.name, 0, true);
          read.names[name] ??= h.name.toLowerCase();
          if (h.type === "RegularExpression") conds.push3(Cond.HeaderRegex, name, regex.id(h.value));
          else conds.push3(Cond.HeaderExact, name, strings.intern(h.value));
        }
        for (let k = 0; k < params.length; k++) {
          const q = params[k]!;
          const name = strings.intern(q.name);
          read.names[name] ??= q.name;
          if (q.type === "RegularExpression") conds.push3(Cond.QueryRegex, name, regex.id(q.value));
          else conds.push3(Cond.QueryExact, name, strings.intern(q.value));
        }
        if (match.path.type === "RegularExpression") conds.push3(Cond.PathRegex, 0, regex.id(match.path.value));
        n++;
      }
    }
    this.n = n;
  }

  /** The read, once every route was added. */
  finish(): RouteRead {
    const { read, conds, n, routeCount } = this;
    if (this.r !== routeCount) throw new Error(`route table: ${this.r} of ${routeCount} routes were read`);
    read.attachFirst[routeCount] = read.attachListener.length;
    read.hostFirst.push(read.hosts.length);
    read.candidateFirst[routeCount] = n;
    if (n === this.capacity) this.growColumns();
    read.candidates.count = n;
    read.candidates.condFirst[n] = conds.length;
    read.candidates.conds = conds.copy();
    return read;
  }
}

function readPath(read: RouteRead, n: number, path: Match["path"], strings: StringTable): void {
  if (path.type === "RegularExpression") {
    read.pathClass[n] = PathClass.RegularExpression;
    read.pathLength[n] = path.value.length;
    read.key[n] = -1;
  } else if (path.type === "Exact") {
    // An exact path never ties with another in its bucket: length 0.
    read.pathClass[n] = PathClass.Exact;
    read.key[n] = strings.intern(path.value);
  } else {
    // "Most characters" of a PathPrefix counts the value without its ignored trailing "/" (spec §3).
    const length = prefixLength(path.value);
    read.pathClass[n] = PathClass.PathPrefix;
    read.pathLength[n] = length;
    read.key[n] = strings.intern(path.value, 0, false, length);
  }
}

/** A growable list of int32. */
export class IntList {
  private items = new Int32Array(1024);
  length = 0;

  push(v: number): void {
    if (this.length === this.items.length) this.grow();
    this.items[this.length++] = v;
  }

  push3(a: number, b: number, c: number): void {
    if (this.length + 3 > this.items.length) this.grow();
    const items = this.items;
    items[this.length] = a;
    items[this.length + 1] = b;
    items[this.length + 2] = c;
    this.length += 3;
  }

  at(i: number): number {
    return this.items[i]!;
  }

  /** The items, copied into an array of their own. */
  copy(): Int32Array {
    return this.items.slice(0, this.length);
  }

  private grow(): void {
    this.items = grownTo(this.items, this.items.length * 2);
  }
}
