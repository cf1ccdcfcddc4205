/**
 * RequestHeaderModifier / ResponseHeaderModifier (spec §4). Names are case-insensitive (the Headers object
 * lower-cases them, so lower-case client headers are set, added and removed alike); `add` appends to an existing
 * value with "," the way the conformance echo expects (`X-Header-Add: some-other-value,add-appends-values`).
 */
import type { HeaderModifier } from "../../../../schema/snapshot.ts";

export function applyHeaderModifier(headers: Headers, modifier: HeaderModifier): void {
  for (const { name, value } of modifier.set) headers.set(name, value);
  for (const { name, value } of modifier.add) {
    const existing = headers.get(name);
    headers.set(name, existing === null ? value : `${existing},${value}`);
  }
  for (const name of modifier.remove) headers.delete(name);
}
