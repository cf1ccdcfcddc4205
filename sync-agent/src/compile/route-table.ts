/**
 * The binary route table (wasm-matcher owns its format): compiled from the finished snapshot, stored as base64.
 *
 * Node's Buffer encodes base64 natively; schema/canonical.ts `toBase64` (portable, via btoa) gives the same text but
 * takes hundreds of milliseconds on a multi-megabyte table. compile.test.ts checks they agree.
 */
import type { Snapshot } from "../../../schema/snapshot.ts";
import { toBase64 } from "../../../schema/canonical.ts";
import { compileRouteTable } from "../../../wasm-matcher/src/table.ts";

export async function routeTableFor(snapshot: Snapshot): Promise<string> {
  const table = compileRouteTable(snapshot);
  return typeof Buffer === "function" ? Buffer.from(table.buffer, table.byteOffset, table.byteLength).toString("base64") : toBase64(table);
}
