/**
 * Agent to edge, in-process: Gateway API manifests -> translate() -> compileSnapshots() -> publishSnapshot() into the
 * worker's real KV binding -> the worker serves them against real echo origins. Checks that what the translator
 * writes is what the worker reads, and that the behaviours the spec defines survive the whole chain.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { compileSnapshots } from "../../sync-agent/src/compile/index.ts";
import { publishSnapshot, type KvStore } from "../../sync-agent/src/publish/publisher.ts";
import type { KubeObject } from "../../sync-agent/src/translate/api.ts";
import { translate } from "../../sync-agent/src/translate/index.ts";
import { call, seenBy, uid, type Echo } from "../../worker/test/support/drive.ts";
import { TEST_KEY } from "../../worker/test/support/snapshots.ts";
import { gatewayStatus } from "../../worker/test/support/status.ts";

const NAMESPACE = `a2e-${Date.now().toString(36)}`;
const GATEWAY = `${NAMESPACE}/edge`;

function manifests(): KubeObject[] {
  const origins = inject("origins");
  const yaml = `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: edgeway-a2e, generation: 1}
spec: {controllerName: edgeway.dev/gateway-controller}
---
apiVersion: v1
kind: Namespace
metadata: {name: ${NAMESPACE}}
---
apiVersion: v1
kind: Service
metadata: {name: infra-backend-v1, namespace: ${NAMESPACE}, annotations: {edgeway.dev/origin: "${origins.v1}"}}
spec: {ports: [{port: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: infra-backend-v2, namespace: ${NAMESPACE}, annotations: {edgeway.dev/origin: "${origins.v2}"}}
spec: {ports: [{port: 8080}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: ${NAMESPACE}, generation: 4}
spec:
  gatewayClassName: edgeway-a2e
  listeners:
  - {name: http, port: 80, protocol: HTTP}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: ${NAMESPACE}, generation: 1, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  parentRefs: [{name: edge}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /}}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{path: {type: Exact, value: /exact}}]
    backendRefs: [{name: infra-backend-v2, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /prefix/one}}]
    filters:
    - type: URLRewrite
      urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /one}}
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{name: X-Header-Set, value: set-overwrites-values}]
        add: [{name: X-Header-Add, value: add-appends-values}]
        remove: [X-Header-Remove]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /secure}}]
    filters:
    - type: RequestRedirect
      requestRedirect: {scheme: https, statusCode: 301}
  - matches: [{path: {type: PathPrefix, value: /missing}}]
    backendRefs: [{name: does-not-exist, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /timeout}}]
    timeouts: {request: 500ms}
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /retry}}]
    retry: {codes: [500], attempts: 3, backoff: 10ms}
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /v2}, headers: [{name: version, value: two}]}]
    backendRefs: [{name: infra-backend-v2, port: 8080}]
`;
  return parseAllDocuments(yaml).map((doc) => doc.toJS() as KubeObject);
}

/** The publisher's KV interface over the worker's KV binding. */
function kvStore(kv: KVNamespace): KvStore {
  return {
    get: (key) => kv.get(key, "text"),
    put: async (entries) => {
      for (const { key, value } of entries) await kv.put(key, value);
    },
    delete: async (keys) => {
      for (const key of keys) await kv.delete(key);
    },
    list: async (prefix) => (await kv.list({ prefix })).keys.map((k) => k.name),
  };
}

const get = (path: string, init?: RequestInit) => call(`http://edge.example${path}`, { redirect: "manual", ...init }, { gateway: GATEWAY });
const pod = async (res: Response) => /^infra-backend-(v\d)-/.exec(((await res.json()) as Echo).pod)?.[1];

beforeAll(async () => {
  const { ir } = translate(manifests());
  const compiled = (await compileSnapshots(ir)).find((c) => c.gateway === GATEWAY);
  if (!compiled) throw new Error(`translator produced no snapshot for ${GATEWAY}`);
  await publishSnapshot(kvStore(env.EDGEWAY_KV), compiled, { secret: TEST_KEY, epoch: 1, counter: 1 });
});

describe("agent to edge", () => {
  it("serves the translated routes with the spec's precedence", async () => {
    expect(await pod(await get("/anything"))).toBe("v1");
    expect(await pod(await get("/exact"))).toBe("v2");
    expect(await pod(await get("/exact/not"))).toBe("v1");
    expect(await pod(await get("/v2/x", { headers: { version: "two" } }))).toBe("v2");
    expect(await pod(await get("/v2/x"))).toBe("v1");
  });

  it("applies rewrite and header filters as translated", async () => {
    const echo = (await (await get("/prefix/one/two?q=1", { headers: { "x-header-add": "some-other-value", "x-header-remove": "x" } })).json()) as Echo;
    expect(echo.path).toBe("/one/two?q=1");
    expect(echo.headers["X-Header-Set"]).toEqual(["set-overwrites-values"]);
    expect(echo.headers["X-Header-Add"]).toEqual(["some-other-value,add-appends-values"]);
    expect(echo.headers["X-Header-Remove"]).toBeUndefined();
  });

  it("redirects, answers an unresolved backend with 500, and honours timeouts and retries", async () => {
    const redirect = await get("/secure/page");
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get("location")).toBe("https://edge.example/secure/page");
    expect((await get("/missing")).status).toBe(500);
    expect((await get("/timeout?delay=1s")).status).toBe(504);
    expect((await get("/timeout")).status).toBe(200);
    const id = uid();
    expect((await get(`/retry/x?uuid=${id}&succeedAfter=2&responseCode=500`)).status).toBe(200);
    expect(await seenBy("v1", id)).toHaveLength(3);
  });

  it("acknowledges the Gateway generation the snapshot was compiled from", async () => {
    const status = await gatewayStatus(GATEWAY);
    expect(status.served).toMatchObject({ epoch: 1, counter: 1, gatewayGeneration: 4 });
  });
});
