/**
 * GET /__edgeway/status (Bearer EDGEWAY_STATUS_TOKEN; 401 otherwise): per Gateway, the version served (epoch,
 * counter, hash, gatewayGeneration), last refresh, last error and counters. The agent turns "edge serves version N"
 * into Programmed=True (DESIGN.md §2 "Acknowledgement"). A cold isolate loads first, so the answer is current.
 */
import { bearerToken, tokenMatches } from "./auth.ts";
import { resolveConfig, type BackgroundTasks, type Env } from "./env.ts";
import type { SnapshotRegistry } from "./snapshot/store.ts";

export const STATUS_PATH = "/__edgeway/status";

export async function handleStatus(request: Request, env: Env, ctx: BackgroundTasks, registry: SnapshotRegistry): Promise<Response> {
  const config = resolveConfig(env);
  if (!(await tokenMatches(bearerToken(request.headers), config.statusToken))) {
    return Response.json({ error: "unauthorized" }, { status: 401, headers: { "www-authenticate": 'Bearer realm="edgeway"' } });
  }
  const gateways = await Promise.all(
    config.gateways.map(async (gateway) => {
      const entry = registry.for(gateway);
      await entry.ensure(env.EDGEWAY_KV, config, ctx);
      return entry.status();
    }),
  );
  return Response.json({ now: new Date().toISOString(), gateways }, { headers: { "cache-control": "no-store" } });
}
