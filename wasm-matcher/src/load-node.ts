import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Path of the built matcher (`npm run build:wasm`). */
export const MATCHER_WASM_PATH = fileURLToPath(new URL("../build/matcher.wasm", import.meta.url));

/** Compiles the built matcher in Node (tests, benches, `explain`). Workers import the module instead. */
export function loadMatcherModule(path = MATCHER_WASM_PATH): WebAssembly.Module {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new Error(`wasm-matcher: cannot read ${path}; run \`npm run build:wasm\` first (${(e as Error).message})`);
  }
  return new WebAssembly.Module(bytes);
}
