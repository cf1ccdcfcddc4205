/**
 * The object changes some tests make mid-way (the cases' `Mutation` and `precondition` steps), applied to the object
 * list before re-translating. metadata.generation is bumped as the API server would on a spec change.
 */
import type { KubeObject } from "../../sync-agent/src/translate/api.ts";

function findObject(objects: KubeObject[], kind: string, ref: string): KubeObject | undefined {
  const [a, b] = ref.split("/");
  const [namespace, name] = b === undefined ? [undefined, a] : [a, b];
  return objects.find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
}

function bumpGeneration(object: KubeObject): void {
  object.metadata.generation = (object.metadata.generation ?? 1) + 1;
}

/** `{name: http, port: 80, allowedRoutes.namespaces.from: All}` -> a listener object. */
function parseInlineObject(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of text.split(",")) {
    const colon = part.indexOf(":");
    if (colon < 0) continue;
    const path = part.slice(0, colon).trim().split(".");
    const raw = part.slice(colon + 1).trim();
    const value: unknown = /^\d+$/.test(raw) ? Number(raw) : raw.replace(/^"(.*)"$/, "$1");
    let target = out;
    for (const key of path.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
    target[path.at(-1)!] = value;
  }
  return out;
}

/** Sets `spec.rules[0].backendRefs[0].name`-style paths. */
function setPath(object: Record<string, unknown>, path: string, value: unknown): boolean {
  const keys = path.split(".").flatMap((seg) => {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(seg);
    if (!m) return [seg];
    return [m[1]!, ...[...m[2]!.matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]))];
  });
  let target: unknown = object;
  for (const key of keys.slice(0, -1)) {
    target = (target as Record<string | number, unknown>)?.[key];
    if (target === undefined || target === null) return false;
  }
  (target as Record<string | number, unknown>)[keys.at(-1)!] = value;
  return true;
}

/** Applies one `Mutation` action; returns a problem when the text is not understood or the object is missing. */
export function applyMutation(objects: KubeObject[], action: string, defaultGateway: string | null): string | undefined {
  const m = /^patch (\w+)(?: ([^:\s]+))?: (.*)$/.exec(action);
  if (!m) return `mutation not understood: ${action}`;
  const [, kind, refText, change] = m as unknown as [string, string, string | undefined, string];
  const ref = refText ?? (kind === "Gateway" ? defaultGateway : null);
  if (!ref) return `mutation names no object: ${action}`;
  const object = findObject(objects, kind, ref);
  if (!object) return `mutation target ${kind} ${ref} not found`;
  const spec = (object.spec ??= {}) as { listeners?: Array<Record<string, unknown>> };

  const append = /^append listener \{(.*)\}$/.exec(change);
  const remove = /^remove listener "([^"]+)"/.exec(change);
  const assign = /^([\w.[\]]+) = (.*)$/.exec(change);
  if (append) (spec.listeners ??= []).push(parseInlineObject(append[1]!));
  else if (remove) spec.listeners = (spec.listeners ?? []).filter((l) => l.name !== remove[1]);
  else if (assign) {
    const value = assign[2]!.trim().replace(/^"(.*)"$/, "$1");
    if (!setPath(object as unknown as Record<string, unknown>, assign[1]!, value)) return `mutation path ${assign[1]} not found`;
  } else return `mutation not understood: ${action}`;
  bumpGeneration(object);
  return undefined;
}

/** A case `precondition` such as deleting a ReferenceGrant. */
export function applyPrecondition(objects: KubeObject[], precondition: { action: string; kind: string; ref: string }): string | undefined {
  if (precondition.action !== "delete") return `precondition ${precondition.action} not supported`;
  const object = findObject(objects, precondition.kind, precondition.ref);
  if (!object) return `precondition target ${precondition.kind} ${precondition.ref} not found`;
  objects.splice(objects.indexOf(object), 1);
  return undefined;
}
