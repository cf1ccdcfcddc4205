/**
 * Bindings and tunables of the edge worker, in one place (STYLE.md §6). Every limit is a named parameter with a
 * default; a string var of the same name in wrangler.toml / .dev.vars overrides it (handy for local dev and tests).
 */

export interface Env {
  /** Snapshot store: blobs + one signed pointer per Gateway (schema/pointer.ts). */
  EDGEWAY_KV: KVNamespace;
  /** "namespace/name" of the Gateway this worker serves, or a comma list. */
  EDGEWAY_GATEWAY: string;
  /** Secret: HMAC-SHA256 key of the pointers. Without it no snapshot ever verifies. */
  EDGEWAY_SNAPSHOT_KEY?: string;
  /** Secret: bearer token of /__edgeway/status and of the opt-in debug headers. */
  EDGEWAY_STATUS_TOKEN?: string;
  /** Optional numeric overrides, by the names of `WorkerConfig` in SCREAMING_SNAKE_CASE with an EDGEWAY_ prefix. */
  [override: string]: unknown;
}

export interface WorkerConfig {
  gateways: string[];
  snapshotKey: string;
  statusToken: string;
  /** Stale-while-revalidate period of the per-isolate snapshot cache. */
  refreshIntervalMs: number;
  /** How long a cold isolate's first request may wait for the first snapshot. */
  coldLoadTimeoutMs: number;
  /** Retry-After sent with the cold-start 503. */
  retryAfterSeconds: number;
  /** KV read attempts for transient KV errors (a miss is an answer, never retried). */
  kvReadAttempts: number;
  kvBackoffMs: number;
  /** Request limits decided before routing (DESIGN.md §4). */
  maxUrlLength: number;
  maxHeaderBytes: number;
  maxBodyBytes: number;
  /** Request bodies up to this size are buffered so retries and mirrors can replay them; larger ones stream once. */
  retryBufferBytes: number;
  /** RequestMirror: per-mirror deadline and the most mirrors one request may start (Workers allow 6 open connections). */
  mirrorTimeoutMs: number;
  maxMirrorsPerRequest: number;
  /** Upper bound on retry backoff growth, as a multiple of the configured minimum. */
  maxBackoffFactor: number;
}

export const DEFAULTS = {
  refreshIntervalMs: 5_000,
  coldLoadTimeoutMs: 3_000,
  retryAfterSeconds: 5,
  kvReadAttempts: 3,
  kvBackoffMs: 50,
  maxUrlLength: 8 * 1024,
  maxHeaderBytes: 32 * 1024,
  maxBodyBytes: 100 * 1024 * 1024,
  retryBufferBytes: 1024 * 1024,
  mirrorTimeoutMs: 5_000,
  maxMirrorsPerRequest: 4,
  maxBackoffFactor: 16,
} as const satisfies Omit<WorkerConfig, "gateways" | "snapshotKey" | "statusToken">;

type Tunable = keyof typeof DEFAULTS;

/** "refreshIntervalMs" -> "EDGEWAY_REFRESH_INTERVAL_MS". */
export function overrideName(key: Tunable): string {
  return `EDGEWAY_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

function readNumber(env: Env, key: Tunable): number {
  const raw = env[overrideName(key)];
  const parsed = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : DEFAULTS[key];
}

export function parseGatewayList(value: unknown): string[] {
  if (typeof value !== "string") return [];
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => /^[^/\s]+\/[^/\s]+$/.test(s));
}

const resolved = new WeakMap<object, WorkerConfig>();

/** Complete configuration from the bindings; computed once per env object. */
export function resolveConfig(env: Env): WorkerConfig {
  const cached = resolved.get(env);
  if (cached) return cached;
  const tunables = Object.fromEntries(
    (Object.keys(DEFAULTS) as Tunable[]).map((key) => [key, readNumber(env, key)]),
  ) as Record<Tunable, number>;
  const config: WorkerConfig = {
    ...tunables,
    gateways: parseGatewayList(env.EDGEWAY_GATEWAY),
    snapshotKey: typeof env.EDGEWAY_SNAPSHOT_KEY === "string" ? env.EDGEWAY_SNAPSHOT_KEY : "",
    statusToken: typeof env.EDGEWAY_STATUS_TOKEN === "string" ? env.EDGEWAY_STATUS_TOKEN : "",
  };
  resolved.set(env, config);
  return config;
}

/** The part of the Workers ExecutionContext the pipeline uses: background work that outlives the response. */
export interface BackgroundTasks {
  waitUntil(promise: Promise<unknown>): void;
}
