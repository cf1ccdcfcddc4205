/** wasm-matcher's public API: the table compiler, the two matchers, the regex check. */
export type { Matcher, MatchOutcome, MatchRequest, MatchResult, RegexCheck } from "./api.ts";
export { newMatchOutcome } from "./api.ts";
export { compileRouteTable } from "./table.ts";
export { createReferenceMatcher } from "./reference.ts";
export { createWasmMatcher } from "./wasm.ts";
export { checkRegex } from "./regex/check.ts";
