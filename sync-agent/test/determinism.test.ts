/**
 * Determinism (docs/architecture.md "Canonical snapshots"): the same objects in any order, split across files in
 * any way (one file, one file per object, Lists, JSON), compile to byte-identical snapshots with the same sha256,
 * and to the same statuses. The KV blob is content-addressed, so any drift here means needless publishes and
 * pointer churn at the edge.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { sha256Hex } from "../../schema/canonical.ts";
import type { KubeObject, TranslateOptions } from "../src/translate/api.ts";
import { parseCaseHeader } from "./support/expectations.ts";
import { GENERATED_ORIGIN_TEMPLATE, generateCluster } from "./support/generate.ts";
import { translateObjects, translateText, type Translation } from "./support/run-translation.ts";

type Source = { text: string; file: string };

/** Seeded Fisher-Yates, so a failure names a reproducible permutation. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const splits: Record<string, (objects: readonly KubeObject[]) => Source[]> = {
  "one YAML file": (objects) => [{ file: "all.yaml", text: objects.map((o) => stringify(o)).join("---\n") }],
  "one file per object": (objects) => objects.map((o, i) => ({ file: `${i}.yaml`, text: stringify(o) })),
  "one v1 List": (objects) => [{ file: "list.yaml", text: stringify({ apiVersion: "v1", kind: "List", items: objects }) }],
  "Lists of three": (objects) =>
    Array.from({ length: Math.ceil(objects.length / 3) }, (_, i) => ({
      file: `list-${i}.yaml`,
      text: stringify({ apiVersion: "v1", kind: "List", items: objects.slice(i * 3, i * 3 + 3) }),
    })),
  "one JSON file per object": (objects) => objects.map((o, i) => ({ file: `${i}.json`, text: JSON.stringify(o, null, 1) })),
};

function fingerprint(t: Pick<Translation, "snapshots" | "statuses">) {
  return {
    snapshots: t.snapshots.map((c) => ({ gateway: c.gateway, sha256: c.sha256, bytes: Buffer.from(c.bytes) })),
    statuses: t.statuses,
  };
}

/** The splits run for each small golden input (the generated cluster runs them all). */
const QUICK_SPLITS = new Set(["one file per object", "Lists of three"]);

async function expectSameEverywhere(objects: readonly KubeObject[], options: TranslateOptions, variants: number, quick = false) {
  const baseline = fingerprint(await translateObjects([...objects], options));
  const orders: [string, KubeObject[]][] = [["reversed", [...objects].reverse()]];
  for (let seed = 1; seed <= variants; seed++) orders.push([`shuffle seed ${seed}`, shuffled(objects, seed)]);
  for (const [orderName, ordered] of orders) {
    expect(fingerprint(await translateObjects(ordered, options)), orderName).toStrictEqual(baseline);
  }
  for (const [splitName, split] of Object.entries(splits)) {
    if (quick && !QUICK_SPLITS.has(splitName)) continue;
    const ordered = shuffled(objects, splitName.length);
    const translation = await translateText(split(ordered), options);
    expect(translation.sourceProblems.filter((p) => p.startsWith("error")), splitName).toEqual([]);
    expect(fingerprint(translation), splitName).toStrictEqual(baseline);
  }
  return baseline;
}

describe("determinism", () => {
  it("a generated cluster of 60 routes gives the same bytes and sha256 for every order and file split", async () => {
    const objects = generateCluster({ routes: 60, seed: 7 });
    const options = { originTemplate: GENERATED_ORIGIN_TEMPLATE, clusterName: "det" };
    const baseline = await expectSameEverywhere(objects, options, 3);
    expect(baseline.snapshots).toHaveLength(1);
    const only = baseline.snapshots[0]!;
    expect(only.sha256).toBe(await sha256Hex(new Uint8Array(only.bytes)));
  });

  it("the generator itself is deterministic, and a different seed gives a different snapshot", async () => {
    const options = { originTemplate: GENERATED_ORIGIN_TEMPLATE };
    const a = await translateObjects(generateCluster({ routes: 50, seed: 1 }), options);
    const b = await translateObjects(generateCluster({ routes: 50, seed: 1 }), options);
    const c = await translateObjects(generateCluster({ routes: 50, seed: 2 }), options);
    expect(a.snapshots[0]!.sha256).toBe(b.snapshots[0]!.sha256);
    expect(a.snapshots[0]!.sha256).not.toBe(c.snapshots[0]!.sha256);
  });

  // Every golden input, re-ordered and re-split: small cases exercise the odd corners (Lists, conflicts, dropped rules).
  const testdata = fileURLToPath(new URL("./golden/testdata/", import.meta.url));
  const cases = readdirSync(testdata).filter((f) => f.endsWith(".in.yaml")).sort();
  it.each(cases)("golden input %s is order- and split-independent", async (file) => {
    const text = readFileSync(`${testdata}${file}`, "utf8");
    const header = parseCaseHeader(text);
    const sources = [
      ...header.bases.map((b) => ({ file: `${b}.yaml`, text: readFileSync(`${testdata}bases/${b}.yaml`, "utf8") })),
      { file, text },
    ];
    const { objects } = await translateText(sources, header.options as TranslateOptions);
    await expectSameEverywhere(objects, header.options as TranslateOptions, 1, true);
  });
});
