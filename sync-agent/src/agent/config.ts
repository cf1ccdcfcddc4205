/**
 * Agent configuration: every option is a flag (`--lease-namespace x`) or an environment variable
 * (`EDGEWAY_LEASE_NAMESPACE=x`; the flag wins). `applyAgentDefaults` is the one place defaults live (STYLE.md §6);
 * `parseAgentArgs` returns problems as data for the CLI to print.
 */
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";

export type PublisherKind = "cloudflare" | "file" | "local" | "none";

export interface AgentConfig {
  kubeconfig?: string;
  /** Namespace and name of the Lease; the Lease's leaseTransitions is the snapshot epoch. */
  leaseNamespace: string;
  leaseName: string;
  identity: string;
  leaseDurationSeconds: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  controllerName: string;
  /** "namespace/name" (or "*") -> public hostnames of the worker serving it (Gateway status.addresses). */
  gatewayAddresses: Record<string, string[]>;
  originTemplate?: string;
  clusterName?: string;
  publisher: PublisherKind;
  snapshotKeyFile?: string;
  cloudflareAccountId?: string;
  cloudflareNamespaceId?: string;
  cloudflareApiTokenFile?: string;
  cloudflareApiUrl?: string;
  fileDir?: string;
  localPersistTo?: string;
  workerStatusUrls: string[];
  workerStatusTokenFile?: string;
  edgePollMs: number;
  debounceMs: number;
  maxDelayMs: number;
  resyncMs: number;
  watchTimeoutSeconds: number;
  watchdogMs: number;
  gcIntervalMs: number;
  gcGraceMs: number;
  listen: string;
  logLevel: "debug" | "info" | "warn" | "error";
}

type Raw = Partial<Record<keyof typeof FLAGS, string | string[]>>;

/** Flag name -> help text. Every flag is also read from EDGEWAY_<FLAG_IN_UPPER_SNAKE>. */
export const FLAGS = {
  kubeconfig: "kubeconfig file (default: in-cluster service account, else ~/.kube/config)",
  "lease-namespace": "namespace of the leader-election Lease (default $POD_NAMESPACE or edgeway-system)",
  "lease-name": "name of the Lease (default edgeway-agent)",
  identity: "leader-election identity (default $POD_NAME or hostname, plus a random suffix)",
  "lease-duration": "seconds a Lease is valid without renewal (default 15)",
  "renew-deadline": "seconds the leader may fail to renew before it stops publishing (default 10)",
  "retry-period": "seconds between acquire/renew attempts (default 2)",
  "controller-name": "GatewayClass controllerName to own (default edgeway.dev/gateway-controller)",
  "gateway-address": "ns/name=host[,host] or *=host: the worker's public hostnames (repeatable)",
  "origin-template": "origin URL template for Services: {service} {namespace} {port} {cluster}",
  "cluster-name": "substituted for {cluster} in the origin template",
  publisher: "cloudflare | file | local | none (default none: compile and write status only)",
  "snapshot-key-file": "file holding the HMAC key that signs pointers (the worker's EDGEWAY_SNAPSHOT_KEY)",
  "cloudflare-account-id": "Cloudflare account id (publisher cloudflare)",
  "cloudflare-namespace-id": "Workers KV namespace id (publisher cloudflare)",
  "cloudflare-api-token-file": "file holding the Cloudflare API token (never logged)",
  "cloudflare-api-url": "API base (default https://api.cloudflare.com/client/v4)",
  "file-dir": "directory for the file publisher",
  "local-persist-to": "wrangler dev --persist-to directory for the local publisher (default .edgeway/kv)",
  "worker-status-url": "worker status endpoint(s), e.g. https://gw.example.com/__edgeway/status (repeatable)",
  "worker-status-token-file": "file holding the worker's EDGEWAY_STATUS_TOKEN",
  "edge-poll-interval": "seconds between worker status polls (default 5)",
  debounce: "milliseconds to wait for more events before reconciling (default 100)",
  "max-delay": "milliseconds a pending reconcile may be postponed by new events at most (default 1000)",
  "resync-period": "seconds between full reconciles without events (default 300)",
  "watch-timeout": "server-side watch timeout in seconds, jittered x1..2 (default 300)",
  "watchdog-timeout": "seconds without any watch event or bookmark before a watch is restarted (default 150)",
  "gc-interval": "seconds between blob garbage-collection rounds (default 300)",
  "gc-grace": "seconds a blob must stay unreferenced before it is deleted (default 600)",
  listen: "host:port of /healthz, /readyz and /metrics (default 0.0.0.0:8080)",
  "log-level": "debug | info | warn | error (default info)",
} as const;

const REPEATABLE = new Set(["gateway-address", "worker-status-url"]);

export function agentUsage(): string {
  const width = Math.max(...Object.keys(FLAGS).map((k) => k.length)) + 2;
  const lines = Object.entries(FLAGS).map(([k, help]) => `  --${k.padEnd(width)} ${help}`);
  return ["usage: edgeway agent [options]   (each option also reads EDGEWAY_<OPTION>, e.g. EDGEWAY_PUBLISHER)", "", ...lines].join("\n");
}

export function parseAgentArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): { config?: AgentConfig; problems: string[]; help: boolean } {
  const options = Object.fromEntries(
    Object.keys(FLAGS).map((k) => [k, { type: "string" as const, multiple: REPEATABLE.has(k) }]),
  ) as Record<string, { type: "string"; multiple: boolean }>;
  let values: Record<string, unknown>;
  try {
    const parsed = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: false, strict: true });
    values = parsed.values;
  } catch (error) {
    return { problems: [(error as Error).message], help: false };
  }
  if (values.help) return { problems: [], help: true };
  const raw: Raw = {};
  for (const key of Object.keys(FLAGS) as (keyof typeof FLAGS)[]) {
    const envValue = env[`EDGEWAY_${key.toUpperCase().replace(/-/g, "_")}`];
    const value = (values[key] as string | string[] | undefined) ?? (envValue === undefined ? undefined : REPEATABLE.has(key) ? envValue.split(/[\s;]+/).filter(Boolean) : envValue);
    if (value !== undefined) raw[key] = value;
  }
  return applyAgentDefaults(raw, env);
}

export function applyAgentDefaults(raw: Raw, env: NodeJS.ProcessEnv = process.env): { config?: AgentConfig; problems: string[]; help: false } {
  const problems: string[] = [];
  const str = (k: keyof typeof FLAGS) => (typeof raw[k] === "string" ? (raw[k] as string) : undefined);
  const list = (k: keyof typeof FLAGS) => (Array.isArray(raw[k]) ? (raw[k] as string[]) : typeof raw[k] === "string" ? [raw[k] as string] : []);
  const num = (k: keyof typeof FLAGS, def: number) => {
    const v = str(k);
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) problems.push(`--${k}: "${v}" is not a non-negative number`);
    return n;
  };
  const publisher = (str("publisher") ?? "none") as PublisherKind;
  if (!["cloudflare", "file", "local", "none"].includes(publisher)) problems.push(`--publisher: "${publisher}" is not cloudflare, file, local or none`);
  const gatewayAddresses: Record<string, string[]> = {};
  for (const entry of list("gateway-address")) {
    const m = /^([^=]+)=(.+)$/.exec(entry);
    if (!m) problems.push(`--gateway-address: "${entry}" is not ns/name=host[,host] or *=host`);
    else gatewayAddresses[m[1]!.trim()] = m[2]!.split(",").map((h) => h.trim()).filter(Boolean);
  }
  const config: AgentConfig = {
    kubeconfig: str("kubeconfig") ?? env.KUBECONFIG,
    leaseNamespace: str("lease-namespace") ?? env.POD_NAMESPACE ?? "edgeway-system",
    leaseName: str("lease-name") ?? "edgeway-agent",
    // A random suffix makes every process a new holder: a restarted pod bumps leaseTransitions (the epoch) even if
    // it kept its name, so its counter can never collide with its previous life's.
    identity: str("identity") ?? `${env.POD_NAME ?? hostname()}_${randomBytes(4).toString("hex")}`,
    leaseDurationSeconds: num("lease-duration", 15),
    renewDeadlineMs: num("renew-deadline", 10) * 1000,
    retryPeriodMs: num("retry-period", 2) * 1000,
    controllerName: str("controller-name") ?? "edgeway.dev/gateway-controller",
    gatewayAddresses,
    originTemplate: str("origin-template"),
    clusterName: str("cluster-name"),
    publisher,
    snapshotKeyFile: str("snapshot-key-file"),
    cloudflareAccountId: str("cloudflare-account-id"),
    cloudflareNamespaceId: str("cloudflare-namespace-id"),
    cloudflareApiTokenFile: str("cloudflare-api-token-file"),
    cloudflareApiUrl: str("cloudflare-api-url"),
    fileDir: str("file-dir"),
    localPersistTo: str("local-persist-to") ?? ".edgeway/kv",
    workerStatusUrls: list("worker-status-url"),
    workerStatusTokenFile: str("worker-status-token-file"),
    edgePollMs: num("edge-poll-interval", 5) * 1000,
    debounceMs: num("debounce", 100),
    maxDelayMs: num("max-delay", 1000),
    resyncMs: num("resync-period", 300) * 1000,
    watchTimeoutSeconds: num("watch-timeout", 300),
    watchdogMs: num("watchdog-timeout", 150) * 1000,
    gcIntervalMs: num("gc-interval", 300) * 1000,
    gcGraceMs: num("gc-grace", 600) * 1000,
    listen: str("listen") ?? "0.0.0.0:8080",
    logLevel: (str("log-level") ?? "info") as AgentConfig["logLevel"],
  };
  // client-go's rule: the leader must give up before anyone else may take over.
  if (config.renewDeadlineMs >= config.leaseDurationSeconds * 1000) problems.push("--renew-deadline must be shorter than --lease-duration");
  if (config.retryPeriodMs >= config.renewDeadlineMs) problems.push("--retry-period must be shorter than --renew-deadline");
  if (publisher !== "none" && !config.snapshotKeyFile) problems.push(`--snapshot-key-file is required with --publisher ${publisher}`);
  if (publisher === "cloudflare") {
    for (const k of ["cloudflare-account-id", "cloudflare-namespace-id", "cloudflare-api-token-file"] as const) {
      if (!str(k)) problems.push(`--${k} is required with --publisher cloudflare`);
    }
  }
  if (publisher === "file" && !config.fileDir) problems.push("--file-dir is required with --publisher file");
  if (!["debug", "info", "warn", "error"].includes(config.logLevel)) problems.push(`--log-level: "${config.logLevel}" is not debug, info, warn or error`);
  return problems.length ? { problems, help: false } : { config, problems, help: false };
}
