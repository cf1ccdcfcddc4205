// Limits and the request/result interface shared with wasm-matcher/src/wasm.ts (keep both in step). Inputs beyond a
// limit make match() return RESULT_TOO_LARGE; the wrapper then answers with the reference matcher (no trap, same
// answer). The worker rejects requests far below these limits before matching.

/**
 * Bytes of the request buffer: method + host + path + query + selected header values, in all 64 bytes less than this
 * (the wrapper keeps the Gateway API method names in the last 64 and points a request with one of them there).
 */
export const REQUEST_BYTES: u32 = 65536;
/**
 * Most "/" in a path whose prefixes are looked up (one 8-byte scratch entry each). 8,192 covers every path of the
 * worker's default 8 KB URL limit, so admitted requests never take the reference-matcher fallback (whose regex VM
 * has no step budget: docs/regex.md "Worst case").
 */
export const MAX_PATH_SLASHES: i32 = 8192;

// Request words (i32), written by the wrapper before each match() call. Offsets are relative to the request bytes.
export const W_SCHEME = 0; // 0 http, 1 https
export const W_PORT = 1;
export const W_METHOD_OFF = 2;
export const W_METHOD_LEN = 3;
export const W_HOST_OFF = 4;
export const W_HOST_LEN = 5;
export const W_PATH_OFF = 6;
export const W_PATH_LEN = 7;
export const W_QUERY_OFF = 8;
export const W_QUERY_LEN = 9;
// Result words, written by match().
export const W_LISTENER = 10;
export const W_ROUTE = 11;
export const W_RULE = 12;
export const W_MATCH = 13;
/** Header slot i: words W_HEADERS + 2i (offset) and + 2i + 1 (length, -1 when the request lacks the header). */
export const W_HEADERS = 16;

// match() results.
export const RESULT_MATCH = 0;
export const RESULT_NO_LISTENER = 1;
export const RESULT_NO_ROUTE = 2;
export const RESULT_TOO_LARGE = 3;
export const RESULT_NOT_LOADED = 4;
