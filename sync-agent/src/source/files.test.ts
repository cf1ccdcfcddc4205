import { mkdtemp, mkdir, writeFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseManifests, readSources } from "./files.ts";

describe("parseManifests", () => {
  it("reads multi-document YAML and skips empty documents", () => {
    const text = "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n";
    const result = parseManifests(text, "ns.yaml");
    expect(result.problems).toEqual([]);
    expect(result.objects.map((o) => o.metadata.name)).toEqual(["a", "b"]);
  });

  it("flattens kind: List and *List items", () => {
    const text = JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [
        { apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "x" } },
        { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRouteList", items: [{ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "r" } }] },
      ],
    });
    const result = parseManifests(text, "list.json");
    expect(result.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["Service/s", "HTTPRoute/r"]);
  });

  it("reports a YAML syntax error as an error with file and line, and keeps the other documents", () => {
    const text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n---\nkind: Namespace\nmetadata: {name: [broken\n";
    const result = parseManifests(text, "bad.yaml");
    expect(result.objects.map((o) => o.metadata.name)).toEqual(["ok"]);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ severity: "error", file: "bad.yaml" });
    expect(result.problems[0]!.line).toBeGreaterThanOrEqual(5);
  });

  it("warns about documents that are not Kubernetes objects instead of failing", () => {
    const result = parseManifests("- just\n- a list\n---\nkind: Thing\n", "odd.yaml");
    expect(result.objects).toEqual([]);
    expect(result.problems.map((p) => p.severity)).toEqual(["warning", "warning"]);
  });
});

describe("readSources", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "edgeway-source-"));
    await mkdir(join(dir, "nested"));
    await writeFile(join(dir, "b.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n");
    await writeFile(join(dir, "nested", "a.yml"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
    await writeFile(join(dir, "nested", "c.json"), '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"c"}}');
    await writeFile(join(dir, "README.md"), "# not a manifest\n");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("walks directories recursively, in sorted order, reading only .yaml/.yml/.json", async () => {
    const result = await readSources([dir]);
    expect(result.problems).toEqual([]);
    expect(result.objects.map((o) => o.metadata.name)).toEqual(["b", "a", "c"]);
  });

  it("reports a missing path as an error", async () => {
    const result = await readSources([join(dir, "missing.yaml")]);
    expect(result.objects).toEqual([]);
    expect(result.problems[0]).toMatchObject({ severity: "error" });
    expect(result.problems[0]!.message).toContain("cannot read");
  });
});
