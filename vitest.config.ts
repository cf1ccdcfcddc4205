import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { reflectingNetwork } from "./test/support/edge-network.ts";

/**
 * The names the "edge network" of the workerd-edge project answers for (test/support/edge-network.ts): the origins of
 * worker/test/edge. A subrequest that would connect anywhere else is refused with 502.
 */
const EDGE_ORIGINS = new Set(["origin.test", "other-origin.test"]);

/** The worker as wrangler.toml builds it, in workerd, with the test secrets and any extra Miniflare options. */
function workerPlugin(miniflare: { outboundService?: ReturnType<typeof reflectingNetwork>["outbound"] } = {}) {
  return cloudflareTest({
    main: "./worker/src/index.ts",
    wrangler: { configPath: "./wrangler.toml" },
    miniflare: {
      bindings: { EDGEWAY_SNAPSHOT_KEY: "test-snapshot-key", EDGEWAY_STATUS_TOKEN: "test-status-token" },
      ...miniflare,
    },
  });
}

// Two projects: plain Node (agent, matcher, cross-component suites) and workerd (the worker, via the Workers plugin).
export default defineConfig({
  test: {
    // One JSON access-log line per request is the worker's contract, but hundreds of them drown test output.
    onConsoleLog: (log: string) => !log.split("\n").every((line) => line === "" || line.startsWith('{"event":"access"')),
    projects: [
      {
        test: {
          name: "node",
          environment: "node",
          include: ["schema/**/*.test.ts", "sync-agent/**/*.test.ts", "wasm-matcher/test/**/*.test.ts", "test/node/**/*.test.ts", "test/agent/**/*.test.ts", "test/e2e/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        plugins: [workerPlugin()],
        test: {
          name: "workerd",
          include: ["worker/test/**/*.test.ts", "test/workerd/**/*.test.ts"],
          exclude: ["worker/test/edge/**"],
          // Real echo origins on 127.0.0.1 for forwarding tests (ports reach the tests through provide/inject).
          globalSetup: ["./worker/test/support/global-setup.ts"],
          testTimeout: 30_000,
        },
      },
      {
        // The worker with an outbound service standing in for the edge's network: what leaves the worker (URL,
        // Host, cf.resolveOverride) is observed where workerd alone would ignore resolveOverride. Its own project:
        // every subrequest goes through the outbound service, which the real-origin tests above must not.
        plugins: [workerPlugin({ outboundService: reflectingNetwork(EDGE_ORIGINS).outbound })],
        test: {
          name: "workerd-edge",
          include: ["worker/test/edge/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
