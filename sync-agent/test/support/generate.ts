/**
 * A realistic, deterministic cluster for benchmarks and determinism tests: N HTTPRoutes spread over namespaces and
 * hostnames, attached to one Gateway with HTTP, HTTPS and wildcard listeners, with the mix of matches, filters and
 * backends a platform team writes (weighted splits, cross-namespace backends behind ReferenceGrants, redirects,
 * rewrites, mirrors, CORS, timeouts, retries), and the Services they point at (annotated, LoadBalancer and
 * template-resolved origins).
 *
 * Same (routes, seed) -> same objects, in the same order.
 */
import type { KubeObject } from "../../src/translate/api.ts";

export interface GenerateOptions {
  routes: number;
  seed?: number;
  /** Routes per namespace (default 100). */
  routesPerNamespace?: number;
}

const GW = "gateway.networking.k8s.io/v1";
export const GENERATED_GATEWAY = "edge-system/public";
export const GENERATED_ORIGIN_TEMPLATE = "http://{service}.{namespace}.svc.{cluster}.example:{port}";

/** mulberry32: a tiny seeded PRNG, enough for reproducible shapes. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateCluster(options: GenerateOptions): KubeObject[] {
  const random = prng(options.seed ?? 1);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const perNamespace = options.routesPerNamespace ?? 100;
  const namespaceCount = Math.max(1, Math.ceil(options.routes / perNamespace));
  const namespaces = Array.from({ length: namespaceCount }, (_, i) => `team-${String(i).padStart(3, "0")}`);
  const domains = Array.from({ length: Math.max(4, Math.ceil(options.routes / 25)) }, (_, i) => `svc${i}.example.com`);

  const objects: KubeObject[] = [
    { apiVersion: GW, kind: "GatewayClass", metadata: { name: "edgeway", generation: 1 }, spec: { controllerName: "edgeway.dev/gateway-controller" } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "edge-system", labels: { role: "edge" } } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "shared", labels: { role: "shared" } } },
    { apiVersion: "v1", kind: "Secret", metadata: { name: "public-cert", namespace: "edge-system" }, type: "kubernetes.io/tls" },
    gateway(),
    ...sharedServices(),
  ];
  for (const ns of namespaces) {
    objects.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { gateway: "public", team: ns } } });
    for (let s = 0; s < 6; s++) objects.push(service(ns, `app-${s}`, s));
  }
  // One grant per team namespace lets its routes reach the shared Services (spec §8: grants live in the target ns).
  objects.push({
    apiVersion: "gateway.networking.k8s.io/v1beta1",
    kind: "ReferenceGrant",
    metadata: { name: "teams-to-shared", namespace: "shared" },
    spec: {
      from: namespaces.map((ns) => ({ group: "gateway.networking.k8s.io", kind: "HTTPRoute", namespace: ns })),
      to: [{ group: "", kind: "Service" }],
    },
  });
  for (let i = 0; i < options.routes; i++) objects.push(route(i, namespaces[i % namespaceCount]!));
  return objects;

  function gateway(): KubeObject {
    const allowed = { namespaces: { from: "Selector", selector: { matchLabels: { gateway: "public" } } } };
    return {
      apiVersion: GW,
      kind: "Gateway",
      metadata: { name: "public", namespace: "edge-system", generation: 1 },
      spec: {
        gatewayClassName: "edgeway",
        listeners: [
          { name: "http", port: 80, protocol: "HTTP", allowedRoutes: allowed },
          { name: "https", port: 443, protocol: "HTTPS", allowedRoutes: allowed, tls: { certificateRefs: [{ name: "public-cert" }] } },
          { name: "wildcard", port: 443, protocol: "HTTPS", hostname: "*.apps.example.com", allowedRoutes: allowed, tls: { certificateRefs: [{ name: "public-cert" }] } },
        ],
      },
    };
  }

  function sharedServices(): KubeObject[] {
    return ["auth", "search", "images"].map((name, i) => service("shared", name, i));
  }

  function service(namespace: string, name: string, variant: number): KubeObject {
    const ports = [{ name: "http", port: 8080 }, { name: "grpc", port: 8081, appProtocol: "kubernetes.io/h2c" }];
    // Three origin flavours (DESIGN.md "Origins"): annotation, LoadBalancer ingress, agent template.
    if (variant % 3 === 0) {
      return { apiVersion: "v1", kind: "Service", metadata: { name, namespace, annotations: { "edgeway.dev/origin": `https://${name}.${namespace}.origin.example` } }, spec: { ports } };
    }
    if (variant % 3 === 1) {
      return { apiVersion: "v1", kind: "Service", metadata: { name, namespace }, spec: { type: "LoadBalancer", ports }, status: { loadBalancer: { ingress: [{ ip: `198.51.100.${(variant * 17 + namespace.length) % 250}` }] } } };
    }
    return { apiVersion: "v1", kind: "Service", metadata: { name, namespace }, spec: { ports } };
  }

  function route(i: number, namespace: string): KubeObject {
    const domain = pick(domains);
    const hostnames = random() < 0.2 ? [`r${i}.apps.example.com`] : random() < 0.5 ? [domain, `www.${domain}`] : [domain];
    const ruleCount = 1 + int(4);
    const rules = Array.from({ length: ruleCount }, (_, r) => rule(i, r, namespace));
    const second = 1_700_000_000 + i * 7;
    return {
      apiVersion: GW,
      kind: "HTTPRoute",
      metadata: { name: `route-${i}`, namespace, generation: 1 + (i % 3), creationTimestamp: new Date(second * 1000).toISOString().replace(".000", "") },
      spec: { parentRefs: [{ name: "public", namespace: "edge-system", ...(random() < 0.3 ? { sectionName: "https" } : {}) }], hostnames, rules },
    };
  }

  function rule(i: number, r: number, namespace: string): Record<string, unknown> {
    const base = `/api/v${1 + (r % 3)}/r${i}`;
    const match: Record<string, unknown> = { path: pick([{ type: "PathPrefix", value: base }, { type: "Exact", value: `${base}/item` }, { type: "PathPrefix", value: `${base}/` }]) };
    if (random() < 0.2) match.headers = [{ name: "X-Version", value: String(1 + int(3)) }];
    if (random() < 0.1) match.queryParams = [{ name: "tenant", value: `t${int(50)}` }];
    if (random() < 0.15) match.method = pick(["GET", "POST", "PUT"]);
    if (random() < 0.05) match.path = { type: "RegularExpression", value: `/items/[0-9]+/r${i}` };
    const out: Record<string, unknown> = { matches: random() < 0.2 ? [match, { path: { type: "PathPrefix", value: `/alt/r${i}/${r}` } }] : [match] };
    if (random() < 0.3) out.name = `rule-${r}`;
    const kind = random();
    if (kind < 0.05) {
      out.filters = [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }];
      return out;
    }
    const filters: Record<string, unknown>[] = [];
    if (random() < 0.3) filters.push({ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "X-Route", value: `r${i}` }], add: [{ name: "X-Env", value: "prod" }], remove: ["X-Debug"] } });
    if (random() < 0.15) filters.push({ type: "ResponseHeaderModifier", responseHeaderModifier: { set: [{ name: "Cache-Control", value: "no-store" }] } });
    if (random() < 0.1 && (match.path as { type: string }).type === "PathPrefix" && out.matches instanceof Array && out.matches.length === 1) {
      filters.push({ type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/" } } });
    }
    if (random() < 0.05) filters.push({ type: "RequestMirror", requestMirror: { backendRef: { name: "app-1", port: 8080 }, percent: 10 } });
    if (random() < 0.05) filters.push({ type: "CORS", cors: { allowOrigins: [`https://${pick(domains)}`], allowMethods: ["GET", "POST"], maxAge: 600 } });
    if (filters.length) out.filters = filters;
    out.backendRefs = backends(namespace);
    if (random() < 0.2) out.timeouts = { request: "10s", backendRequest: "3s" };
    if (random() < 0.1) out.retry = { codes: [502, 503], attempts: 2, backoff: "100ms" };
    return out;
  }

  function backends(namespace: string): Record<string, unknown>[] {
    const n = random() < 0.7 ? 1 : random() < 0.8 ? 2 : 3;
    return Array.from({ length: n }, (_, b) => {
      const ref: Record<string, unknown> = random() < 0.1
        ? { name: pick(["auth", "search", "images"]), namespace: "shared", port: 8080 }
        : { name: `app-${int(6)}`, port: random() < 0.1 ? 8081 : 8080 };
      if (n > 1) ref.weight = b === 0 ? 90 : 10;
      return ref;
    });
  }
}
