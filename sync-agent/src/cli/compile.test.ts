import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { readSnapshotBlob } from "../../../schema/blob.ts";
import { BASE, GATEWAY, route } from "../translate/test-fixtures.ts";
import { edgeway } from "./test-cli.ts";

describe("edgeway compile (CLI)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "edgeway-cli-"));
    await writeFile(join(dir, "base.yaml"), BASE);
    const second = GATEWAY.replace("name: gw,", "name: gw2,");
    await writeFile(join(dir, "gateways.yaml"), `${GATEWAY}---${second}`);
    await writeFile(join(dir, "route.yaml"), route("  - backendRefs: [{name: v1, port: 8080}, {name: missing, port: 80}]"));
    await writeFile(join(dir, "broken.yaml"), "apiVersion: v1\nkind: Service\nmetadata: {name: [oops\n");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("prints the status table, writes one snapshot per Gateway into a directory and the status as YAML", async () => {
    const out = join(dir, "out");
    const statusOut = join(dir, "status.yaml");
    const result = await edgeway(["compile", "-f", join(dir, "base.yaml"), "-f", join(dir, "gateways.yaml"), "-f", join(dir, "route.yaml"), "--out", out, "--status-out", statusOut]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toMatch(/^KIND\s+NAMESPACE\s+NAME\s+ACCEPTED\s+RESOLVED\s+PROGRAMMED\s+REASON\/MESSAGE$/);
    expect(lines.find((l) => l.startsWith("HTTPRoute"))).toMatch(/web -> gw\s+True\s+False\s+-\s+BackendNotFound: /);
    expect((await readdir(out)).sort()).toEqual(["infra_gw.snapshot", "infra_gw2.snapshot"]);
    const snapshot = readSnapshotBlob(new Uint8Array(await readFile(join(out, "infra_gw.snapshot"))));
    expect(snapshot.ok && snapshot.value.routeTable.byteLength).toBeGreaterThan(0);
    const docs = parseAllDocuments(await readFile(statusOut, "utf8")).map((d) => d.toJS() as { kind: string; status: Record<string, unknown> });
    expect(docs.map((d) => d.kind)).toEqual(["GatewayClass", "Gateway", "Gateway", "HTTPRoute"]);
    expect(docs[3]!.status.parents).toHaveLength(1);
  });

  it("writes a single Gateway's snapshot to the --out file", async () => {
    const file = join(dir, "one.snapshot");
    const result = await edgeway(["compile", "-f", dir.concat("/base.yaml"), "-f", join(dir, "gateways.yaml"), "--gateway", "infra/gw2", "--out", file]);
    expect(result.code).toBe(0);
    const snapshot = readSnapshotBlob(new Uint8Array(await readFile(file)));
    expect(snapshot.ok && snapshot.value.gateway.name).toBe("gw2");
  });

  it("exits non-zero with a one-line reason naming the file and line of a YAML syntax error", async () => {
    const result = await edgeway(["compile", "-f", join(dir, "broken.yaml")]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    // The parser reports the error where it notices it: the unclosed flow sequence, at the end of the file.
    expect(result.stderr).toMatch(/broken\.yaml:[34]: YAML syntax error/);
  });

  it("answers --help, and rejects unknown commands and missing -f", async () => {
    const help = await edgeway(["compile", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--origin-template");
    expect((await edgeway(["frobnicate"])).code).toBe(2);
    expect((await edgeway(["compile"])).code).toBe(2);
  });
});
