/**
 * The edgeway worker bundled as deployed (worker-bundle.ts) and run by Miniflare with an outbound service standing in
 * for the edge's network (edge-network.ts), so that `cf.resolveOverride` behaves as at the edge: the conformance
 * runner uses it where `wrangler dev` (no outbound service) cannot show the Host an opted-in origin receives.
 * Local KV is the directory `edgeway push --local` / LocalKvStore writes (wrangler's `--persist-to` layout).
 */
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { KV_BINDING } from "../../sync-agent/src/publish/local-kv.ts";
import { EDGE_NETWORK_WORKER, type edgeNetwork } from "./edge-network.ts";
import { edgewayModules } from "./worker-bundle.ts";

export interface EdgeWorkerOptions {
  /** The bundle directory (bundleWorker). */
  dist: string;
  /** The `--persist-to` directory holding the local KV store. */
  persistTo: string;
  /** The KV namespace id the store was written under. */
  namespaceId: string;
  vars: Record<string, string>;
  /** edgeNetwork(): the worker's subrequests go through it. */
  network: ReturnType<typeof edgeNetwork>;
  /** TLS with Miniflare's self-signed certificate (request.url is then https), as `wrangler dev --local-protocol https`. */
  https: boolean;
}

export interface EdgeWorker {
  url: string;
  stop(): Promise<void>;
}

export async function startEdgeWorker(options: EdgeWorkerOptions): Promise<EdgeWorker> {
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    // No fetch of the Request.cf placeholder from workers.cloudflare.com: runs stay on loopback.
    cf: false,
    https: options.https,
    kvPersist: true,
    defaultPersistRoot: join(options.persistTo, "v3"),
    // One access-log line per request on workerd's stdout: drained, as a log pipeline would.
    handleRuntimeStdio(stdout, stderr) {
      stdout.resume();
      stderr.resume();
    },
    workers: [
      {
        name: "edgeway",
        ...edgewayModules(options.dist),
        kvNamespaces: { [KV_BINDING]: options.namespaceId },
        bindings: options.vars,
        outboundService: EDGE_NETWORK_WORKER,
      },
      options.network.worker,
    ],
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  return { url, stop: () => mf.dispose() };
}
