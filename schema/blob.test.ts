import { describe, expect, it } from "vitest";
import { BLOB_HEADER_BYTES, decodeBlob, encodeBlob, readSnapshotBlob } from "./blob.ts";
import { canonicalJson } from "./canonical.ts";
import { SCHEMA_VERSION, type Snapshot } from "./snapshot.ts";
import { compactSnapshot } from "./wire.ts";

function snapshot(hostname: string | null, table: number[]): Snapshot {
  return {
    schemaVersion: SCHEMA_VERSION,
    gateway: { namespace: "ns", name: "gw", generation: 2 },
    listeners: [{ name: "http", port: 80, protocol: "HTTP", hostname }],
    routes: [],
    routeTable: new Uint8Array(table),
  };
}

function blobOf(s: Snapshot, version?: number): Uint8Array<ArrayBuffer> {
  return encodeBlob(canonicalJson(compactSnapshot(s)), s.routeTable, version);
}

describe("snapshot blob frame", () => {
  it("holds the JSON and the table as they are, the table 8-byte aligned, and reads back as the snapshot", () => {
    for (const hostname of [null, "a.example", "ab.example", "abc.example"]) {
      const s = snapshot(hostname, [1, 2, 3, 4, 5]);
      const bytes = blobOf(s);
      const decoded = decodeBlob(bytes);
      if (!decoded.ok) throw new Error(decoded.reason);
      expect(decoded.parts.version).toBe(SCHEMA_VERSION);
      expect(new TextDecoder().decode(decoded.parts.json)).toBe(canonicalJson(compactSnapshot(s)));
      expect([...decoded.parts.table]).toEqual([1, 2, 3, 4, 5]);
      expect(decoded.parts.table.byteOffset % 8).toBe(0);
      expect(decoded.parts.table.buffer).toBe(bytes.buffer);
      const read = readSnapshotBlob(bytes);
      expect(read.ok && read.value).toStrictEqual(s);
    }
  });

  it("encodes non-ASCII JSON as UTF-8 with its byte length", () => {
    const s = snapshot("bücher.example", [9]);
    const bytes = blobOf(s);
    const decoded = decodeBlob(bytes);
    if (!decoded.ok) throw new Error(decoded.reason);
    const json = canonicalJson(compactSnapshot(s));
    expect(decoded.parts.json.byteLength).toBe(new TextEncoder().encode(json).byteLength);
    expect(decoded.parts.json.byteLength).toBeGreaterThan(json.length);
    const read = readSnapshotBlob(bytes);
    expect(read.ok && read.value.listeners[0]!.hostname).toBe("bücher.example");
  });

  it("reads a blob held in a larger buffer at any offset (a Node Buffer slice)", () => {
    const s = snapshot(null, [7, 7, 7]);
    const bytes = blobOf(s);
    const host = new Uint8Array(bytes.byteLength + 3);
    host.set(bytes, 3);
    const read = readSnapshotBlob(host.subarray(3));
    expect(read.ok && [...read.value.routeTable]).toEqual([7, 7, 7]);
  });

  it("is byte-identical for equal snapshots", () => {
    expect(blobOf(snapshot("a.example", [1, 2]))).toEqual(blobOf(snapshot("a.example", [1, 2])));
    expect(blobOf(snapshot("a.example", [1, 2]))).not.toEqual(blobOf(snapshot("a.example", [1, 3])));
  });

  it("refuses what is not a frame of this version, with the reason", () => {
    const good = blobOf(snapshot(null, [1, 2, 3]));
    const problem = (bytes: Uint8Array<ArrayBuffer>) => {
      const read = readSnapshotBlob(bytes);
      return read.ok ? "accepted" : read.problems.join("; ");
    };
    expect(problem(new TextEncoder().encode(canonicalJson({ schemaVersion: 2 })))).toMatch(/not a snapshot blob/);
    expect(problem(good.slice(0, BLOB_HEADER_BYTES - 1))).toMatch(/not a snapshot blob/);
    expect(problem(good.slice(0, good.byteLength - 1))).toMatch(/!= blob/);
    expect(problem(new Uint8Array([...good, 0]))).toMatch(/!= blob/);
    expect(problem(blobOf(snapshot(null, [1]), SCHEMA_VERSION + 1))).toMatch(new RegExp(`unsupported schemaVersion ${SCHEMA_VERSION + 1}`));
    expect(problem(encodeBlob("{not json", new Uint8Array(0)))).toMatch(/does not parse/);
    expect(problem(encodeBlob(canonicalJson({ ...compactSnapshot(snapshot(null, [])), routeTable: "AAAA" }), new Uint8Array(0)))).toMatch(/routeTable/);
    const badUtf8 = encodeBlob("{}", new Uint8Array(0));
    badUtf8[BLOB_HEADER_BYTES] = 0xff;
    expect(problem(badUtf8)).toMatch(/does not parse/);
  });
});
