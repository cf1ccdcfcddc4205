import { describe, expect, it } from "vitest";
import { formatAccessLog, type AccessLogEntry } from "../src/log.ts";

const BASE: AccessLogEntry = {
  gateway: "ns/gw",
  method: "GET",
  host: "app.example",
  path: "/a",
  route: "ns/route",
  rule: 0,
  backend: "ns/svc:8080",
  attempts: 1,
  status: 200,
  durationMs: 12,
  snapshot: "1.42-0123456789ab",
};

describe("access log line", () => {
  // The line is written field by field; it must stay what JSON.stringify of the entry gives.
  const cases: [string, AccessLogEntry][] = [
    ["a proxied request", BASE],
    ["an edge answer before any snapshot", { ...BASE, gateway: null, route: null, rule: null, backend: null, snapshot: null, attempts: 0, status: 503, reason: "no snapshot loaded yet" }],
    ["strings that need escaping", { ...BASE, host: 'a"b\\c', path: "/\u0001\u2028é", reason: 'internal error: bad "thing"\n' }],
    ["mirrors and a reason", { ...BASE, reason: "backend ns/svc:8080 is invalid: unresolved", mirrors: 2 }],
    ["mirrors only", { ...BASE, mirrors: 0 }],
  ];
  it.each(cases)("%s", (_name, entry) => {
    const line = formatAccessLog(entry);
    expect(line).toBe(JSON.stringify({ event: "access", ...entry }));
    expect(JSON.parse(line)).toEqual({ event: "access", ...entry });
  });
});
