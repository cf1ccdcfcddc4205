import { describe, expect, it } from "vitest";
import { hostnameProblem, intersectHostnames, sortedUnique } from "./hostnames.ts";

describe("hostnameProblem", () => {
  it.each(["example.com", "*.example.com", "a-b.c.example", "localhost"])("accepts %s", (h) => {
    expect(hostnameProblem(h)).toBeUndefined();
  });
  it.each(["10.0.0.1", "::1", "foo.*.com", "*", "-bad.com", "a..b", "under_score.com"])("rejects %s", (h) => {
    expect(hostnameProblem(h)).toBeDefined();
  });
});

describe("intersectHostnames (spec §1)", () => {
  it("route without hostnames serves every host the listener accepts", () => {
    expect(intersectHostnames(null, [])).toEqual([]);
    expect(intersectHostnames("test.example.com", [])).toEqual([]);
  });
  it("listener without hostname keeps the route's hostnames, sorted and de-duplicated", () => {
    expect(intersectHostnames(null, ["a.com", "b.com"])).toEqual(["a.com", "b.com"]);
    expect(sortedUnique(["b.com", "a.com", "b.com"])).toEqual(["a.com", "b.com"]);
  });
  it("exact listener accepts the same name or a covering wildcard, which narrows to the listener name", () => {
    expect(intersectHostnames("test.example.com", ["test.example.com"])).toEqual(["test.example.com"]);
    expect(intersectHostnames("very.specific.com", ["*.specific.com"])).toEqual(["very.specific.com"]);
    expect(intersectHostnames("test.example.com", ["other.example.com"])).toBeNull();
  });
  it("wildcard listener accepts covered names and narrower wildcards, never the bare parent domain", () => {
    expect(intersectHostnames("*.example.com", ["*.example.com", "test.example.com", "foo.test.example.com"])).toEqual([
      "*.example.com",
      "foo.test.example.com",
      "test.example.com",
    ]);
    expect(intersectHostnames("*.example.com", ["example.com", "test.example.net"])).toBeNull();
    expect(intersectHostnames("*.foo.example.com", ["*.example.com"])).toEqual(["*.foo.example.com"]);
  });
});
