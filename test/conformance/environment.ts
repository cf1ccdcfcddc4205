/**
 * What a conformance cluster provides, made local: one echo origin per backend Deployment (pod name and namespace
 * per gateway-api-semantics.md §0), Services annotated with `edgeway.dev/origin` pointing at them, the GatewayClass
 * under test, and the TLS Secrets the upstream suite generates at start-up.
 *
 * Origins are named, not addressed: each Service's origin is `http://<service>.<namespace>.origin.test` (default
 * port, so the Host an origin receives carries no port), opted in to the intended Host
 * (`edgeway.dev/origin-host-override: "true"`), and the runner's edge network (test/support/edge-network.ts) resolves
 * `<name>:80` to the echo server's loopback port — as DNS would at the edge.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../../sync-agent/src/translate/api.ts";
import { HOST_OVERRIDE_ANNOTATION } from "../../sync-agent/src/translate/origins.ts";
import { startEchoServer, type EchoServer } from "../support/echo-server.ts";
import { ORIGIN_ANNOTATION, parseManifests } from "../support/manifests.ts";
import type { ConformanceTest } from "./suite.ts";

export const GATEWAY_CLASS = "edgeway-conformance";
export const CONTROLLER_NAME = "edgeway.dev/gateway-controller";

/** Secrets the upstream suite creates (conformance/utils/suite/suite.go), not part of base-manifests.yaml. */
const GENERATED_SECRETS = [
  { namespace: "gateway-conformance-infra", name: "tls-validity-checks-certificate" },
  { namespace: "gateway-conformance-web-backend", name: "certificate" },
];

/** The conformance origins' names end in this (never a real domain: .test is reserved, RFC 2606). */
export const ORIGIN_DOMAIN = "origin.test";

export class EchoOrigins {
  private readonly servers = new Map<string, Promise<EchoServer>>();
  /** The edge network's name table: "<service>.<namespace>.origin.test:80" -> echo server port. */
  readonly hosts = new Map<string, number>();

  /** The echo origin of Deployment `app` in `namespace` (started on first use). */
  get(namespace: string, app: string): Promise<EchoServer> {
    const key = `${namespace}/${app}`;
    let server = this.servers.get(key);
    if (!server) {
      server = startEchoServer({ service: app, namespace });
      this.servers.set(key, server);
    }
    return server;
  }

  async all(): Promise<EchoServer[]> {
    return Promise.all(this.servers.values());
  }

  async reset(): Promise<void> {
    for (const server of await this.all()) server.reset();
  }

  async close(): Promise<void> {
    await Promise.all((await this.all()).map((s) => s.close()));
  }
}

/**
 * The Deployment behind a Service: its `app` selector, or for selector-less Services the Deployment whose pod IPs
 * the test writes into their EndpointSlices (HTTPRouteServiceTypes `setup`), else the Service's own name.
 */
export function backingDeployment(service: KubeObject, test: ConformanceTest): string {
  const selector = (service.spec as { selector?: Record<string, string> } | undefined)?.selector;
  if (selector?.app) return selector.app;
  const fromSetup = /pod IPs of Deployment ([a-z0-9-]+)/.exec(test.setup ?? "")?.[1];
  return fromSetup ?? service.metadata.name;
}

/** A self-signed certificate like the suite's (SANs *, *.org, *.wildcard.org), made once with openssl if present. */
export function makeTlsSecretData(): Record<string, string> | undefined {
  const dir = mkdtempSync(join(tmpdir(), "edgeway-cert-"));
  try {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=*",
        "-addext", "subjectAltName=DNS:*,DNS:*.org,DNS:*.wildcard.org",
        "-keyout", join(dir, "key.pem"), "-out", join(dir, "crt.pem")],
      { stdio: "ignore", timeout: 20_000 },
    );
    return {
      "tls.crt": readFileSync(join(dir, "crt.pem")).toString("base64"),
      "tls.key": readFileSync(join(dir, "key.pem")).toString("base64"),
    };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function substitute(yaml: string): string {
  return yaml.replaceAll("{GATEWAY_CLASS_NAME}", GATEWAY_CLASS).replaceAll("{GATEWAY_CONTROLLER_NAME}", CONTROLLER_NAME);
}

/** Base + test manifests with placeholders substituted, the class, the generated Secrets and annotated Services. */
export async function testObjects(
  baseYaml: string,
  test: ConformanceTest,
  origins: EchoOrigins,
  tlsData: Record<string, string> | undefined,
): Promise<KubeObject[]> {
  const objects = parseManifests(substitute(baseYaml), "base-manifests.yaml");
  for (const file of test.manifests.files) {
    const yaml = test.manifests.yaml[file];
    if (yaml !== undefined) objects.push(...parseManifests(substitute(yaml), file));
  }
  objects.push({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "GatewayClass",
    metadata: { name: GATEWAY_CLASS },
    spec: { controllerName: CONTROLLER_NAME },
  });
  for (const { namespace, name } of GENERATED_SECRETS) {
    objects.push({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name, namespace },
      type: "kubernetes.io/tls",
      ...(tlsData ? { data: tlsData } : {}),
    });
  }
  for (const object of objects) {
    if (object.kind !== "Service") continue;
    const namespace = object.metadata.namespace ?? "default";
    const echo = await origins.get(namespace, backingDeployment(object, test));
    const name = `${object.metadata.name}.${namespace}.${ORIGIN_DOMAIN}`;
    origins.hosts.set(`${name}:80`, Number(new URL(echo.url).port));
    object.metadata.annotations = { ...object.metadata.annotations, [ORIGIN_ANNOTATION]: `http://${name}`, [HOST_OVERRIDE_ANNOTATION]: "true" };
  }
  return objects;
}
