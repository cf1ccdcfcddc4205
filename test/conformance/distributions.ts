/**
 * The statistical checks some tests add after their first case passes: weighted split (HTTPRouteWeight), sampled
 * mirrors (HTTPRouteRequestPercentageMirror) and per-backend filters (HTTPRouteRequestHeaderModifierBackendWeights).
 */
import { randomInt, randomUUID } from "node:crypto";
import type { EchoResponse } from "../support/echo-server.ts";
import { connectWebSocket } from "../support/websocket.ts";
import { sleep } from "../support/wrangler-dev.ts";
import { compareResponse, prepareRequest, type TrafficContext } from "./traffic.ts";
import type { ConformanceCase, ConformanceTest } from "./suite.ts";

/** Runs `total` tasks with `concurrency` workers. */
async function pool(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await task(next++);
    }),
  );
}

/** Deployment of a pod name: the name minus its last two dash-separated segments (upstream weight.go). */
function deploymentOf(pod: string): string {
  return pod.split("-").slice(0, -2).join("-");
}

export async function checkWeights(ctx: TrafficContext, test: ConformanceTest, c: ConformanceCase): Promise<string[]> {
  const spec = test.weights!;
  let last: string[] = [];
  // The upstream test may retry the whole run; three tries keep the runner bounded.
  for (let attempt = 0; attempt < Math.min(3, spec.maxRetries); attempt++) {
    const counts = new Map<string, number>();
    const problems: string[] = [];
    await pool(spec.totalRequests, spec.concurrency, async () => {
      const prepared = prepareRequest(c, ctx.defaultHost);
      // weight.AddRandomEntropy: half of the requests carry a random X-Jitter header.
      if (randomInt(2) === 1) prepared.options.headers = { ...prepared.options.headers, "X-Jitter": String(randomInt(10_000)) };
      const res = await ctx.send(prepared.options);
      const p = compareResponse(c.expected, res, prepared);
      if (p.length > 0) problems.push(p[0]!);
      const pod = (res.json as EchoResponse | undefined)?.pod;
      if (pod) counts.set(deploymentOf(pod), (counts.get(deploymentOf(pod)) ?? 0) + 1);
    });
    if (problems.length > 0) return [`${problems.length} requests failed, first: ${problems[0]}`];
    last = [];
    for (const [backend, share] of Object.entries(spec.expected)) {
      const observed = (counts.get(backend) ?? 0) / spec.totalRequests;
      if (share === 0 && observed > 0) last.push(`${backend} (weight 0) got ${counts.get(backend)} requests`);
      else if (Math.abs(observed - share) > spec.tolerance) last.push(`${backend}: ${(observed * 100).toFixed(1)} %, want ${share * 100} % ±${spec.tolerance * 100}`);
    }
    for (const backend of counts.keys()) if (!(backend in spec.expected)) last.push(`unexpected backend ${backend}`);
    if (last.length === 0) return [];
  }
  return last;
}

export async function checkMirrorPercentage(ctx: TrafficContext, test: ConformanceTest, c: ConformanceCase): Promise<string[]> {
  const spec = test.distribution!;
  const mirror = c.expected.mirroredTo?.[0] as { name: string; namespace: string; percent?: number } | undefined;
  if (!mirror?.percent) return [];
  const origin = await ctx.origins.get(mirror.namespace, mirror.name);
  const p = mirror.percent / 100;
  const expected = spec.totalRequests * p;
  const margin = spec.toleranceStdDevs * Math.sqrt(spec.totalRequests * p * (1 - p));
  let last: string[] = [];
  for (let attempt = 0; attempt < Math.min(2, spec.maxChecks); attempt++) {
    const paths = new Set<string>();
    const failures: string[] = [];
    await pool(spec.totalRequests, spec.concurrency, async () => {
      const prepared = prepareRequest(c, ctx.defaultHost);
      prepared.options.path += `${prepared.options.path.includes("?") ? "&" : "?"}gateway-api-conformance-request-id=${randomUUID()}`;
      if (prepared.expectedBackendPath) prepared.expectedBackendPath = prepared.options.path;
      paths.add(prepared.options.path);
      const res = await ctx.send(prepared.options);
      const problems = compareResponse(c.expected, res, prepared);
      if (problems.length > 0) failures.push(problems[0]!);
    });
    if (failures.length > 0) return [`${failures.length} requests failed, first: ${failures[0]}`];
    await sleep(1000); // Mirrors run after the response (waitUntil).
    const count = origin.requests.filter((r) => paths.has(r.path)).length;
    if (Math.abs(count - expected) <= margin) return [];
    last = [`mirror got ${count} of ${spec.totalRequests}, want ${expected.toFixed(0)} ± ${margin.toFixed(1)}`];
  }
  return last;
}

/** Each backendRef's own RequestHeaderModifier applies only to requests sent to that backend. */
export async function checkPerBackendFilter(ctx: TrafficContext, test: ConformanceTest, c: ConformanceCase): Promise<string[]> {
  const problems: string[] = [];
  for (let i = 0; i < test.trafficCheck!.requests; i++) {
    const prepared = prepareRequest(c, ctx.defaultHost);
    const res = await ctx.send(prepared.options);
    const echo = res.json as EchoResponse | undefined;
    const backend = echo ? Object.entries(echo.headers).find(([k]) => k.toLowerCase() === "backend")?.[1] : undefined;
    if (res.status !== 200 || !echo) problems.push(`request ${i}: status ${res.status}`);
    else if (backend?.length !== 1) problems.push(`request ${i}: Backend header ${JSON.stringify(backend)}, want exactly one`);
    else if (!echo.pod.startsWith(backend[0]!)) problems.push(`request ${i}: pod ${echo.pod} does not start with Backend ${backend[0]}`);
    if (problems.length > 0) break;
  }
  return problems;
}

/** HTTPRouteBackendProtocolWebSocket: a WebSocket through the gateway to the `/ws` echo, text then binary. */
export async function checkWebSocket(ctx: TrafficContext & { baseUrl: string }, test: ConformanceTest): Promise<string[]> {
  const spec = test.websocket!;
  const url = new URL(spec.url.replace("<gateway-address>", "gateway.invalid"));
  let ws;
  try {
    ws = await connectWebSocket(ctx.baseUrl, url.pathname, ctx.defaultHost, { Origin: spec.originHeader.replace("<test name>", test.name) });
  } catch (err) {
    return [`WebSocket: ${(err as Error).message}`];
  }
  try {
    for (const step of spec.exchange) {
      const data = step.send === "text" ? Buffer.from(step.data ?? "") : Buffer.from(step.dataBytes ?? []);
      ws.send(step.send, data);
      if (!step.expectEcho) continue;
      const echo = await ws.next(5000);
      if (!echo.data.equals(data)) return [`WebSocket ${step.send} echo ${JSON.stringify(echo.data.toString())}, want ${JSON.stringify(data.toString())}`];
    }
    return [];
  } catch (err) {
    return [`WebSocket: ${(err as Error).message}`];
  } finally {
    ws.close();
  }
}
