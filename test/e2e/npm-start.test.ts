/**
 * The README's first command: `npm start` on the repository gives a working local gateway. Runs the real script
 * (demo origins, compile, push to local KV, wrangler dev) on a free port with a copy of examples/ and its own KV
 * folder, sends the requests its printed curl lines describe, edits a route in the copy and waits for the running
 * gateway to serve the change, then stops it with SIGTERM.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send } from "../support/http-client.ts";
import { freePort, LOOPBACK_ONLY_ENV, REPO_ROOT, sleep } from "../support/wrangler-dev.ts";

const START_TIMEOUT_MS = 90_000;

let dir: string;
let child: ChildProcess;
let base: string;
let output = "";

/** Resolves when the output matches; rejects when the script exits first or the time runs out. */
function waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, m?: RegExpExecArray) => {
      clearInterval(timer);
      clearTimeout(deadline);
      child.off("exit", exited);
      if (error) reject(error);
      else resolve(m!);
    };
    const check = () => {
      const m = pattern.exec(output);
      if (m) done(null, m);
    };
    const exited = (code: number | null) => {
      check();
      done(new Error(`npm start exited (${code}) before printing ${pattern}; output:\n${output.slice(-3000)}`));
    };
    const timer = setInterval(check, 100);
    const deadline = setTimeout(() => done(new Error(`npm start did not print ${pattern} within ${timeoutMs} ms; output:\n${output.slice(-3000)}`)), timeoutMs);
    child.once("exit", exited);
    check();
  });
}

function groupAlive(group: number): boolean {
  try {
    process.kill(group, 0);
    return true;
  } catch {
    return false;
  }
}

function start(port: number): void {
  base = `http://127.0.0.1:${port}`;
  output = "";
  child = spawn("npm", ["start", "--silent"], {
    cwd: REPO_ROOT,
    detached: true, // its own process group, so the wrangler dev it starts is stopped with it
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      ...LOOPBACK_ONLY_ENV,
      EDGEWAY_DEV_PORT: String(port),
      EDGEWAY_DEV_EXAMPLES: join(dir, "examples"),
      EDGEWAY_DEV_STATE: join(dir, "kv"),
      WRANGLER_LOG_PATH: join(dir, "wrangler-debug.log"),
    },
  });
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "edgeway-npm-start-"));
  cpSync(join(REPO_ROOT, "examples"), join(dir, "examples"), { recursive: true });
  // A free port can be taken by another process between freePort() and wrangler binding it: the script then says so
  // and exits, and the test starts it again on another port (at most three times).
  for (let attempt = 1; ; attempt++) {
    start(await freePort());
    try {
      await waitForOutput(/watching examples\/ for changes/, START_TIMEOUT_MS);
      return;
    } catch (error) {
      if (attempt === 3 || !/is already in use/.test(output)) throw error;
    }
  }
}, 3 * START_TIMEOUT_MS + 5_000);

afterAll(async () => {
  if (child?.pid !== undefined) {
    // SIGTERM reaches npm and the script; the script stops wrangler dev (its own process group) before it exits, so
    // wait for the whole group to be gone, not only npm, before anything is killed outright.
    const group = -child.pid;
    try {
      process.kill(group, "SIGTERM");
    } catch {
      // The group is gone already.
    }
    for (let waited = 0; waited < 15_000 && groupAlive(group); waited += 100) await sleep(100);
    try {
      process.kill(group, "SIGKILL"); // anything left in the group
    } catch {
      // The group is gone: everything stopped on SIGTERM.
    }
  }
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe("npm start", () => {
  it("prints curl lines for its own port and a status token that works", async () => {
    expect(output).toContain(`${base}/`);
    const token = /Authorization: Bearer ([A-Za-z0-9_-]+)/.exec(output)?.[1];
    expect(token).toBeDefined();
    const status = await send(base, { path: "/__edgeway/status", headers: { authorization: `Bearer ${token}` } });
    expect(status.status).toBe(200);
    expect(JSON.stringify(status.json)).toContain("edgeway-demo/demo");
    expect((await send(base, { path: "/__edgeway/status" })).status).toBe(401);
  });

  it("serves the example routes: canary origins, header match, rewrite, redirect, no route", async () => {
    const pods = new Set<string>();
    for (let i = 0; i < 80; i++) {
      const r = await send(base, { path: "/", host: "app.example.com" });
      expect(r.status).toBe(200);
      pods.add((r.json as { pod: string }).pod);
    }
    expect(pods.size).toBe(2); // the 90/10 split reaches both versions over 80 requests (p of missing v2: 0.9^80 < 0.03 %)
    const pinned = await send(base, { path: "/", host: "app.example.com", headers: { "x-canary": "always" } });
    expect((pinned.json as { pod: string }).pod).toMatch(/v2/);
    const rewritten = await send(base, { path: "/v1/users?page=2", host: "api.example.com" });
    expect(rewritten.status).toBe(200);
    expect((rewritten.json as { path: string }).path).toBe("/users?page=2");
    const redirect = await send(base, { path: "/some/path", host: "old.example.com" });
    expect([redirect.status, redirect.headers.location]).toEqual([301, "https://app.example.com/some/path"]);
    expect((await send(base, { path: "/", host: "nothing.example.com" })).status).toBe(404);
  });

  it("re-compiles and re-pushes when a file in the examples folder changes", async () => {
    const file = join(dir, "examples", "routes", "redirect.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("statusCode: 301", "statusCode: 302"));
    let last = 0;
    for (let i = 0; i < 60 && last !== 302; i++) {
      await sleep(500);
      last = (await send(base, { path: "/x", host: "old.example.com" })).status;
    }
    expect(last).toBe(302);
    expect(output).toMatch(/pushed edgeway-demo\/demo version[\s\S]*pushed edgeway-demo\/demo version/);
  }, 40_000);
});
