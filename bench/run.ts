/**
 * `npm run bench`: runs every `*.bench.ts` under bench/, sync-agent/bench/, wasm-matcher/bench/ and worker/bench/ in
 * its own process, one after the other (so they do not compete for the two cores), and lets each print its table.
 * `npm run bench -- <filter>` runs only the files whose path contains <filter>.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const dirs = ["sync-agent/bench", "wasm-matcher/bench", "worker/bench", "test/bench", "bench"];
const filter = process.argv[2] ?? "";
const files = dirs
  .filter((d) => existsSync(d))
  .flatMap((d) => readdirSync(d).filter((f) => f.endsWith(".bench.ts")).map((f) => join(d, f)))
  .filter((f) => f.includes(filter));
let failed = 0;
for (const file of files) {
  console.log(`\n## ${file}\n`);
  const r = spawnSync(process.execPath, ["--import", "tsx", "--expose-gc", file], { stdio: "inherit" });
  if (r.status !== 0) failed++;
}
if (failed) {
  console.error(`${failed} benchmark file(s) failed`);
  process.exit(1);
}
