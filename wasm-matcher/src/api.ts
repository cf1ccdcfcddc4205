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

export interface Matcher {
  match(request: MatchRequest): MatchResult;
}

/** Result of checking a regular expression against the supported RE2 subset (docs/regex.md). Never throws. */
export type RegexCheck = { ok: true } | { ok: false; reason: string };
