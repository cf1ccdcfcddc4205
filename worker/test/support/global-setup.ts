/**
 * Node side of the workerd tests: real echo origins on 127.0.0.1 (test/support/echo-server.ts) plus a small
 * control server the tests (inside workerd) query for what each origin received. Ports reach the tests through
 * vitest's provide/inject.
 */
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { startEchoServer, type EchoServer } from "../../../test/support/echo-server.ts";

export const ORIGIN_NAMES = ["v1", "v2", "v3", "mirror", "mirror2"] as const;

declare module "vitest" {
  export interface ProvidedContext {
    origins: Record<string, string>;
    deadOrigin: string;
    /** Accepts connections and never answers (a hung origin or mirror). */
    blackhole: string;
    control: string;
  }
}

async function freePortThatIsClosed(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const servers = new Map<string, EchoServer>();
  for (const name of ORIGIN_NAMES) {
    servers.set(name, await startEchoServer({ service: `infra-backend-${name}`, namespace: "gateway-conformance-infra" }));
  }
  const blackholeSockets = new Set<net.Socket>();
  let blackholeAccepted = 0;
  const blackhole = net.createServer((socket) => {
    blackholeAccepted++;
    blackholeSockets.add(socket);
    socket.on("close", () => blackholeSockets.delete(socket));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => blackhole.listen(0, "127.0.0.1", resolve));

  // GET /requests?origin=v1 -> what that origin recorded; GET /blackhole -> its open and accepted connections.
  const control = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://control.invalid");
    if (url.pathname === "/blackhole") {
      res.setHeader("content-type", "application/json");
      return void res.end(JSON.stringify({ open: blackholeSockets.size, accepted: blackholeAccepted }));
    }
    const server = servers.get(url.searchParams.get("origin") ?? "");
    if (!server) return void res.writeHead(404).end();
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(server.requests));
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));

  project.provide("origins", Object.fromEntries([...servers].map(([name, server]) => [name, server.url])));
  project.provide("deadOrigin", `http://127.0.0.1:${await freePortThatIsClosed()}`);
  project.provide("blackhole", `http://127.0.0.1:${(blackhole.address() as AddressInfo).port}`);
  project.provide("control", `http://127.0.0.1:${(control.address() as AddressInfo).port}`);

  return async () => {
    await Promise.all([...servers.values()].map((s) => s.close()));
    await new Promise<void>((resolve) => control.close(() => resolve()));
    for (const socket of blackholeSockets) socket.destroy();
    await new Promise<void>((resolve) => blackhole.close(() => resolve()));
  };
}
