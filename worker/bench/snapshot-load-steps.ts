/**
 * The steps of a snapshot load, cut where snapshot-load-workerd.bench.ts measures them, shared by the workerd side
 * (snapshot-load-worker.ts) and the Node peer so both run the same code. `loadThrough(blob, step)` runs every step up
 * to and including `step`; a step's cost is the difference between two consecutive cut points. "total" is the real
 * `loadSnapshot` (worker/src/snapshot/load.ts) against a KV stub that answers from memory: pointer HMAC, size, sha256,
 * frame, UTF-8, JSON, validation, table check and matcher, without the KV round trips.
 */
import { decodeBlob } from "../../schema/blob.ts";
import { sha256Hex } from "../../schema/canonical.ts";
import { SCHEMA_VERSION, type Snapshot } from "../../schema/snapshot.ts";
import { fillSnapshotInPlace } from "../../schema/snapshot-read.ts";
import { loadSnapshot, type MatcherFactory } from "../src/snapshot/load.ts";

export const STEPS = ["frame", "decode", "parse", "validate", "matcher", "total"] as const;
export type Step = (typeof STEPS)[number];

/** What each step adds to the one before it, for the table. */
export const STEP_LABELS: Record<Step, string> = {
  frame: "verify + frame (sha256 of the blob, frame header)",
  decode: "UTF-8 decode of the JSON part",
  parse: "JSON.parse",
  validate: "validate + fill wire defaults (as readSnapshotBlob does)",
  matcher: "matcher: wasm instance + table copied in and loaded",
  total: "loadSnapshot end to end (KV stub in memory)",
};

/** A published snapshot as KV holds it: the signed pointer's text and the blob. */
export interface StoredSnapshot {
  gateway: string;
  secret: string;
  pointer: string;
  blob: ArrayBuffer;
}

/** Runs the load's steps up to `through`. Throws when any step fails, so a bench never times a refused load. */
export async function loadThrough(stored: StoredSnapshot, through: Step, createMatcher: MatcherFactory): Promise<void> {
  if (through === "total") return loadEndToEnd(stored, createMatcher);
  const last = STEPS.indexOf(through);
  const bytes = new Uint8Array(stored.blob);
  await sha256Hex(bytes);
  const decoded = decodeBlob(bytes);
  if (!decoded.ok) throw new Error(decoded.reason);
  if (decoded.parts.version !== SCHEMA_VERSION) throw new Error(`blob version ${decoded.parts.version}`);
  if (last < STEPS.indexOf("decode")) return;
  const text = new TextDecoder("utf-8", { fatal: true }).decode(decoded.parts.json);
  if (last < STEPS.indexOf("parse")) return;
  const parsed: unknown = JSON.parse(text);
  if (last < STEPS.indexOf("validate")) return;
  const snapshot: Snapshot | null = fillSnapshotInPlace(parsed);
  if (snapshot === null) throw new Error("the snapshot is not valid");
  snapshot.routeTable = decoded.parts.table;
  if (last < STEPS.indexOf("matcher")) return;
  await createMatcher(snapshot);
}

async function loadEndToEnd(stored: StoredSnapshot, createMatcher: MatcherFactory): Promise<void> {
  const kv = {
    get: async (_key: string, type: string) => (type === "text" ? stored.pointer : stored.blob),
  } as unknown as KVNamespace;
  const outcome = await loadSnapshot({
    kv,
    gateway: stored.gateway,
    secret: stored.secret,
    served: null,
    createMatcher,
    kvOptions: { attempts: 1, backoffMs: 0 },
    now: Date.now,
  });
  if (outcome.kind !== "loaded") throw new Error(`load ${outcome.kind}: ${"reason" in outcome ? outcome.reason : ""}`);
}
