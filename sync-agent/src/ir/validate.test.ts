import { describe, expect, it } from "vitest";
import type { IR } from "./types.ts";
import { validate } from "./validate.ts";

function ir(): IR {
  return {
    gateways: [{ namespace: "ns", name: "gw", generation: 1, listeners: [{ name: "http", port: 80, protocol: "HTTP", hostname: null }] }],
    routes: [
      {
        namespace: "ns",
        name: "r",
        creationTimestamp: "2024-01-01T00:00:00Z",
        generation: 1,
        attachments: [{ gateway: "ns/gw", listener: "http", hostnames: [] }],
        rules: [
          {
            index: 0,
            name: null,
            matches: [{ path: { type: "PathPrefix", value: "/" }, headers: [], queryParams: [], method: null }],
            filters: [],
            backends: [{ weight: 1, ref: "ns/s:80", target: null, status: 500, reason: "BackendNotFound", filters: [] }],
            timeouts: { requestMs: 0, backendRequestMs: 0 },
            retry: null,
          },
        ],
      },
    ],
  };
}

describe("IR validate", () => {
  it("accepts a well-formed IR", () => {
    expect(validate(ir())).toEqual([]);
  });

  it("reports each broken invariant with a typed code", () => {
    const broken = ir();
    broken.gateways.push({ ...broken.gateways[0]! });
    const route = broken.routes[0]!;
    route.attachments.push({ gateway: "ns/other", listener: "http", hostnames: [] });
    const rule = route.rules[0]!;
    rule.matches = [];
    rule.timeouts = { requestMs: 100, backendRequestMs: 200 };
    rule.backends.push({ weight: 2_000_000, ref: "x", target: null, status: 200, reason: "", filters: [] });
    broken.routes.push({ ...route, attachments: [], rules: [] });
    expect(validate(broken).map((p) => p.code).sort()).toEqual(
      ["DuplicateGateway", "DuplicateRoute", "EmptyMatches", "InvalidBackend", "InvalidTimeout", "InvalidWeight", "UnknownAttachment"].sort(),
    );
  });
});
