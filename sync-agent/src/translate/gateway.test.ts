import { describe, expect, it } from "vitest";
import { translate } from "./index.ts";
import { BASE, brief, listenerStatus, objects, statusOf } from "./test-fixtures.ts";

function gateway(listeners: string, extra = ""): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra, generation: 4}
spec:
  gatewayClassName: edgeway
${extra}
  listeners:
${listeners}
`;
}

function run(yaml: string, options = {}) {
  const result = translate(objects(BASE + yaml), options);
  return { result, gw: statusOf(result.statuses, "Gateway", "gw") };
}

describe("GatewayClass", () => {
  it("leaves classes of other controllers and their Gateways alone", () => {
    const result = translate(
      objects(`
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: other}
spec: {controllerName: example.com/other}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: foreign, namespace: infra}
spec: {gatewayClassName: other, listeners: [{name: http, port: 80, protocol: HTTP}]}
`),
    );
    expect(result.statuses).toEqual([]);
    expect(result.ir.gateways).toEqual([]);
  });
});

describe("Gateway acceptance", () => {
  it("rejects a Gateway whose listeners are all unsupported, and accepts one with some valid listeners", () => {
    expect(brief(run(gateway("  - {name: tcp, port: 9000, protocol: TCP}")).gw.status.conditions as never)).toEqual([
      "Accepted=False/ListenersNotValid",
      "Programmed=False/Invalid",
    ]);
    const mixed = run(gateway("  - {name: http, port: 80, protocol: HTTP}\n  - {name: udp, port: 53, protocol: UDP}"));
    expect(brief(mixed.gw.status.conditions as never)[0]).toBe("Accepted=True/ListenersNotValid");
    expect(brief(listenerStatus(mixed.gw, "udp").conditions)[0]).toBe("Accepted=False/UnsupportedProtocol");
    expect(listenerStatus(mixed.gw, "udp").supportedKinds).toEqual([]);
    expect(mixed.result.ir.gateways[0]!.listeners.map((l) => l.name)).toEqual(["http"]);
  });

  it("rejects infrastructure.parametersRef with InvalidParameters and compiles no snapshot", () => {
    const { result, gw } = run(gateway("  - {name: http, port: 80, protocol: HTTP}", "  infrastructure: {parametersRef: {group: x.io, kind: P, name: p}}"));
    expect(brief(gw.status.conditions as never)[0]).toBe("Accepted=False/InvalidParameters");
    expect(brief(listenerStatus(gw, "http").conditions)).toContain("Programmed=False/Invalid");
    expect(result.ir.gateways).toEqual([]);
  });

  it("publishes configured addresses, per Gateway or for all", () => {
    const specific = run(gateway("  - {name: http, port: 80, protocol: HTTP}"), { gatewayAddresses: { "infra/gw": ["edge.example.net"], "*": ["x.example"] } });
    expect(specific.gw.status.addresses).toEqual([{ type: "Hostname", value: "edge.example.net" }]);
    const all = run(gateway("  - {name: http, port: 80, protocol: HTTP}"), { gatewayAddresses: { "*": ["203.0.113.7"] } });
    expect(all.gw.status.addresses).toEqual([{ type: "IPAddress", value: "203.0.113.7" }]);
  });

  it("rejects a Gateway whose name could not exist in a cluster, instead of compiling an invalid snapshot", () => {
    const long = "g".repeat(254);
    const result = translate(objects(BASE + gateway("  - {name: http, port: 80, protocol: HTTP}").replace("name: gw,", `name: ${long},`)));
    expect(brief(statusOf(result.statuses, "Gateway", long).status.conditions as never)[0]).toBe("Accepted=False/Invalid");
    expect(result.ir.gateways).toEqual([]);
  });

  it("stamps every condition with the Gateway's generation", () => {
    const { gw } = run(gateway("  - {name: http, port: 80, protocol: HTTP}"));
    const all = [...(gw.status.conditions as { observedGeneration: number }[]), ...listenerStatus(gw, "http").conditions];
    expect(new Set(all.map((c) => c.observedGeneration))).toEqual(new Set([4]));
  });
});

describe("listeners", () => {
  it("marks every listener of a hostname conflict and of a protocol conflict, whatever their order", () => {
    const { gw, result } = run(
      gateway(`  - {name: a, port: 80, protocol: HTTP, hostname: x.example.com}
  - {name: b, port: 80, protocol: HTTP, hostname: x.example.com}
  - {name: c, port: 80, protocol: HTTP}
  - {name: plain, port: 8443, protocol: HTTP}
  - {name: secure, port: 8443, protocol: HTTPS, tls: {certificateRefs: [{name: cert}]}}`),
    );
    const conflicted = (name: string) => brief(listenerStatus(gw, name).conditions).find((c) => c.startsWith("Conflicted"));
    expect(conflicted("a")).toBe("Conflicted=True/HostnameConflict");
    expect(conflicted("b")).toBe("Conflicted=True/HostnameConflict");
    expect(conflicted("c")).toBe("Conflicted=False/NoConflicts");
    expect(conflicted("plain")).toBe("Conflicted=True/ProtocolConflict");
    expect(conflicted("secure")).toBe("Conflicted=True/ProtocolConflict");
    expect(result.ir.gateways[0]!.listeners.map((l) => l.name)).toEqual(["c"]);
  });

  it("rejects a repeated listener name and keeps the first", () => {
    const { gw, result } = run(gateway("  - {name: web, port: 80, protocol: HTTP}\n  - {name: web, port: 8080, protocol: HTTP}"));
    const [first, second] = gw.status.listeners as { conditions: never }[];
    expect(brief(first!.conditions)[0]).toBe("Accepted=True/Accepted");
    expect(brief(second!.conditions)[0]).toBe("Accepted=False/UnsupportedValue");
    expect(result.ir.gateways[0]!.listeners.map((l) => l.port)).toEqual([80]);
  });

  it("rejects invalid hostnames and ports", () => {
    const { gw } = run(gateway("  - {name: ip, port: 80, protocol: HTTP, hostname: 10.1.1.1}\n  - {name: port, port: 70000, protocol: HTTP}"));
    expect(brief(listenerStatus(gw, "ip").conditions)[0]).toBe("Accepted=False/UnsupportedValue");
    expect(brief(listenerStatus(gw, "port").conditions)[0]).toBe("Accepted=False/UnsupportedValue");
  });

  it("reports invalid route kinds and keeps the valid ones in supportedKinds", () => {
    const { gw } = run(gateway("  - {name: http, port: 80, protocol: HTTP, allowedRoutes: {kinds: [{kind: HTTPRoute}, {kind: TCPRoute}]}}"));
    const listener = listenerStatus(gw, "http");
    expect(listener.supportedKinds).toEqual([{ group: "gateway.networking.k8s.io", kind: "HTTPRoute" }]);
    expect(brief(listener.conditions)).toContain("ResolvedRefs=False/InvalidRouteKinds");
    expect(brief(listener.conditions)).toContain("Programmed=True/Programmed");
  });

  describe("HTTPS certificateRefs", () => {
    const https = (ref: string) => gateway(`  - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [${ref}]}}`);
    const pem = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64");
    const key = Buffer.from("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n").toString("base64");
    const secret = (ns: string, name: string, data = `{tls.crt: ${pem}, tls.key: ${key}}`) =>
      `---\napiVersion: v1\nkind: Secret\nmetadata: {name: ${name}, namespace: ${ns}}\ntype: kubernetes.io/tls\ndata: ${data}\n`;
    const grant = (toName = "") => `---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: g, namespace: apps}
spec:
  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: infra}]
  to: [{group: "", kind: Secret${toName ? `, name: ${toName}` : ""}}]
`;
    const verdict = (yaml: string) => brief(listenerStatus(run(yaml).gw, "https").conditions).filter((c) => /^(ResolvedRefs|Programmed)/.test(c));

    it("resolves a Secret in the Gateway's namespace", () => {
      expect(verdict(https("{name: cert}") + secret("infra", "cert"))).toEqual(["Programmed=True/Programmed", "ResolvedRefs=True/ResolvedRefs"]);
    });
    it("rejects a missing, malformed or non-Secret reference with InvalidCertificateRef", () => {
      expect(verdict(https("{name: nope}"))).toEqual(["Programmed=False/Invalid", "ResolvedRefs=False/InvalidCertificateRef"]);
      expect(verdict(https("{name: cert}") + secret("infra", "cert", "{tls.crt: SGVsbG8K, tls.key: SGVsbG8K}"))[1]).toBe("ResolvedRefs=False/InvalidCertificateRef");
      expect(verdict(https("{group: x.io, kind: Secret, name: cert}") + secret("infra", "cert"))[1]).toBe("ResolvedRefs=False/InvalidCertificateRef");
    });
    it("needs a ReferenceGrant for a Secret in another namespace (named or the whole kind)", () => {
      expect(verdict(https("{name: cert, namespace: apps}") + secret("apps", "cert"))[1]).toBe("ResolvedRefs=False/RefNotPermitted");
      expect(verdict(https("{name: cert, namespace: apps}") + secret("apps", "cert") + grant())[1]).toBe("ResolvedRefs=True/ResolvedRefs");
      expect(verdict(https("{name: cert, namespace: apps}") + secret("apps", "cert") + grant("cert"))[1]).toBe("ResolvedRefs=True/ResolvedRefs");
      expect(verdict(https("{name: cert, namespace: apps}") + secret("apps", "cert") + grant("other"))[1]).toBe("ResolvedRefs=False/RefNotPermitted");
    });
  });
});
