/**
 * The matcher for a snapshot: the AssemblyScript-built matcher, imported as a compiled `WebAssembly.Module` (Workers
 * forbid compiling wasm from bytes at run time) and instantiated once per snapshot. An instance that cannot load
 * the snapshot's route table throws, and the store keeps its last good snapshot.
 */
import matcherWasm from "../../../wasm-matcher/build/matcher.wasm";
import type { Snapshot } from "../../../schema/snapshot.ts";
import type { Matcher } from "../../../wasm-matcher/src/api.ts";
import { createWasmMatcher } from "../../../wasm-matcher/src/wasm.ts";

export function createMatcher(snapshot: Snapshot): Matcher {
  return createWasmMatcher(matcherWasm, snapshot);
}
