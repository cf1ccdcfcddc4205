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
  console.log(JSON.stringify({ event: "access", ...entry }));
}
