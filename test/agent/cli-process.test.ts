/**
 * `edgeway agent` as the container runs it: a separate process, configured by flags and EDGEWAY_* variables, with a
 * kubeconfig file pointing at the fake apiserver. It must become ready, publish, log JSON lines without secrets,
 * and on SIGTERM release the Lease and exit 0.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { pointerKey, verifyPointer } from "../../schema/pointer.ts";
import { FakeApiServer } from "../support/fake-apiserver/server.ts";
import { freePort } from "../support/wrangler-dev.ts";
import { gateway, gatewayClass, httpRoute, namespace, service, waitFor } from "./fixtures.ts";

const BIN = fileURLToPath(new URL("../../bin/edgeway.mjs", import.meta.url));
const KEY = "cli-process-snapshot-key-0123456789";

let server: FakeApiServer;
let dir: string;
let child: ChildProcess;
let output = "";

beforeAll(async () => {
  server = new FakeApiServer();
  const url = await server.start();
  dir = await mkdtemp(join(tmpdir(), "edgeway-cli-"));
  await writeFile(join(dir, "key"), KEY);
  await writeFile(
    join(dir, "kubeconfig"),
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      // client-node refuses plain http unless TLS verification is explicitly off.
      clusters: [{ name: "fake", cluster: { server: url, "insecure-skip-tls-verify": true } }],
      users: [{ name: "fake", user: { token: "cli-token" } }],
      contexts: [{ name: "fake", context: { cluster: "fake", user: "fake" } }],
      "current-context": "fake",
    }),
  );
  server.apply(gatewayClass());
  server.apply(namespace("apps"));
  server.apply(gateway("apps", "edge"));
  server.apply(service("apps", "echo"));
  server.apply(httpRoute("apps", "r1", { namespace: "apps", name: "edge" }, "/a"));
}, 30_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

it("runs, becomes ready, publishes, logs JSON without secrets, and releases the Lease on SIGTERM", async () => {
  const port = await freePort();
  child = spawn(
    process.execPath,
    [BIN, "agent", "--kubeconfig", join(dir, "kubeconfig"), "--listen", `127.0.0.1:${port}`, "--publisher", "file", "--file-dir", join(dir, "kv")],
    {
      env: { ...process.env, EDGEWAY_SNAPSHOT_KEY_FILE: join(dir, "key"), EDGEWAY_LEASE_NAMESPACE: "edgeway-system", EDGEWAY_RETRY_PERIOD: "0.2", POD_NAME: "cli-0" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const ready = async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200;
  // Generous: tsx compiles the agent's TypeScript on first start, which is slow on a loaded 2-core machine.
  await waitFor(ready, 60_000, "readyz").catch((e: Error) => {
    throw new Error(`${e.message}; agent output: ${output.slice(-1000)}`);
  });
  const pointerFile = join(dir, "kv", ...pointerKey("apps/edge").split("/"));
  await waitFor(async () => (await readFile(pointerFile, "utf8").catch(() => null)) !== null, 10_000, "pointer file");
  const check = await verifyPointer(KEY, await readFile(pointerFile, "utf8"));
  expect(check.ok).toBe(true);
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  expect(metrics).toMatch(/edgeway_leader 1/);
  expect(metrics).toMatch(/edgeway_publishes_total\{gateway="apps\/edge"\} 1/);

  child.kill("SIGTERM");
  expect(await exited).toBe(0);
  const lines = output.trim().split("\n");
  for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
  expect(messages).toEqual(expect.arrayContaining(["agent starting", "started leading", "snapshot published", "lease released", "agent stopped"]));
  expect(output).not.toContain(KEY);
  expect(output).not.toContain("cli-token");
  const lease = server.store.get(server.store.typeOfKind("Lease"), "edgeway-system", "edgeway-agent");
  expect((lease.spec as { holderIdentity: string }).holderIdentity).toBe("");
}, 120_000);
