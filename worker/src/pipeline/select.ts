/**
 * Step 1 of the pipeline (DESIGN.md §3): the snapshot captured at request start, used for the whole request
 * (retries and mirrors included). With several Gateways, the one whose listener matches best (listener.ts).
 */
import type { WorkerConfig, BackgroundTasks } from "../env.ts";
import type { LoadedSnapshot } from "../snapshot/load.ts";
import type { SnapshotRegistry } from "../snapshot/store.ts";
import { chooseGateway } from "./listener.ts";
import type { NormalizedRequest } from "./normalize.ts";

/** The snapshot to serve: at once when it is in memory, a promise only when a load must be awaited. */
export function selectSnapshot(
  registry: SnapshotRegistry,
  kv: KVNamespace,
  config: WorkerConfig,
  ctx: BackgroundTasks,
  request: NormalizedRequest,
): LoadedSnapshot | null | Promise<LoadedSnapshot | null> {
  if (config.gateways.length === 1) {
    const only = registry.for(config.gateways[0]!);
    return only.current(kv, config, ctx) ?? only.ensure(kv, config, ctx);
  }
  const entries = config.gateways.map((gateway) => registry.for(gateway));
  const candidates = entries.map((entry) => entry.current(kv, config, ctx)).filter(isLoaded);
  // Only a fully cold isolate waits (bounded) for loads; otherwise the missing ones load in the background.
  if (candidates.length === 0) return Promise.all(entries.map((entry) => entry.ensure(kv, config, ctx))).then((loaded) => best(loaded.filter(isLoaded), request));
  return best(candidates, request);
}

function best(candidates: LoadedSnapshot[], request: NormalizedRequest): LoadedSnapshot | null {
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

function isLoaded(loaded: LoadedSnapshot | null): loaded is LoadedSnapshot {
  return loaded !== null;
}
