import { removeEdgeAnchors } from "./anchors.ts";
import type { Node } from "./ast.ts";
import { type ProgramArena, emitProgram, programSize } from "./emit.ts";
import { parseRegex } from "./parse.ts";
import { REGEX_MAX_INSTS } from "./program.ts";

/**
 * `compileRegex(pattern)`: RE2-subset pattern -> byte program (format in program.ts, syntax in docs/regex.md).
 *
 * The program is self-contained; copy its bytes into the route table at a 4-byte-aligned offset and hand that address
 * to the AS `regexFullMatch` (assembly/regex.ts), or hand the bytes to `regexFullMatchJs` (vm.ts). Matching is a
 * **full match** of the whole input: `^` and `$` are implied at both ends. Never throws: a pattern outside the subset,
 * or one whose program would exceed REGEX_MAX_INSTS instructions, yields `{ ok: false, reason }`.
 */
export type CompileResult = { ok: true; program: Uint8Array } | { ok: false; reason: string };

export function compileRegex(pattern: string): CompileResult {
  const verdict = compileVerdict(pattern);
  return verdict.ok ? { ok: true, program: emitProgram(verdict.node) } : verdict;
}

/** compileRegex into `arena`: the program is `arena.bytes` from the returned offset (same bytes as compileRegex). */
export function compileRegexInto(pattern: string, arena: ProgramArena): { ok: true; offset: number } | { ok: false; reason: string } {
  const verdict = compileVerdict(pattern);
  return verdict.ok ? { ok: true, offset: arena.add(verdict.node) } : verdict;
}

/** Whether compileRegex succeeds (and why not), without emitting the program: parsing and the size check only. */
export function compileVerdict(pattern: string): { ok: true; node: Node } | { ok: false; reason: string } {
  const parsed = parseRegex(pattern);
  if (!parsed.ok) return parsed;
  const node = removeEdgeAnchors(parsed.node);
  const size = programSize(node);
  if (size > REGEX_MAX_INSTS) return { ok: false, reason: `program too large: ${formatSize(size)} > ${REGEX_MAX_INSTS} instructions` };
  return { ok: true, node };
}

function formatSize(n: number): string {
  return n < 1e12 ? String(n) : "more than 10^12";
}
