/** One structured access-log line per request (DESIGN.md §3 step 7), written with console.log as JSON. */

export interface AccessLogEntry {
  gateway: string | null;
  method: string;
  host: string;
  path: string;
  route: string | null;
  rule: number | null;
  backend: string | null;
  attempts: number;
  status: number;
  durationMs: number;
  snapshot: string | null;
  /** Why the edge answered itself (404, 503, 400, ...), when it did. */
  reason?: string;
  mirrors?: number;
}

export function writeAccessLog(entry: AccessLogEntry): void {
  console.log(formatAccessLog(entry));
}

/**
 * The line `JSON.stringify({ event: "access", ...entry })` would give (same keys, same order), written field by
 * field: no intermediate object per request, and only the strings go through JSON escaping.
 */
export function formatAccessLog(e: AccessLogEntry): string {
  let line =
    `{"event":"access","gateway":${text(e.gateway)},"method":${text(e.method)},"host":${text(e.host)},` +
    `"path":${text(e.path)},"route":${text(e.route)},"rule":${number(e.rule)},"backend":${text(e.backend)},` +
    `"attempts":${number(e.attempts)},"status":${number(e.status)},"durationMs":${number(e.durationMs)},` +
    `"snapshot":${text(e.snapshot)}`;
  if (e.reason !== undefined) line += `,"reason":${text(e.reason)}`;
  if (e.mirrors !== undefined) line += `,"mirrors":${number(e.mirrors)}`;
  return `${line}}`;
}

function text(value: string | null): string {
  return value === null ? "null" : JSON.stringify(value);
}

/** JSON has no NaN or Infinity: JSON.stringify writes them as null. */
function number(value: number | null): string {
  return value !== null && Number.isFinite(value) ? String(value) : "null";
}
