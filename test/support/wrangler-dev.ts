/**
 * Runs a worker with `wrangler dev` (real workerd) on a free loopback port, for end-to-end tests, the conformance
 * runner, the benchmark and `npm start`. Bounded waits everywhere; stop() kills the whole process group it started.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { send } from "./http-client.ts";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const WRANGLER_BIN = fileURLToPath(new URL("../../node_modules/wrangler/bin/wrangler.js", import.meta.url));

/**
 * No telemetry, and no fetch of the `Request.cf` placeholder from workers.cloudflare.com: local runs stay on loopback.
 */
export const LOOPBACK_ONLY_ENV = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" } as const;

export interface WranglerDevOptions {
  /** `--persist-to` directory holding the local KV store. */
  persistTo: string;
  /** Port to serve on; default a free one. */
  port?: number;
  /** Vars and secrets, passed as `--var NAME:value` (they override wrangler.toml [vars]). */
  vars?: Record<string, string>;
  /** wrangler config file; default the repository's wrangler.toml. */
  config?: string;
  /** Worker entry instead of the config's `main` (the benchmark's bare fetch worker). */
  script?: string;
  /** How long to wait until it serves; default 90 s (first bundling on a busy 2-core machine is slow). */
  readyTimeoutMs?: number;
  /** Echo wrangler's output (npm start does). */
  inheritOutput?: boolean;
  /** Path polled to decide the worker serves; default "/". Any HTTP response counts. */
  readyPath?: string;
  /** "https" serves TLS with wrangler's self-signed certificate; request.url is then https (port 443 by default). */
  localProtocol?: "http" | "https";
  /**
   * File for wrangler's debug log (WRANGLER_LOG_PATH). wrangler appends every line the worker logs and every
   * inspector event (several per proxied request) to it, tens of MB per benchmark run: tests and benchmarks keep it
   * in their temp directory. Default: wrangler's own location.
   */
  debugLogPath?: string;
}

export interface WranglerDev {
  url: string;
  port: number;
  process: ChildProcess;
  /** Everything wrangler printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/** A port the OS says is free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Fails fast when something already listens on the port: otherwise readiness polling would find that server. */
function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === "EADDRINUSE" ? `port ${port} is already in use on 127.0.0.1` : err.message)),
    );
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}

export async function startWranglerDev(options: WranglerDevOptions): Promise<WranglerDev> {
  if (options.port !== undefined) await assertPortFree(options.port);
  const port = options.port ?? (await freePort());
  const inspectorPort = await freePort();
  const args = [
    WRANGLER_BIN,
    "dev",
    ...(options.script ? [options.script] : []),
    "--config",
    options.config ?? "wrangler.toml",
    "--persist-to",
    options.persistTo,
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--local-protocol",
    options.localProtocol ?? "http",
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
  ];
  for (const [name, value] of Object.entries(options.vars ?? {})) args.push("--var", `${name}:${value}`);

  let output = "";
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    // Its own process group, so stop() reaches workerd too; no telemetry, no network beyond loopback.
    detached: true,
    env: {
      ...process.env,
      ...LOOPBACK_ONLY_ENV,
      CI: "1",
      NO_COLOR: "1",
      ...(options.debugLogPath ? { WRANGLER_LOG_PATH: options.debugLogPath } : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const record = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
    if (options.inheritOutput) process.stderr.write(chunk);
  };
  child.stdout?.on("data", record);
  child.stderr?.on("data", record);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // Never leave a workerd behind if this process ends without stop() (an exception, process.exit()).
  const killOnExit = () => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // Already gone.
    }
  };
  process.once("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      return;
    }
    const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
    if (!done) {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // Already gone.
      }
      await exited;
    }
  };

  const url = `${options.localProtocol ?? "http"}://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  while (true) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output.slice(-4000)}`);
    try {
      await send(url, { path: options.readyPath ?? "/", timeoutMs: 2000 });
      if (child.exitCode === null) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not serve ${url} in time:\n${output.slice(-4000)}`);
    }
    await sleep(250);
  }
  return { url, port, process: child, output: () => output, stop };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
