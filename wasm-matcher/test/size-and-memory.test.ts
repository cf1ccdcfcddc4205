/**
 * Budgets that must hold for the worker: the .wasm stays small, the table stays compact, memory does not grow across
 * snapshot swaps or matches, and a table this build cannot read is refused instead of half-loaded.
 */
import { statSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { expect, it } from "vitest";
import { MATCHER_WASM_PATH, loadMatcherModule } from "../src/load-node.ts";
import { compileRouteTable } from "../src/table.ts";
import { H, HASH_SLOT_WORDS } from "../src/table-format.ts";
import { createWasmMatcher } from "../src/wasm.ts";
import { exact, listener, match, prefix, request, route, rule, snapshot } from "./snapshot-builder.ts";

const module = loadMatcherModule();

it("the built matcher.wasm is at most 64 KB", () => {
  const size = statSync(MATCHER_WASM_PATH).size;
  console.log(`matcher.wasm: ${size} bytes`);
  expect(size).toBeLessThanOrEqual(64 * 1024);
});

it("wasm memory does not grow over 100k matches, and each snapshot swap gets a fresh instance of the same size", () => {
  const snap = snapshot(
    [listener()],
    Array.from({ length: 200 }, (_, i) => route({ name: `r${i}`, rules: [rule([match({ path: prefix(`/svc${i}/api`) }), match({ path: exact(`/svc${i}`), method: "GET" })])] })),
  );
  const table = compileRouteTable(snap);
  const memories: number[] = [];
  let matcher = createWasmMatcher(module, snap, table);
  for (let swap = 0; swap < 1000; swap++) {
    matcher = createWasmMatcher(module, snap, table);
    for (let i = 0; i < 100; i++) {
      const r = matcher.match(request({ url: `/svc${(swap + i) % 250}/api/x?i=${i}` }));
      expect(r.kind).toBe((swap + i) % 250 < 200 ? "match" : "no-route");
    }
    memories.push(matcher.memoryBytes());
  }
  expect(new Set(memories).size).toBe(1);
});

it("JS heap stays flat over 1,000 snapshot swaps (old instances are garbage)", async () => {
  // Vitest workers do not run with --expose-gc; this is the documented way to get a collector handle at run time.
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const snap = snapshot([listener()], Array.from({ length: 50 }, (_, i) => route({ name: `r${i}`, rules: [rule([match({ path: prefix(`/p${i}`) })])] })));
  const table = compileRouteTable(snap);
  const swap = (n: number): void => {
    for (let i = 0; i < n; i++) createWasmMatcher(module, snap, table).match(request({ url: `/p${i % 50}` }));
  };
  const external = (): number => {
    const m = process.memoryUsage();
    return m.arrayBuffers + m.external;
  };
  // V8 releases wasm memories' backing stores after a collection, partly on background threads: on a busy machine
  // that lags behind the collection itself, so settle() collects and waits (at most ~2 s) until the figure is stable.
  const settle = async (): Promise<number> => {
    let last = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 20; round++) {
      gc();
      await new Promise((r) => setTimeout(r, 100));
      const now = external();
      if (now >= last) return now;
      last = now;
    }
    return last;
  };
  swap(200);
  const before = await settle();
  swap(1000);
  const grown = (await settle()) - before;
  console.log(`1,000 swaps: external+arrayBuffers grew by ${(grown / 1024).toFixed(0)} KiB`);
  // Each instance holds ~300 KiB of linear memory: keeping all 1,000 alive would be ~300 MiB.
  expect(grown).toBeLessThan(64 * 1024 * 1024);
});

it("refuses a table with the wrong magic or version", () => {
  const snap = snapshot([listener()], [route({ name: "r", rules: [rule()] })]);
  const table = compileRouteTable(snap);
  const badMagic = table.slice();
  badMagic[0] = 0;
  expect(() => createWasmMatcher(module, snap, badMagic)).toThrow(/unknown format or version/);
  const badVersion = table.slice();
  badVersion[4] = 99;
  expect(() => createWasmMatcher(module, snap, badVersion)).toThrow(/unknown format or version/);
  const truncated = table.slice(0, table.length - 4);
  expect(() => createWasmMatcher(module, snap, truncated)).toThrow(/unknown format or version/);
});

it("refuses a table whose hash slots point outside it (loadTable expands every slot)", () => {
  const snap = snapshot([listener()], [route({ name: "r", rules: [rule([match({ path: exact("/a") })])] })]);
  const table = compileRouteTable(snap);
  const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const slots = view.getUint32(H.HashSlotsOff * 4, true);
  const used = Array.from({ length: view.getUint32(H.HashSlotCount * 4, true) }, (_, i) => slots + i * HASH_SLOT_WORDS * 4).find((at) => view.getUint32(at + 4, true) !== 0)!;
  expect(() => createWasmMatcher(module, snap, table)).not.toThrow();
  const keyOutside = table.slice();
  new DataView(keyOutside.buffer).setUint32(used + 8, table.length - 1, true);
  expect(() => createWasmMatcher(module, snap, keyOutside)).toThrow(/unknown format or version/);
  const runOutside = table.slice();
  new DataView(runOutside.buffer).setUint32(used + 16, 1_000_000, true);
  expect(() => createWasmMatcher(module, snap, runOutside)).toThrow(/unknown format or version/);
});

it("compiles the same snapshot to the same bytes", () => {
  const make = () => snapshot([listener("a.example.com"), listener(null, 8080)], [route({ name: "r", attach: [{ listener: 0 }, { listener: 1, hostnames: ["*.x.org"] }], rules: [rule([match({ path: exact("/a"), headers: [["h", "v"]] })])] })]);
  expect(compileRouteTable(make())).toEqual(compileRouteTable(make()));
});
