/**
 * The manifests in deploy/ against what the agent actually does: RBAC grants exactly the reads, status writes and
 * Lease verbs the code uses (least privilege both ways), the Deployment runs two hardened replicas with probes on the
 * ops endpoint, and the CRD is structural (no $ref, which the apiserver refuses).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { WATCHED_RESOURCES } from "../../sync-agent/src/kube/resources.ts";

type Doc = { kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };

function load(file: string): Doc[] {
  return parseAllDocuments(readFileSync(new URL(`../../deploy/${file}`, import.meta.url), "utf8")).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as Doc;
  });
}

describe("deploy/", () => {
  const rbac = load("rbac.yaml");
  const clusterRole = rbac.find((d) => d.kind === "ClusterRole")!;
  const role = rbac.find((d) => d.kind === "Role")!;
  const grants = (rules: Rule[]) => new Set(rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}|${res}|${v}`)))));

  it("grants get/list/watch on every watched kind, status writes on our kinds, and nothing else", () => {
    const expected = new Set<string>();
    for (const r of WATCHED_RESOURCES) for (const v of ["get", "list", "watch"]) expected.add(`${r.group}|${r.plural}|${v}`);
    for (const plural of ["gatewayclasses", "gateways", "httproutes"]) for (const v of ["update", "patch"]) expected.add(`gateway.networking.k8s.io|${plural}/status|${v}`);
    expect(grants(clusterRole.rules as Rule[])).toEqual(expected);
    expect(grants(role.rules as Rule[])).toEqual(new Set(["coordination.k8s.io|leases|get", "coordination.k8s.io|leases|create", "coordination.k8s.io|leases|update"]));
    expect(role.metadata.namespace).toBe("edgeway-system");
  });

  it("runs two non-root replicas with a read-only root, probes on the ops port and the credentials from a Secret", () => {
    const [deployment] = load("deployment.yaml") as [Doc & { spec: any }];
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(deployment.spec.replicas).toBe(2);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(container.livenessProbe.httpGet.path).toBe("/healthz");
    expect(container.readinessProbe.httpGet.path).toBe("/readyz");
    expect(pod.volumes.find((v: any) => v.name === "credentials").secret.secretName).toBe("edgeway-agent");
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value]));
    expect(env.EDGEWAY_CLOUDFLARE_API_TOKEN_FILE).toMatch(/^\/var\/run\/secrets\/edgeway\//);
    expect(env.EDGEWAY_SNAPSHOT_KEY_FILE).toMatch(/^\/var\/run\/secrets\/edgeway\//);
    expect(pod.serviceAccountName).toBe("edgeway-agent");
  });

  it("declares the edgeway GatewayClass and a structural policy CRD", () => {
    const [gc] = load("gatewayclass.yaml") as [Doc & { spec: { controllerName: string } }];
    expect(gc.spec.controllerName).toBe("edgeway.dev/gateway-controller");
    const text = readFileSync(new URL("../../deploy/crds/edgeway.dev_backendtrafficpolicies.yaml", import.meta.url), "utf8");
    expect(text).not.toContain("$ref");
    const [crd] = load("crds/edgeway.dev_backendtrafficpolicies.yaml") as [Doc & { spec: any }];
    const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec;
    expect(crd.spec.group).toBe("edgeway.dev");
    expect(spec.required).toEqual(["targetRefs"]);
    expect(Object.keys(spec.properties)).toEqual(["targetRefs", "default", "override"]);
    // default and override share one shape (GEP-713); only their descriptions differ.
    expect({ ...spec.properties.default, description: "" }).toEqual({ ...spec.properties.override, description: "" });
  });

  it("lists every manifest in the kustomization", () => {
    const [k] = load("kustomization.yaml") as [Doc & { resources: string[] }];
    for (const file of k.resources) expect(() => load(file)).not.toThrow();
    expect(k.resources).not.toContain("secret.example.yaml");
  });
});
