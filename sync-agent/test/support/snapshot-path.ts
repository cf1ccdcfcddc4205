/**
 * Paths into a compiled snapshot for golden expectations, written the way a reader names things rather than by
 * array position:
 *
 *   routes[infra/web].rules[1].backends[0].target.origin
 *   listeners[https].hostname
 *   routes[infra/web].rules[0].filters[RequestMirror].mirror.numerator
 *   routes.length
 *
 * A `[selector]` on an array picks:
 *   - `[N]` (digits): the element whose `index` field is N when elements carry one (rules keep their position in
 *     spec.rules, so `rules[1]` is "the second rule as written", absent when that rule was dropped); otherwise the
 *     N-th element;
 *   - `[namespace/name]`: the element with that namespace and name (routes);
 *   - `[word]`: the first element whose `name` or `type` is `word`, or the string element equal to it.
 * `.length` on an array is its length. Resolution never throws: a missing step reports `found: false`.
 */

export interface Resolved {
  found: boolean;
  value: unknown;
  /** The step that could not be taken, for failure messages. */
  missingAt?: string;
}

type Step = { kind: "key"; key: string } | { kind: "select"; selector: string };

const TOKEN = /([A-Za-z_$][A-Za-z0-9_$]*)|\[([^\]]*)\]|(\.)/gy;

/** Splits a path into steps; returns an error message for text it cannot read. */
export function parsePath(path: string): Step[] | string {
  const steps: Step[] = [];
  TOKEN.lastIndex = 0;
  let expectKey = true;
  while (TOKEN.lastIndex < path.length) {
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(path);
    if (!m) return `cannot read path "${path}" at offset ${start}`;
    if (m[1] !== undefined) {
      if (!expectKey) return `missing "." before "${m[1]}" in "${path}"`;
      steps.push({ kind: "key", key: m[1] });
      expectKey = false;
    } else if (m[2] !== undefined) {
      if (expectKey) return `selector [${m[2]}] must follow a name in "${path}"`;
      steps.push({ kind: "select", selector: m[2] });
    } else {
      if (expectKey) return `unexpected "." in "${path}"`;
      expectKey = true;
    }
  }
  if (expectKey) return `path "${path}" ends without a name`;
  return steps;
}

export function resolvePath(root: unknown, path: string): Resolved {
  const steps = parsePath(path);
  if (typeof steps === "string") return { found: false, value: undefined, missingAt: steps };
  let current: unknown = root;
  let walked = "";
  for (const step of steps) {
    const label = step.kind === "key" ? (walked ? `.${step.key}` : step.key) : `[${step.selector}]`;
    const next = step.kind === "key" ? property(current, step.key) : select(current, step.selector);
    if (!next.found) return { found: false, value: undefined, missingAt: walked + label };
    current = next.value;
    walked += label;
  }
  return { found: true, value: current };
}

function property(value: unknown, key: string): Resolved {
  if (Array.isArray(value) && key === "length") return { found: true, value: value.length };
  if (value !== null && typeof value === "object" && Object.hasOwn(value, key)) {
    return { found: true, value: (value as Record<string, unknown>)[key] };
  }
  return { found: false, value: undefined };
}

function select(value: unknown, selector: string): Resolved {
  if (!Array.isArray(value)) return { found: false, value: undefined };
  const hit = (item: unknown) => ({ found: true, value: item });
  if (/^\d+$/.test(selector)) {
    const n = Number(selector);
    const indexed = value.length > 0 && value.every((item) => typeof field(item, "index") === "number");
    if (indexed) {
      const item = value.find((element) => field(element, "index") === n);
      return item === undefined ? { found: false, value: undefined } : hit(item);
    }
    return n < value.length ? hit(value[n]) : { found: false, value: undefined };
  }
  const slash = selector.indexOf("/");
  if (slash > 0) {
    const namespace = selector.slice(0, slash);
    const name = selector.slice(slash + 1);
    const item = value.find((element) => field(element, "namespace") === namespace && field(element, "name") === name);
    return item === undefined ? { found: false, value: undefined } : hit(item);
  }
  const item = value.find(
    (element) => element === selector || field(element, "name") === selector || field(element, "type") === selector,
  );
  return item === undefined ? { found: false, value: undefined } : hit(item);
}

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
}

/** Deep equality of JSON-like values; with `ignoreOrder`, every array is compared as a multiset. */
export function jsonEqual(a: unknown, b: unknown, ignoreOrder = false): boolean {
  return canonical(a, ignoreOrder) === canonical(b, ignoreOrder);
}

function canonical(value: unknown, ignoreOrder: boolean): string {
  if (Array.isArray(value)) {
    const items = value.map((item) => canonical(item, ignoreOrder));
    if (ignoreOrder) items.sort();
    return `[${items.join(",")}]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key], ignoreOrder)}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "undefined";
}
