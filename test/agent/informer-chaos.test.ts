/**
 * Informer chaos: the real @kubernetes/client-node against the fake apiserver while faults are injected between
 * changes. Whatever happens on the wire, the caches must end up equal to the server's state, with no object missed.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jsonLogger } from "../../sync-agent/src/agent/log.ts";
import { InformerSet } from "../../sync-agent/src/kube/informers.ts";
import { Reflector } from "../../sync-agent/src/kube/reflector.ts";
import { listFunction } from "../../sync-agent/src/kube/resources.ts";
import { FakeApiServer } from "../support/fake-apiserver/server.ts";
import { kubeConfigFor } from "../support/fake-apiserver/kubeconfig.ts";
import { gateway, gatewayClass, httpRoute, namespace, printFigures, secret, service, waitFor } from "./fixtures.ts";

const REFLECTOR = { watchTimeoutSeconds: 2, watchdogMs: 600, backoff: { initialMs: 20, maxMs: 200 } };

describe("informers against the fake apiserver", () => {
  let server: FakeApiServer;
  let informers: InformerSet;
  let changes = 0;
  let apiUrl: string;

  beforeEach(async () => {
    server = new FakeApiServer();
    server.bookmarkIntervalMs = 100;
    apiUrl = await server.start();
    changes = 0;
    informers = new InformerSet(kubeConfigFor(apiUrl), () => changes++, REFLECTOR);
  });

  afterEach(async () => {
    await informers.stop();
    await server.stop();
  });

  /** Cache contents as comparable "kind ns/name@rv" strings. */
  function cacheState(): string[] {
    return informers.objects().map((o) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}@${o.metadata.resourceVersion}`).sort();
  }

  function serverState(): string[] {
    const kinds = ["GatewayClass", "Gateway", "HTTPRoute", "ReferenceGrant", "Service", "Namespace", "Secret"];
    return kinds
      .flatMap((k) => server.store.list(server.store.typeOfKind(k)).items)
      .map((o) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}@${o.metadata.resourceVersion}`)
      .sort();
  }

  it("lists, then follows watch events for every kind", async () => {
    server.apply(gatewayClass());
    server.apply(namespace("apps"));
    server.apply(gateway("apps", "edge"));
    informers.start();
    await waitFor(() => informers.hasSynced(), 5_000, "initial sync");
    expect(cacheState()).toEqual(serverState());

    server.apply(httpRoute("apps", "r1", { namespace: "apps", name: "edge" }, "/a"));
    server.apply(service("apps", "echo"));
    await waitFor(() => cacheState().join() === serverState().join(), 5_000, "watch events");
    server.remove("HTTPRoute", "apps", "r1");
    await waitFor(() => !informers.objects().some((o) => o.kind === "HTTPRoute"), 5_000, "delete event");
    expect(cacheState()).toEqual(serverState());
    expect(changes).toBeGreaterThan(0);
  });

  it("skips a malformed object and keeps following the watch", async () => {
    server.apply(namespace("apps"));
    informers.start();
    await waitFor(() => informers.hasSynced(), 5_000, "initial sync");
    server.faults.badObjectsNext = informers.reflectors.length;
    server.dropAllWatches();
    await waitFor(() => server.faults.badObjectsNext === 0, 5_000, "watches to reconnect");
    server.apply(gateway("apps", "after-bad-object"));
    await waitFor(() => informers.objects().some((o) => o.metadata.name === "after-bad-object"), 5_000, "next event");
    const bad = informers.reflectors.reduce((n, r) => n + r.stats["bad-object"], 0);
    expect(bad).toBe(informers.reflectors.length);
    expect(cacheState()).toEqual(serverState());
  });

  it("drops managedFields from cached objects", async () => {
    server.apply({ ...gateway("apps", "managed"), metadata: { name: "managed", namespace: "apps", managedFields: [{ manager: "kubectl", operation: "Apply" }] } });
    informers.start();
    await waitFor(() => informers.hasSynced(), 5_000, "initial sync");
    const gw = informers.objects().find((o) => o.metadata.name === "managed")!;
    expect(gw.metadata).not.toHaveProperty("managedFields");
    expect(gw.spec).toBeDefined();
  });

  it("says which API is missing when a kind is not served, and never reports synced", async () => {
    const lines: string[] = [];
    const kc = kubeConfigFor(apiUrl);
    const widgets = { kind: "Widget", group: "example.com", version: "v1", plural: "widgets", namespaced: true, path: "/apis/example.com/v1/widgets" };
    const reflector = new Reflector(kc, widgets, listFunction(kc, widgets), () => {}, { ...REFLECTOR, log: jsonLogger("info", (l) => lines.push(l)) });
    reflector.start();
    await waitFor(() => lines.some((l) => l.includes("are the CRDs installed")), 5_000, "a 404 hint");
    expect(reflector.hasSynced()).toBe(false);
    await reflector.stop();
  });

  it("keeps only the identity of Secrets, never their data or annotations", async () => {
    server.apply(namespace("apps"));
    server.apply(secret("apps", "tls"));
    informers.start();
    await waitFor(() => informers.hasSynced(), 5_000, "initial sync");
    server.apply({ ...secret("apps", "tls2") });
    await waitFor(() => informers.objects().filter((o) => o.kind === "Secret").length === 2, 5_000, "secret watch event");
    for (const s of informers.objects().filter((o) => o.kind === "Secret")) {
      expect(s).not.toHaveProperty("data");
      expect(s.metadata.annotations).toBeUndefined();
      expect(s.type).toBe("kubernetes.io/tls");
    }
  });

  it("converges after K injected faults: 410 Gone, dropped streams, silent watches, 5xx bursts, compaction", async () => {
    server.apply(gatewayClass());
    server.apply(namespace("apps"));
    server.apply(gateway("apps", "edge"));
    informers.start();
    await waitFor(() => informers.hasSynced(), 5_000, "initial sync");

    const faults: Record<string, number> = { gone: 0, drop: 0, silent: 0, burst5xx: 0, compact: 0, dropAll: 0 };
    const edge = { namespace: "apps", name: "edge" };
    let n = 0;
    for (let round = 0; round < 12; round++) {
      switch (round % 6) {
        case 0:
          server.faults.goneOnNextWatches += 3;
          faults.gone!++;
          break;
        case 1:
          server.faults.dropStreamAfterEvents = 2;
          faults.drop!++;
          break;
        case 2:
          server.faults.dropStreamAfterEvents = 0;
          server.faults.silentNextWatches += 2;
          server.dropAllWatches();
          faults.silent!++;
          break;
        case 3:
          server.faults.serverErrorsNext += 6;
          server.dropAllWatches();
          faults.burst5xx!++;
          break;
        case 4:
          server.store.compact();
          server.dropAllWatches();
          faults.compact!++;
          break;
        case 5:
          server.dropAllWatches();
          faults.dropAll!++;
          break;
      }
      // Changes while the fault is active: creates, updates and deletes across kinds.
      for (let i = 0; i < 5; i++, n++) {
        server.apply(httpRoute("apps", `r${n}`, edge, `/p${n}`));
        server.apply(service("apps", `svc${n}`, 9000 + (n % 50)));
      }
      if (n >= 10) server.remove("HTTPRoute", "apps", `r${n - 10}`);
      server.apply({ ...gateway("apps", "edge", `*.round${round}.example.com`) });
      await new Promise((r) => setTimeout(r, 80));
    }
    server.faults.dropStreamAfterEvents = 0;
    // Last fault: every reconnecting watch goes silent (a half-open connection); only the watchdog can recover.
    server.faults.silentNextWatches = informers.reflectors.length;
    server.dropAllWatches();
    await waitFor(() => server.faults.silentNextWatches === 0, 5_000, "watches to reconnect into silence");
    server.apply(httpRoute("apps", "after-silence", edge, "/after"));
    faults.silent!++;
    const elapsed = await waitFor(() => cacheState().join() === serverState().join(), 10_000, "caches to converge");
    const expected = serverState();
    const cached = new Set(cacheState());
    const missed = expected.filter((k) => !cached.has(k)).length;
    const stats = informers.reflectors.reduce(
      (acc, r) => ({ relist: acc.relist + r.stats.relist, gone: acc.gone + r.stats.gone, watchdog: acc.watchdog + r.stats.watchdog, error: acc.error + r.stats.error }),
      { relist: 0, gone: 0, watchdog: 0, error: 0 },
    );
    const injected = Object.values(faults).reduce((a, b) => a + b, 0);
    printFigures(
      "informer chaos",
      [
        ["faults injected (K)", `${injected} (${Object.entries(faults).map(([k, v]) => `${k} ${v}`).join(", ")})`],
        ["objects on server", expected.length],
        ["missed objects", missed],
        ["relists / 410s / watchdog restarts / errors", `${stats.relist} / ${stats.gone} / ${stats.watchdog} / ${stats.error}`],
        ["converged after last change (ms)", elapsed.toFixed(0)],
      ],
      "npx vitest run --project node test/agent/informer-chaos.test.ts",
    );
    expect(missed).toBe(0);
    expect(cacheState()).toEqual(expected);
    expect(stats.gone).toBeGreaterThan(0);
    expect(stats.watchdog).toBeGreaterThan(0);
    expect(stats.error).toBeGreaterThan(0);
  });
});
