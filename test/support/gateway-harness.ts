/**
 * The whole local data path for end-to-end tests: echo origins on 127.0.0.1, manifests compiled by the real
 * translator and compiler, snapshots pushed to a temp local KV store, the real worker under `wrangler dev`, and a
 * client that speaks to it with any Host header.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pointer } from "../../schema/pointer.ts";
import { pushCompiled, toCompiledSnapshot } from "../../sync-agent/src/cli/push.ts";
import { LocalKvStore } from "../../sync-agent/src/publish/local-kv.ts";
import type { CompiledSnapshot, KubeObject, ObjectStatus } from "../../sync-agent/src/translate/api.ts";
import { startEchoServer, type EchoServer } from "./echo-server.ts";
import { send, type SendOptions, type SendResult } from "./http-client.ts";
import { compileManifests, ORIGIN_ANNOTATION, parseManifests } from "./manifests.ts";
import { sleep, startWranglerDev, type WranglerDev } from "./wrangler-dev.ts";

export const GATEWAY_CLASS_YAML = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: edgeway
spec:
  controllerName: edgeway.dev/gateway-controller
`;

export interface OriginSpec {
  service: string;
  namespace: string;
  /** Service port the routes reference; default 8080. */
  port?: number;
  /** Service port appProtocol, e.g. "kubernetes.io/ws". */
  appProtocol?: string;
}

export interface HarnessOptions {
  /** "namespace/name" the worker serves (EDGEWAY_GATEWAY). */
  gateway: string;
  /** Echo origins to start; each gets a Service with an edgeway.dev/origin annotation pointing at it. */
  origins: OriginSpec[];
  /** Initial manifests (GatewayClass, Gateway, routes...), YAML; pushed before the worker starts. */
  manifests?: string;
  /** Worker snapshot refresh interval; short so config changes show up fast. */
  refreshIntervalMs?: number;
}

export interface GatewayHarness {
  url: string;
  worker: WranglerDev;
  kv: LocalKvStore;
  origins: Map<string, EchoServer>;
  /** The echo origin of Service `name` (namespace optional when unique). */
  origin(name: string, namespace?: string): EchoServer;
  /** Service manifests for the origins (appended to every compile). */
  serviceManifests: KubeObject[];
  /** Compiles manifests (plus the origins' Services), pushes the served Gateway and waits until the worker serves it. */
  publish(manifests: string | KubeObject[], options?: { as?: string }): Promise<PublishResult>;
  send(options: SendOptions): Promise<SendResult>;
  /** The worker's /__edgeway/status answer. */
  status(): Promise<StatusBody>;
  stop(): Promise<void>;
}

export interface PublishResult {
  statuses: ObjectStatus[];
  pointer: Pointer | undefined;
  snapshot: CompiledSnapshot | undefined;
}

export interface StatusBody {
  gateways: Array<{ gateway: string; served: { hash: string; counter: number } | null; lastError: string | null }>;
}

/** A Service for an origin, annotated with its loopback URL (DESIGN.md §2 "Origins"). */
export function originService(spec: OriginSpec, url: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: spec.service, namespace: spec.namespace, annotations: { [ORIGIN_ANNOTATION]: url } },
    spec: {
      ports: [{ name: "http", port: spec.port ?? 8080, protocol: "TCP", ...(spec.appProtocol ? { appProtocol: spec.appProtocol } : {}) }],
    },
  };
}

/**
 * Gives a compiled snapshot another Gateway identity, so one long-running worker can serve the Gateway of each test
 * in turn. Only `gateway` changes; listeners, routes and the route table are the compiler's. The blob is written as
 * `edgeway push` writes it (the wire form).
 */
export function renameSnapshot(compiled: CompiledSnapshot, gateway: string): Promise<CompiledSnapshot> {
  const [namespace, name] = gateway.split("/") as [string, string];
  return toCompiledSnapshot({ ...compiled.snapshot, gateway: { ...compiled.snapshot.gateway, namespace, name } });
}

export async function startGatewayHarness(options: HarnessOptions): Promise<GatewayHarness> {
  const dir = mkdtempSync(join(tmpdir(), "edgeway-e2e-"));
  const secret = randomBytes(24).toString("base64url");
  const statusToken = randomBytes(24).toString("base64url");
  const kv = new LocalKvStore({ persistTo: join(dir, "kv") });
  const origins = new Map<string, EchoServer>();
  let worker: WranglerDev | undefined;
  try {
    for (const spec of options.origins) {
      origins.set(`${spec.namespace}/${spec.service}`, await startEchoServer(spec));
    }
    const serviceManifests = options.origins.map((spec) =>
      originService(spec, origins.get(`${spec.namespace}/${spec.service}`)!.url),
    );

    const publish = async (manifests: string | KubeObject[], publishOptions: { as?: string } = {}) => {
      const objects = typeof manifests === "string" ? parseManifests(manifests) : manifests;
      const { snapshots, statuses } = await compileManifests([...objects, ...serviceManifests]);
      const source = publishOptions.as ?? options.gateway;
      let compiled = snapshots.find((s) => s.gateway === source);
      if (!compiled) return { statuses, pointer: undefined, snapshot: undefined };
      if (compiled.gateway !== options.gateway) compiled = await renameSnapshot(compiled, options.gateway);
      const [pointer] = await pushCompiled(kv, [compiled], secret);
      if (worker) await waitForServed(pointer!.hash);
      return { statuses, pointer, snapshot: compiled };
    };

    const status = async (): Promise<StatusBody> => {
      const res = await send(worker!.url, {
        path: "/__edgeway/status",
        headers: { authorization: `Bearer ${statusToken}` },
      });
      if (res.status !== 200) throw new Error(`status endpoint answered ${res.status}: ${res.body.slice(0, 200)}`);
      return res.json as StatusBody;
    };

    const waitForServed = async (hash: string, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      let last = "";
      while (Date.now() < deadline) {
        const body = await status();
        const entry = body.gateways.find((g) => g.gateway === options.gateway);
        if (entry?.served?.hash === hash) return;
        last = JSON.stringify(entry);
        await sleep(100);
      }
      throw new Error(`the worker did not serve snapshot ${hash.slice(0, 12)} in ${timeoutMs} ms; last status ${last}`);
    };

    let first: PublishResult | undefined;
    if (options.manifests) first = await publish(options.manifests);
    worker = await startWranglerDev({
      persistTo: join(dir, "kv"),
      debugLogPath: join(dir, "wrangler-debug.log"),
      vars: {
        EDGEWAY_GATEWAY: options.gateway,
        EDGEWAY_SNAPSHOT_KEY: secret,
        EDGEWAY_STATUS_TOKEN: statusToken,
        EDGEWAY_REFRESH_INTERVAL_MS: String(options.refreshIntervalMs ?? 100),
      },
      readyPath: "/__edgeway/status",
    });
    if (first?.pointer) await waitForServed(first.pointer.hash);
    const running = worker;

    return {
      url: running.url,
      worker: running,
      kv,
      origins,
      origin(name, namespace) {
        const matches = [...origins.values()].filter((o) => o.service === name && (!namespace || o.namespace === namespace));
        if (matches.length !== 1) throw new Error(`no unique origin ${namespace ?? "*"}/${name}`);
        return matches[0]!;
      },
      serviceManifests,
      publish,
      send: (sendOptions) => send(running.url, sendOptions),
      status,
      async stop() {
        await running.stop();
        await Promise.all([...origins.values()].map((o) => o.close()));
        await kv.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await worker?.stop();
    await Promise.all([...origins.values()].map((o) => o.close()));
    await kv.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
