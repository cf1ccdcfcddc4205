// Builds wasm-matcher/assembly -> wasm-matcher/build/matcher.wasm with the AssemblyScript compiler.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entry = join(root, "assembly", "index.ts");
mkdirSync(join(root, "build"), { recursive: true });
if (!existsSync(entry)) {
  console.log("wasm-matcher: no assembly/index.ts yet, nothing to build");
  process.exit(0);
}
execFileSync(
  process.execPath,
  [join(root, "..", "node_modules", "assemblyscript", "bin", "asc.js"), entry, "-o", join(root, "build", "matcher.wasm"), "-O3", "--runtime", "stub", "--noAssert", "--config", join(root, "asconfig.json")],
  { stdio: "inherit" },
);
