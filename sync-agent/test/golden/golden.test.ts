/**
 * Golden translation tests: testdata/<case>.in.yaml -> <case>.out.yaml (statuses + compiled snapshots).
 *
 * Each case is checked three ways: the invariants every translation must have (support/invariants.ts), the
 * expectations written in the case's header (support/expectations.ts), and the golden file, parsed strictly and
 * compared deeply. Regenerate with `EDGEWAY_UPDATE_GOLDEN=1 npx vitest run --project node sync-agent/test/golden`
 * and read the diff before committing: a case whose header expectations fail is never written.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { checkExpectations } from "../support/check-expectations.ts";
import { parseCaseHeader, type CaseHeader } from "../support/expectations.ts";
import { checkInvariants } from "../support/invariants.ts";
import { goldenDocument, translateText } from "../support/run-translation.ts";
import type { TranslateOptions } from "../../src/translate/api.ts";
import { PENDING } from "./pending.ts";

const testdata = fileURLToPath(new URL("./testdata/", import.meta.url));
const update = process.env.EDGEWAY_UPDATE_GOLDEN === "1";
const cases = readdirSync(testdata)
  .filter((f) => f.endsWith(".in.yaml"))
  .map((f) => f.slice(0, -".in.yaml".length))
  .sort();

function readCase(name: string): { text: string; header: CaseHeader } {
  const text = readFileSync(`${testdata}${name}.in.yaml`, "utf8");
  return { text, header: parseCaseHeader(text) };
}

async function runCase(name: string) {
  const { text, header } = readCase(name);
  const sources = header.bases.map((base) => ({
    file: `bases/${base}.yaml`,
    text: readFileSync(`${testdata}bases/${base}.yaml`, "utf8"),
  }));
  sources.push({ file: `${name}.in.yaml`, text });
  const translation = await translateText(sources, header.options as TranslateOptions);
  const problems = [
    ...translation.sourceProblems.filter((p) => p.startsWith("error")),
    ...(await checkInvariants(translation.objects, translation.statuses, translation.snapshots)),
    ...checkExpectations(header.expectations, {
      statuses: translation.statuses,
      snapshots: new Map(translation.snapshots.map((c) => [c.gateway, c.snapshot])),
      warnings: translation.warnings,
    }),
  ];
  return { header, translation, problems };
}

function goldenText(name: string, header: CaseHeader, document: Record<string, unknown>): string {
  const banner = `# Generated from ${name}.in.yaml (${header.intent.slice(0, 80)}...).\n# Regenerate: EDGEWAY_UPDATE_GOLDEN=1 npx vitest run --project node sync-agent/test/golden\n`;
  return banner + stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
}

describe("golden translation cases", () => {
  it("has at least 70 cases, at least a third expecting a False condition", () => {
    const invalid = cases.filter((name) =>
      readCase(name).header.expectations.some(
        (e) => e.on === "status" && e.items.some((i) => i.item === "condition" && i.status === "False"),
      ),
    );
    expect(cases.length).toBeGreaterThanOrEqual(70);
    expect(invalid.length * 3).toBeGreaterThanOrEqual(cases.length);
  });

  it("every case states its intent and at least one expectation about its status or snapshot", () => {
    for (const name of cases) {
      const { header } = readCase(name);
      expect(header.intent.length, name).toBeGreaterThan(20);
      expect(header.expectations.filter((e) => e.on !== "warning").length, name).toBeGreaterThan(0);
    }
  });

  it("pending cases exist, name a reason and have no golden output", () => {
    for (const [name, reason] of Object.entries(PENDING)) {
      expect(cases, `pending case ${name}`).toContain(name);
      expect(reason.length, `reason for ${name}`).toBeGreaterThan(10);
      expect(existsSync(`${testdata}${name}.out.yaml`), `${name}.out.yaml must not exist while pending`).toBe(false);
    }
  });

  for (const name of cases) {
    const pending = PENDING[name];
    if (pending !== undefined) {
      it.skip(`${name} — pending translator bug: ${pending}`, () => {});
      continue;
    }
    it(name, async () => {
      const { header, translation, problems } = await runCase(name);
      if (problems.length > 0) throw new Error(`${name}: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
      const document = goldenDocument(translation);
      const outFile = `${testdata}${name}.out.yaml`;
      if (update) {
        writeFileSync(outFile, goldenText(name, header, document));
        return;
      }
      if (!existsSync(outFile)) throw new Error(`${name}.out.yaml is missing: run with EDGEWAY_UPDATE_GOLDEN=1 and review it`);
      const golden: unknown = parse(readFileSync(outFile, "utf8"), { strict: true, uniqueKeys: true, prettyErrors: true });
      expect(document).toStrictEqual(golden);
    });
  }
});
