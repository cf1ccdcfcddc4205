/** Agent configuration (flags, env, defaults, problems as data) and the ops endpoint. */
import { describe, expect, it } from "vitest";
import { parseAgentArgs } from "../../sync-agent/src/agent/config.ts";
import { jsonLogger } from "../../sync-agent/src/agent/log.ts";
import { AgentMetrics } from "../../sync-agent/src/server/metrics.ts";
import { startOpsServer } from "../../sync-agent/src/server/http.ts";

describe("agent configuration", () => {
  it("reads flags, falls back to EDGEWAY_* env, and fills defaults", () => {
    const { config, problems } = parseAgentArgs(
      ["--publisher", "cloudflare", "--gateway-address", "apps/edge=edge.example.com,www.example.com", "--lease-duration", "20"],
      {
        EDGEWAY_SNAPSHOT_KEY_FILE: "/secrets/key",
        EDGEWAY_CLOUDFLARE_ACCOUNT_ID: "acc",
        EDGEWAY_CLOUDFLARE_NAMESPACE_ID: "ns",
        EDGEWAY_CLOUDFLARE_API_TOKEN_FILE: "/secrets/cf",
        EDGEWAY_WORKER_STATUS_URL: "https://a.example/__edgeway/status https://b.example/__edgeway/status",
        EDGEWAY_LEASE_DURATION: "99",
        POD_NAMESPACE: "edgeway-system",
        POD_NAME: "agent-0",
      },
    );
    expect(problems).toEqual([]);
    expect(config).toMatchObject({
      publisher: "cloudflare",
      leaseNamespace: "edgeway-system",
      leaseDurationSeconds: 20,
      renewDeadlineMs: 10_000,
      gatewayAddresses: { "apps/edge": ["edge.example.com", "www.example.com"] },
      workerStatusUrls: ["https://a.example/__edgeway/status", "https://b.example/__edgeway/status"],
    });
    expect(config!.identity).toMatch(/^agent-0_[0-9a-f]{8}$/);
  });

  it("returns problems instead of throwing", () => {
    const { config, problems } = parseAgentArgs(["--publisher", "cloudflare", "--renew-deadline", "30", "--log-level", "loud"], {});
    expect(config).toBeUndefined();
    expect(problems).toEqual(
      expect.arrayContaining([
        "--renew-deadline must be shorter than --lease-duration",
        "--snapshot-key-file is required with --publisher cloudflare",
        "--cloudflare-account-id is required with --publisher cloudflare",
        '--log-level: "loud" is not debug, info, warn or error',
      ]),
    );
    expect(parseAgentArgs(["--no-such-flag"], {}).problems[0]).toMatch(/no-such-flag/);
  });
});

describe("ops endpoint", () => {
  it("serves /healthz, /readyz (503 until synced) and Prometheus /metrics", async () => {
    let ready = false;
    const metrics = new AgentMetrics(false);
    metrics.reconciles.inc();
    const { server, url } = await startOpsServer({ listen: "127.0.0.1:0", ready: () => ready, registry: metrics.registry, describe: () => ({ leader: false }) });
    try {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(503);
      ready = true;
      const readyz = await fetch(`${url}/readyz`);
      expect(readyz.status).toBe(200);
      expect(await readyz.json()).toEqual({ ready: true, leader: false });
      const text = await (await fetch(`${url}/metrics`)).text();
      expect(text).toContain("edgeway_reconciles_total 1");
      expect(text).toContain("edgeway_reconcile_duration_seconds_bucket");
      expect(text).toContain("edgeway_leader");
      expect((await fetch(`${url}/nope`)).status).toBe(404);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe("JSON logs", () => {
  it("write one JSON object per line and render errors without headers or bodies", () => {
    const lines: string[] = [];
    const log = jsonLogger("info", (l) => lines.push(l)).child({ component: "agent" });
    const apiError = Object.assign(new Error("HTTP-Code: 409\nHeaders: {\"authorization\":\"Bearer s3cret\"}"), { code: 409, body: { message: "conflict" } });
    log.debug("hidden");
    log.warn("status write failed", { error: apiError });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ level: "warn", msg: "status write failed", component: "agent", error: "HTTP 409: conflict" });
    expect(lines[0]).not.toContain("s3cret");
  });
});
