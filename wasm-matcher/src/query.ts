/**
 * Query parameters as both matchers read them (spec §3, Extended): split on "&", name before the first "=", both
 * percent-decoded ("%41" -> "A"; a "%" without two hex digits stays literal; "+" stays "+", since RFC 3986 gives it
 * no meaning and the `application/x-www-form-urlencoded` reading is a form convention). Compared as bytes.
 */

/** The decoded value of the first parameter whose decoded name is `name`, or null. */
export function firstQueryValue(query: string, name: string): Uint8Array | null {
  const wanted = new TextEncoder().encode(name);
  for (const part of query.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const rawName = eq < 0 ? part : part.slice(0, eq);
    if (!equalBytes(percentDecode(rawName), wanted)) continue;
    return percentDecode(eq < 0 ? "" : part.slice(eq + 1));
  }
  return null;
}

export function percentDecode(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(bytes.length);
  let j = 0;
  for (let i = 0; i < bytes.length; i++) {
    const hi = hex(bytes[i + 1]);
    const lo = hex(bytes[i + 2]);
    if (bytes[i] === 0x25 && hi >= 0 && lo >= 0) {
      out[j++] = hi * 16 + lo;
      i += 2;
    } else {
      out[j++] = bytes[i]!;
    }
  }
  return out.subarray(0, j);
}

function hex(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const l = b | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
