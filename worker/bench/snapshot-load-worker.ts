/**
 * The worker side of snapshot-load-workerd.bench.ts. `PUT /?name=N` (body: the blob; headers: the gateway, the signing
 * secret and the signed pointer) keeps a published snapshot in the isolate's memory; `GET /?name=N&through=STEP&n=K`
 * runs K loads of it through STEP (snapshot-load-steps.ts) with the matcher the worker uses, and answers once they are
 * done, so the bench reads workerd's CPU time around the request.
 */
import { createMatcher } from "../src/snapshot/matcher.ts";
import { loadThrough, STEPS, type Step, type StoredSnapshot } from "./snapshot-load-steps.ts";

const stored = new Map<string, StoredSnapshot>();

export default {
  async fetch(request: Request): Promise<Response> {
    const params = new URL(request.url).searchParams;
    const name = params.get("name") ?? "";
    if (request.method === "PUT") {
      const header = (field: string) => request.headers.get(field) ?? "";
      stored.set(name, { gateway: header("x-gateway"), secret: header("x-secret"), pointer: header("x-pointer"), blob: await request.arrayBuffer() });
      return new Response("stored\n");
    }
    const snapshot = stored.get(name);
    const through = params.get("through") as Step;
    const n = Number(params.get("n") ?? 1);
    if (!snapshot || !STEPS.includes(through) || !(n >= 1)) return new Response("PUT a snapshot first; ?name=N&through=STEP&n=K", { status: 400 });
    try {
      for (let i = 0; i < n; i++) await loadThrough(snapshot, through, createMatcher);
    } catch (error) {
      return new Response(String(error), { status: 500 });
    }
    return new Response("loaded\n");
  },
};
