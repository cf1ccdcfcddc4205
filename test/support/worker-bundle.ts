/**
 * The worker as it would be deployed: `wrangler deploy --dry-run --outdir` bundles it (no account or network needed),
 * and workerOptions() turns the bundle into Miniflare worker options. Used where a run must not go through
 * `wrangler dev` (its proxy and inspector, or because it needs an outbound service): the workerd proxy bench and the
 * conformance runner.
 */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { LOOPBACK_ONLY_ENV, REPO_ROOT } from "./wrangler-dev.ts";

const WRANGLER = join(REPO_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
/** wrangler.toml's compatibility settings, which a bundle does not carry. */
export const COMPATIBILITY_DATE = "2026-04-01";
export const COMPATIBILITY_FLAGS = ["nodejs_compat"];

/** `wrangler deploy --dry-run --outdir`: the deployable bundle. Returns `outdir`. */
export function bundleWorker(config: string, outdir: string): string {
  execFileSync(process.execPath, [WRANGLER, "deploy", "--dry-run", "--config", config, "--outdir", outdir], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...LOOPBACK_ONLY_ENV, WRANGLER_LOG_PATH: join(outdir, "wrangler-debug.log") },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return outdir;
}

/** The edgeway bundle's modules (the entry and the matcher's .wasm) as Miniflare worker options. */
export function edgewayModules(dist: string) {
  const wasm = readdirSync(dist).find((f) => f.endsWith(".wasm"));
  if (!wasm) throw new Error("the bundle has no .wasm module");
  return {
    modules: [
      { type: "ESModule" as const, path: join(dist, "index.js") },
      { type: "CompiledWasm" as const, path: join(dist, wasm) },
    ],
    modulesRoot: dist,
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: COMPATIBILITY_FLAGS,
  };
}
