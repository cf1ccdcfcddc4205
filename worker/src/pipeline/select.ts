/**
 * Step 1 of the pipeline (DESIGN.md §3): the snapshot captured at request start, used for the whole request
 * (retries and mirrors included). With several Gateways, the one whose listener matches best (listener.ts).
 */
import type { WorkerConfig, BackgroundTasks } from "../env.ts";
import type { LoadedSnapshot } from "../snapshot/load.ts";
import type { SnapshotRegistry } from "../snapshot/store.ts";
import { chooseGateway } from "./listener.ts";
import type { NormalizedRequest } from "./normalize.ts";

export async function selectSnapshot(
  registry: SnapshotRegistry,
  kv: KVNamespace,
  config: WorkerConfig,
  ctx: BackgroundTasks,
  request: NormalizedRequest,
): Promise<LoadedSnapshot | null> {
  const candidates = (
    await Promise.all(config.gateways.map((gateway) => registry.for(gateway).ensure(kv, config, ctx)))
  ).filter((loaded): loaded is LoadedSnapshot => loaded !== null);
  if (candidates.length <= 1) return candidates[0] ?? null;
  const index = chooseGateway(
    candidates.map((c) => c.snapshot.listeners),
    request.scheme,
    request.port,
    request.host,
  );
  // No Gateway has a matching listener: any of them answers the 404 the same way.
  return candidates[Math.max(0, index)] ?? null;
}
