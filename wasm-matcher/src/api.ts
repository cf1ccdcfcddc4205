/**
 * The matcher contract. Two implementations satisfy it and pass one shared case suite: the TypeScript reference
 * matcher (reference.ts) and the WebAssembly matcher (wasm.ts, built from ../assembly). The worker uses the wasm one.
 *
 * Both are built from a snapshot: `compileRouteTable(snapshot)` (table.ts) encodes listeners/routes/rules/matches into
 * the binary table held in `snapshot.routeTable`; precedence (spec §1 hostnames, §3 match order, all tie-breaks) is
 * resolved at compile time, so matching is a scan in precedence order.
 */

/** One request as the matcher sees it, already normalized by the caller (see worker/src/pipeline/normalize.ts). */
export interface MatchRequest {
  /** Upper-case method. */
  method: string;
  scheme: "http" | "https";
  /** The port the request arrived on (from the URL; 80/443 at the edge). */
  port: number;
  /** Lower-case host without port. */
  host: string;
  /** Normalized path, percent-decoded where unambiguous, always starting with "/", without the query. */
  path: string;
  /** Raw query string without the leading "?" ("" when none). */
  query: string;
  /** Header lookup by lower-case name: the value the matcher compares (repeated headers joined with ", "), or null. */
  header(name: string): string | null;
}

export type MatchResult =
  | { kind: "match"; listener: number; route: number; rule: number; match: number }
  /** No listener accepts this port/scheme/host: 404. */
  | { kind: "no-listener" }
  /** A listener was selected but no rule of its routes matches: 404. */
  | { kind: "no-route"; listener: number };

/**
 * A match result written into an object the caller owns and reuses (`matchInto`), so a lookup allocates nothing:
 * the fields a result kind lacks are -1 (no-listener: all four; no-route: all but `listener`).
 */
export interface MatchOutcome {
  kind: MatchResult["kind"];
  listener: number;
  route: number;
  rule: number;
  match: number;
}

export interface Matcher {
  /** A new result object per call (callers may keep it). */
  match(request: MatchRequest): MatchResult;
  /** The same answer written into `out` (overwritten by the next call with it); returns `out`. */
  matchInto(request: MatchRequest, out: MatchOutcome): MatchOutcome;
}

/** An outcome object to pass to `matchInto`. */
export function newMatchOutcome(): MatchOutcome {
  return { kind: "no-listener", listener: -1, route: -1, rule: -1, match: -1 };
}

/** Writes a `match()` result into `out` (matchInto for matchers whose match() allocates anyway). */
export function writeOutcome(result: MatchResult, out: MatchOutcome): MatchOutcome {
  out.kind = result.kind;
  out.listener = result.kind === "no-listener" ? -1 : result.listener;
  out.route = result.kind === "match" ? result.route : -1;
  out.rule = result.kind === "match" ? result.rule : -1;
  out.match = result.kind === "match" ? result.match : -1;
  return out;
}

/** Result of checking a regular expression against the supported RE2 subset (docs/regex.md). Never throws. */
export type RegexCheck = { ok: true } | { ok: false; reason: string };
