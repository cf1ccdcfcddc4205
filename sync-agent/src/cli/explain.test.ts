import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE, route } from "../translate/test-fixtures.ts";
import type { ExplainOutput } from "./explain.ts";
import { edgeway } from "./test-cli.ts";

/** The value after "Label:" on its own line of the text output. */
function field(stdout: string, label: string): string | undefined {
  return stdout
    .split("\n")
    .find((l) => l.startsWith(`${label}:`))
    ?.slice(label.length + 1)
    .trim();
}

const GATEWAY = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra, generation: 4}
spec:
  gatewayClassName: edgeway
  listeners:
  - {name: web, port: 80, protocol: HTTP, hostname: "*.example.com"}
`;

const WEB = route(`  - name: api
    matches: [{path: {type: PathPrefix, value: /api}}]
    filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-from, value: edge}]}}]
    backendRefs: [{name: v1, port: 8080}]
  - matches: [{path: {type: Exact, value: /api/login}}]
    timeouts: {request: 5s}
    backendRefs: [{name: v2, port: 8080, weight: 3}, {name: missing, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /canary}, headers: [{name: x-env, value: canary}]}]
    backendRefs: [{name: v2, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /canary}}]
    backendRefs: [{name: v1, port: 8080}]`);

// A newer route with the same /api prefix: it loses to infra/web on age.
const OTHER = route(`  - matches: [{path: {type: PathPrefix, value: /api}}]
    backendRefs: [{name: v2, port: 8080}]`)
  .replace("name: web,", "name: other,")
  .replace("2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z");

describe("edgeway explain (CLI)", () => {
  let dir: string;
  let manifests: string[];
  let snapshotFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "edgeway-explain-"));
    await writeFile(join(dir, "base.yaml"), BASE);
    await writeFile(join(dir, "gateway.yaml"), GATEWAY);
    await writeFile(join(dir, "routes.yaml"), `${WEB}---${OTHER}`);
    await writeFile(join(dir, "garbage.snapshot"), "{}");
    manifests = ["-f", dir];
    snapshotFile = join(dir, "gw.snapshot");
    const compiled = await edgeway(["compile", "-f", join(dir, "base.yaml"), "-f", join(dir, "gateway.yaml"), "-f", join(dir, "routes.yaml"), "--out", snapshotFile]);
    expect(compiled.stderr).toBe("");
    expect(compiled.code).toBe(0);
  }, 30_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("prefers an Exact path over a longer-standing prefix, and says which rule, backends and timeouts apply", async () => {
    const r = await edgeway(["explain", ...manifests, "http://app.example.com/api/login"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(field(r.stdout, "Gateway")).toBe("infra/gw");
    expect(field(r.stdout, "Snapshot")).toMatch(/^schema 3, generation 4, sha256 [0-9a-f]{12}$/);
    expect(field(r.stdout, "Listener")).toBe("web (port 80, HTTP, hostname *.example.com)");
    expect(field(r.stdout, "Route")).toBe("infra/web");
    expect(field(r.stdout, "Rule")).toBe("1");
    expect(field(r.stdout, "Match")).toBe("0: path Exact /api/login");
    expect(r.stdout).toContain("beats infra/other rule 0 match 0 on path type (Exact > RegularExpression > PathPrefix)");
    expect(r.stdout).toContain("beats infra/web rule 0 match 0 on path type (Exact > RegularExpression > PathPrefix)");
    expect(r.stdout).toMatch(/infra\/v2:8080\s+weight 3\s+-> https:\/\/v2\.origin\.test/);
    expect(r.stdout).toMatch(/infra\/missing:80\s+weight 1\s+-> 500 BackendNotFound/);
    expect(field(r.stdout, "Timeouts")).toBe("request 5000ms, backendRequest none");
  });

  it("breaks a tie between equal prefixes on the older route, and lists the rule's filters in order", async () => {
    const r = await edgeway(["explain", ...manifests, "http://app.example.com/api/users?page=2"]);
    expect(r.code).toBe(0);
    expect(field(r.stdout, "Route")).toBe("infra/web");
    expect(field(r.stdout, "Rule")).toBe("0 (api)");
    expect(r.stdout).toContain("beats infra/other rule 0 match 0 on older route (creationTimestamp)");
    expect(r.stdout).toContain("  1. RequestHeaderModifier set x-from: edge\n");
  });

  it("prefers the match with a header condition when the header is sent, the plain one otherwise", async () => {
    const withHeader = await edgeway(["explain", ...manifests, "-H", "X-Env: canary", "http://app.example.com/canary/x"]);
    expect(withHeader.code).toBe(0);
    expect(field(withHeader.stdout, "Rule")).toBe("2");
    expect(field(withHeader.stdout, "Match")).toBe("0: path PathPrefix /canary, header x-env Exact canary");
    expect(withHeader.stdout).toContain("beats infra/web rule 3 match 0 on more header matches");
    const without = await edgeway(["explain", ...manifests, "http://app.example.com/canary/x"]);
    expect(field(without.stdout, "Rule")).toBe("3");
  });

  it("exits 1 with no listener, no route, or a path the worker rejects", async () => {
    const noListener = await edgeway(["explain", "--snapshot", snapshotFile, "http://app.other.test/api"]);
    expect(noListener.code).toBe(1);
    expect(field(noListener.stdout, "Listener")).toBe("no listener (404)");
    const wrongPort = await edgeway(["explain", "--snapshot", snapshotFile, "http://app.example.com:8080/api"]);
    expect(field(wrongPort.stdout, "Listener")).toBe("no listener (404)");
    const noRoute = await edgeway(["explain", "--snapshot", snapshotFile, "http://app.example.com/elsewhere"]);
    expect(noRoute.code).toBe(1);
    expect(field(noRoute.stdout, "Route")).toBe("no route matches (404)");
    const badPath = await edgeway(["explain", "--snapshot", snapshotFile, "http://app.example.com/api/%zz"]);
    expect(badPath.code).toBe(1);
    expect(field(badPath.stdout, "Rejected")).toBe("400 malformed percent-encoding in path (before routing)");
  });

  it("writes the explanation as JSON from a compiled snapshot file, normalized request included", async () => {
    const r = await edgeway(["explain", "--snapshot", snapshotFile, "-o", "json", "-X", "post", "-H", "x-env: canary", "http://APP.example.com/canary/%7Euser/"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as ExplainOutput;
    expect(out.normalized).toMatchObject({ method: "POST", host: "app.example.com", port: 80, path: "/canary/~user/" });
    expect(out.rejected).toBeNull();
    expect(out.gateways).toHaveLength(1);
    const g = out.gateways[0]!;
    expect(g.outcome).toBe("match");
    expect(g.status).toBeNull();
    expect(g.snapshot.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(g.listener).toMatchObject({ index: 0, name: "web", port: 80, hostname: "*.example.com" });
    expect(g.route).toEqual({ namespace: "infra", name: "web", index: 1 });
    expect(g.rule).toEqual({ index: 2, name: null });
    expect(g.match).toMatchObject({ index: 0, path: { type: "PathPrefix", value: "/canary" } });
    expect(g.precedence).toMatchObject({ hostname: "*.example.com", pathType: "PathPrefix", pathChars: 7, headers: 1, method: false });
    expect(g.backends).toEqual([{ ref: "infra/v2:8080", weight: 1, origin: "https://v2.origin.test", protocol: "http", status: 200, reason: "", filters: [] }]);
    expect(g.mirrors).toEqual([]);
  });

  it("explains against each Gateway when the manifests hold several and no --gateway is given", async () => {
    const second = join(dir, "second");
    await mkdir(second);
    await writeFile(join(second, "gw2.yaml"), GATEWAY.replace("name: gw,", "name: gw2,"));
    const files = ["-f", join(dir, "base.yaml"), "-f", join(dir, "gateway.yaml"), "-f", join(dir, "routes.yaml"), "-f", second];
    const both = await edgeway(["explain", ...files, "-o", "json", "http://app.example.com/api"]);
    expect(both.code).toBe(0);
    const out = JSON.parse(both.stdout) as ExplainOutput;
    expect(out.gateways.map((g) => [g.gateway, g.outcome, g.status])).toEqual([
      ["infra/gw", "match", null],
      ["infra/gw2", "no-route", 404],
    ]);
    const one = await edgeway(["explain", ...files, "--gateway", "infra/gw2", "http://app.example.com/api"]);
    expect(one.code).toBe(1);
    expect(one.stdout.match(/^Gateway:/gm)).toHaveLength(1);
    expect(field(one.stdout, "Gateway")).toBe("infra/gw2");
  });

  it("answers usage and input errors with exit 2 and one line", async () => {
    const cases: [string[], RegExp][] = [
      [["--snapshot", snapshotFile], /exactly one request URL/],
      [["--snapshot", snapshotFile, "ftp://app.example.com/"], /bad URL/],
      [["--snapshot", snapshotFile, "-H", "no colon", "http://app.example.com/"], /bad header "no colon"/],
      [["--snapshot", join(dir, "absent.snapshot"), "http://app.example.com/"], /cannot read .*absent\.snapshot: ENOENT/],
      [["--snapshot", join(dir, "garbage.snapshot"), "http://app.example.com/"], /garbage\.snapshot: not a snapshot blob/],
      [["http://app.example.com/"], /either --snapshot/],
      [[...manifests, "--gateway", "infra/nope", "http://app.example.com/"], /no snapshot for Gateway infra\/nope/],
    ];
    for (const [args, reason] of cases) {
      const r = await edgeway(["explain", ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(r.stderr).toMatch(reason);
    }
  }, 60_000);
});
