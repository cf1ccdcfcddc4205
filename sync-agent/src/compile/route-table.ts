/**
 * The binary route table (wasm-matcher owns its format): compiled from the finished snapshot, stored as base64.
 */
import type { Snapshot } from "../../../schema/snapshot.ts";
import { toBase64 } from "../../../schema/canonical.ts";
import { compileRouteTable } from "../../../wasm-matcher/src/table.ts";

export async function routeTableFor(snapshot: Snapshot): Promise<string> {
  return toBase64(compileRouteTable(snapshot));
}
