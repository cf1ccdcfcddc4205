import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { loadManifestDir, localOrigins, parseManifests } from "../support/manifests.ts";

const EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));

describe("examples/ (what npm start serves)", () => {
  const objects = loadManifestDir(EXAMPLES);

  it("has one Gateway edgeway-demo/demo of a class we own, as wrangler.toml serves", () => {
    const gateways = objects.filter((o) => o.kind === "Gateway");
    expect(gateways.map((g) => `${g.metadata.namespace}/${g.metadata.name}`)).toEqual(["edgeway-demo/demo"]);
    const className = (gateways[0]!.spec as { gatewayClassName: string }).gatewayClassName;
    const gatewayClass = objects.find((o) => o.kind === "GatewayClass" && o.metadata.name === className);
    expect((gatewayClass?.spec as { controllerName?: string }).controllerName).toBe("edgeway.dev/gateway-controller");
  });

  it("gives every Service a distinct fixed loopback origin", () => {
    const services = objects.filter((o) => o.kind === "Service");
    const origins = localOrigins(objects);
    expect(origins).toHaveLength(services.length);
    expect(new Set(origins.map((o) => o.port)).size).toBe(origins.length);
  });

  it("shows every feature the curl lines demonstrate", () => {
    const filterTypes = new Set<string>();
    const text = JSON.stringify(objects.filter((o) => o.kind === "HTTPRoute"));
    for (const m of text.matchAll(/"type":"(\w+)"/g)) filterTypes.add(m[1]!);
    for (const t of ["RequestMirror", "URLRewrite", "RequestRedirect", "CORS", "RequestHeaderModifier"]) {
      expect(filterTypes, t).toContain(t);
    }
    expect(text).toContain('"retry"');
    expect(text).toContain('"weight":10');
  });

  it("parses multi-document YAML and Lists, and reports syntax errors with the source", () => {
    const parsed = parseManifests("---\n# only a comment\n---\nkind: List\nitems:\n  - kind: A\n    metadata: {name: a}\n");
    expect(parsed.map((o) => o.kind)).toEqual(["A"]);
    expect(() => parseManifests("a: [", "bad.yaml")).toThrow(/bad\.yaml/);
  });
});
