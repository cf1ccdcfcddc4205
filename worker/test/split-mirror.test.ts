/** Weighted backends (spec §5) and RequestMirror (spec §4). */
import { describe, expect, inject, it } from "vitest";
import type { Filter } from "../../schema/snapshot.ts";
import { pickBackend } from "../src/pipeline/backend.ts";
import { blackholeConnections, call, origin, seenBy, uid, type Echo } from "./support/drive.ts";
import { backend, invalidBackend, publish, route, rule, snapshot, uniqueGateway } from "./support/snapshots.ts";

describe("weighted backends", () => {
  it("splits 70/30/0 over 500 requests within ±5 % and never picks weight 0", async () => {
    const gw = uniqueGateway("split");
    const backends = [backend(origin("v1"), 70), backend(origin("v2"), 30), backend(origin("v3"), 0)];
    await publish(snapshot(gw, [route("r", [rule({ backends })])]), gw);
    const total = 500;
    const round = async () => {
      const counts: Record<string, number> = { v1: 0, v2: 0, v3: 0 };
      for (let batch = 0; batch < total / 25; batch++) {
        const pods = await Promise.all(
          Array.from({ length: 25 }, async () => ((await (await call(`http://app.example/split`, undefined, { gateway: gw })).json()) as Echo).pod),
        );
        for (const pod of pods) counts[/^infra-backend-(v\d)-/.exec(pod)![1]!]!++;
      }
      console.log(`weights 70/30/0 over ${total}: v1 ${counts.v1}, v2 ${counts.v2}, v3 ${counts.v3}`);
      return counts;
    };
    // ±5 % over 500 is about 2.4 standard deviations: like the conformance suite, a second round is allowed.
    let counts = await round();
    const within = (c: Record<string, number>) => Math.abs(c.v1! / total - 0.7) <= 0.05 && Math.abs(c.v2! / total - 0.3) <= 0.05;
    if (!within(counts)) counts = await round();
    expect(Math.abs(counts.v1! / total - 0.7)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(counts.v2! / total - 0.3)).toBeLessThanOrEqual(0.05);
    expect(counts.v3).toBe(0);
  });

  it("answers an invalid backend's share with its status (500), in proportion to its weight", async () => {
    const gw = uniqueGateway("invalid-share");
    await publish(snapshot(gw, [route("r", [rule({ backends: [backend(origin("v1"), 1), invalidBackend(1)] })])]), gw);
    const statuses = await Promise.all(Array.from({ length: 200 }, async () => (await call("http://app.example/half", undefined, { gateway: gw })).status));
    const errors = statuses.filter((s) => s === 500).length;
    console.log(`invalid backend share: ${errors}/200 answered 500`);
    expect(statuses.every((s) => s === 200 || s === 500)).toBe(true);
    expect(Math.abs(errors / 200 - 0.5)).toBeLessThanOrEqual(0.12); // 3.4 standard deviations
  });

  it("pickBackend: all weights 0 or no backends -> none; a deterministic draw lands in the right bucket", () => {
    const a = backend("http://a.example", 1);
    const b = backend("http://b.example", 3);
    expect(pickBackend([]).kind).toBe("none");
    expect(pickBackend([backend("http://z.example", 0)]).kind).toBe("none");
    expect(pickBackend([a, b], () => 0.2)).toMatchObject({ kind: "forward", target: { origin: "http://a.example" } });
    expect(pickBackend([a, b], () => 0.3)).toMatchObject({ kind: "forward", target: { origin: "http://b.example" } });
    expect(pickBackend([invalidBackend(1, 503)], () => 0.5)).toMatchObject({ kind: "invalid", status: 503 });
  });
});

describe("RequestMirror", () => {
  const mirrorTo = (name: string, numerator = 100, denominator = 100): Filter => ({
    type: "RequestMirror",
    mirror: { backend: { ref: name, origin: origin(name), protocol: "http" }, numerator, denominator },
  });

  it("copies each request to every mirror, as earlier filters shaped it; responses are ignored", async () => {
    const gw = uniqueGateway("mirror");
    const filters: Filter[] = [
      mirrorTo("mirror"),
      { type: "RequestHeaderModifier", modifier: { set: [{ name: "x-after", value: "1" }], add: [], remove: [] } },
      mirrorTo("mirror2"),
    ];
    await publish(snapshot(gw, [route("r", [rule({ filters, backends: [backend(origin("v1"))] })])]), gw);
    const marker = uid();
    for (let i = 0; i < 10; i++) {
      const res = await call(`http://app.example/m/${i}?m=${marker}`, { method: "POST", body: `body-${i}` }, { gateway: gw, settle: true });
      expect(res.status).toBe(200);
    }
    const first = await seenBy("mirror", marker);
    const second = await seenBy("mirror2", marker);
    console.log(`mirrors: primary 10, mirror ${first.length}, mirror2 ${second.length}`);
    expect(first).toHaveLength(10);
    expect(second).toHaveLength(10);
    expect(first[0]!.method).toBe("POST");
    // The first mirror ran before the header modifier, the second after it (spec §4: filters run in order).
    expect(first.every((r) => r.headers["X-After"] === undefined)).toBe(true);
    expect(second.every((r) => r.headers["X-After"]?.[0] === "1")).toBe(true);
    expect(await seenBy("v1", marker)).toHaveLength(10);
  });

  it("starts at most maxMirrorsPerRequest mirrors per request", async () => {
    const gw = uniqueGateway("mirror-cap");
    const filters = Array.from({ length: 6 }, () => mirrorTo("mirror"));
    await publish(snapshot(gw, [route("r", [rule({ filters, backends: [backend(origin("v1"))] })])]), gw);
    const marker = uid();
    await call(`http://app.example/cap?m=${marker}`, undefined, { gateway: gw, vars: { EDGEWAY_MAX_MIRRORS_PER_REQUEST: "4" }, settle: true });
    expect(await seenBy("mirror", marker)).toHaveLength(4);
  });

  it("samples each mirror independently by its fraction", async () => {
    const gw = uniqueGateway("mirror-fraction");
    await publish(snapshot(gw, [route("r", [rule({ filters: [mirrorTo("mirror", 1, 4), mirrorTo("mirror2", 0, 100)], backends: [backend(origin("v1"))] })])]), gw);
    const marker = uid();
    const total = 200;
    await Promise.all(Array.from({ length: total }, () => call(`http://app.example/f?m=${marker}`, undefined, { gateway: gw, settle: true })));
    const mirrored = (await seenBy("mirror", marker)).length;
    console.log(`mirror fraction 1/4 over ${total}: ${mirrored}; 0 %: ${(await seenBy("mirror2", marker)).length}`);
    expect(Math.abs(mirrored / total - 0.25)).toBeLessThanOrEqual(0.1); // 3.3 standard deviations
    expect(await seenBy("mirror2", marker)).toHaveLength(0);
  });

  it("a dead or hung mirror never affects the primary", async () => {
    const gw = uniqueGateway("mirror-dead");
    const mirrorAt = (url: string): Filter => ({ type: "RequestMirror", mirror: { backend: { ref: url, origin: url, protocol: "http" }, numerator: 1, denominator: 1 } });
    await publish(snapshot(gw, [route("r", [rule({ filters: [mirrorAt(inject("deadOrigin")), mirrorAt(inject("blackhole"))], backends: [backend(origin("v1"))] })])]), gw);
    const before = await blackholeConnections();
    const res = await call(`http://app.example/primary?m=${uid()}`, undefined, { gateway: gw, vars: { EDGEWAY_MIRROR_TIMEOUT_MS: "3000" } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Echo).pod).toMatch(/^infra-backend-v1-/);
    // The primary answered while the hung mirror's request was still open: it did not wait for it.
    await waitFor(async () => (await blackholeConnections()).accepted > before.accepted);
    const during = await blackholeConnections();
    console.log(`dead + hung mirror: primary ${res.status}; hung mirror connections open after the primary answered: ${during.open}`);
    expect(during.open).toBeGreaterThan(0);
  });
});

async function waitFor(check: () => Promise<boolean>, attempts = 50): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("condition not reached");
}
