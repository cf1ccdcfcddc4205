/**
 * The snapshot blob: the bytes stored in KV under blobKey(sha256), and the file `edgeway compile --out` writes.
 *
 * A small binary frame, so the route table (binary, a third of the snapshot) is stored as it is instead of as base64
 * inside the JSON (a third larger, and a decode on every load):
 *
 *   offset  size  field
 *   0       4     magic "EWSB" (edgeway snapshot blob)
 *   4       4     schema version (u32, little-endian): SCHEMA_VERSION of the writer
 *   8       4     JSON length in bytes (u32 LE)
 *   12      4     route table length in bytes (u32 LE)
 *   16      n     the snapshot's wire form (schema/wire.ts) as UTF-8 canonical JSON: everything but the route table
 *   16+n    0..7  zero padding, so the table starts at a multiple of 8 from the blob's start
 *   ...     m     the route table (wasm-matcher's binary format), up to the blob's end exactly
 *
 * The pointer's sha256 and size cover the whole frame (schema/pointer.ts), so the table is as content-addressed and
 * verified as the JSON. Equal snapshots give equal JSON (canonical) and equal tables, hence byte-identical blobs.
 * The table's 8-byte alignment lets a reader view it in place (KV returns the blob in its own ArrayBuffer).
 */
import { SCHEMA_VERSION, type Snapshot, type ValidationResult } from "./snapshot.ts";
import { readSnapshotJson } from "./snapshot-read.ts";

export const BLOB_MAGIC = [0x45, 0x57, 0x53, 0x42] as const; // "EWSB"
export const BLOB_HEADER_BYTES = 16;
const TABLE_ALIGN = 8;

const encoder = new TextEncoder();

/**
 * Frames canonical JSON and route table bytes into one blob. The JSON comes as text, or as UTF-8 pieces to be laid
 * end to end (the compiler keeps each route's JSON as bytes, so a recompile copies them instead of encoding the
 * whole text again). `version` is for tests of unknown versions.
 */
export function encodeBlob(json: string | readonly Uint8Array[], table: Uint8Array, version: number = SCHEMA_VERSION): Uint8Array<ArrayBuffer> {
  let frame: Uint8Array<ArrayBuffer>;
  let jsonLength: number;
  if (typeof json === "string") {
    // Snapshot JSON is almost always ASCII: then its UTF-8 length is its string length, and it is encoded straight
    // into the frame. Otherwise (encodeInto stopped early or wrote multi-byte characters) it is encoded first.
    jsonLength = json.length;
    frame = allocate(jsonLength, table.byteLength);
    const done = encoder.encodeInto(json, frame.subarray(BLOB_HEADER_BYTES, BLOB_HEADER_BYTES + jsonLength));
    if (done.read !== json.length || done.written !== json.length) {
      const jsonBytes = encoder.encode(json);
      jsonLength = jsonBytes.byteLength;
      frame = allocate(jsonLength, table.byteLength);
      frame.set(jsonBytes, BLOB_HEADER_BYTES);
    }
  } else {
    jsonLength = 0;
    for (const piece of json) jsonLength += piece.byteLength;
    frame = allocate(jsonLength, table.byteLength);
    let at = BLOB_HEADER_BYTES;
    for (const piece of json) {
      frame.set(piece, at);
      at += piece.byteLength;
    }
  }
  frame.set(BLOB_MAGIC, 0);
  const view = new DataView(frame.buffer);
  view.setUint32(4, version, true);
  view.setUint32(8, jsonLength, true);
  view.setUint32(12, table.byteLength, true);
  frame.set(table, tableOffset(jsonLength));
  return frame;
}

function allocate(jsonLength: number, tableLength: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(tableOffset(jsonLength) + tableLength);
}

function tableOffset(jsonLength: number): number {
  const end = BLOB_HEADER_BYTES + jsonLength;
  return Math.ceil(end / TABLE_ALIGN) * TABLE_ALIGN;
}

export interface BlobParts {
  version: number;
  /** The UTF-8 JSON part. */
  json: Uint8Array<ArrayBuffer>;
  /** The route table, a view into the blob (not a copy). */
  table: Uint8Array<ArrayBuffer>;
}

/** Splits a blob into its parts, checking the frame only (magic, lengths). Never throws. */
export function decodeBlob(bytes: Uint8Array<ArrayBuffer>): { ok: true; parts: BlobParts } | { ok: false; reason: string } {
  if (bytes.byteLength < BLOB_HEADER_BYTES || BLOB_MAGIC.some((b, i) => bytes[i] !== b)) {
    return { ok: false, reason: "not a snapshot blob (no EWSB frame header)" };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  const jsonLength = view.getUint32(8, true);
  const tableLength = view.getUint32(12, true);
  const at = tableOffset(jsonLength);
  if (at + tableLength !== bytes.byteLength) {
    return { ok: false, reason: `snapshot blob frame: ${BLOB_HEADER_BYTES}-byte header + JSON ${jsonLength} + padding + table ${tableLength} bytes != blob ${bytes.byteLength} bytes` };
  }
  const base = bytes.byteOffset;
  return {
    ok: true,
    parts: {
      version,
      json: new Uint8Array(bytes.buffer, base + BLOB_HEADER_BYTES, jsonLength),
      table: new Uint8Array(bytes.buffer, base + at, tableLength),
    },
  };
}

/**
 * Reads a blob back into the Snapshot it was written from: frame, version, UTF-8, JSON, validation filling the wire
 * form's defaults (readSnapshotJson: validateSnapshot's answer, a valid snapshot read without valibot's cost), and the
 * route table as a view into `bytes`. User errors come back as problems, never thrown.
 */
export function readSnapshotBlob(bytes: Uint8Array<ArrayBuffer>): ValidationResult<Snapshot> {
  const decoded = decodeBlob(bytes);
  if (!decoded.ok) return { ok: false, problems: [decoded.reason] };
  const { version, json, table } = decoded.parts;
  if (version !== SCHEMA_VERSION) {
    return { ok: false, problems: [`unsupported schemaVersion ${version} (this build reads ${SCHEMA_VERSION})`] };
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(json);
  } catch (error) {
    return { ok: false, problems: [`snapshot JSON does not parse: ${error instanceof Error ? error.message : String(error)}`] };
  }
  const validated = readSnapshotJson(text);
  if (validated.ok) validated.value.routeTable = table;
  return validated;
}
