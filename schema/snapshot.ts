/**
 * The snapshot: the compiled configuration of one Gateway, as the edge serves it.
 *
 * This module is the one contract between the control plane (sync-agent, which produces snapshots) and the data
 * plane (worker, which consumes them). Both import it; nothing else is shared. It holds the types, the runtime
 * validator and the schema version. Bump SCHEMA_VERSION on any change a worker of the previous version would
 * misread; workers reject unknown versions and keep serving their last good snapshot.
 *
 * Conventions:
 * - Durations are integer milliseconds. 0 means "disabled" (GEP-1742: "0s" disables a timeout).
 * - Header names are lower-case. Header values are as written in the manifest.
 * - Indexes (listener, route, rule) are positions in the arrays below; the route table refers to them.
 * - Everything a request can reach is here: the worker only ever fetches `origin` URLs found in a snapshot.
 * - Wire form (since schema version 2): fields marked "default" below may be left out of the stored JSON, and are
 *   left out when they hold their default (`compactSnapshot`); `validateSnapshot` fills them back in, so readers
 *   always see every field. A 10,000-route snapshot is a third smaller for it (the KV value limit is 25 MiB).
 * - Blob (since schema version 3): the stored bytes are a binary frame holding the wire form's JSON and, after it,
 *   the route table as raw bytes (schema/blob.ts), no longer base64 inside the JSON.
 */
import * as v from "valibot";

export const SCHEMA_VERSION = 3;

const name = v.pipe(v.string(), v.minLength(1), v.maxLength(253));
/** A header name as the snapshot holds it: a lower-case RFC 9110 token. */
export const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const headerName = v.pipe(v.string(), v.regex(HEADER_NAME, "header names are lower-case tokens"));
const ms = v.pipe(v.number(), v.integer(), v.minValue(0));

/** Absolute http(s) base URL with no path beyond "/", no query, no credentials. */
export function isOriginUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === "http:" || u.protocol === "https:") && !u.username && !u.password && !u.search && !u.hash;
  } catch {
    return false;
  }
}
const originUrl = v.pipe(v.string(), v.check(isOriginUrl, "origin must be an absolute http(s) URL without credentials, query or fragment"));

export const HeaderValueSchema = v.object({ name: headerName, value: v.string() });

export const HeaderModifierSchema = v.object({
  set: v.array(HeaderValueSchema),
  add: v.array(HeaderValueSchema),
  remove: v.array(headerName),
});

/** Path modifier of URLRewrite / RequestRedirect. `prefix` is the rule's single PathPrefix match value, resolved at compile time. */
export const PathModifierSchema = v.variant("type", [
  v.object({ type: v.literal("ReplaceFullPath"), value: v.string() }),
  v.object({ type: v.literal("ReplacePrefixMatch"), value: v.string(), prefix: v.string() }),
]);

/** Defaults of the fields the wire form may leave out (see the header comment). */
export const WIRE_DEFAULTS = {
  protocol: "http",
  weight: 1,
  /** A valid backend's status and reason. */
  status: 200,
  reason: "",
} as const;

const protocol = v.optional(v.picklist(["http", "h2c", "ws"]), WIRE_DEFAULTS.protocol);
/**
 * The origin opted in to receiving the intended Host (URLRewrite hostname, or a client Host the route or listener
 * names exactly): the worker then fetches `<scheme>://<that host>[:<origin port>]` with `cf.resolveOverride` set to
 * the origin's hostname (docs/worker.md "Host at the origin"). Absent (the default) or false: off. Only ever written
 * as `true`, so a snapshot without it reads back unchanged.
 */
const hostOverride = v.optional(v.boolean());
const emptyList = <T extends v.GenericSchema>(item: T) => v.optional(v.array(item), () => []);

/** A backend the edge may contact: an origin base URL plus the names that explain it. */
export const BackendRefSchema = v.object({
  /** "<namespace>/<name>:<port>" of the Service (or other kind) the user referenced. */
  ref: v.string(),
  origin: originUrl,
  /** Wire protocol towards the origin: plain HTTP/1.1, h2c, or WebSocket-capable HTTP. Default "http". */
  protocol,
  hostOverride,
});

export const MirrorSchema = v.object({
  backend: BackendRefSchema,
  /** Sampling fraction; percent p is numerator p, denominator 100. */
  numerator: v.pipe(v.number(), v.integer(), v.minValue(0)),
  denominator: v.pipe(v.number(), v.integer(), v.minValue(1)),
});

export const CorsSchema = v.object({
  /** `*`, or scheme://host[:port] where host may start with `*` (greedy label wildcard). */
  allowOrigins: v.array(v.string()),
  allowCredentials: v.boolean(),
  allowMethods: v.array(v.string()),
  allowHeaders: v.array(v.string()),
  exposeHeaders: v.array(v.string()),
  /** Seconds; the spec's default is 5. */
  maxAge: v.pipe(v.number(), v.integer(), v.minValue(0)),
});

export const FilterSchema = v.variant("type", [
  v.object({ type: v.literal("RequestHeaderModifier"), modifier: HeaderModifierSchema }),
  v.object({ type: v.literal("ResponseHeaderModifier"), modifier: HeaderModifierSchema }),
  v.object({
    type: v.literal("RequestRedirect"),
    scheme: v.nullable(v.picklist(["http", "https"])),
    hostname: v.nullable(v.string()),
    port: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535))),
    statusCode: v.picklist([301, 302, 303, 307, 308]),
    path: v.nullable(PathModifierSchema),
  }),
  v.object({ type: v.literal("URLRewrite"), hostname: v.nullable(v.string()), path: v.nullable(PathModifierSchema) }),
  v.object({ type: v.literal("RequestMirror"), mirror: MirrorSchema }),
  v.object({ type: v.literal("CORS"), cors: CorsSchema }),
  /** A filter the edge must honour by failing the request (e.g. an unresolved ExtensionRef: the spec says MUST NOT skip). */
  v.object({ type: v.literal("DirectResponse"), status: v.pipe(v.number(), v.integer(), v.minValue(200), v.maxValue(599)), reason: v.string() }),
]);

/** A backend's target: its `ref` is the backend's own, which the wire form does not repeat here. */
const BackendTargetSchema = v.object({ ref: v.optional(v.string()), origin: originUrl, protocol, hostOverride });

const BackendFieldsSchema = v.object({
  /** Relative weight 0..1,000,000; 0 never receives traffic. Default 1. */
  weight: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000)), WIRE_DEFAULTS.weight),
  /** "<namespace>/<name>:<port>" as referenced (for logs and explain). */
  ref: v.string(),
  /** Null (default) when the backendRef is invalid: its share of traffic is answered with `status`. */
  target: v.optional(v.nullable(BackendTargetSchema), null),
  /** Status for an invalid backend's share: 500 (spec §5), or 503 for a Service without ready endpoints. Default 200. */
  status: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(599)), WIRE_DEFAULTS.status),
  /** Why the backend is invalid (condition reason), empty (default) when valid. */
  reason: v.optional(v.string(), WIRE_DEFAULTS.reason),
  /** Default []. */
  filters: emptyList(FilterSchema),
});

export type Backend = Omit<v.InferOutput<typeof BackendFieldsSchema>, "target"> & { target: BackendRef | null };

export const BackendSchema = v.pipe(
  BackendFieldsSchema,
  v.transform((b): Backend => {
    if (b.target !== null && b.target.ref === undefined) b.target.ref = b.ref;
    return b as Backend;
  }),
);

export const StringMatchSchema = v.object({
  type: v.picklist(["Exact", "RegularExpression"]),
  name: v.string(),
  value: v.string(),
});

export const MatchSchema = v.object({
  path: v.object({ type: v.picklist(["Exact", "PathPrefix", "RegularExpression"]), value: v.string() }),
  /** Header names lower-cased; only the first entry per name is kept (spec §3). Default []. */
  headers: emptyList(StringMatchSchema),
  /** Names case-sensitive; only the first entry per name is kept. Default []. */
  queryParams: emptyList(StringMatchSchema),
  /** Upper-case method, or null (default) for any. */
  method: v.optional(v.nullable(v.string()), null),
});

export const RetrySchema = v.object({
  codes: v.array(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(599))),
  /** Retries after the first try (GEP-1731): attempts 3 => up to 4 backend calls. */
  attempts: v.pipe(v.number(), v.integer(), v.minValue(0)),
  backoffMs: ms,
  /** Retry connection errors and per-try timeouts too (GEP-1731 SHOULD). */
  retryConnectionErrors: v.boolean(),
  /** Non-idempotent methods (POST, PATCH, ...) are retried only when true. */
  retryNonIdempotent: v.boolean(),
});

export const RuleSchema = v.object({
  /** Position of the rule in the HTTPRoute's spec.rules (valid rules keep their original index). */
  index: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /** `rules[].name`, or null (default). */
  name: v.optional(v.nullable(v.string()), null),
  /** Never empty: a rule without matches gets one `PathPrefix /` match at compile time. */
  matches: v.pipe(v.array(MatchSchema), v.minLength(1)),
  /** Rule-level filters in the order written. Default []. */
  filters: emptyList(FilterSchema),
  /** Empty (default) with no responding filter => 500 (HTTPRouteNoBackendRefs). */
  backends: emptyList(BackendSchema),
  /** Default: both 0 (no timeout). */
  timeouts: v.optional(v.object({ requestMs: ms, backendRequestMs: ms }), () => ({ requestMs: 0, backendRequestMs: 0 })),
  /** Default null (no retries). */
  retry: v.optional(v.nullable(RetrySchema), null),
});

export const RouteSchema = v.object({
  namespace: name,
  name,
  /** RFC 3339; the precedence tie-break "oldest route first" (spec §3 rule 6). */
  creationTimestamp: v.string(),
  generation: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /**
   * Listeners (by index in `listeners`) this route is attached to, each with the effective hostnames: the
   * intersection of route and listener hostnames (spec §1). Empty `hostnames` means "any host the listener accepts".
   */
  attachments: v.array(
    v.object({ listener: v.pipe(v.number(), v.integer(), v.minValue(0)), hostnames: v.array(v.string()) }),
  ),
  rules: v.array(RuleSchema),
});

export const ListenerSchema = v.object({
  name,
  port: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535)),
  protocol: v.picklist(["HTTP", "HTTPS"]),
  /** Lower-case; `*.example.com` wildcard; null matches every host. */
  hostname: v.nullable(v.string()),
});

export const SnapshotSchema = v.object({
  schemaVersion: v.literal(SCHEMA_VERSION),
  gateway: v.object({ namespace: name, name, generation: v.pipe(v.number(), v.integer(), v.minValue(0)) }),
  /** Accepted listeners only, in the Gateway's order. */
  listeners: v.array(ListenerSchema),
  /** Attached, accepted routes, sorted by namespace/name (precedence is resolved in the route table). */
  routes: v.array(RouteSchema),
  /**
   * The binary route table that wasm-matcher compiled from `listeners` and `routes`. Never in the JSON: the blob
   * stores it after the JSON (schema/blob.ts), and readSnapshotBlob sets it; validateSnapshot of JSON alone gives an
   * empty table. Empty until the compiler has run; the worker refuses a snapshot whose table is missing or does not
   * match the routes.
   */
  routeTable: v.optional(
    v.custom<Uint8Array>((value) => value instanceof Uint8Array, "the route table is bytes, stored after the JSON"),
    () => new Uint8Array(0),
  ),
});

export type HeaderModifier = v.InferOutput<typeof HeaderModifierSchema>;
export type PathModifier = v.InferOutput<typeof PathModifierSchema>;
export type BackendRef = v.InferOutput<typeof BackendRefSchema>;
export type Mirror = v.InferOutput<typeof MirrorSchema>;
export type Cors = v.InferOutput<typeof CorsSchema>;
export type Filter = v.InferOutput<typeof FilterSchema>;
export type StringMatch = v.InferOutput<typeof StringMatchSchema>;
export type Match = v.InferOutput<typeof MatchSchema>;
export type Retry = v.InferOutput<typeof RetrySchema>;
export type Rule = v.InferOutput<typeof RuleSchema>;
export type Route = v.InferOutput<typeof RouteSchema>;
export type Listener = v.InferOutput<typeof ListenerSchema>;
export type Snapshot = v.InferOutput<typeof SnapshotSchema>;

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Validates an unknown value (e.g. parsed JSON) against the snapshot schema. Never throws. */
export function validateSnapshot(input: unknown): ValidationResult<Snapshot> {
  if (typeof input === "object" && input !== null && "schemaVersion" in input && input.schemaVersion !== SCHEMA_VERSION) {
    return { ok: false, problems: [`unsupported schemaVersion ${String(input.schemaVersion)} (this build reads ${SCHEMA_VERSION})`] };
  }
  const result = v.safeParse(SnapshotSchema, input);
  if (result.success) return { ok: true, value: result.output };
  return {
    ok: false,
    problems: result.issues.slice(0, 20).map((issue) => `${v.getDotPath(issue) ?? "(root)"}: ${issue.message}`),
  };
}
