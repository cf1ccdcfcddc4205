/**
 * One load attempt for one Gateway: pointer -> verify -> blob -> sha256/size -> frame -> parse -> validate -> matcher.
 * Every failure is data (`rejected` or `unavailable`), never a throw; the store keeps its last good snapshot either
 * way (DESIGN.md "KV layout": verify before activating, never go backwards).
 */
import { readSnapshotBlob } from "../../../schema/blob.ts";
import { sha256Hex } from "../../../schema/canonical.ts";
import { blobKey, compareVersions, pointerKey, verifyPointer, type Pointer } from "../../../schema/pointer.ts";
import type { Snapshot } from "../../../schema/snapshot.ts";
import type { Matcher } from "../../../wasm-matcher/src/api.ts";
import { H, HEADER_WORDS } from "../../../wasm-matcher/src/table-format.ts";
import { readBytes, readText, type KvReadOptions } from "./kv.ts";

/** A verified snapshot ready to serve: everything a request needs, captured once at request start. */
export interface LoadedSnapshot {
  gateway: string;
  pointer: Pointer;
  snapshot: Snapshot;
  matcher: Matcher;
  loadedAt: number;
}

export type LoadOutcome =
  | { kind: "loaded"; loaded: LoadedSnapshot }
  /** The pointer names what is already served. */
  | { kind: "unchanged" }
  /** Something is wrong with what KV holds (tampered, older, corrupt, unknown version): refused. */
  | { kind: "rejected"; reason: string; pointer: Pointer | null }
  /** Nothing usable yet (no pointer, blob not visible yet, KV error): try again later. */
  | { kind: "unavailable"; reason: string };

export type MatcherFactory = (snapshot: Snapshot) => Matcher | Promise<Matcher>;

export interface LoadInput {
  kv: KVNamespace;
  gateway: string;
  secret: string;
  served: Pointer | null;
  createMatcher: MatcherFactory;
  kvOptions: KvReadOptions;
  now: () => number;
  /** Returns a reason when this exact pointer was already refused for its content (its blob is not fetched again). */
  skipPointer?: (pointer: Pointer) => string | null;
}

export async function loadSnapshot(input: LoadInput): Promise<LoadOutcome> {
  let raw: string | null;
  try {
    raw = await readText(input.kv, pointerKey(input.gateway), input.kvOptions);
  } catch (error) {
    return { kind: "unavailable", reason: `pointer read failed: ${message(error)}` };
  }
  if (raw === null) return { kind: "unavailable", reason: "pointer missing" };
  if (!input.secret) return { kind: "rejected", reason: "EDGEWAY_SNAPSHOT_KEY is not set: cannot verify pointers", pointer: null };

  const checked = await verifyPointer(input.secret, raw);
  if (!checked.ok) return { kind: "rejected", reason: checked.reason, pointer: null };
  const pointer = checked.pointer;
  if (pointer.gateway !== input.gateway) {
    return { kind: "rejected", reason: `pointer names gateway ${pointer.gateway}, expected ${input.gateway}`, pointer };
  }
  if (input.served) {
    const order = compareVersions(pointer, input.served);
    if (order === 0 && pointer.hash === input.served.hash) return { kind: "unchanged" };
    if (order <= 0) {
      return {
        kind: "rejected",
        reason: `pointer version ${pointer.epoch}.${pointer.counter} is not newer than served ${input.served.epoch}.${input.served.counter}`,
        pointer,
      };
    }
  }
  const refused = input.skipPointer?.(pointer) ?? null;
  if (refused !== null) return { kind: "rejected", reason: refused, pointer };
  return loadBlob(input, pointer);
}

async function loadBlob(input: LoadInput, pointer: Pointer): Promise<LoadOutcome> {
  let blob: ArrayBuffer | null;
  try {
    blob = await readBytes(input.kv, blobKey(pointer.hash), input.kvOptions);
  } catch (error) {
    return { kind: "unavailable", reason: `blob read failed: ${message(error)}` };
  }
  // KV is eventually consistent: a pointer may be visible before its blob. Not an error, just not yet.
  if (blob === null) return { kind: "unavailable", reason: `blob ${pointer.hash} not found (yet)` };
  if (blob.byteLength !== pointer.size) {
    return { kind: "rejected", reason: `blob size ${blob.byteLength} != pointer size ${pointer.size}`, pointer };
  }
  const bytes = new Uint8Array(blob);
  const hash = await sha256Hex(bytes);
  if (hash !== pointer.hash) return { kind: "rejected", reason: `blob sha256 ${hash} != pointer hash ${pointer.hash}`, pointer };

  // The route table stays where KV put it: a view into `blob`, copied once, into the matcher's memory.
  const read = readSnapshotBlob(bytes);
  if (!read.ok) return { kind: "rejected", reason: `snapshot invalid: ${read.problems.join("; ")}`, pointer };
  const snapshot = read.value;
  const named = `${snapshot.gateway.namespace}/${snapshot.gateway.name}`;
  if (named !== input.gateway) return { kind: "rejected", reason: `snapshot is for gateway ${named}, expected ${input.gateway}`, pointer };
  if (snapshot.routeTable.byteLength === 0) return { kind: "rejected", reason: "snapshot has no route table", pointer };
  const mismatch = routeTableMismatch(snapshot);
  if (mismatch) return { kind: "rejected", reason: mismatch, pointer };

  let matcher: Matcher;
  try {
    matcher = await input.createMatcher(snapshot);
  } catch (error) {
    return { kind: "rejected", reason: `route table does not load: ${message(error)}`, pointer };
  }
  return { kind: "loaded", loaded: { gateway: input.gateway, pointer, snapshot, matcher, loadedAt: input.now() } };
}

/**
 * The table must describe this snapshot's listeners and routes (schema: "the worker refuses a snapshot whose table
 * does not match the routes"): a table compiled from other routes would hand out indexes that point elsewhere.
 * Format and version are the matcher's to check when it loads the table.
 */
function routeTableMismatch(snapshot: Snapshot): string | null {
  const header = snapshot.routeTable;
  if (header.byteLength < HEADER_WORDS * 4) return "route table is truncated";
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const listeners = view.getUint32(H.ListenerCount * 4, true);
  const routes = view.getUint32(H.RouteCount * 4, true);
  if (listeners !== snapshot.listeners.length || routes !== snapshot.routes.length) {
    return `route table describes ${listeners} listeners and ${routes} routes, the snapshot has ${snapshot.listeners.length} and ${snapshot.routes.length}`;
  }
  return null;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
