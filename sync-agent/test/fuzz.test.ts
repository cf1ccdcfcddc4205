/**
 * Fuzzing the translator: mutated manifests (support/mutate.ts) must never make translate() or compileSnapshots()
 * throw, every compiled snapshot must pass validateSnapshot, and every object we own must still get conditions
 * (support/invariants.ts; DESIGN.md §4 "Invalid or unsupported configuration never crashes the agent").
 *
 * Fixed seed and bounded runs/time, so CI sees the same inputs every time. The checked-in corpus
 * (fuzz-corpus/*.yaml) holds manifests that once broke a translator or pin odd corners; it runs in full first.
 * A failing run prints the seed, path and mutation list: add the shrunk input to the corpus when fixing it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../src/translate/api.ts";
import { parseCaseHeader } from "./support/expectations.ts";
import { generateCluster, GENERATED_ORIGIN_TEMPLATE } from "./support/generate.ts";
import { checkInvariants } from "./support/invariants.ts";
import { applyMutations, mutationArbitrary } from "./support/mutate.ts";
import { translateObjects, translateText } from "./support/run-translation.ts";

// Longer local hunts: EDGEWAY_FUZZ_RUNS=20000 EDGEWAY_FUZZ_SEED=<n> npx vitest run --project node sync-agent/test/fuzz.test.ts
const SEED = Number(process.env.EDGEWAY_FUZZ_SEED ?? 20261130);
const RUNS = Number(process.env.EDGEWAY_FUZZ_RUNS ?? 400);
const TIME_LIMIT_MS = process.env.EDGEWAY_FUZZ_RUNS ? 3_600_000 : 45_000;
const options = { originTemplate: GENERATED_ORIGIN_TEMPLATE, clusterName: "fuzz" };
const testdata = fileURLToPath(new URL("./golden/testdata/", import.meta.url));
const corpus = fileURLToPath(new URL("./fuzz-corpus/", import.meta.url));

/** Valid manifests to start from: a small generated cluster and golden inputs that span the features. */
const SEED_CASES = [
  "gatewayclass-accepted", "listener-https-certificate-cross-namespace-grant", "allowedroutes-selector-matchexpressions",
  "filter-order-combined", "filter-cors", "filter-mirror-fraction", "backend-cross-namespace-grant", "timeouts-valid",
  "retry-valid", "parentref-port-and-sectionname", "hostname-https-listeners", "unsupported-route-tlsroute",
  "list-kinds", "filter-backend-level", "matches-method-and-combined", "origin-load-balancer",
];

async function loadSeeds(): Promise<unknown[][]> {
  const seeds: unknown[][] = [generateCluster({ routes: 4, seed: 3 })];
  for (const name of SEED_CASES) {
    const text = readFileSync(`${testdata}${name}.in.yaml`, "utf8");
    const header = parseCaseHeader(text);
    const sources = header.bases.map((b) => ({ file: `${b}.yaml`, text: readFileSync(`${testdata}bases/${b}.yaml`, "utf8") }));
    seeds.push((await translateText([...sources, { file: name, text }])).objects);
  }
  return seeds;
}

async function assertInvariants(objects: unknown[]): Promise<void> {
  let result: Awaited<ReturnType<typeof translateObjects>>;
  try {
    result = await translateObjects(objects as KubeObject[], options);
  } catch (error) {
    throw new Error(`translate/compile threw: ${error instanceof Error ? error.stack : String(error)}`);
  }
  expect(await checkInvariants(objects, result.statuses, result.snapshots)).toEqual([]);
}

describe("translator fuzz", () => {
  const seedsPromise = loadSeeds();

  it("the seeds themselves satisfy the invariants", async () => {
    for (const seed of await seedsPromise) await assertInvariants(seed);
  });

  // A corpus file starting with "# pending: <reason>" reproduces a known, unfixed bug: it is skipped with that reason
  // in the test title until the fix lands (then delete the line and the test must pass).
  const corpusFiles = readdirSync(corpus).filter((f) => f.endsWith(".yaml")).sort();
  it("the corpus holds at least five manifests", () => expect(corpusFiles.length).toBeGreaterThanOrEqual(5));
  for (const file of corpusFiles) {
    const text = readFileSync(`${corpus}${file}`, "utf8");
    const pending = /^# pending: (.*)/.exec(text)?.[1];
    if (pending !== undefined) {
      it.skip(`corpus ${file} — pending translator bug: ${pending}`, () => {});
      continue;
    }
    it(`corpus ${file}: never throws, snapshots validate, owned objects get conditions`, async () => {
      const translation = await translateText([{ file, text }], options);
      expect(await checkInvariants(translation.objects, translation.statuses, translation.snapshots)).toEqual([]);
    });
  }

  it("mutated manifests: never throws, snapshots validate, owned objects get conditions", { timeout: TIME_LIMIT_MS + 30_000 }, async () => {
    const seeds = await seedsPromise;
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: seeds.length - 1 }), fc.array(mutationArbitrary, { minLength: 1, maxLength: 6 }), async (which, mutations) => {
        await assertInvariants(applyMutations(seeds[which]!, mutations));
      }),
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
    );
  });

  it("mutated manifests as text: the file source never throws and reports problems as data", { timeout: TIME_LIMIT_MS / 2 + 30_000 }, async () => {
    const seeds = await seedsPromise;
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: seeds.length - 1 }), fc.array(mutationArbitrary, { minLength: 1, maxLength: 4 }), async (which, mutations) => {
        const objects = applyMutations(seeds[which]!, mutations);
        const text = objects.map((o) => JSON.stringify(o) ?? "null").join("\n---\n");
        const translation = await translateText([{ file: "fuzz.yaml", text }], options);
        expect(await checkInvariants(translation.objects, translation.statuses, translation.snapshots)).toEqual([]);
      }),
      { seed: SEED + 1, numRuns: Math.ceil(RUNS / 3), interruptAfterTimeLimit: TIME_LIMIT_MS / 2, markInterruptAsFailure: false },
    );
  });
});
