/**
 * `npm start`: a working local gateway with no Cloudflare account and no network beyond loopback.
 *
 *   wasm built -> .dev.vars secrets -> demo origins (echo servers) -> compile examples/ -> push to .edgeway/kv
 *   -> wrangler dev --persist-to .edgeway/kv --port 8787 -> curl lines; examples/ watched, Ctrl-C stops everything.
 *
 * EDGEWAY_DEV_PORT, EDGEWAY_DEV_EXAMPLES (a manifests folder) and EDGEWAY_DEV_STATE (the local KV folder) change the
 * port, what is served and where it is kept; test/e2e/npm-start.test.ts runs it that way beside a developer's own.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, watch, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pushCompiled, readDotenvValue, SECRET_NAME } from "../sync-agent/src/cli/push.ts";
import { DEFAULT_PERSIST_DIR, LocalKvStore } from "../sync-agent/src/publish/local-kv.ts";
import { versionString } from "../schema/pointer.ts";
import { startEchoServer, type EchoServer } from "../test/support/echo-server.ts";
import { compileManifests, loadManifestDir, localOrigins } from "../test/support/manifests.ts";
import { REPO_ROOT, startWranglerDev, type WranglerDev } from "../test/support/wrangler-dev.ts";
import { curlExamples } from "./curl-examples.ts";

const PORT = Number(process.env.EDGEWAY_DEV_PORT ?? 8787);
const EXAMPLES_DIR = resolve(process.env.EDGEWAY_DEV_EXAMPLES ?? join(REPO_ROOT, "examples"));
const PERSIST_DIR = resolve(process.env.EDGEWAY_DEV_STATE ?? join(REPO_ROOT, DEFAULT_PERSIST_DIR));
const DEV_VARS = join(REPO_ROOT, ".dev.vars");
const STATUS_TOKEN_NAME = "EDGEWAY_STATUS_TOKEN";

function log(message: string): void {
  console.log(`[edgeway] ${message}`);
}

/** The worker imports wasm-matcher/build/matcher.wasm; build it once if missing. */
function ensureWasm(): void {
  if (existsSync(join(REPO_ROOT, "wasm-matcher", "build", "matcher.wasm"))) return;
  log("building the wasm matcher (npm run build:wasm)");
  const result = spawnSync("npm", ["run", "build:wasm", "--silent"], { cwd: REPO_ROOT, stdio: "inherit" });
  if (result.status !== 0) throw new Error("npm run build:wasm failed");
}

/** Random local secrets in .dev.vars (git-ignored), kept across runs so a running worker's pointers still verify. */
function ensureDevVars(path = DEV_VARS): { snapshotKey: string; statusToken: string } {
  let text = existsSync(path) ? readFileSync(path, "utf8") : "";
  const values: Record<string, string> = {};
  for (const name of [SECRET_NAME, STATUS_TOKEN_NAME]) {
    let value = readDotenvValue(text, name);
    if (!value) {
      value = randomBytes(32).toString("base64url");
      text += `${text && !text.endsWith("\n") ? "\n" : ""}${name}=${value}\n`;
      writeFileSync(path, text, { mode: 0o600 });
      log(`wrote a random ${name} to .dev.vars`);
    }
    values[name] = value;
  }
  return { snapshotKey: values[SECRET_NAME]!, statusToken: values[STATUS_TOKEN_NAME]! };
}

async function compileAndPush(kv: LocalKvStore, secret: string): Promise<void> {
  const objects = loadManifestDir(EXAMPLES_DIR);
  const { snapshots, statuses, warnings } = await compileManifests(objects);
  for (const warning of warnings) log(`warning: ${warning}`);
  for (const line of conditionProblems(statuses)) log(line);
  if (snapshots.length === 0) {
    log("examples/ compiled to no Gateway snapshot (is the Gateway's class ours?); nothing pushed");
    return;
  }
  for (const pointer of await pushCompiled(kv, snapshots, secret)) {
    log(`pushed ${pointer.gateway} version ${versionString(pointer)}`);
  }
}

const PROBLEM_WHEN_FALSE = new Set(["Accepted", "ResolvedRefs", "Programmed"]);

/** The False conditions of the computed statuses, one line each: what a user must fix in examples/. */
function conditionProblems(statuses: Awaited<ReturnType<typeof compileManifests>>["statuses"]): string[] {
  const lines: string[] = [];
  const visit = (where: string, value: unknown) => {
    if (Array.isArray(value)) value.forEach((item, i) => visit(`${where}[${i}]`, item));
    else if (value && typeof value === "object") {
      const c = value as Record<string, unknown>;
      // Conflicted/OverlappingTLSConfig are healthy when False; these three are problems when False.
      if (typeof c.type === "string" && PROBLEM_WHEN_FALSE.has(c.type) && c.status === "False") {
        lines.push(`${where}: ${c.type}=False ${c.reason}: ${String(c.message ?? "")}`);
      } else for (const [k, v] of Object.entries(c)) visit(`${where}.${k}`, v);
    }
  };
  for (const s of statuses) visit(`${s.kind} ${s.namespace ? `${s.namespace}/` : ""}${s.name}`, s.status);
  return lines;
}

/** Re-compiles and re-pushes when examples/ changes, debounced; one run at a time. */
function watchExamples(onChange: () => Promise<void>): () => void {
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const watcher = watch(EXAMPLES_DIR, { recursive: true }, () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(onChange).catch((err: unknown) => log(`re-compile failed: ${(err as Error).message}`));
    }, 200);
  });
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}

async function main(): Promise<void> {
  ensureWasm();
  const { snapshotKey, statusToken } = ensureDevVars();
  const origins: EchoServer[] = [];
  let worker: WranglerDev | undefined;
  let stopWatching: (() => void) | undefined;
  const kv = new LocalKvStore({ persistTo: PERSIST_DIR, wranglerConfig: join(REPO_ROOT, "wrangler.toml") });

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log("stopping");
    stopWatching?.();
    await worker?.stop();
    await Promise.all(origins.map((o) => o.close()));
    await kv.close();
    process.exit(code);
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void shutdown(0));
  // A closed terminal or pipe must not crash the loop before it has stopped the worker.
  process.stdout.on("error", () => void shutdown(0));

  try {
    for (const origin of localOrigins(loadManifestDir(EXAMPLES_DIR))) {
      origins.push(await startEchoServer(origin));
      log(`origin ${origin.namespace}/${origin.service} on http://127.0.0.1:${origin.port}`);
    }
    await compileAndPush(kv, snapshotKey);
    log(`starting wrangler dev on http://127.0.0.1:${PORT}`);
    // wrangler dev reads both secrets from .dev.vars itself.
    worker = await startWranglerDev({ persistTo: PERSIST_DIR, port: PORT, inheritOutput: true });
    worker.process.once("exit", (code) => {
      if (stopping) return;
      log(`wrangler dev exited (${code}); stopping`);
      void shutdown(1);
    });
    stopWatching = watchExamples(() => compileAndPush(kv, snapshotKey));
    console.log(curlExamples(worker.url, statusToken));
    log("watching examples/ for changes; Ctrl-C stops everything");
  } catch (err) {
    console.error(`[edgeway] ${(err as Error).message}`);
    await shutdown(1);
  }
}

await main();
