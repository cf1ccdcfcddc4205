/**
 * Convergence: time from an object change on the apiserver to the KV holding the new pointer, through the whole
 * agent (watch event -> debounce -> translate -> compile -> publish), at 10, 100 and 1,000 routes. Printed as
 * p50/p99 per size (goal: p50 <= 2 s locally); not asserted, since speed is a measurement, not a test verdict.
 * The assertions check that every change did reach the KV, with a new hash, in order.
 *
 * KV backends: the file publisher (every sample), and the fake Cloudflare KV REST API (samples spaced past the
 * 1 write/s per key limit, which the publisher would otherwise have to wait out).
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pointerKey, verifyPointer } from "../../schema/pointer.ts";
import { CloudflareKvStore } from "../../sync-agent/src/publish/cloudflare-kv.ts";
import { FileKvStore } from "../../sync-agent/src/publish/file.ts";
import type { KvStore } from "../../sync-agent/src/publish/publisher.ts";
import { FakeApiServer } from "../support/fake-apiserver/server.ts";
import { FakeCloudflareKv } from "../support/fake-cf-kv/server.ts";
import { gateway, gatewayClass, httpRoute, namespace, printFigures, service, waitFor } from "./fixtures.ts";
import { makeAgent, secretFiles, SNAPSHOT_KEY, testConfig, type RunningAgent } from "./harness.ts";

const GW = { namespace: "apps", name: "edge" };

/** Wraps a KvStore to timestamp the moment each pointer write has completed. */
class TimedKv implements KvStore {
  readonly pointerWrites: number[] = [];
  constructor(private readonly inner: KvStore) {}
  get(key: string) {
    return this.inner.get(key);
  }
  async put(entries: { key: string; value: Uint8Array | string }[]) {
    await this.inner.put(entries);
    if (entries.some((e) => e.key === pointerKey("apps/edge"))) this.pointerWrites.push(performance.now());
  }
  delete(keys: string[]) {
    return this.inner.delete(keys);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

let server: FakeApiServer;
let apiUrl: string;
let files: Awaited<ReturnType<typeof secretFiles>>;
let agent: RunningAgent | undefined;
const results: [string, string][] = [];

beforeEach(async () => {
  server = new FakeApiServer();
  apiUrl = await server.start();
  files = await secretFiles();
});

afterEach(async () => {
  await agent?.agent.stop();
  agent = undefined;
  await server.stop();
  await rm(files.dir, { recursive: true, force: true });
});

async function measure(routes: number, samples: number, kv: TimedKv, spacingMs: number): Promise<number[]> {
  server.apply(gatewayClass());
  server.apply(namespace("apps"));
  server.apply(gateway("apps", "edge"));
  server.apply(service("apps", "echo"));
  for (let i = 0; i < routes; i++) server.apply(httpRoute("apps", `r${i}`, GW, `/p${i}`));
  // Production lease timings: a 1,000-route translate+compile holds the event loop for most of a second, which the
  // tests' shrunken 600 ms renew deadline would not survive (the agent would correctly step down and re-acquire).
  const config = testConfig({
    identity: "conv",
    publisher: "file",
    "file-dir": files.dir,
    "snapshot-key-file": files.snapshotKeyFile,
    "lease-duration": "15",
    "renew-deadline": "10",
  });
  agent = makeAgent(apiUrl, config, kv);
  void agent.agent.start();
  await waitFor(() => kv.pointerWrites.length > 0, 20_000, "first pointer");
  await agent.agent.queue.idle();
  const times: number[] = [];
  let lastHash = "";
  for (let s = 0; s < samples; s++) {
    await new Promise((r) => setTimeout(r, spacingMs));
    await agent.agent.queue.idle();
    const before = kv.pointerWrites.length;
    const t0 = performance.now();
    server.apply(httpRoute("apps", `r${s % routes}`, GW, `/changed-${s}`));
    await waitFor(() => kv.pointerWrites.length > before, 10_000, `pointer after change ${s}`);
    times.push(kv.pointerWrites[before]! - t0);
    const live = await verifyPointer(SNAPSHOT_KEY, await kv.get(pointerKey("apps/edge")));
    expect(live.ok).toBe(true);
    if (live.ok) {
      expect(live.pointer.hash).not.toBe(lastHash);
      lastHash = live.pointer.hash;
    }
  }
  return times;
}

function record(label: string, times: number[]): void {
  results.push([label, `p50 ${percentile(times, 50).toFixed(0)} ms, p99 ${percentile(times, 99).toFixed(0)} ms (n=${times.length}, max ${Math.max(...times).toFixed(0)})`]);
}

describe("convergence: object change -> new pointer in KV", () => {
  it.each([
    [10, 12],
    [100, 12],
    [1000, 6],
  ])(
    "file KV, %i routes",
    async (routes, samples) => {
      const kv = new TimedKv(new FileKvStore(join(files.dir, "kv")));
      const times = await measure(routes, samples, kv, 30);
      record(`file KV, ${routes} routes`, times);
      expect(times).toHaveLength(samples);
    },
    // Seeding 1,000 routes and writing their first statuses takes seconds on a loaded 2-core machine.
    90_000,
  );

  it("fake Cloudflare KV REST API, 100 routes", async () => {
    const fake = new FakeCloudflareKv("conv-token");
    const base = await fake.start();
    const tokenFile = join(files.dir, "cf-token");
    await import("node:fs/promises").then((fs) => fs.writeFile(tokenFile, "conv-token"));
    try {
      const kv = new TimedKv(new CloudflareKvStore({ accountId: "acc", namespaceId: "ns", apiTokenFile: tokenFile, baseUrl: base }));
      const times = await measure(100, 4, kv, 1000); // 1 write/s per key: space samples past it.
      record("fake CF KV REST, 100 routes", times);
      expect(fake.rejected).toEqual([]);
    } finally {
      await fake.stop();
    }
  });

  it("prints the table", () => {
    printFigures("convergence (change -> KV holds new pointer; goal p50 <= 2 s)", results, "npx vitest run --project node test/agent/convergence.test.ts");
    expect(results.length).toBe(4);
  });
});
