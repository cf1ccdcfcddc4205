/**
 * JSON logs, one line per event, to stdout. Fields are flat and named; callers never pass secrets (tokens and keys are
 * read from files by the code that uses them and never reach a log call).
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function jsonLogger(
  level: LogLevel = "info",
  write: (line: string) => void = (line) => process.stdout.write(line + "\n"),
  base: Record<string, unknown> = {},
): Logger {
  const emit = (lvl: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...base, ...normalize(fields) }));
  };
  return {
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    child: (fields) => jsonLogger(level, write, { ...base, ...fields }),
  };
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silentLogger };

function normalize(fields: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!fields) return fields;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? errorText(v) : v;
  return out;
}

/** A one-line description of an error, without response headers or request bodies (which may carry credentials). */
export function errorText(e: unknown): string {
  if (e && typeof e === "object") {
    const code = (e as { code?: unknown; statusCode?: unknown }).code ?? (e as { statusCode?: unknown }).statusCode;
    const body = (e as { body?: unknown }).body;
    const reason = body && typeof body === "object" ? (body as { message?: unknown }).message : undefined;
    if (typeof code === "number") return `HTTP ${code}${typeof reason === "string" ? `: ${reason}` : ""}`;
    if (e instanceof Error) return e.message.split("\n")[0] ?? e.name;
  }
  return String(e);
}
