/**
 * ReferenceGrant (spec §8): a cross-namespace reference is allowed only if a grant in the *target* namespace has a
 * `from` entry matching the referrer's group/kind/namespace and a `to` entry matching the target's group/kind (and
 * name, when the entry names one). Route -> Gateway attachment never needs one.
 */
import type { ObjectIndex } from "../k8s/index.ts";
import { objList, obj, str } from "../k8s/fields.ts";

export interface Referrer {
  group: string;
  kind: string;
  namespace: string;
}

export interface Target {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

export function referencePermitted(index: ObjectIndex, from: Referrer, to: Target): boolean {
  if (from.namespace === to.namespace) return true;
  index.reads?.add(to.namespace);
  const grants = index.referenceGrants.get(to.namespace);
  if (grants === undefined) return false;
  for (const grant of grants) {
    const spec = obj(grant.spec);
    const fromOk = objList(spec.from).some(
      (f) => (str(f.group) ?? "") === from.group && str(f.kind) === from.kind && str(f.namespace) === from.namespace,
    );
    if (!fromOk) continue;
    const toOk = objList(spec.to).some((t) => {
      const name = str(t.name);
      return (str(t.group) ?? "") === to.group && str(t.kind) === to.kind && (name === undefined || name === "" || name === to.name);
    });
    if (toOk) return true;
  }
  return false;
}
