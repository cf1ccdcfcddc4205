import { W_QUERY_LEN, W_QUERY_OFF } from "./limits";
import { hexValue } from "./bytes";
import { generation, queryNames, querySlots, requestBytes, table, word } from "./state";

// Query parameters (spec §3, Extended): names are case-sensitive, the first value of a repeated name counts, extra
// params never prevent a match. Names and values are compared percent-decoded ("%41" is "A"; a "%" not followed by
// two hex digits stays literal; "+" stays "+", RFC 3986 gives it no meaning in a query). Nothing is decoded up front:
// a slot's value is found on first use per request and cached as raw bytes.

/** Address of slot `slot`'s raw (still encoded) value; only valid after queryValueLen(slot) >= 0. */
export function queryValue(slot: i32): usize {
  return requestBytes + (load<i32>(slotAt(slot), 4) as usize);
}

/** Raw length of the first value of query name `slot`, or -1 when the request has no such parameter. */
export function queryValueLen(slot: i32): i32 {
  const at = slotAt(slot);
  if (load<u32>(at) != generation) findParam(slot, at);
  return load<i32>(at, 8);
}

function slotAt(slot: i32): usize {
  return querySlots + (slot as usize) * 12;
}

function findParam(slot: i32, at: usize): void {
  store<u32>(at, generation);
  store<i32>(at, -1, 8);
  const name = table + (load<u32>(queryNames + ((slot as usize) << 3)) as usize);
  const nameLen = load<i32>(queryNames + ((slot as usize) << 3), 4);
  const q = requestBytes + (word(W_QUERY_OFF) as usize);
  const qLen = word(W_QUERY_LEN);
  let start = 0;
  while (start <= qLen) {
    let end = start;
    let eq = -1;
    while (end < qLen) {
      const c = load<u8>(q + end);
      if (c == 0x26) break; // "&"
      if (c == 0x3d && eq < 0) eq = end; // first "="
      end++;
    }
    if (end > start) {
      const nameEnd = eq < 0 ? end : eq;
      if (decodedEquals(q + start, nameEnd - start, name, nameLen)) {
        const valueStart = eq < 0 ? end : eq + 1;
        store<i32>(at, valueStart + word(W_QUERY_OFF), 4);
        store<i32>(at, end - valueStart, 8);
        return;
      }
    }
    start = end + 1;
  }
}

/**
 * The byte at raw[i] after percent-decoding, with the number of input bytes it used (3 for a valid `%XX`, else 1)
 * in bits 8 and up. A `%` not followed by two hex digits stands for itself.
 */
@inline function decodedByteAt(raw: usize, rawLen: i32, i: i32): u32 {
  const b = load<u8>(raw + i) as u32;
  if (b == 0x25) {
    const hi = i + 1 < rawLen ? hexValue(load<u8>(raw + i + 1)) : -1;
    const lo = i + 2 < rawLen ? hexValue(load<u8>(raw + i + 2)) : -1;
    if (hi >= 0 && lo >= 0) return (((hi << 4) | lo) as u32) | (3 << 8);
  }
  return b | (1 << 8);
}

/** Whether the percent-decoding of `raw` equals the `expected` bytes, decoding on the fly. */
export function decodedEquals(raw: usize, rawLen: i32, expected: usize, expectedLen: i32): bool {
  let i = 0;
  let j = 0;
  while (i < rawLen) {
    const step = decodedByteAt(raw, rawLen, i);
    const b = step & 0xff;
    i += step >> 8;
    if (j >= expectedLen || load<u8>(expected + j) != b) return false;
    j++;
  }
  return j == expectedLen;
}

/** Percent-decodes `raw` into `out` (never longer than the input); returns the decoded length. */
export function decodeInto(raw: usize, rawLen: i32, out: usize): i32 {
  let i = 0;
  let j = 0;
  while (i < rawLen) {
    const step = decodedByteAt(raw, rawLen, i);
    const b = step & 0xff;
    i += step >> 8;
    store<u8>(out + j, b);
    j++;
  }
  return j;
}
