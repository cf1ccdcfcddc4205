/**
 * Structural mutations of Kubernetes manifests for the translator fuzz test: drop or duplicate a field, an array
 * element or a whole object, replace a value with a wrong type, a huge or empty string, a random spec enum, null, or a
 * deeply nested value. A mutation is plain data (so fast-check can shrink it and print it) and is applied to a deep
 * copy of the seed objects.
 */
import fc from "fast-check";

export type MutationOp =
  | { op: "delete" }
  | { op: "duplicate" }
  | { op: "set"; value: unknown };

export interface Mutation {
  /** Which object of the seed (modulo the object count). */
  target: number;
  /** Child choices while walking down (each modulo the number of keys/elements there). */
  path: number[];
  /** How deep to walk before applying (modulo path length + 1), so shallow fields are hit as often as deep ones. */
  depth: number;
  change: MutationOp;
}

/** Words the spec uses in enums and kinds: random "valid-looking" values hit different code paths than noise. */
const SPEC_WORDS = [
  "HTTP", "HTTPS", "TLS", "TCP", "UDP", "Same", "All", "Selector", "Exact", "PathPrefix", "RegularExpression",
  "RequestHeaderModifier", "ResponseHeaderModifier", "RequestRedirect", "URLRewrite", "RequestMirror", "CORS",
  "ExtensionRef", "ReplaceFullPath", "ReplacePrefixMatch", "Gateway", "HTTPRoute", "GRPCRoute", "Service", "Secret",
  "GatewayClass", "ReferenceGrant", "List", "Terminate", "Passthrough", "GET", "POST", "In", "NotIn", "Exists",
  "DoesNotExist", "0s", "1ms", "99999h", "*", "*.example.com", "/", "//", "/..", "", "edgeway", "gw", "infra",
  "gateway.networking.k8s.io", "gateway.networking.k8s.io/v1", "edgeway.dev/gateway-controller", "kubernetes.io/h2c",
];

function deeplyNested(depth: number, leaf: unknown, asArray: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { nested: value };
  return value;
}

const valueArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.integer({ min: -2_000_000, max: 2_000_000 }),
  fc.constantFrom(0, -1, 65536, 1_000_001, Number.MAX_SAFE_INTEGER, 1.5, Number.NaN),
  fc.boolean(),
  fc.string({ maxLength: 40 }),
  fc.constantFrom("", " ", "\u0000", "é", "😀", "a".repeat(10_000), "/".repeat(5_000), "*.".repeat(2_000) + "com"),
  fc.constantFrom(...SPEC_WORDS),
  fc.constantFrom([], {}, [null], [{}], { name: 1 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.tuple(fc.integer({ min: 50, max: 400 }), fc.boolean()).map(([depth, asArray]) => deeplyNested(depth, "x", asArray)),
);

export const mutationArbitrary: fc.Arbitrary<Mutation> = fc.record({
  target: fc.nat(),
  path: fc.array(fc.nat(), { maxLength: 10 }),
  depth: fc.nat(),
  change: fc.oneof(
    { weight: 2, arbitrary: fc.constant<MutationOp>({ op: "delete" }) },
    { weight: 1, arbitrary: fc.constant<MutationOp>({ op: "duplicate" }) },
    { weight: 5, arbitrary: valueArbitrary.map((value): MutationOp => ({ op: "set", value })) },
  ),
});

/** Applies mutations to a deep copy of `seed`; never mutates the seed. */
export function applyMutations(seed: readonly unknown[], mutations: readonly Mutation[]): unknown[] {
  const objects = structuredClone([...seed]) as unknown[];
  for (const mutation of mutations) applyMutation(objects, mutation);
  return objects;
}

function applyMutation(objects: unknown[], mutation: Mutation): void {
  if (objects.length === 0) return;
  // Walk from the list of objects itself, so whole objects can be dropped, duplicated or replaced too.
  let parent: unknown = objects;
  let key: string | number = mutation.target % objects.length;
  const steps = mutation.depth % (mutation.path.length + 1);
  for (let i = 0; i < steps; i++) {
    const child = (parent as Record<string | number, unknown>)[key];
    const keys = childKeys(child);
    if (keys.length === 0) break;
    parent = child;
    key = keys[mutation.path[i]! % keys.length]!;
  }
  change(parent as Record<string | number, unknown> | unknown[], key, mutation.change);
}

function childKeys(value: unknown): (string | number)[] {
  if (Array.isArray(value)) return value.map((_, i) => i);
  if (value !== null && typeof value === "object") return Object.keys(value);
  return [];
}

function change(parent: Record<string | number, unknown> | unknown[], key: string | number, op: MutationOp): void {
  if (Array.isArray(parent) && typeof key === "number") {
    if (op.op === "delete") parent.splice(key, 1);
    else if (op.op === "duplicate") parent.splice(key, 0, structuredClone(parent[key]));
    else parent[key] = op.value;
    return;
  }
  const record = parent as Record<string | number, unknown>;
  if (op.op === "delete") delete record[key];
  else if (op.op === "duplicate") record[`${String(key)}-copy`] = structuredClone(record[key]);
  else record[key] = op.value;
}
