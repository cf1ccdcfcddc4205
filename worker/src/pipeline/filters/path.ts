/**
 * The path modifier shared by URLRewrite and RequestRedirect (spec §4).
 *
 * ReplacePrefixMatch replaces the matched prefix segment-wise: a trailing "/" of the match value or of the
 * replacement carries no meaning, what follows the prefix keeps its leading "/", and an empty result becomes "/".
 * (/foo/bar, /foo, /xyz/) -> /xyz/bar; (/foo/, /foo, /xyz) -> /xyz/; (/foo, /foo, "") -> /.
 */
import type { PathModifier } from "../../../../schema/snapshot.ts";

function trimTrailingSlash(value: string): string {
  return value.endsWith("/") ? value.replace(/\/+$/, "") : value;
}

export function replacePrefixMatch(path: string, prefix: string, replacement: string): string {
  const matched = trimTrailingSlash(prefix);
  // Only a segment-wise prefix was matched (spec §3); anything else is left alone rather than mangled.
  if (!path.startsWith(matched) || (path.length > matched.length && path[matched.length] !== "/")) return path;
  const rest = path.slice(matched.length);
  const result = trimTrailingSlash(replacement) + rest;
  return result === "" ? "/" : result.startsWith("/") ? result : `/${result}`;
}

export function applyPathModifier(path: string, modifier: PathModifier): string {
  if (modifier.type === "ReplaceFullPath") return modifier.value === "" ? "/" : modifier.value;
  return replacePrefixMatch(path, modifier.prefix, modifier.value);
}
