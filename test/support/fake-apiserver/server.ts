/**
 * A fake kube-apiserver speaking the subset of the REST protocol that @kubernetes/client-node uses for list, watch,
 * get, create, update, merge-patch and the status subresource. Paths follow the real layout:
 *
 *   /api/v1/{plural}                                   /apis/{group}/{version}/{plural}
 *   /api/v1/namespaces/{ns}/{plural}[/{name}[/status]] /apis/{group}/{version}/namespaces/{ns}/{plural}[/{name}[/status]]
 *   /api/v1/namespaces[/{name}[/status]]               /apis/{group}/{version}/{plural}/{name}[/status]   (cluster-scoped)
 *
 * A watch (`?watch=true&resourceVersion=&allowWatchBookmarks=true&timeoutSeconds=`) answers 200 and streams one JSON
 * event per line; a too-old resourceVersion gets a single `ERROR` event carrying a Status with code 410 "Expired",
 * then the stream ends, as the real server does. Faults (fault injection for resilience tests) live in `faults`.
 * Gaps (documented in docs/agent.md): no schema/CEL validation, no admission, no RBAC/authn, no field or label
 * selectors, no pagination (`limit`/`continue` ignored), no server-side apply, no strategic-merge patch.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ApiError, ObjectStore, resourceKey, type KubeObj, type ResourceType, type WatchEvent } from "./store.ts";

export interface Faults {
  /** The next N watch requests get an in-stream 410 Expired ERROR event (forces a relist). */
  goneOnNextWatches: number;
  /** Each open watch stream is cut after this many events (connection dropped mid-stream); 0 = never. */
  dropStreamAfterEvents: number;
  /** The next N watch requests are accepted but never send anything, not even bookmarks (a silent watch). */
  silentNextWatches: number;
  /** The next N requests of any kind answer 500/503 (a 5xx burst). */
  serverErrorsNext: number;
  /** The next N status writes answer 409 Conflict even with a fresh resourceVersion (a 409 storm). */
  conflictsNext: number;
  /** The next N watch streams start with a malformed event (an object without metadata.name). */
  badObjectsNext: number;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: string;
  status: number;
}

export class FakeApiServer {
  readonly store = new ObjectStore();
  readonly faults: Faults = { goneOnNextWatches: 0, dropStreamAfterEvents: 0, silentNextWatches: 0, serverErrorsNext: 0, conflictsNext: 0, badObjectsNext: 0 };
  readonly requests: RequestRecord[] = [];
  /** Requests bearing one of these tokens have their connection reset (a client partitioned from the server). */
  readonly blockedTokens = new Set<string>();
  /** Status subresource writes accepted, and those that changed nothing (same resourceVersion back). */
  statusWrites = 0;
  noopStatusWrites = 0;
  bookmarkIntervalMs = 200;
  private server: Server | undefined;
  private readonly openWatches = new Set<ServerResponse>();

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.dropAllWatches();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Cuts every open watch connection at once (an apiserver restart or a load-balancer reset). */
  dropAllWatches(): void {
    for (const res of this.openWatches) res.socket?.destroy();
    this.openWatches.clear();
  }

  watchCount(): number {
    return this.openWatches.size;
  }

  // Convenience for tests: seed and edit objects as a user with kubectl would.
  apply(obj: KubeObj): KubeObj {
    const t = this.store.typeOfKind(obj.kind);
    const ns = t.namespaced ? (obj.metadata.namespace ?? "default") : undefined;
    try {
      const current = this.store.get(t, ns, obj.metadata.name);
      const next = { ...obj, metadata: { ...current.metadata, ...obj.metadata, resourceVersion: undefined } } as KubeObj;
      if (t.statusSubresource) next.status = current.status;
      return this.store.update(t, ns, obj.metadata.name, next, false);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return this.store.create(t, ns, obj);
      throw e;
    }
  }

  remove(kind: string, namespace: string | undefined, name: string): void {
    this.store.delete(this.store.typeOfKind(kind), namespace, name);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const record: RequestRecord = { method: req.method ?? "GET", path: url.pathname, query: url.search, status: 0 };
    this.requests.push(record);
    const reply = (status: number, body: unknown) => {
      record.status = status;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (token && this.blockedTokens.has(token)) {
      record.status = -1;
      req.socket.destroy();
      return;
    }
    try {
      if (this.faults.serverErrorsNext > 0) {
        this.faults.serverErrorsNext--;
        throw new ApiError(this.faults.serverErrorsNext % 2 ? 500 : 503, "InternalError", "injected server error");
      }
      const route = parsePath(url.pathname, this.store);
      const body = req.method === "GET" || req.method === "DELETE" ? undefined : await readJson(req);
      if (route.type.kind === "Lease" && body) checkMicroTimes(body as KubeObj);
      if (!route.name) {
        if (req.method === "POST") return reply(201, this.store.create(route.type, route.namespace, body as KubeObj));
        if (req.method !== "GET") throw new ApiError(405, "MethodNotAllowed", "method not allowed");
        if (url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1") {
          record.status = 200;
          return this.watch(route.type, route.namespace, url.searchParams, res);
        }
        const { items, rv } = this.store.list(route.type, route.namespace);
        return reply(200, { apiVersion: apiVersionOf(route.type), kind: `${route.type.kind}List`, metadata: { resourceVersion: String(rv) }, items });
      }
      const status = route.subresource === "status";
      if (req.method === "GET") return reply(200, this.store.get(route.type, route.namespace, route.name));
      if (req.method === "DELETE") return reply(200, this.store.delete(route.type, route.namespace, route.name));
      if (status && this.faults.conflictsNext > 0) {
        this.faults.conflictsNext--;
        throw new ApiError(409, "Conflict", `Operation cannot be fulfilled on ${route.type.plural} "${route.name}": injected conflict`);
      }
      if (req.method === "PUT") {
        const before = status ? this.store.get(route.type, route.namespace, route.name).metadata.resourceVersion : undefined;
        const updated = this.store.update(route.type, route.namespace, route.name, body as KubeObj, status);
        if (status) {
          this.statusWrites++;
          if (updated.metadata.resourceVersion === before) this.noopStatusWrites++;
        }
        return reply(200, updated);
      }
      if (req.method === "PATCH") {
        const contentType = String(req.headers["content-type"] ?? "");
        if (!contentType.startsWith("application/merge-patch+json")) {
          throw new ApiError(415, "UnsupportedMediaType", `the fake server supports only merge patches, got ${contentType}`);
        }
        const current = this.store.get(route.type, route.namespace, route.name);
        const patched = mergePatch(current, body) as KubeObj;
        // A merge patch without metadata.resourceVersion is unconditional; with one it is checked like a PUT.
        if (!(body as KubeObj).metadata?.resourceVersion) patched.metadata.resourceVersion = current.metadata.resourceVersion;
        return reply(200, this.store.update(route.type, route.namespace, route.name, patched, status));
      }
      throw new ApiError(405, "MethodNotAllowed", "method not allowed");
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(500, "InternalError", String(e));
      reply(err.code, statusBody(err.code, err.reason, err.message));
    }
  }

  private watch(type: ResourceType, namespace: string | undefined, params: URLSearchParams, res: ServerResponse): void {
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    this.openWatches.add(res);
    let sent = 0;
    const cleanup: (() => void)[] = [() => this.openWatches.delete(res)];
    const end = () => {
      for (const fn of cleanup.splice(0)) fn();
      res.end();
    };
    res.on("close", () => cleanup.splice(0).forEach((fn) => fn()));
    if (this.faults.silentNextWatches > 0) {
      this.faults.silentNextWatches--;
      return; // Never writes: only a client-side watchdog notices.
    }
    const write = (type_: string, object: unknown): boolean => {
      if (res.destroyed) return false;
      res.write(JSON.stringify({ type: type_, object }) + "\n");
      sent++;
      if (this.faults.dropStreamAfterEvents > 0 && sent >= this.faults.dropStreamAfterEvents) {
        res.socket?.destroy(); // Mid-stream connection drop, no clean end.
        return false;
      }
      return true;
    };
    if (this.faults.badObjectsNext > 0) {
      this.faults.badObjectsNext--;
      write("ADDED", { apiVersion: apiVersionOf(type), kind: type.kind, metadata: { resourceVersion: String(this.store.currentRv()) } });
    }
    const since = Number(params.get("resourceVersion") || "0");
    const backlog = this.faults.goneOnNextWatches > 0 ? null : since === 0 ? [] : this.store.eventsSince(resourceKey(type), since);
    if (backlog === null) {
      if (this.faults.goneOnNextWatches > 0) this.faults.goneOnNextWatches--;
      write("ERROR", statusBody(410, "Expired", `too old resource version: ${since} (${this.store.currentRv()})`));
      return end();
    }
    const matches = (e: WatchEvent) => e.resource === resourceKey(type) && (!namespace || e.object.metadata.namespace === namespace);
    // resourceVersion "" or "0" means "start from now" after a synthetic ADDED for every current object.
    if (since === 0) for (const item of this.store.list(type, namespace).items) if (!write("ADDED", item)) return;
    for (const e of backlog) if (matches(e) && !write(e.type, e.object)) return;
    cleanup.push(this.store.subscribe((e) => void (matches(e) && write(e.type, e.object))));
    if (params.get("allowWatchBookmarks") === "true") {
      const timer = setInterval(
        () => write("BOOKMARK", { kind: type.kind, apiVersion: apiVersionOf(type), metadata: { resourceVersion: String(this.store.currentRv()) } }),
        this.bookmarkIntervalMs,
      );
      cleanup.push(() => clearInterval(timer));
    }
    const timeoutSeconds = Number(params.get("timeoutSeconds") || "0");
    if (timeoutSeconds > 0) {
      const timer = setTimeout(end, timeoutSeconds * 1000);
      cleanup.push(() => clearTimeout(timer));
    }
  }
}

interface Route {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

function parsePath(pathname: string, store: ObjectStore): Route {
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (parts[0] === "api" && parts[1] === "v1") [group, rest] = ["", parts.slice(2)];
  else if (parts[0] === "apis" && parts.length >= 3) [group, rest] = [parts[1]!, parts.slice(3)];
  else throw new ApiError(404, "NotFound", `the server could not find the requested resource (${pathname})`);
  // namespaces/{ns}/{plural}/... is a namespaced path unless it is the Namespace resource itself.
  if (rest[0] === "namespaces" && rest.length >= 3) {
    const type = store.typeFor(group, rest[2]!);
    if (type?.namespaced) return { type, namespace: rest[1], name: rest[3], subresource: rest[4] };
  }
  const type = rest[0] ? store.typeFor(group, rest[0]) : undefined;
  if (!type) throw new ApiError(404, "NotFound", `the server could not find the requested resource (${pathname})`);
  return { type, name: rest[1], subresource: rest[2] };
}

/**
 * Lease times are metav1.MicroTime, which the real apiserver decodes with exactly six fractional digits
 * (RFC3339Micro, "2006-01-02T15:04:05.000000Z07:00"): anything else is a 400 there, so it is here.
 */
function checkMicroTimes(lease: KubeObj): void {
  const spec = (lease.spec ?? {}) as Record<string, unknown>;
  for (const field of ["acquireTime", "renewTime"]) {
    const value = spec[field];
    if (value !== undefined && value !== null && !(typeof value === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$/.test(value))) {
      throw new ApiError(400, "BadRequest", `Lease in version "v1" cannot be handled as a Lease: spec.${field}: parsing time ${JSON.stringify(value)}`);
    }
  }
}

function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

function statusBody(code: number, reason: string, message: string) {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
  } catch {
    throw new ApiError(400, "BadRequest", "request body is not JSON");
  }
}

/** RFC 7386 JSON Merge Patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === "object" && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
