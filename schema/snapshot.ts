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
 */
import * as v from "valibot";

export const SCHEMA_VERSION = 1;

const name = v.pipe(v.string(), v.minLength(1), v.maxLength(253));
const headerName = v.pipe(v.string(), v.regex(/^[!#$%&'*+\-.^_`|~0-9a-z]+$/, "header names are lower-case tokens"));
const ms = v.pipe(v.number(), v.integer(), v.minValue(0));
/** Absolute http(s) base URL with no path beyond "/", no query, no credentials. */
const originUrl = v.pipe(
  v.string(),
  v.check((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === "http:" || u.protocol === "https:") && !u.username && !u.password && !u.search && !u.hash;
    } catch {
      return false;
    }
  }, "origin must be an absolute http(s) URL without credentials, query or fragment"),
);

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

/** A backend the edge may contact: an origin base URL plus the names that explain it. */
export const BackendRefSchema = v.object({
  /** "<namespace>/<name>:<port>" of the Service (or other kind) the user referenced. */
  ref: v.string(),
  origin: originUrl,
  /** Wire protocol towards the origin: plain HTTP/1.1, h2c, or WebSocket-capable HTTP. */
  protocol: v.picklist(["http", "h2c", "ws"]),
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

export const BackendSchema = v.object({
  /** Relative weight 0..1,000,000; 0 never receives traffic. */
  weight: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000)),
  /** "<namespace>/<name>:<port>" as referenced (for logs and explain). */
  ref: v.string(),
  /** Null when the backendRef is invalid: its share of traffic is answered with `status`. */
  target: v.nullable(BackendRefSchema),
  /** Status for an invalid backend's share: 500 (spec §5), or 503 for a Service without ready endpoints. */
  status: v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(599)),
  /** Why the backend is invalid (condition reason), empty when valid. */
  reason: v.string(),
  filters: v.array(FilterSchema),
});

export const StringMatchSchema = v.object({
  type: v.picklist(["Exact", "RegularExpression"]),
  name: v.string(),
  value: v.string(),
});

export const MatchSchema = v.object({
  path: v.object({ type: v.picklist(["Exact", "PathPrefix", "RegularExpression"]), value: v.string() }),
  /** Header names lower-cased; only the first entry per name is kept (spec §3). */
  headers: v.array(StringMatchSchema),
  /** Names case-sensitive; only the first entry per name is kept. */
  queryParams: v.array(StringMatchSchema),
  /** Upper-case method, or null for any. */
  method: v.nullable(v.string()),
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
  /** `rules[].name`, or null. */
  name: v.nullable(v.string()),
  /** Never empty: a rule without matches gets one `PathPrefix /` match at compile time. */
  matches: v.pipe(v.array(MatchSchema), v.minLength(1)),
  /** Rule-level filters in the order written. */
  filters: v.array(FilterSchema),
  /** Empty with no responding filter => 500 (HTTPRouteNoBackendRefs). */
  backends: v.array(BackendSchema),
  timeouts: v.object({ requestMs: ms, backendRequestMs: ms }),
  retry: v.nullable(RetrySchema),
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
   * The binary route table (base64) that wasm-matcher compiled from `listeners` and `routes`. Empty string until
   * the compiler has run; the worker refuses a snapshot whose table is missing or does not match the routes.
   */
  routeTable: v.string(),
});

export type HeaderModifier = v.InferOutput<typeof HeaderModifierSchema>;
export type PathModifier = v.InferOutput<typeof PathModifierSchema>;
export type BackendRef = v.InferOutput<typeof BackendRefSchema>;
export type Mirror = v.InferOutput<typeof MirrorSchema>;
export type Cors = v.InferOutput<typeof CorsSchema>;
export type Filter = v.InferOutput<typeof FilterSchema>;
export type Backend = v.InferOutput<typeof BackendSchema>;
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
