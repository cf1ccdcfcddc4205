/**
 * Runs the pipeline the CLI runs (parse manifests -> translate -> compileSnapshots) on in-memory text, and shapes the
 * result into the document a golden `.out.yaml` holds.
 */
import { parseManifests } from "../../src/source/files.ts";
import { translate } from "../../src/translate/index.ts";
import { compileSnapshots } from "../../src/compile/index.ts";
import type { CompiledSnapshot, KubeObject, ObjectStatus, TranslateOptions } from "../../src/translate/api.ts";

/** Golden files zero every lastTransitionTime (it is a clock reading, not a translation result). */
export const ZERO_TIME = "1970-01-01T00:00:00Z";

export interface Translation {
  objects: KubeObject[];
  statuses: ObjectStatus[];
  snapshots: CompiledSnapshot[];
  warnings: string[];
  sourceProblems: string[];
}

export async function translateText(
  sources: readonly { text: string; file: string }[],
  options: TranslateOptions = {},
): Promise<Translation> {
  const objects: KubeObject[] = [];
  const sourceProblems: string[] = [];
  for (const { text, file } of sources) {
    const parsed = parseManifests(text, file);
    objects.push(...parsed.objects);
    for (const p of parsed.problems) sourceProblems.push(`${p.severity} ${p.file}${p.line ? `:${p.line}` : ""}: ${p.message}`);
  }
  return { ...(await translateObjects(objects, options)), sourceProblems };
}

export async function translateObjects(
  objects: KubeObject[],
  options: TranslateOptions = {},
): Promise<Omit<Translation, "sourceProblems">> {
  const result = translate(objects, { now: ZERO_TIME, ...options });
  const snapshots = await compileSnapshots(result.ir);
  return { objects, statuses: result.statuses, snapshots, warnings: result.warnings };
}

/**
 * The golden document: statuses (every lastTransitionTime zeroed) and one compiled snapshot per Gateway. The binary
 * route table is replaced by a marker: its format belongs to wasm-matcher and is tested there; the golden files pin
 * the translation, not the table encoding. Hashes are left out for the same reason (determinism.test.ts pins them).
 */
export function goldenDocument(translation: Translation): Record<string, unknown> {
  return toPlain({
    statuses: translation.statuses.map(zeroTimes),
    snapshots: translation.snapshots.map((c) => ({
      gateway: c.gateway,
      gatewayGeneration: c.gatewayGeneration,
      snapshot: { ...c.snapshot, routeTable: c.snapshot.routeTable.byteLength === 0 ? "" : "<compiled>" },
    })),
    warnings: translation.warnings,
    sourceProblems: translation.sourceProblems,
  }) as Record<string, unknown>;
}

function zeroTimes(status: ObjectStatus): ObjectStatus {
  return JSON.parse(
    JSON.stringify(status, (key, value: unknown) => (key === "lastTransitionTime" ? ZERO_TIME : value)),
  ) as ObjectStatus;
}

/** JSON round trip: drops undefined, turns the value into exactly what a strict YAML parse gives back. */
function toPlain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}
