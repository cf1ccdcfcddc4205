/**
 * Test harness for whole-agent scenarios: the fake apiserver, a KvStore, an edge double reporting what it "serves"
 * (it reads and verifies the pointers in the store, as the worker does, and answers the worker's status format),
 * and agents with timings shrunk to tens of milliseconds.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { verifyPointer } from "../../schema/pointer.ts";
import { Agent } from "../../sync-agent/src/agent/agent.ts";
import { applyAgentDefaults, type AgentConfig } from "../../sync-agent/src/agent/config.ts";
import { silentLogger, type Logger } from "../../sync-agent/src/agent/log.ts";
import type { PublishRecord } from "../../sync-agent/src/agent/publishing.ts";
import { createPipeline } from "../../sync-agent/src/cli/agent.ts";
import { FileKvStore } from "../../sync-agent/src/publish/file.ts";
import type { KvStore } from "../../sync-agent/src/publish/publisher.ts";
import { AgentMetrics } from "../../sync-agent/src/server/metrics.ts";
import { kubeConfigFor } from "../support/fake-apiserver/kubeconfig.ts";
import { FakeApiServer } from "../support/fake-apiserver/server.ts";
import { gateway, gatewayClass, httpRoute, namespace, service } from "./fixtures.ts";

export const SNAPSHOT_KEY = "agent-test-snapshot-key";
export const EDGE_TOKEN = "agent-test-edge-token";

export async function secretFiles(): Promise<{ dir: string; snapshotKeyFile: string; edgeTokenFile: string }> {
  const dir = await mkdtemp(join(tmpdir(), "edgeway-agent-"));
  const snapshotKeyFile = join(dir, "snapshot-key");
  const edgeTokenFile = join(dir, "edge-token");
  await writeFile(snapshotKeyFile, SNAPSHOT_KEY);
  await writeFile(edgeTokenFile, EDGE_TOKEN);
  return { dir, snapshotKeyFile, edgeTokenFile };
}

/** Fast timings: lease 1 s, renew deadline 600 ms, retry 100 ms; debounce 20 ms; edge poll 50 ms. */
export function testConfig(overrides: Record<string, string | string[]>): AgentConfig {
  const { config, problems } = applyAgentDefaults(
    {
      "lease-namespace": "edgeway-system",
      "lease-duration": "1",
      "renew-deadline": "0.6",
      "retry-period": "0.1",
      debounce: "20",
      "max-delay": "200",
      "resync-period": "30",
      "watch-timeout": "5",
      "watchdog-timeout": "2",
      "edge-poll-interval": "0.05",
      "gc-interval": "0",
      listen: "127.0.0.1:0",
      ...overrides,
    },
    {},
  );
  if (!config) throw new Error(problems.join("; "));
  return config;
}

export interface RunningAgent {
  agent: Agent;
  identity: string;
  published: PublishRecord[];
}

export function makeAgent(
  apiUrl: string,
  config: AgentConfig,
  kv: KvStore | undefined,
  options: { token?: string; log?: Logger; onPublished?: (r: PublishRecord) => void } = {},
): RunningAgent {
  const published: PublishRecord[] = [];
  const agent = new Agent(config, {
    kc: kubeConfigFor(apiUrl, options.token ?? config.identity),
    pipeline: createPipeline(),
    kv,
    log: options.log ?? silentLogger,
    metrics: new AgentMetrics(false),
    noServer: true,
    onPublished: (r) => {
      published.push(r);
      options.onPublished?.(r);
    },
  });
  return { agent, identity: config.identity, published };
}

/** The worker's status endpoint, served from the pointers in `kv` (verified like the worker does). */
export class EdgeDouble {
  private server: Server | undefined;
  /** When false, the edge keeps reporting what it served before (a worker that has not refreshed yet). */
  refreshing = true;
  private last: unknown = { gateways: [] };

  constructor(private readonly kv: KvStore) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      if (req.headers.authorization !== `Bearer ${EDGE_TOKEN}`) return void res.writeHead(401).end();
      void this.report().then((body) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body)));
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/__edgeway/status`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async report(): Promise<unknown> {
    if (!this.refreshing) return this.last;
    const keys = (await this.kv.list("edgeway/v1/gateways/")).filter((k) => k.endsWith("/pointer"));
    const gateways = [];
    for (const key of keys) {
      const check = await verifyPointer(SNAPSHOT_KEY, await this.kv.get(key));
      if (check.ok) gateways.push({ gateway: check.pointer.gateway, served: check.pointer, lastError: null });
    }
    this.last = { now: new Date().toISOString(), gateways };
    return this.last;
  }
}

/**
 * One scenario's world: a fake apiserver holding a Gateway `apps/edge` with one route, a file KV store, the edge
 * double serving from it, and the agents started in it (each publishing to the store, acknowledged by the edge).
 * `stop()` stops the agents first, then the servers, then removes the files.
 */
export class AgentWorld {
  readonly agents: RunningAgent[] = [];

  private constructor(
    readonly server: FakeApiServer,
    readonly apiUrl: string,
    readonly files: Awaited<ReturnType<typeof secretFiles>>,
    readonly kv: FileKvStore,
    readonly edge: EdgeDouble,
    readonly edgeUrl: string,
  ) {}

  static async start(): Promise<AgentWorld> {
    const server = new FakeApiServer();
    const apiUrl = await server.start();
    const files = await secretFiles();
    const kv = new FileKvStore(join(files.dir, "kv"));
    const edge = new EdgeDouble(kv);
    const edgeUrl = await edge.start();
    server.apply(gatewayClass());
    server.apply(namespace("apps"));
    server.apply(gateway("apps", "edge"));
    server.apply(service("apps", "echo"));
    server.apply(httpRoute("apps", "r1", { namespace: "apps", name: "edge" }, "/a"));
    return new AgentWorld(server, apiUrl, files, kv, edge, edgeUrl);
  }

  /** Starts an agent publishing to `store` (default: the world's KV) with `extra` flags over the test config. */
  startAgent(
    identity: string,
    extra: Record<string, string | string[]> = {},
    store: KvStore = this.kv,
    options: { onPublished?: (r: PublishRecord) => void } = {},
  ): RunningAgent {
    const config = testConfig({
      identity,
      publisher: "file",
      "file-dir": join(this.files.dir, "kv"),
      "snapshot-key-file": this.files.snapshotKeyFile,
      "worker-status-url": [this.edgeUrl],
      "worker-status-token-file": this.files.edgeTokenFile,
      ...extra,
    });
    const running = makeAgent(this.apiUrl, config, store, options);
    this.agents.push(running);
    void running.agent.start();
    return running;
  }

  async stop(): Promise<void> {
    for (const r of this.agents.splice(0)) await r.agent.stop();
    await this.edge.stop();
    await this.server.stop();
    await rm(this.files.dir, { recursive: true, force: true });
  }
}
