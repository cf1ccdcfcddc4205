import type { RegexCheck } from "../api.ts";
import { compileVerdict } from "./compile.ts";

/**
 * Whether `pattern` is in the supported RE2 subset (docs/regex.md) and compiles within the program-size cap.
 * Never throws. The reason names the problem for a status condition, e.g. "backreferences are not supported" or
 * "program too large: 2400 > 2000 instructions"; the translator reports it as `Accepted=False/UnsupportedValue`.
 * The verdict is compileRegex's, without building the program (a route table compiles it when it needs it).
 */
export function checkRegex(pattern: string): RegexCheck {
  const verdict = compileVerdict(pattern);
  return verdict.ok ? { ok: true } : { ok: false, reason: verdict.reason };
}
