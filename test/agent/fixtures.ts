/** Gateway API objects for the agent tests, as a user would apply them. */
import type { KubeObj } from "../support/fake-apiserver/store.ts";

export const CONTROLLER = "edgeway.dev/gateway-controller";

export function gatewayClass(name = "edgeway"): KubeObj {
  return { apiVersion: "gateway.networking.k8s.io/v1", kind: "GatewayClass", metadata: { name }, spec: { controllerName: CONTROLLER } };
}

export function namespace(name: string): KubeObj {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { "kubernetes.io/metadata.name": name } }, spec: {} };
}

export function gateway(namespace: string, name: string, hostname = "*.example.com"): KubeObj {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name, namespace },
    spec: { gatewayClassName: "edgeway", listeners: [{ name: "http", port: 80, protocol: "HTTP", hostname, allowedRoutes: { namespaces: { from: "All" } } }] },
  };
}

export function service(namespace: string, name: string, port = 8080): KubeObj {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace, annotations: { "edgeway.dev/origin": `http://127.0.0.1:${port}` } },
    spec: { ports: [{ port, protocol: "TCP" }] },
  };
}

export function httpRoute(namespace: string, name: string, gw: { namespace: string; name: string }, path: string, backend = "echo"): KubeObj {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name, namespace },
    spec: {
      parentRefs: [{ name: gw.name, namespace: gw.namespace }],
      hostnames: ["app.example.com"],
      rules: [{ matches: [{ path: { type: "PathPrefix", value: path } }], backendRefs: [{ name: backend, port: 8080 }] }],
    },
  };
}

export function secret(namespace: string, name: string): KubeObj {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace, annotations: { "kubectl.kubernetes.io/last-applied-configuration": '{"data":{"tls.key":"c2VjcmV0"}}' } },
    type: "kubernetes.io/tls",
    data: { "tls.crt": "Y2VydA==", "tls.key": "c2VjcmV0" },
  };
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns the elapsed time or throws with `what`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now() - start;
}

/** Prints a scenario's figures as a table: figure, value, how to rerun. */
export function printFigures(scenario: string, rows: [string, string | number][], rerun: string): void {
  const width = Math.max(...rows.map(([k]) => k.length), 6);
  const lines = [`\n${scenario}`, `${"figure".padEnd(width)} | value`, `${"-".repeat(width)}-|------`];
  for (const [k, v] of rows) lines.push(`${k.padEnd(width)} | ${v}`);
  lines.push(`rerun: ${rerun}`);
  console.log(lines.join("\n"));
}
