/**
 * Light validation of a TLS Secret referenced by an HTTPS listener. The edge terminates TLS with Cloudflare's own
 * certificates, so edgeway never uses the key material; but the spec expects a malformed Secret to make the
 * listener `ResolvedRefs=False/InvalidCertificateRef`, so the PEM framing is checked when data is present.
 */
import type { KubeObject } from "./api.ts";
import { obj, str } from "../k8s/fields.ts";

export function secretProblem(secret: KubeObject): string | undefined {
  const data = obj(secret.data);
  const crt = str(data["tls.crt"]);
  const key = str(data["tls.key"]);
  // Secrets read from files often omit data (it lives elsewhere); only judge what is there.
  if (crt === undefined && key === undefined) return undefined;
  if (crt === undefined || key === undefined) return "needs both tls.crt and tls.key";
  const crtText = decodeBase64(crt);
  const keyText = decodeBase64(key);
  if (crtText === undefined || !crtText.includes("-----BEGIN CERTIFICATE-----")) return "tls.crt is not a PEM certificate";
  if (keyText === undefined || !/-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/.test(keyText)) return "tls.key is not a PEM private key";
  return undefined;
}

function decodeBase64(text: string): string | undefined {
  try {
    return Buffer.from(text, "base64").toString("latin1");
  } catch {
    return undefined;
  }
}
