/**
 * Origin resolution (DESIGN.md "Origins"): where the edge sends a Service's traffic. In order:
 *   1. the Service annotation `edgeway.dev/origin` (absolute http(s)://host[:port] base, used as is);
 *   2. a LoadBalancer Service's `status.loadBalancer.ingress[0]` ip/hostname + the Service port;
 *   3. the agent-level origin template ({service} {namespace} {port} {cluster}).
 * None of these: the backend cannot be reached from the edge (ResolvedRefs=False/BackendNotFound).
 *
 * Whichever way the origin is found, the Service annotation `edgeway.dev/origin-host-override: "true"` opts it in to
 * receiving the intended Host (the snapshot target's `hostOverride`; docs/worker.md "Host at the origin"). Only
 * "true" and "false" are accepted: any other value makes the backend invalid (BackendNotFound, naming the annotation)
 * rather than silently sending a Host the owner did not ask for, or not sending one they did.
 */
import type { KubeObject } from "./api.ts";
import { obj, objList, str } from "../k8s/fields.ts";

export const ORIGIN_ANNOTATION = "edgeway.dev/origin";

export const HOST_OVERRIDE_ANNOTATION = "edgeway.dev/origin-host-override";

export type OriginResult = { ok: true; origin: string; hostOverride: boolean } | { ok: false; message: string };

export interface OriginContext {
  originTemplate: string | undefined;
  clusterName: string;
}

export function resolveOrigin(service: KubeObject, namespace: string, port: number, appProtocol: string, ctx: OriginContext): OriginResult {
  const found = findOrigin(service, namespace, port, appProtocol, ctx);
  if (!found.ok) return found;
  const override = service.metadata.annotations?.[HOST_OVERRIDE_ANNOTATION];
  if (override === undefined || override === "false") return { ok: true, origin: found.origin, hostOverride: false };
  if (override === "true") return { ok: true, origin: found.origin, hostOverride: true };
  return {
    ok: false,
    message: `annotation ${HOST_OVERRIDE_ANNOTATION} "${String(override)}" on Service ${namespace}/${service.metadata.name} must be "true" or "false"`,
  };
}

type FoundOrigin = { ok: true; origin: string } | { ok: false; message: string };

function findOrigin(service: KubeObject, namespace: string, port: number, appProtocol: string, ctx: OriginContext): FoundOrigin {
  const name = service.metadata.name;
  const annotation = service.metadata.annotations?.[ORIGIN_ANNOTATION];
  if (typeof annotation === "string") {
    const origin = originBase(annotation);
    return origin === undefined
      ? { ok: false, message: `annotation ${ORIGIN_ANNOTATION} "${annotation}" on Service ${namespace}/${name} is not an absolute http(s)://host[:port] URL` }
      : { ok: true, origin };
  }
  const spec = obj(service.spec);
  if (str(spec.type) === "LoadBalancer") {
    const ingress = objList(obj(obj(service.status).loadBalancer).ingress)[0];
    const host = ingress ? (str(ingress.ip) ?? str(ingress.hostname)) : undefined;
    if (host) {
      const scheme = appProtocol === "https" || port === 443 ? "https" : "http";
      const origin = originBase(`${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`);
      if (origin !== undefined) return { ok: true, origin };
    }
  }
  if (ctx.originTemplate !== undefined) {
    const text = ctx.originTemplate
      .replaceAll("{service}", name)
      .replaceAll("{namespace}", namespace)
      .replaceAll("{port}", String(port))
      .replaceAll("{cluster}", ctx.clusterName);
    const origin = originBase(text);
    return origin === undefined
      ? { ok: false, message: `origin template gives "${text}" for Service ${namespace}/${name}, which is not an absolute http(s)://host[:port] URL` }
      : { ok: true, origin };
  }
  return {
    ok: false,
    message:
      `no origin the edge can reach for Service ${namespace}/${name} port ${port}: set the ${ORIGIN_ANNOTATION} annotation, ` +
      `make it a LoadBalancer Service with an ingress address, or run the agent with --origin-template`,
  };
}

/** Normalizes an absolute http(s) origin with no path (other than "/"), query, fragment or credentials. */
export function originBase(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== "/" && url.pathname !== "")) return undefined;
  if (text.includes("?") || text.includes("#")) return undefined;
  return url.origin;
}
