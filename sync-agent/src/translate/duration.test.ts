import { describe, expect, it } from "vitest";
import { parseDuration } from "./duration.ts";

describe("parseDuration (GEP-2257)", () => {
  it.each([
    ["0s", 0],
    ["500ms", 500],
    ["1s", 1000],
    ["1m30s", 90_000],
    ["1h", 3_600_000],
    ["1h2m3s4ms", 3_723_004],
    ["99999ms", 99_999],
  ])("%s = %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
  it.each(["", "1", "1.5s", "-1s", "1d", "100000s", "1s1s1s1s1s", " 1s", "1S"])("rejects %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
