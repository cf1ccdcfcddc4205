/**
 * Safe readers for loosely typed Kubernetes objects. Manifests come from users: any field may be missing or of the
 * wrong type, and the translator must turn that into a condition, never a TypeError.
 */

export type Obj = Record<string, unknown>;

export function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Shared empty results: readers run for every field of every object, so missing fields must not allocate. */
const EMPTY_OBJ: Obj = Object.freeze({}) as Obj;
const EMPTY_LIST: unknown[] = Object.freeze([]) as unknown as unknown[];

export function obj(value: unknown): Obj {
  return isObj(value) ? value : EMPTY_OBJ;
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : EMPTY_LIST;
}

export function objList(value: unknown): Obj[] {
  return list(value).map(obj);
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export function bool(value: unknown): boolean | undefined {
  return typeof value === "boolean" ? value : undefined;
}

export function strMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(value))) if (typeof v === "string") out[k] = v;
  return out;
}
