/**
 * `edgeway agent [options]`: the container's command. Watches the API server, publishes snapshots while it holds the
 * Lease, writes status, and serves /healthz, /readyz and /metrics. Runs until SIGTERM/SIGINT, then releases the
 * Lease (so a standby takes over at once) and exits 0.
 */
import { existsSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import { Agent } from "../agent/agent.ts";
import { agentUsage, parseAgentArgs, type AgentConfig } from "../agent/config.ts";
import { jsonLogger, type Logger } from "../agent/log.ts";
import type { Pipeline } from "../agent/reconcile.ts";
import { CompileMemo, compileSnapshots } from "../compile/index.ts";
import { CloudflareKvStore } from "../publish/cloudflare-kv.ts";
import { FileKvStore } from "../publish/file.ts";
import type { KvStore } from "../publish/publisher.ts";
import { translate, TranslateMemo } from "../translate/index.ts";

/**
 * The agent's pipeline: translate and compile with memos kept from one reconcile to the next, so that a change to one
 * route among thousands translates and compiles that route only (translate/memo.ts, compile/memo.ts).
 */
export function createPipeline(): Pipeline {
  const translateMemo = new TranslateMemo();
  const compileMemo = new CompileMemo();
  return {
    translate: (objects, options) => translate(objects, options, translateMemo),
    compileSnapshots: (ir) => compileSnapshots(ir as Parameters<typeof compileSnapshots>[0], compileMemo),
    reuse: () => ({
      translated: translateMemo.last.translated,
      translationsReused: translateMemo.last.reused,
      compiled: compileMemo.last.compiled,
      compilesReused: compileMemo.last.reused,
    }),
  };
}

export function loadKubeConfig(config: Pick<AgentConfig, "kubeconfig">, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new KubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else if (env.KUBERNETES_SERVICE_HOST && existsSync("/var/run/secrets/kubernetes.io/serviceaccount/token")) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

export async function makeKvStore(config: AgentConfig, log: Logger): Promise<KvStore | undefined> {
  switch (config.publisher) {
    case "cloudflare":
      return new CloudflareKvStore({
        accountId: config.cloudflareAccountId!,
        namespaceId: config.cloudflareNamespaceId!,
        apiTokenFile: config.cloudflareApiTokenFile!,
        baseUrl: config.cloudflareApiUrl,
        log,
      });
    case "file":
      return new FileKvStore(config.fileDir!);
    case "local": {
      // Loaded on demand: it starts a Miniflare instance, which the in-cluster image never needs.
      const { LocalKvStore } = await import("../publish/local-kv.ts");
      return new LocalKvStore({ persistTo: config.localPersistTo ?? ".edgeway/kv" });
    }
    case "none":
      return undefined;
  }
}

export async function runAgent(argv: string[]): Promise<number> {
  const parsed = parseAgentArgs(argv);
  if (parsed.help) {
    process.stdout.write(`${agentUsage()}\n`);
    return 0;
  }
  if (!parsed.config) {
    process.stderr.write(`edgeway agent: ${parsed.problems.join("\n  ")}\n\n${agentUsage()}\n`);
    return 2;
  }
  const config = parsed.config;
  const log = jsonLogger(config.logLevel, undefined, { component: "agent" });
  const kc = loadKubeConfig(config);
  const kv = await makeKvStore(config, log);
  const agent = new Agent(config, { kc, pipeline: createPipeline(), kv, log });
  await agent.start();
  log.info("ops endpoint listening", { url: agent.opsUrl });
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.info("shutting down", { signal });
      resolve();
    };
    process.once("SIGTERM", () => shutdown("SIGTERM"));
    process.once("SIGINT", () => shutdown("SIGINT"));
  });
  await agent.stop();
  await (kv as { close?: () => Promise<void> } | undefined)?.close?.();
  return 0;
}

export default runAgent;
