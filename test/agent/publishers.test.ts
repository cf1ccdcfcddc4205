/**
 * The KvStore implementations the agent publishes through: one shared suite (blob first, pointer last, verify,
 * list, delete) run against the Cloudflare REST publisher (on the local fake API) and the file publisher; then the
 * Cloudflare-specific limits and the blob garbage collector.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex, utf8 } from "../../schema/canonical.ts";
import { blobKey, pointerKey, verifyPointer } from "../../schema/pointer.ts";
import { CloudflareKvError, CloudflareKvStore } from "../../sync-agent/src/publish/cloudflare-kv.ts";
import { FileKvStore } from "../../sync-agent/src/publish/file.ts";
import { BlobCollector } from "../../sync-agent/src/publish/gc.ts";
import { publishSnapshot, type KvStore } from "../../sync-agent/src/publish/publisher.ts";
import type { CompiledSnapshot } from "../../sync-agent/src/translate/api.ts";
import { FakeCloudflareKv } from "../support/fake-cf-kv/server.ts";

const SECRET = "test-snapshot-key";
const TOKEN = "cf-token-never-logged";

/** JSON then a binary tail that is not UTF-8 (like the blob's route table), so only a byte comparison sees it intact. */
const BINARY_TAIL = [0x00, 0xff, 0xfe, 0x80, 0xc3, 0x28, 0x00, 0x01];

async function compiled(gateway: string, body: string, generation = 1): Promise<CompiledSnapshot> {
  const json = utf8(JSON.stringify({ gateway, body }));
  const bytes = new Uint8Array(json.byteLength + BINARY_TAIL.length);
  bytes.set(json);
  bytes.set(BINARY_TAIL, json.byteLength);
  return { gateway, gatewayGeneration: generation, snapshot: {} as CompiledSnapshot["snapshot"], bytes, sha256: await sha256Hex(bytes) };
}

let dir: string;
let fake: FakeCloudflareKv;
let cfUrl: string;
let tokenFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "edgeway-publish-"));
  tokenFile = join(dir, "cf-token");
  await writeFile(tokenFile, `${TOKEN}\n`);
  fake = new FakeCloudflareKv(TOKEN);
  cfUrl = await fake.start();
});

afterAll(async () => {
  await fake.stop();
  await rm(dir, { recursive: true, force: true });
});

const fast = { initialMs: 5, maxMs: 20 };
/** Each store with a reader of the bytes it holds under a key (KvStore.get answers text, which would hide them). */
const stores: [string, () => { kv: KvStore; stored: (key: string) => Promise<Buffer | undefined> }][] = [
  [
    "cloudflare-kv",
    () => ({
      kv: new CloudflareKvStore({ accountId: "acc", namespaceId: `ns`, apiTokenFile: tokenFile, baseUrl: cfUrl, backoff: fast, minWriteIntervalMs: 1000 }),
      stored: async (key) => fake.values.get(key),
    }),
  ],
  [
    "file",
    () => {
      const root = join(dir, `files-${Math.random().toString(36).slice(2)}`);
      return { kv: new FileKvStore(root), stored: (key) => readFile(join(root, ...key.split("/"))).catch(() => undefined) };
    },
  ],
];

describe.each(stores)("KvStore %s", (_name, make) => {
  it("publishes blob then pointer; the pointer verifies and names the blob", async () => {
    const { kv, stored } = make();
    const gw = `ns-${Math.random().toString(36).slice(2)}/edge`;
    const c = await compiled(gw, "v1");
    const pointer = await publishSnapshot(kv, c, { secret: SECRET, epoch: 3, counter: 7 });
    const check = await verifyPointer(SECRET, await kv.get(pointerKey(gw)));
    expect(check.ok && check.pointer).toMatchObject({ hash: c.sha256, epoch: 3, counter: 7, gatewayGeneration: 1, gateway: gw });
    const blob = await stored(blobKey(c.sha256));
    expect(blob && Buffer.from(c.bytes).equals(blob)).toBe(true);
    expect(await sha256Hex(new Uint8Array(blob!))).toBe(c.sha256);
    expect(pointer.tag).toBeTruthy();
    expect(await kv.list(`edgeway/v1/gateways/${gw}`)).toEqual([pointerKey(gw)]);
    await kv.delete([blobKey(c.sha256)]);
    expect(await kv.get(blobKey(c.sha256))).toBeNull();
    expect(await kv.get("edgeway/v1/missing")).toBeNull();
  });

  it("lists every key under a prefix, across pages", async () => {
    const { kv } = make();
    const prefix = `edgeway/v1/list-${Math.random().toString(36).slice(2)}/`;
    const entries = Array.from({ length: 1205 }, (_, i) => ({ key: `${prefix}${String(i).padStart(5, "0")}`, value: `v${i}` }));
    await kv.put(entries);
    const keys = await kv.list(prefix);
    expect(keys).toHaveLength(1205);
    expect(keys[1204]).toBe(`${prefix}01204`);
  });
});

describe("Cloudflare KV REST publisher", () => {
  const store = (extra: Partial<ConstructorParameters<typeof CloudflareKvStore>[0]> = {}) =>
    new CloudflareKvStore({ accountId: "acc", namespaceId: "ns", apiTokenFile: tokenFile, baseUrl: cfUrl, backoff: fast, ...extra });

  it("writes the blob before the pointer and paces rewrites of one key to 1/s", async () => {
    const kv = store();
    const gw = "pace/edge";
    const start = fake.writes.length;
    await publishSnapshot(kv, await compiled(gw, "a"), { secret: SECRET, epoch: 1, counter: 1 });
    await publishSnapshot(kv, await compiled(gw, "b"), { secret: SECRET, epoch: 1, counter: 2 });
    const writes = fake.writes.slice(start);
    expect(writes.map((w) => (w.key.includes("/snapshots/") ? "blob" : "pointer"))).toEqual(["blob", "pointer", "blob", "pointer"]);
    const pointerWrites = writes.filter((w) => w.key === pointerKey(gw));
    expect(pointerWrites[1]!.at - pointerWrites[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(fake.rejected.filter((r) => r.status === 429 && r.key === pointerKey(gw))).toEqual([]);
  });

  it("retries 5xx and 429 (honouring Retry-After) and then succeeds", async () => {
    const kv = store();
    fake.failNext = 2;
    await kv.put([{ key: "edgeway/v1/retry-5xx", value: "x" }]);
    fake.throttle = true;
    fake.failNext = 1;
    const t0 = Date.now();
    await kv.put([{ key: "edgeway/v1/retry-429", value: "y" }]);
    fake.throttle = false;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(fake.values.get("edgeway/v1/retry-429")?.toString()).toBe("y");
  });

  it("fails with status and Cloudflare codes only, never the token", async () => {
    await writeFile(join(dir, "bad-token"), "wrong-token");
    const kv = store({ apiTokenFile: join(dir, "bad-token"), maxAttempts: 1 });
    const error = (await kv.get("edgeway/v1/x").catch((e: unknown) => e)) as CloudflareKvError;
    expect(error).toBeInstanceOf(CloudflareKvError);
    expect(error.status).toBe(401);
    expect(error.message).toContain("10000");
    expect(error.message).not.toContain("wrong-token");
    expect(error.message).not.toContain(TOKEN);
  });

  it("refuses keys over 512 bytes and values over 25 MiB before sending", async () => {
    const kv = store();
    const before = fake.writes.length;
    await expect(kv.put([{ key: "k".repeat(513), value: "v" }])).rejects.toThrow(/512/);
    await expect(kv.put([{ key: "big", value: new Uint8Array(25 * 1024 * 1024 + 1) }])).rejects.toThrow(/25 MiB/);
    expect(fake.writes.length).toBe(before);
  });
});

describe("blob garbage collection", () => {
  it("deletes only unreferenced blobs, and only after the grace period", async () => {
    const kv = new FileKvStore(join(dir, "gc"));
    let now = 0;
    const gc = new BlobCollector(kv, { graceMs: 60_000, now: () => now });
    const old = await compiled("gc/edge", "old");
    const live = await compiled("gc/edge", "live");
    const other = await compiled("gc/other", "other-cluster");
    await publishSnapshot(kv, old, { secret: SECRET, epoch: 1, counter: 1 });
    await publishSnapshot(kv, live, { secret: SECRET, epoch: 1, counter: 2 });
    await publishSnapshot(kv, other, { secret: SECRET, epoch: 1, counter: 1 });

    expect((await gc.collect()).deleted).toEqual([]); // First sighting of "old" unreferenced: marked.
    now += 59_999;
    expect((await gc.collect()).deleted).toEqual([]);
    now += 1;
    const result = await gc.collect();
    expect(result.deleted).toEqual([old.sha256]);
    expect(await kv.get(blobKey(old.sha256))).toBeNull();
    expect(await kv.get(blobKey(live.sha256))).not.toBeNull();
    expect(await kv.get(blobKey(other.sha256))).not.toBeNull();
  });

  it("forgets a mark when the blob becomes referenced again", async () => {
    const kv = new FileKvStore(join(dir, "gc2"));
    let now = 0;
    const gc = new BlobCollector(kv, { graceMs: 1000, now: () => now });
    const a = await compiled("gc2/edge", "a");
    const b = await compiled("gc2/edge", "b");
    await publishSnapshot(kv, a, { secret: SECRET, epoch: 1, counter: 1 });
    await publishSnapshot(kv, b, { secret: SECRET, epoch: 1, counter: 2 });
    await gc.collect(); // a marked
    now += 500;
    await publishSnapshot(kv, a, { secret: SECRET, epoch: 1, counter: 3 }); // rollback to a: b unreferenced now
    await gc.collect();
    now += 600;
    const result = await gc.collect(); // a referenced (mark dropped); b marked 600 ms ago
    expect(result.deleted).toEqual([]);
    now += 1000;
    expect((await gc.collect()).deleted).toEqual([b.sha256]);
  });
});
