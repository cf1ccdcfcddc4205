// Test-only wasm entry: exports the regex engine the route matcher embeds, plus where free memory starts, so the
// tests and the bench can lay out program, input and scratch themselves (--runtime stub: nothing else owns memory).
export { regexFullMatch, regexLastEngine, regexPikeMatch, regexScratchBytes, regexInstCount } from "./regex";

export function heapBase(): usize {
  return __heap_base;
}
