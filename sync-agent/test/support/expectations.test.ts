/**
 * The golden mini-language must be able to fail: these tests feed it a hand-made outcome and check that right
 * expectations pass and wrong ones are reported, and that malformed headers are refused rather than ignored.
 */
import { describe, expect, it } from "vitest";
import { checkExpectations, type Outcome } from "./check-expectations.ts";
import { parseCaseHeader, parseExpectation } from "./expectations.ts";
import { parsePath, resolvePath } from "./snapshot-path.ts";

const condition = (type: string, status: string, reason: string) => ({ type, status, reason, message: "", observedGeneration: 1, lastTransitionTime: "" });

const outcome: Outcome = {
  statuses: [
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      namespace: "infra",
      name: "gw",
      generation: 1,
      status: {
        addresses: [{ type: "Hostname", value: "gw.infra.edgeway.local" }],
        conditions: [condition("Accepted", "True", "Accepted")],
        listeners: [
          { name: "http", attachedRoutes: 2, supportedKinds: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute" }], conditions: [condition("ResolvedRefs", "True", "ResolvedRefs")] },
        ],
      },
    },
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      namespace: "infra",
      name: "web",
      generation: 1,
      status: {
        parents: [
          { parentRef: { name: "gw", sectionName: "http" }, controllerName: "edgeway.dev/gateway-controller", conditions: [condition("Accepted", "False", "NotAllowedByListeners")] },
        ],
      },
    },
  ],
  snapshots: new Map([
    [
      "infra/gw",
      {
        listeners: [{ name: "http", hostname: null }],
        routes: [{ namespace: "infra", name: "web", rules: [{ index: 1, backends: [{ weight: 70 }] }], hostnames: ["b", "a"] }],
      },
    ],
  ]),
  warnings: ["skipped ConfigMap infra/x: unknown kind"],
};

function failures(...lines: string[]): string[] {
  return checkExpectations(lines.map(parseExpectation), outcome);
}

describe("golden expectations", () => {
  it("passes expectations that hold", () => {
    expect(
      failures(
        "Gateway infra/gw Accepted=True/Accepted listeners=1 addresses=Hostname:gw.infra.edgeway.local",
        "Gateway infra/gw listener=http attachedRoutes=2 supportedKinds=HTTPRoute ResolvedRefs=True Programmed=absent",
        "HTTPRoute infra/web parent=gw#http Accepted=False/NotAllowedByListeners",
        "HTTPRoute infra/web parents=1",
        "HTTPRoute infra/other parents=0",
        "GatewayClass foreign status=none",
        "snapshot infra/gw routes[infra/web].rules[1].backends[0].weight = 70",
        "snapshot infra/gw routes[infra/web].rules[0] absent",
        "snapshot infra/gw routes[infra/web].hostnames ~= [a, b]",
        "snapshot infra/gw listeners[http].hostname = null",
        "snapshot other/gw absent",
        "warning unknown kind",
      ),
    ).toEqual([]);
  });

  it.each([
    ["Gateway infra/gw Accepted=False/Invalid", "Accepted: got Accepted=True/Accepted"],
    ["Gateway infra/gw listener=http attachedRoutes=1", "attachedRoutes=2, want 1"],
    ["Gateway infra/gw listener=https attachedRoutes=1", 'no listener status named "https"'],
    ["Gateway infra/gw listener=http supportedKinds=-", "supportedKinds"],
    ["HTTPRoute infra/web parent=gw Accepted=False/NotAllowedByListeners", "no status.parents entry"],
    ["HTTPRoute infra/web parent=gw#http Accepted=False/NoMatchingParent", "want False/NoMatchingParent"],
    ["HTTPRoute infra/web parent=gw#http PartiallyInvalid=True", "no PartiallyInvalid condition"],
    ["HTTPRoute infra/web status=none", "status was written"],
    ["Gateway infra/gw addresses=Hostname:other", "addresses"],
    ["snapshot infra/gw routes[infra/web].rules[1].backends[0].weight = 30", "got 70, want 30"],
    ["snapshot infra/gw routes[infra/web].hostnames = [a, b]", 'got ["b","a"]'],
    ["snapshot infra/gw routes[infra/web].rules[1] absent", "found"],
    ["snapshot infra/gw routes[infra/nope].name = nope", "stopped at routes[infra/nope]"],
    ["snapshot infra/gw absent", "a snapshot was compiled"],
    ["snapshot other/gw present", "no snapshot for other/gw"],
    ["warning no-such-text", "no warning contains"],
  ])("reports a wrong expectation: %s", (line, message) => {
    const got = failures(line);
    expect(got).toHaveLength(1);
    expect(got[0]).toContain(message);
  });

  it("refuses malformed expectations instead of ignoring them", () => {
    for (const bad of [
      "Gateway infra/gw",
      "Gateway infra/gw Accepted=Maybe",
      "Gateway infra/gw attachedRoutes=two",
      "Gateway infra/gw frobnicate=1",
      "snapshot gw routes.length = 1",
      "snapshot infra/gw routes..length = 1",
      "snapshot infra/gw routes.length == 1",
      "snapshot infra/gw routes.length =",
      "HTTPRoute infra/web parent=GW! Accepted=True",
    ]) {
      expect(() => parseExpectation(bad), bad).toThrow();
    }
  });

  it("reads a case header with continuation lines, bases and options", () => {
    const header = parseCaseHeader(
      "# case: first line\n#   second line\n# base: infra\n# options: {clusterName: east}\n# expect: Gateway a/b listeners=1\napiVersion: v1\n# not a header line any more\n",
    );
    expect(header.intent).toBe("first line second line");
    expect(header.bases).toEqual(["infra"]);
    expect(header.options).toEqual({ clusterName: "east" });
    expect(header.expectations).toHaveLength(1);
    expect(() => parseCaseHeader("# expect: Gateway a/b listeners=1\n")).toThrow(/no '# case:'/);
    expect(() => parseCaseHeader("# case: x\n# expcet: typo\n")).toThrow(/unknown header line/);
  });

  it("resolves rule selectors by their original index, not by position", () => {
    const rules = { rules: [{ index: 0 }, { index: 2 }] };
    expect(resolvePath(rules, "rules[2]").value).toEqual({ index: 2 });
    expect(resolvePath(rules, "rules[1]").found).toBe(false);
    expect(resolvePath({ items: ["x", "y"] }, "items[1]").value).toBe("y");
    expect(typeof parsePath("a.b[c]d")).toBe("string");
  });
});
