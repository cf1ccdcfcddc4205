import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { sha256Hex } from "../../schema/canonical.ts";
import { encodeBlob, readSnapshotBlob } from "../../schema/blob.ts";
import { blobKey, pointerKey, verifyPointer } from "../../schema/pointer.ts";
import { SCHEMA_VERSION, type Snapshot } from "../../schema/snapshot.ts";
import { LocalKvStore, namespaceIdFromWranglerToml } from "../../sync-agent/src/publish/local-kv.ts";
import { nextCounter, parseSnapshotFile, pushSnapshots, readDotenvValue, runPush, toCompiledSnapshot } from "../../sync-agent/src/cli/push.ts";
import { compileRouteTable } from "../../wasm-matcher/src/table.ts";

const run = promisify(execFile);
const SECRET = "push-test-secret";

function emptySnapshot(generation: number): Snapshot {
  const snapshot: Snapshot = {
    schemaVersion: SCHEMA_VERSION,
    gateway: { namespace: "edgeway-demo", name: "demo", generation },
    listeners: [{ name: "http", port: 80, protocol: "HTTP", hostname: null }],
    routes: [],
    routeTable: new Uint8Array(0),
  };
  snapshot.routeTable = compileRouteTable(snapshot);
  return snapshot;
}

async function blobOf(snapshot: Snapshot): Promise<Uint8Array> {
  return (await toCompiledSnapshot(snapshot)).bytes;
}

describe("local KV publishing and `edgeway push --local`", () => {
  let dir: string;
  let kv: LocalKvStore;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "edgeway-push-"));
    kv = new LocalKvStore({ persistTo: join(dir, "kv") });
  });
  afterAll(async () => {
    await kv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes the blob and a pointer that verifies with the secret", async () => {
    const [pointer] = await pushSnapshots(kv, [emptySnapshot(3)], SECRET);
    const raw = await kv.get(pointerKey("edgeway-demo/demo"));
    const check = await verifyPointer(SECRET, raw);
    expect(check.ok).toBe(true);
    expect((await verifyPointer("wrong-secret", raw)).ok).toBe(false);
    expect(pointer!.epoch).toBe(0);
    expect(pointer!.gatewayGeneration).toBe(3);
    const blob = await kv.getBytes(blobKey(pointer!.hash));
    expect(blob).not.toBeNull();
    expect(await sha256Hex(blob!)).toBe(pointer!.hash);
    const read = readSnapshotBlob(blob!);
    expect(read.ok && read.value.gateway.generation).toBe(3);
    expect(await kv.list("edgeway/v1/snapshots/")).toContain(blobKey(pointer!.hash));
  });

  it("increases the counter on every push", async () => {
    const before = await nextCounter(kv, "edgeway-demo/demo");
    const [a] = await pushSnapshots(kv, [emptySnapshot(4)], SECRET);
    const [b] = await pushSnapshots(kv, [emptySnapshot(4)], SECRET);
    expect(a!.counter).toBeGreaterThanOrEqual(before);
    expect(b!.counter).toBeGreaterThan(a!.counter);
    // A far-future live counter is still exceeded.
    await kv.put([{ key: pointerKey("x/y"), value: JSON.stringify({ counter: 9e12 }) }]);
    expect(await nextCounter(kv, "x/y")).toBe(9e12 + 1);
  });

  it("is the store wrangler's own local KV commands read", async () => {
    await kv.put([{ key: "probe/binary", value: new Uint8Array([104, 105]) }]);
    const { stdout } = await run(
      process.execPath,
      [wranglerBin(), "kv", "key", "get", "probe/binary", "--text", "--local", "--persist-to", join(dir, "kv"), "--binding", "EDGEWAY_KV"],
      { env: { ...process.env, WRANGLER_SEND_METRICS: "false" }, timeout: 60_000 },
    );
    expect(stdout.trim()).toBe("hi");
  }, 90_000);

  it("runs as a CLI with a secret file and rejects invalid snapshots as data", async () => {
    const file = join(dir, "snap.snapshot");
    const secretFile = join(dir, "vars");
    writeFileSync(file, await blobOf(emptySnapshot(9)));
    writeFileSync(secretFile, `OTHER=1\nEDGEWAY_SNAPSHOT_KEY="${SECRET}"\n`);
    const persist = join(dir, "cli-kv");
    expect(await runPush(["--snapshot", file, "--local", "--persist-to", persist, "--secret-file", secretFile])).toBe(0);
    const store = new LocalKvStore({ persistTo: persist });
    try {
      const check = await verifyPointer(SECRET, await store.get(pointerKey("edgeway-demo/demo")));
      expect(check.ok && check.pointer.gatewayGeneration).toBe(9);
    } finally {
      await store.close();
    }
    writeFileSync(file, encodeBlob(JSON.stringify({ schemaVersion: SCHEMA_VERSION, gateway: {} }), new Uint8Array(0)));
    expect(await runPush(["--snapshot", file, "--local", "--persist-to", persist, "--secret-file", secretFile])).toBe(1);
    // A snapshot file of the previous schema (JSON, the table in base64) is refused, not misread.
    writeFileSync(file, JSON.stringify({ ...emptySnapshot(9), routeTable: "AAAA" }));
    expect(await runPush(["--snapshot", file, "--local", "--persist-to", persist, "--secret-file", secretFile])).toBe(1);
    expect(await runPush(["--snapshot", file])).toBe(2);
  });

  it("parses snapshot files, dotenv values and wrangler.toml namespace ids", async () => {
    expect((await parseSnapshotFile(new TextEncoder().encode("[")))).toMatchObject({ compiled: null, problems: [expect.stringMatching(/not a snapshot blob/)] });
    const bytes = encodeBlob(JSON.stringify({ ...emptySnapshot(1), routeTable: undefined }), new Uint8Array(0));
    expect((await parseSnapshotFile(bytes)).problems).toEqual(["the snapshot has no route table"]);
    const good = await toCompiledSnapshot(emptySnapshot(2));
    const parsed = await parseSnapshotFile(good.bytes);
    expect(parsed.compiled?.sha256).toBe(good.sha256);
    expect(parsed.compiled?.gatewayGeneration).toBe(2);
    expect(readDotenvValue("A=1\nEDGEWAY_SNAPSHOT_KEY='abc'\n", "EDGEWAY_SNAPSHOT_KEY")).toBe("abc");
    expect(readDotenvValue("A=1\n", "EDGEWAY_SNAPSHOT_KEY")).toBeUndefined();
    const toml = `[[kv_namespaces]]\nbinding = "OTHER"\nid = "o"\n\n[[kv_namespaces]]\nbinding = "EDGEWAY_KV"\nid = "edgeway-local"\n\n[vars]\nX = "1"\n`;
    expect(namespaceIdFromWranglerToml(toml)).toBe("edgeway-local");
  });
});

function wranglerBin(): string {
  return join(process.cwd(), "node_modules", "wrangler", "bin", "wrangler.js");
}
