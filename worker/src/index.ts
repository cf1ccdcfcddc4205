/**
 * The edge worker's entry: a thin Hono app (STYLE.md §8). The status endpoint, then everything else through the
 * pipeline (worker/src/pipeline/proxy.ts). Snapshots are cached per isolate in the registry below.
 */
import { Hono } from "hono";
import type { Env } from "./env.ts";
import { handleProxy } from "./pipeline/proxy.ts";
import { createMatcher } from "./snapshot/matcher.ts";
import { SnapshotRegistry } from "./snapshot/store.ts";
import { handleStatus, STATUS_PATH } from "./status.ts";

const registry = new SnapshotRegistry(createMatcher);

const app = new Hono<{ Bindings: Env }>();
app.get(STATUS_PATH, (c) => handleStatus(c.req.raw, c.env, c.executionCtx, registry));
app.all("*", (c) => handleProxy(c.req.raw, c.env, c.executionCtx, { registry }));

export default app;
