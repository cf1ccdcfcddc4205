/**
 * The memos (translate/memo.ts, compile/memo.ts) change how much work a recompile does, never its result: after every
 * edit of a random sequence, translate+compile with the memos gives the statuses, warnings and snapshot bytes of a
 * translate+compile from scratch. And they do save the work they claim to: one route edited is one route translated
 * and compiled; any other object edited is everything translated again.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KubeObject, TranslateOptions } from "../translate/api.ts";
import { translate, TranslateMemo } from "../translate/index.ts";
import { GENERATED_ORIGIN_TEMPLATE, generateCluster } from "../../test/support/generate.ts";
import { CompileMemo, compileSnapshots, InvalidIRError } from "./index.ts";

const OPTIONS: TranslateOptions = { originTemplate: GENERATED_ORIGIN_TEMPLATE, clusterName: "memo", now: "2026-01-01T00:00:00Z" };
const ROUTES = 40;

type Spec = Record<string, any>;

/** A copy with a changed spec (and metadata), as an API server would hand back: never the same object edited. */
function replaced(object: KubeObject, edit: (spec: Spec, metadata: Spec) => void): KubeObject {
  const spec = structuredClone(object.spec ?? {}) as Spec;
  const metadata = structuredClone(object.metadata) as Spec;
  edit(spec, metadata);
  metadata.generation = (Number(metadata.generation) || 1) + 1;
  metadata.resourceVersion = String(Number(metadata.resourceVersion ?? 0) + 1);
  return { ...object, metadata: metadata as KubeObject["metadata"], spec };
}

const EDITS: Record<string, (objects: KubeObject[], pick: number) => void> = {
  routePath(objects, pick) {
    const at = indexOfKind(objects, "HTTPRoute", pick);
    objects[at] = replaced(objects[at]!, (spec) => {
      const match = spec.rules?.[0]?.matches?.[0];
      if (match) match.path = { type: "PathPrefix", value: `/edited/${pick}` };
    });
  },
  routeHostname(objects, pick) {
    const at = indexOfKind(objects, "HTTPRoute", pick);
    objects[at] = replaced(objects[at]!, (spec) => {
      spec.hostnames = pick % 3 === 0 ? ["bad_host!"] : [`edited${pick}.apps.example.com`];
    });
  },
  routeBackend(objects, pick) {
    const at = indexOfKind(objects, "HTTPRoute", pick);
    objects[at] = replaced(objects[at]!, (spec) => {
      spec.rules[0].backendRefs = [{ name: pick % 2 ? "app-1" : "missing", port: 8080, weight: 1 + (pick % 5) }];
    });
  },
  routeDeleted(objects, pick) {
    objects.splice(indexOfKind(objects, "HTTPRoute", pick), 1);
  },
  routeAdded(objects, pick) {
    const template = objects[indexOfKind(objects, "HTTPRoute", pick)]!;
    objects.push(replaced(template, (_spec, metadata) => void (metadata.name = `added-${pick}-${objects.length}`)));
  },
  routeOrderChanged(objects, pick) {
    // Same objects, another order: the informer caches promise no order, and the result must not depend on it.
    const at = indexOfKind(objects, "HTTPRoute", pick);
    objects.push(...objects.splice(at, 1));
  },
  serviceEdited(objects, pick) {
    const at = indexOfKind(objects, "Service", pick);
    objects[at] = replaced(objects[at]!, (spec, metadata) => {
      spec.ports = [{ name: "http", port: 9090 }];
      metadata.annotations = { "edgeway.dev/origin": `https://edited-${pick}.origin.example` };
    });
  },
  namespaceRelabelled(objects, pick) {
    const at = indexOfKind(objects, "Namespace", pick);
    objects[at] = replaced(objects[at]!, (_spec, metadata) => {
      metadata.labels = pick % 2 ? {} : { gateway: "public" };
    });
  },
  listenerEdited(objects, pick) {
    const at = indexOfKind(objects, "Gateway", 0);
    objects[at] = replaced(objects[at]!, (spec) => {
      spec.listeners[2].hostname = pick % 2 ? "*.example.com" : "*.apps.example.com";
    });
  },
  certificateToggled(objects) {
    // The listeners' certificate Secret deleted (the HTTPS listeners stop being programmed) or put back.
    const at = objects.findIndex((o) => o.kind === "Secret" && o.metadata.name === "public-cert");
    if (at >= 0) objects.splice(at, 1);
    else objects.push({ apiVersion: "v1", kind: "Secret", metadata: { name: "public-cert", namespace: "edge-system" }, type: "kubernetes.io/tls" });
  },
  secretAdded(objects, pick) {
    objects.push({ apiVersion: "v1", kind: "Secret", metadata: { name: `s${pick}-${objects.length}`, namespace: objects[indexOfKind(objects, "HTTPRoute", pick)]!.metadata.namespace }, type: "Opaque" });
  },
  grantNarrowed(objects, pick) {
    const at = indexOfKind(objects, "ReferenceGrant", 0);
    objects[at] = replaced(objects[at]!, (spec) => {
      spec.from = spec.from.filter((_: unknown, i: number) => i % 2 === pick % 2);
    });
  },
};

/**
 * The routes that read objects of `namespace`, counted from the manifests: the routes in it (their Namespace's
 * labels, their own Services) and those with a backendRef or mirror naming it.
 */
function routesReading(objects: KubeObject[], namespace: string): number {
  return objects.filter(
    (o) => o.kind === "HTTPRoute" && (o.metadata.namespace === namespace || JSON.stringify((o.spec as Spec).rules).includes(`"namespace":"${namespace}"`)),
  ).length;
}

function indexOfKind(objects: KubeObject[], kind: string, pick: number): number {
  const at = objects.flatMap((o, i) => (o.kind === kind ? [i] : []));
  return at[pick % at.length]!;
}

async function fromScratch(objects: KubeObject[], options: TranslateOptions) {
  const result = translate(objects, options);
  return { statuses: result.statuses, warnings: result.warnings, snapshots: await compileSnapshots(result.ir) };
}

function newPipeline() {
  const translateMemo = new TranslateMemo();
  const compileMemo = new CompileMemo();
  return {
    translateMemo,
    compileMemo,
    async run(objects: KubeObject[], options: TranslateOptions) {
      const result = translate(objects, options, translateMemo);
      return { statuses: result.statuses, warnings: result.warnings, snapshots: await compileSnapshots(result.ir, compileMemo) };
    },
  };
}

function summary(run: Awaited<ReturnType<typeof fromScratch>>) {
  return {
    statuses: run.statuses,
    warnings: run.warnings,
    snapshots: run.snapshots.map((s) => ({ gateway: s.gateway, sha256: s.sha256, bytes: s.bytes.byteLength })),
  };
}

describe("translate and compile memos", () => {
  it("give the result of a compile from scratch after every edit of random sequences", async () => {
    const names = Object.keys(EDITS);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...names), fc.nat(1_000)), { minLength: 1, maxLength: 8 }), fc.boolean(), async (edits, uids) => {
        // With uids, objects the API server would report unchanged are compared by uid and generation; without, by identity.
        const objects = generateCluster({ routes: ROUTES, seed: 7 }).map((o, i) => (uids ? { ...o, metadata: { ...o.metadata, uid: `uid-${i}` } } : o));
        const pipeline = newPipeline();
        await pipeline.run(objects, OPTIONS);
        for (const [name, pick] of edits) {
          EDITS[name]!(objects, pick);
          const options = pick % 7 === 0 ? { ...OPTIONS, clusterName: `memo-${pick}` } : OPTIONS;
          expect(summary(await pipeline.run(objects, options)), `after ${name}(${pick})`).toEqual(summary(await fromScratch(objects, options)));
        }
      }),
      { seed: 20261201, numRuns: 25 },
    );
  });

  it("translate and compile only the route that changed", async () => {
    const objects = generateCluster({ routes: ROUTES, seed: 7 });
    const pipeline = newPipeline();
    await pipeline.run(objects, OPTIONS);
    expect(pipeline.translateMemo.last).toEqual({ reused: 0, translated: ROUTES });

    await pipeline.run(objects, { ...OPTIONS, now: "2026-02-02T00:00:00Z" });
    expect(pipeline.translateMemo.last).toEqual({ reused: ROUTES, translated: 0 });
    expect(pipeline.compileMemo.last.compiled).toBe(0);

    EDITS.routePath!(objects, 5);
    const edited = await pipeline.run(objects, OPTIONS);
    expect(pipeline.translateMemo.last).toEqual({ reused: ROUTES - 1, translated: 1 });
    expect(pipeline.compileMemo.last).toEqual({ reused: pipeline.compileMemo.last.reused, compiled: 1 });
    expect(pipeline.compileMemo.last.reused).toBeGreaterThan(0);
    expect(summary(edited)).toEqual(summary(await fromScratch(objects, OPTIONS)));
  });

  it("translate again the routes that read from a namespace where a Service, grant or Namespace changed", async () => {
    const objects = generateCluster({ routes: ROUTES, seed: 7 });
    const pipeline = newPipeline();
    await pipeline.run(objects, OPTIONS);
    const expectTranslated = (count: number) => expect(pipeline.translateMemo.last).toEqual({ reused: ROUTES - count, translated: count });

    // A shared Service: the routes with a backendRef or mirror into "shared" (behind the grant), no others.
    const sharedReaders = routesReading(objects, "shared");
    expect(sharedReaders).toBeGreaterThan(0);
    expect(sharedReaders).toBeLessThan(ROUTES);
    EDITS.serviceEdited!(objects, 1);
    await pipeline.run(objects, OPTIONS);
    expectTranslated(sharedReaders);

    // A team namespace relabelled (its routes' allowedRoutes verdict) and a Service in it.
    const team = objects.find((o) => o.kind === "HTTPRoute")!.metadata.namespace!;
    const teamReaders = routesReading(objects, team);
    expect(teamReaders).toBeGreaterThan(0);
    const at = objects.findIndex((o) => o.kind === "Namespace" && o.metadata.name === team);
    objects[at] = { ...objects[at]!, metadata: { ...objects[at]!.metadata, labels: { team } } };
    await pipeline.run(objects, OPTIONS);
    expectTranslated(teamReaders);
    const service = objects.findIndex((o) => o.kind === "Service" && o.metadata.namespace === team);
    objects[service] = { ...objects[service]!, metadata: { ...objects[service]!.metadata, annotations: { "edgeway.dev/origin": "https://moved.example" } } };
    await pipeline.run(objects, OPTIONS);
    expectTranslated(teamReaders);

    // A Secret no Gateway reads changes nothing; the Gateway's certificate, a Gateway or the options change everything.
    objects.push({ apiVersion: "v1", kind: "Secret", metadata: { name: "unrelated", namespace: team }, type: "Opaque" });
    await pipeline.run(objects, OPTIONS);
    expectTranslated(0);
    const certificate = objects.findIndex((o) => o.kind === "Secret" && o.metadata.name === "public-cert");
    objects[certificate] = { ...objects[certificate]!, metadata: { ...objects[certificate]!.metadata, labels: { rotated: "1" } } };
    await pipeline.run(objects, OPTIONS);
    expectTranslated(ROUTES);
    EDITS.listenerEdited!(objects, 1);
    await pipeline.run(objects, OPTIONS);
    expectTranslated(ROUTES);
    await pipeline.run(objects, { ...OPTIONS, originTemplate: "http://{service}.{namespace}:{port}" });
    expectTranslated(ROUTES);
  });

  it("reuse what only a status write changed, by uid and generation, for the kinds whose status the agent writes", async () => {
    const objects: KubeObject[] = generateCluster({ routes: ROUTES, seed: 7 }).map((o, i) => ({ ...o, metadata: { ...o.metadata, uid: `uid-${i}`, resourceVersion: "1" } }));
    const pipeline = newPipeline();
    await pipeline.run(objects, OPTIONS);
    const statusWritten = (o: KubeObject): KubeObject => ({ ...o, metadata: { ...o.metadata, resourceVersion: "2" }, status: { written: true } });
    const route = indexOfKind(objects, "HTTPRoute", 3);
    const gateway = indexOfKind(objects, "Gateway", 0);
    objects[route] = statusWritten(objects[route]!);
    objects[gateway] = statusWritten(objects[gateway]!);
    await pipeline.run(objects, OPTIONS);
    expect(pipeline.translateMemo.last).toEqual({ reused: ROUTES, translated: 0 });

    // A spec change comes with a new generation: translated again.
    objects[route] = { ...objects[route]!, metadata: { ...objects[route]!.metadata, generation: 9 } };
    await pipeline.run(objects, OPTIONS);
    expect(pipeline.translateMemo.last).toEqual({ reused: ROUTES - 1, translated: 1 });

    // A Service has no such rule (its annotations are read, and change no generation): a new object is a change.
    const service = indexOfKind(objects, "Service", 0);
    objects[service] = statusWritten(objects[service]!);
    await pipeline.run(objects, OPTIONS);
    const readers = routesReading(objects, objects[service]!.metadata.namespace!);
    expect(readers).toBeGreaterThan(0);
    expect(pipeline.translateMemo.last).toEqual({ reused: ROUTES - readers, translated: readers });
  });

  it("compare objects without uid and generation by identity", async () => {
    const objects = generateCluster({ routes: ROUTES, seed: 7 }).map((o) => ({ ...o, metadata: { ...o.metadata, generation: undefined } }));
    const pipeline = newPipeline();
    await pipeline.run(objects, OPTIONS);
    const at = indexOfKind(objects, "HTTPRoute", 3);
    objects[at] = { ...objects[at]! };
    await pipeline.run(objects, OPTIONS);
    expect(pipeline.translateMemo.last).toEqual({ reused: ROUTES - 1, translated: 1 });
  });

  it("refuse an invalid IR on every compile, not only the first", async () => {
    const objects = generateCluster({ routes: ROUTES, seed: 7 });
    const ir = translate(objects, OPTIONS).ir;
    ir.routes[3]!.rules[0]!.matches = [];
    const memo = new CompileMemo();
    await expect(compileSnapshots(ir, memo)).rejects.toBeInstanceOf(InvalidIRError);
    await expect(compileSnapshots(ir, memo)).rejects.toBeInstanceOf(InvalidIRError);
  });

  it("forget nothing when a call fails half-way: the next call compares with the last one that completed", async () => {
    const objects = generateCluster({ routes: ROUTES, seed: 7 });
    const pipeline = newPipeline();
    await pipeline.run(objects, OPTIONS);
    // An object whose spec throws when read: a system error in the middle of translate(), after begin().
    const poisoned = [...objects];
    const at = indexOfKind(poisoned, "HTTPRoute", 2);
    poisoned[at] = { ...poisoned[at]!, get spec(): unknown { throw new Error("boom"); } };
    expect(() => translate(poisoned, OPTIONS, pipeline.translateMemo)).toThrow("boom");
    await pipeline.run(objects, OPTIONS);
    expect(pipeline.translateMemo.last).toEqual({ reused: ROUTES, translated: 0 });
  });
});
