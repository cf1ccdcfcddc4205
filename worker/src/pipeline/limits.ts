/**
 * Request limits, checked before routing so an oversized request never reaches an origin (DESIGN.md §4):
 * URL length -> 414 (RFC 9110 §15.5.15), header bytes -> 431 (RFC 6585 §5), declared body size -> 413
 * (RFC 9110 §15.5.14); a malformed Content-Length is a 400 (RFC 9112 §6.3). Bodies without a Content-Length are counted while they stream (see body.ts).
 */
import type { WorkerConfig } from "../env.ts";

export interface LimitViolation {
  status: 400 | 413 | 414 | 431;
  reason: string;
}

/** What the limits read of the request's headers (forward.ts `readClientHeaders` collects it in its one pass). */
export interface HeaderFacts {
  /** Header fields as on the wire, "name: value\r\n" each. */
  bytes: number;
  contentLength: string | null;
}

export function checkRequestLimits(url: string, headers: HeaderFacts, config: WorkerConfig): LimitViolation | null {
  if (url.length > config.maxUrlLength) {
    return { status: 414, reason: `URL longer than ${config.maxUrlLength} bytes` };
  }
  if (headers.bytes > config.maxHeaderBytes) {
    return { status: 431, reason: `request headers larger than ${config.maxHeaderBytes} bytes` };
  }
  const declared = headers.contentLength;
  if (declared !== null) {
    const length = Number(declared);
    if (!/^\d+$/.test(declared.trim()) || !Number.isSafeInteger(length)) return { status: 400, reason: "invalid Content-Length" };
    if (length > config.maxBodyBytes) return { status: 413, reason: `body larger than ${config.maxBodyBytes} bytes` };
  }
  return null;
}
