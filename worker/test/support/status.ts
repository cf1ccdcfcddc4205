import type { GatewayStatus } from "../../src/snapshot/store.ts";
import { call } from "./drive.ts";
import { STATUS_TOKEN } from "./snapshots.ts";

/** This Gateway's entry of /__edgeway/status. */
export async function gatewayStatus(gateway: string, vars?: Record<string, string>): Promise<GatewayStatus> {
  const res = await call("http://edge.example/__edgeway/status", { headers: { authorization: `Bearer ${STATUS_TOKEN}` } }, { gateway, vars: vars ?? {} });
  if (res.status !== 200) throw new Error(`status endpoint answered ${res.status}`);
  const body = (await res.json()) as { gateways: GatewayStatus[] };
  const entry = body.gateways.find((g) => g.gateway === gateway);
  if (!entry) throw new Error(`no status entry for ${gateway}`);
  return entry;
}
