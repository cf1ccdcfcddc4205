/**
 * The snapshots the compiler publishes take readSnapshotJson's fast path (schema/snapshot-read.ts) and read back as
 * valibot's schema reads them: generated clusters (the compile bench's generator) compiled, framed, and read both ways.
 */
import { describe, expect, it } from "vitest";
import { decodeBlob, readSnapshotBlob } from "../../schema/blob.ts";
import { fillSnapshotInPlace } from "../../schema/snapshot-read.ts";
import { validateSnapshot } from "../../schema/snapshot.ts";
import { compileSnapshots } from "../../sync-agent/src/compile/index.ts";
import { translate } from "../../sync-agent/src/translate/index.ts";
import { GENERATED_ORIGIN_TEMPLATE, generateCluster } from "../../sync-agent/test/support/generate.ts";

describe("compiled snapshots and the fast read", () => {
  for (const seed of [1, 2, 3]) {
    it(`a generated 300-route cluster (seed ${seed}) reads on the fast path as validateSnapshot reads it`, async () => {
      const { ir } = translate(generateCluster({ routes: 300, seed }), { originTemplate: GENERATED_ORIGIN_TEMPLATE, clusterName: "test", now: "1970-01-01T00:00:00Z" });
      const [compiled] = await compileSnapshots(ir);
      const decoded = decodeBlob(compiled!.bytes);
      if (!decoded.ok) throw new Error(decoded.reason);
      const json = new TextDecoder().decode(decoded.parts.json);
      const fast = fillSnapshotInPlace(JSON.parse(json));
      const valibot = validateSnapshot(JSON.parse(json));
      expect(fast).not.toBeNull();
      expect(valibot.ok && fast).toStrictEqual(valibot.ok && valibot.value);
      // And as the worker reads the blob: the compiler's snapshot, the route table a view into the blob.
      const read = readSnapshotBlob(compiled!.bytes);
      expect(read.ok && read.value.routes).toStrictEqual(compiled!.snapshot.routes);
      expect(read.ok && read.value.routeTable).toStrictEqual(compiled!.snapshot.routeTable);
    });
  }
});
