/**
 * Small builders for translator unit tests: a class of ours, a Gateway, Services with origin annotations.
 */
import type { KubeObject } from "./api.ts";
import { parseManifests } from "../source/files.ts";

export function objects(yaml: string): KubeObject[] {
  const result = parseManifests(yaml, "test.yaml");
  if (result.problems.length > 0) throw new Error(result.problems.map((p) => p.message).join("; "));
  return result.objects;
}

export const BASE = `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: edgeway, generation: 3}
spec: {controllerName: edgeway.dev/gateway-controller}
---
apiVersion: v1
kind: Namespace
metadata: {name: infra, labels: {tier: infra}}
---
apiVersion: v1
kind: Namespace
metadata: {name: apps, labels: {tier: apps}}
---
apiVersion: v1
kind: Service
metadata: {name: v1, namespace: infra, annotations: {edgeway.dev/origin: "http://v1.origin.test:8080"}}
spec: {ports: [{port: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: v2, namespace: infra, annotations: {edgeway.dev/origin: "https://v2.origin.test"}}
spec: {ports: [{port: 8080}, {port: 8081, appProtocol: kubernetes.io/h2c}]}
---
apiVersion: v1
kind: Service
metadata: {name: other, namespace: apps, annotations: {edgeway.dev/origin: "http://other.origin.test"}}
spec: {ports: [{port: 80}]}
`;

export const GATEWAY = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra, generation: 2}
spec:
  gatewayClassName: edgeway
  listeners:
  - {name: http, port: 80, protocol: HTTP}
`;

/** An HTTPRoute in infra attached to infra/gw with the given rules (YAML flow or block text, indented 2). */
export function route(rules: string, extra = ""): string {
  return `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: infra, generation: 5, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw}]
${extra}
  rules:
${rules}
`;
}

import type { Condition, ObjectStatus } from "./api.ts";

export function statusOf(statuses: ObjectStatus[], kind: string, name: string): ObjectStatus {
  const status = statuses.find((s) => s.kind === kind && s.name === name);
  if (!status) throw new Error(`no status for ${kind} ${name}`);
  return status;
}

/** "Type=Status/Reason" for each condition, the compact form assertions compare. */
export function brief(conditions: readonly Condition[]): string[] {
  return conditions.map((c) => `${c.type}=${c.status}/${c.reason}`);
}

export function parentConditions(status: ObjectStatus, i = 0): Condition[] {
  return (status.status.parents as { conditions: Condition[] }[])[i]!.conditions;
}

export function listenerStatus(status: ObjectStatus, name: string): { attachedRoutes: number; supportedKinds: unknown[]; conditions: Condition[] } {
  const listeners = status.status.listeners as { name: string; attachedRoutes: number; supportedKinds: unknown[]; conditions: Condition[] }[];
  const listener = listeners.find((l) => l.name === name);
  if (!listener) throw new Error(`no listener ${name}`);
  return listener;
}
