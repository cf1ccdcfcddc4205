/** Token checks for /__edgeway/status and the opt-in debug headers. */

const encoder = new TextEncoder();

/**
 * Constant-time comparison: both sides are hashed first, so neither the length nor the position of the first
 * differing byte of the secret shows in the timing.
 */
export async function tokenMatches(presented: string | null, expected: string): Promise<boolean> {
  if (!expected || presented === null) return false;
  const [a, b] = await Promise.all([digest(presented), digest(expected)]);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

export function bearerToken(headers: Headers): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.get("authorization") ?? "");
  return match ? match[1]! : null;
}
