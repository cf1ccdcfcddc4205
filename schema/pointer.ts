/**
 * The KV layout (docs/architecture.md): immutable content-addressed blobs, written first, and one small pointer per
 * Gateway, written last. The pointer names the blob, the schema version and a monotonically increasing
 * (epoch, counter); an HMAC-SHA256 tag over all of it lets the worker refuse a forged or tampered pointer. The blob's
 * own integrity is its sha256, checked against the pointer before use.
 */
import * as v from "valibot";
import { canonicalJson, utf8 } from "./canonical.ts";
import { SCHEMA_VERSION } from "./snapshot.ts";

export const KV_PREFIX = "edgeway/v1";

export function blobKey(sha256: string): string {
  return `${KV_PREFIX}/snapshots/${sha256}`;
}

/** `gateway` is "namespace/name". */
export function pointerKey(gateway: string): string {
  return `${KV_PREFIX}/gateways/${gateway}/pointer`;
}

export const PointerSchema = v.object({
  schemaVersion: v.number(),
  gateway: v.string(),
  /** sha256 (hex) of the blob bytes; the blob lives at blobKey(hash). */
  hash: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  size: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /** Leader epoch (the Lease's transition count): a deposed leader's late write carries a lower epoch. */
  epoch: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /** Publish counter within the epoch. */
  counter: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /** Generation of the Gateway object the snapshot was compiled from (for Programmed acknowledgement). */
  gatewayGeneration: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /** RFC 3339 publish time (informational only; ordering uses epoch/counter). */
  publishedAt: v.string(),
  /** base64url HMAC-SHA256 over the canonical JSON of every other field. */
  tag: v.string(),
});

export type Pointer = v.InferOutput<typeof PointerSchema>;
export type UnsignedPointer = Omit<Pointer, "tag">;

/** (epoch, counter) comparison: > 0 when a is newer than b. */
export function compareVersions(a: Pick<Pointer, "epoch" | "counter">, b: Pick<Pointer, "epoch" | "counter">): number {
  return a.epoch !== b.epoch ? a.epoch - b.epoch : a.counter - b.counter;
}

export function versionString(p: Pick<Pointer, "epoch" | "counter" | "hash">): string {
  return `${p.epoch}.${p.counter}-${p.hash.slice(0, 12)}`;
}

async function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", utf8(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export async function signPointer(secret: string, pointer: UnsignedPointer): Promise<Pointer> {
  const sig = await crypto.subtle.sign("HMAC", await hmacKey(secret), utf8(canonicalJson(pointer)));
  return { ...pointer, tag: base64url(new Uint8Array(sig)) };
}

export type PointerCheck = { ok: true; pointer: Pointer } | { ok: false; reason: string };

/** Parses and authenticates a pointer read from KV. Never throws. Constant-time comparison via subtle.verify. */
export async function verifyPointer(secret: string, raw: string | null): Promise<PointerCheck> {
  if (raw === null) return { ok: false, reason: "pointer missing" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { ok: false, reason: "pointer is not JSON" };
  }
  const result = v.safeParse(PointerSchema, parsed);
  if (!result.success) return { ok: false, reason: `pointer malformed: ${result.issues[0]?.message ?? "invalid"}` };
  const { tag, ...unsigned } = result.output;
  const sig = fromBase64url(tag);
  if (!sig) return { ok: false, reason: "pointer tag is not base64url" };
  const valid = await crypto.subtle.verify("HMAC", await hmacKey(secret), sig, utf8(canonicalJson(unsigned)));
  if (!valid) return { ok: false, reason: "pointer tag does not verify" };
  if (result.output.schemaVersion !== SCHEMA_VERSION) {
    return { ok: false, reason: `unsupported schemaVersion ${result.output.schemaVersion}` };
  }
  return { ok: true, pointer: result.output };
}
