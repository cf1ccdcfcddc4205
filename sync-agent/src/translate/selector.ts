/**
 * Kubernetes label selectors (metav1.LabelSelector) for `allowedRoutes.namespaces.selector` (spec §2).
 */
import type { ObjectIndex } from "../k8s/index.ts";
import { list, obj, objList, str, strMap } from "../k8s/fields.ts";

/**
 * A Namespace's labels. The API server always sets `kubernetes.io/metadata.name`; it is added here too so that
 * selectors on it work for namespaces that are referenced but not present in the input files.
 */
export function namespaceLabels(index: ObjectIndex, namespace: string): Record<string, string> {
  index.reads?.add(namespace);
  let labels = index.namespaceLabels.get(namespace);
  if (labels === undefined) {
    const object = index.namespaces.get(namespace);
    labels = { ...(object ? strMap(object.metadata.labels) : {}), "kubernetes.io/metadata.name": namespace };
    index.namespaceLabels.set(namespace, labels);
  }
  return labels;
}

export type SelectorResult = { ok: true; matches: (labels: Record<string, string>) => boolean } | { ok: false; message: string };

/** Compiles a LabelSelector; an unknown operator or malformed requirement is an error, not a silent match. */
export function compileSelector(selector: unknown): SelectorResult {
  const spec = obj(selector);
  const matchLabels = strMap(spec.matchLabels);
  const tests: ((labels: Record<string, string>) => boolean)[] = [];
  for (const [key, value] of Object.entries(matchLabels)) tests.push((labels) => labels[key] === value);
  for (const expr of objList(spec.matchExpressions)) {
    const key = str(expr.key);
    const operator = str(expr.operator);
    const values = list(expr.values).filter((v): v is string => typeof v === "string");
    if (key === undefined) return { ok: false, message: "matchExpressions entry without a key" };
    switch (operator) {
      case "In":
        if (values.length === 0) return { ok: false, message: `matchExpressions "${key} In" needs values` };
        tests.push((labels) => labels[key] !== undefined && values.includes(labels[key]));
        break;
      case "NotIn":
        if (values.length === 0) return { ok: false, message: `matchExpressions "${key} NotIn" needs values` };
        tests.push((labels) => labels[key] === undefined || !values.includes(labels[key]));
        break;
      case "Exists":
        tests.push((labels) => labels[key] !== undefined);
        break;
      case "DoesNotExist":
        tests.push((labels) => labels[key] === undefined);
        break;
      default:
        return { ok: false, message: `matchExpressions operator "${String(operator)}" is not one of In, NotIn, Exists, DoesNotExist` };
    }
  }
  return { ok: true, matches: (labels) => tests.every((test) => test(labels)) };
}
