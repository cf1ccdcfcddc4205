/**
 * `edgeway push --snapshot <file> [--snapshot <file> ...] --local [--persist-to <dir>] [--secret-file <file>]`
 *
 * Publishes compiled snapshots (the blob files `edgeway compile --out` writes, schema/blob.ts) to the local KV store a
 * `wrangler dev --persist-to <dir>` worker reads, each behind a pointer signed with EDGEWAY_SNAPSHOT_KEY. A file's
 * bytes are stored as they are, once they read back as a valid snapshot. The running worker picks the new version
 * up without a restart.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { encodeBlob, readSnapshotBlob } from "../../../schema/blob.ts";
import { canonicalJson, sha256Hex } from "../../../schema/canonical.ts";
import { compactSnapshot } from "../../../schema/wire.ts";
import { pointerKey, versionString, type Pointer } from "../../../schema/pointer.ts";
import type { Snapshot } from "../../../schema/snapshot.ts";
import { DEFAULT_PERSIST_DIR, LocalKvStore } from "../publish/local-kv.ts";
import { publishSnapshot, type KvStore } from "../publish/publisher.ts";
import type { CompiledSnapshot } from "../translate/api.ts";

export const SECRET_NAME = "EDGEWAY_SNAPSHOT_KEY";
/** Where `npm start` keeps local secrets (wrangler dev reads it too). */
export const DEFAULT_SECRET_FILE = ".dev.vars";

const USAGE = `usage: edgeway push --snapshot <file> [--snapshot <file> ...] --local [--persist-to <dir>] [--secret-file <file>]

  --snapshot <file>     a snapshot file \`edgeway compile --out\` wrote (repeatable)
  --local               publish to the local KV store of \`wrangler dev --persist-to <dir>\`
  --persist-to <dir>    default ${DEFAULT_PERSIST_DIR}
  --secret-file <file>  dotenv file holding ${SECRET_NAME} (default ${DEFAULT_SECRET_FILE}); the
                        ${SECRET_NAME} environment variable wins when set`;

/**
 * Turns a snapshot into the blob publishSnapshot writes (schema/blob.ts: the canonical JSON of its wire form, then its
 * route table) and the blob's sha256.
 */
export async function toCompiledSnapshot(snapshot: Snapshot): Promise<CompiledSnapshot> {
  return compiledFrom(snapshot, encodeBlob(canonicalJson(compactSnapshot(snapshot)), snapshot.routeTable));
}

async function compiledFrom(snapshot: Snapshot, bytes: Uint8Array<ArrayBuffer>): Promise<CompiledSnapshot> {
  return {
    gateway: `${snapshot.gateway.namespace}/${snapshot.gateway.name}`,
    gatewayGeneration: snapshot.gateway.generation,
    snapshot,
    bytes,
    sha256: await sha256Hex(bytes),
  };
}

/** Reads a snapshot file's bytes (a blob); user errors come back as problems, never thrown. */
export async function parseSnapshotFile(bytes: Uint8Array<ArrayBuffer>): Promise<{ compiled: CompiledSnapshot | null; problems: string[] }> {
  const read = readSnapshotBlob(bytes);
  if (!read.ok) return { compiled: null, problems: read.problems };
  if (read.value.routeTable.byteLength === 0) return { compiled: null, problems: ["the snapshot has no route table"] };
  return { compiled: await compiledFrom(read.value, bytes), problems: [] };
}

/** Reads KEY from a dotenv-style file (KEY=value, optional quotes); undefined when absent. */
export function readDotenvValue(text: string, key: string): string | undefined {
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m?.[1] !== key) continue;
    const raw = m[2] ?? "";
    const quoted = /^(["'])(.*)\1$/.exec(raw);
    return quoted ? quoted[2] : raw;
  }
  return undefined;
}

export function resolveSecret(secretFile: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[SECRET_NAME];
  if (fromEnv) return fromEnv;
  let text: string;
  try {
    text = readFileSync(secretFile, "utf8");
  } catch {
    throw new UsageError(`no ${SECRET_NAME}: set the environment variable or write it to ${secretFile} (npm start does)`);
  }
  const value = readDotenvValue(text, SECRET_NAME);
  if (!value) throw new UsageError(`${secretFile} has no ${SECRET_NAME}=...`);
  return value;
}

/**
 * The next pointer version: epoch 0 (no leader election locally) and a counter above both the live pointer's and
 * the clock in milliseconds, so a push after wiping the store still beats what a running worker already serves.
 */
export async function nextCounter(kv: KvStore, gateway: string, now = Date.now()): Promise<number> {
  const raw = await kv.get(pointerKey(gateway));
  let previous = -1;
  if (raw !== null) {
    try {
      const counter = (JSON.parse(raw) as { counter?: unknown }).counter;
      if (typeof counter === "number" && Number.isSafeInteger(counter)) previous = counter;
    } catch {
      // An unreadable pointer is replaced, not an error: the worker would refuse it anyway.
    }
  }
  return Math.max(previous + 1, now);
}

/** Publishes each snapshot (blob, then signed pointer) and returns the pointers written. */
export async function pushSnapshots(kv: KvStore, snapshots: Snapshot[], secret: string): Promise<Pointer[]> {
  return pushCompiled(kv, await Promise.all(snapshots.map(toCompiledSnapshot)), secret);
}

/** Publishes snapshots the compiler already serialized (their bytes and hash are used as they are). */
export async function pushCompiled(kv: KvStore, compiled: CompiledSnapshot[], secret: string): Promise<Pointer[]> {
  const pointers: Pointer[] = [];
  for (const item of compiled) {
    const counter = await nextCounter(kv, item.gateway);
    pointers.push(await publishSnapshot(kv, item, { secret, epoch: 0, counter }));
  }
  return pointers;
}

export class UsageError extends Error {}

/** CLI entry: returns the process exit code (0 ok, 1 failure, 2 usage). */
export async function runPush(argv: string[]): Promise<number> {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        snapshot: { type: "string", multiple: true },
        local: { type: "boolean", default: false },
        "persist-to": { type: "string", default: DEFAULT_PERSIST_DIR },
        "secret-file": { type: "string", default: DEFAULT_SECRET_FILE },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (!values.snapshot || values.snapshot.length === 0) throw new UsageError("--snapshot <file> is required");
    if (!values.local) throw new UsageError("only --local is supported by push; the in-cluster agent publishes to Cloudflare KV");
    const compiled: CompiledSnapshot[] = [];
    for (const file of values.snapshot) {
      const { compiled: item, problems } = await parseSnapshotFile(new Uint8Array(await readFile(file)));
      if (item === null) {
        console.error(`${file}: not a valid snapshot:\n  ${problems.join("\n  ")}`);
        return 1;
      }
      compiled.push(item);
    }
    const secret = resolveSecret(values["secret-file"]);
    const kv = new LocalKvStore({ persistTo: values["persist-to"] });
    try {
      for (const pointer of await pushCompiled(kv, compiled, secret)) {
        console.log(`pushed ${pointer.gateway} version ${versionString(pointer)} to ${kv.persistTo}`);
      }
    } finally {
      await kv.close();
    }
    return 0;
  } catch (err) {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    console.error(`edgeway push: ${(err as Error).message}`);
    if (usage) console.error(USAGE);
    return usage ? 2 : 1;
  }
}

export default runPush;
