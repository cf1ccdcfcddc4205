import {
  COND_BYTES,
  COND_HEADER_EXACT,
  COND_HEADER_REGEX,
  COND_METHOD,
  COND_PATH_REGEX,
  COND_QUERY_EXACT,
  COND_QUERY_REGEX,
} from "./format";
import { W_HEADERS, W_METHOD_LEN, W_METHOD_OFF, W_PATH_LEN, W_PATH_OFF } from "./limits";
import { bytesEqual } from "./bytes";
import { decodeInto, decodedEquals, queryValue, queryValueLen } from "./query";
import { regexFullMatch } from "./regex";
import { queryDecoded, regexScratch, requestBytes, table, word } from "./state";

/**
 * Whether every condition of a match holds (spec §3: path, headers, query params and method are ANDed). The path
 * condition of Exact/PathPrefix candidates was already satisfied by the bucket lookup; a RegularExpression path is
 * a condition here. Absent headers/params never match, not even `.*`.
 */
export function conditionsHold(condList: usize): bool {
  const n = load<u32>(condList);
  let c = condList + 4;
  for (let i: u32 = 0; i < n; i++, c += COND_BYTES) {
    const w = load<u32>(c);
    const kind = w & 0xff;
    const slot = (w >>> 8) as i32;
    const a = table + (load<u32>(c, 4) as usize);
    const b = load<i32>(c, 8);
    if (kind == COND_METHOD) {
      if (word(W_METHOD_LEN) != b || !bytesEqual(requestBytes + (word(W_METHOD_OFF) as usize), a, b)) return false;
    } else if (kind == COND_HEADER_EXACT || kind == COND_HEADER_REGEX) {
      const len = word(W_HEADERS + 2 * slot + 1);
      if (len < 0) return false;
      const value = requestBytes + (word(W_HEADERS + 2 * slot) as usize);
      if (kind == COND_HEADER_EXACT) {
        if (len != b || !bytesEqual(value, a, b)) return false;
      } else if (!regexFullMatch(a, value, len, regexScratch)) return false;
    } else if (kind == COND_QUERY_EXACT || kind == COND_QUERY_REGEX) {
      const rawLen = queryValueLen(slot);
      if (rawLen < 0) return false;
      const raw = queryValue(slot);
      if (kind == COND_QUERY_EXACT) {
        if (!decodedEquals(raw, rawLen, a, b)) return false;
      } else {
        const len = decodeInto(raw, rawLen, queryDecoded);
        if (!regexFullMatch(a, queryDecoded, len, regexScratch)) return false;
      }
    } else if (kind == COND_PATH_REGEX) {
      if (!regexFullMatch(a, requestBytes + (word(W_PATH_OFF) as usize), word(W_PATH_LEN), regexScratch)) return false;
    }
  }
  return true;
}
