/**
 * Request normalization, decided before routing (DESIGN.md §4: "the path the gateway matched is the path the origin
 * receives"). The policy (docs/worker.md "Path normalization"):
 *
 * - 400 for: malformed percent-encoding (`%` not followed by two hex digits), an encoded `/` (`%2F`) or `\` (`%5C`),
 *   NUL or any control byte (raw or encoded), a raw backslash, raw non-ASCII or whitespace, dot segments (`.`/`..`,
 *   raw or encoded as `%2E`), and credentials in the URL. Rejecting dot segments rather than resolving them leaves
 *   no room for a path the gateway routes one way and the origin resolves another.
 * - Normalized (and forwarded in that form): percent-encoded unreserved characters are decoded and other
 *   percent-encodings upper-cased (RFC 3986 §6.2.2.1-2); runs of `/` are merged into one, so `//evil.example/x`
 *   is the path `/evil.example/x` on the snapshot's origin, never a host.
 *
 * The raw path is read from the request URL string itself, so a runtime that hands it over unresolved still gets
 * these checks (workerd's URL parser already resolves `..` and backslashes; wrangler dev does too).
 */

export interface NormalizedRequest {
  method: string;
  scheme: "http" | "https";
  /** Lower-case host without port (listener matching, spec §1: ignore the port in Host). */
  host: string;
  /** Host as the client sent it, with port when not the default (X-Forwarded-Host, redirects). */
  authority: string;
  port: number;
  /** Normalized path: what is matched and what the origin receives. */
  path: string;
  /** Raw query without "?", passed to the origin unchanged (spec §4: query strings reach the backend unchanged). */
  query: string;
}

export type NormalizeResult = { ok: true; value: NormalizedRequest } | { ok: false; status: number; reason: string };

const HEX = /^[0-9A-Fa-f]{2}$/;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

export function normalizeRequest(method: string, href: string): NormalizeResult {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return reject("request URL does not parse");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return reject(`unsupported scheme ${url.protocol}`);
  if (url.username || url.password) return reject("credentials in the request URL");
  const scheme = url.protocol === "https:" ? "https" : "http";
  const { rawPath, rawQuery } = splitTarget(href);
  const path = normalizePath(rawPath);
  if (!path.ok) return path;
  return {
    ok: true,
    value: {
      method: method.toUpperCase(),
      scheme,
      host: url.hostname.toLowerCase(),
      authority: url.host.toLowerCase(),
      port: url.port ? Number(url.port) : scheme === "https" ? 443 : 80,
      path: path.value,
      query: rawQuery,
    },
  };
}

/** The path and query exactly as they appear in the URL string (no re-parsing, no dot-segment resolution). */
export function splitTarget(href: string): { rawPath: string; rawQuery: string } {
  const authorityStart = href.indexOf("//") + 2;
  const authorityEnd = href.slice(authorityStart).search(/[/?#]/);
  let target = authorityEnd < 0 ? "/" : href.slice(authorityStart + authorityEnd);
  if (!target.startsWith("/")) target = `/${target}`;
  const hash = target.indexOf("#");
  if (hash >= 0) target = target.slice(0, hash);
  const question = target.indexOf("?");
  return question < 0
    ? { rawPath: target, rawQuery: "" }
    : { rawPath: target.slice(0, question), rawQuery: target.slice(question + 1) };
}

/**
 * A path the loop below would return unchanged: "/"-separated segments of printable ASCII other than `%` and `\`,
 * none empty (no `//`) and none `.` or `..`, optionally a trailing "/". Most request paths are like this, and
 * one regular-expression test is cheaper than building the same string again character by character.
 */
const PLAIN_PATH = /^(?:\/(?!\.\.?(?:\/|$))[!-$&-.0-[\]-~]+)*\/?$/;

export function normalizePath(raw: string): { ok: true; value: string } | { ok: false; status: number; reason: string } {
  if (!raw.startsWith("/")) return reject("path must start with /");
  if (PLAIN_PATH.test(raw)) return { ok: true, value: raw };
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    const code = raw.charCodeAt(i);
    if (code <= 0x20 || code >= 0x7f) return reject("control, whitespace or non-ASCII byte in path");
    if (c === "\\") return reject("backslash in path");
    if (c !== "%") {
      out += c;
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (!HEX.test(hex)) return reject("malformed percent-encoding in path");
    const byte = parseInt(hex, 16);
    if (byte === 0x2f || byte === 0x5c) return reject("encoded slash or backslash in path");
    if (byte < 0x20 || byte === 0x7f) return reject("encoded NUL or control byte in path");
    const decoded = String.fromCharCode(byte);
    out += UNRESERVED.test(decoded) ? decoded : `%${hex.toUpperCase()}`;
    i += 2;
  }
  const merged = out.replace(/\/{2,}/g, "/");
  for (const segment of merged.split("/")) {
    if (segment === "." || segment === "..") return reject("dot segment in path");
  }
  return { ok: true, value: merged };
}

function reject(reason: string): { ok: false; status: number; reason: string } {
  return { ok: false, status: 400, reason };
}
