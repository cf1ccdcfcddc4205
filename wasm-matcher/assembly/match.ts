import {
  CANDIDATE_BYTES,
  GROUP_BYTES,
  HOST_ANY,
  HOST_EXACT,
  KEY_HOST_EXACT,
  KEY_HOST_WILDCARD,
  KEY_PATH_EXACT,
  KEY_PATH_PREFIX,
  LISTENER_BYTES,
  LISTENER_HAS_EXACT_HOSTS,
  LISTENER_HAS_WILDCARD_HOSTS,
  NO_GROUP,
} from "./format";
import {
  MAX_PATH_SLASHES,
  RESULT_MATCH,
  RESULT_NO_LISTENER,
  RESULT_NO_ROUTE,
  RESULT_TOO_LARGE,
  W_HOST_LEN,
  W_HOST_OFF,
  W_LISTENER,
  W_MATCH,
  W_PATH_LEN,
  W_PATH_OFF,
  W_PORT,
  W_ROUTE,
  W_RULE,
  W_SCHEME,
} from "./limits";
import { bytesEqual, hashBytes, hashTail, hashWord, tailWord } from "./bytes";
import { conditionsHold } from "./conditions";
import { REGEX_REQUEST_STEPS } from "./regex";
import { setRegexSteps } from "./regex-pike";
import { EXACT_LENGTHS, PREFIX_LENGTHS, entryConditions, entryCount, entryFirst, entryRoute, entryRuleMatch, lengthMask, lookup, mayHaveLength } from "./hash";
import { candidates, groups, listenerCount, listeners, nextGeneration, prefixScratch, requestBytes, setWord, table, word } from "./state";

const NOT_FOUND: i32 = -1;
const TOO_LARGE: i32 = -2;

/** Path facts computed once per request: slash count and the full-path hash (prefix hashes sit in prefixScratch). */
let slashes: i32 = 0;
let pathHash: u32 = 0;
const PATH_NOT_HASHED: i32 = 0;
const PATH_HASHED: i32 = 1;
const PATH_TOO_MANY_SLASHES: i32 = 2;
let pathState: i32 = PATH_NOT_HASHED;

/** One request, read from the request words; writes the result words. */
export function matchRequest(): i32 {
  nextGeneration();
  setRegexSteps(REGEX_REQUEST_STEPS);
  pathState = PATH_NOT_HASHED;
  const listener = selectListener();
  if (listener == 0) return RESULT_NO_LISTENER;
  const index = load<u32>(listener);
  setWord(W_LISTENER, index as i32);
  const host = requestBytes + (word(W_HOST_OFF) as usize);
  const hostLen = word(W_HOST_LEN);
  const flags = load<u32>(listener, 28);
  // Spec §1 "across routes sharing a hostname": the exact hostname group first, then wildcard groups from the
  // longest matching suffix, then routes without hostnames. The first group with a matching rule wins.
  if (flags & LISTENER_HAS_EXACT_HOSTS) {
    const entry = lookup(hashBytes(host, hostLen), (KEY_HOST_EXACT << 24) | index, host, hostLen);
    if (entry != 0) {
      const r = searchGroup(entryFirst(entry));
      if (r != NOT_FOUND) return finish(r);
    }
  }
  if (flags & LISTENER_HAS_WILDCARD_HOSTS) {
    // A wildcard matches one or more labels before the suffix (spec §1), so the suffix starts at a "." past 0.
    for (let i = 1; i < hostLen; i++) {
      if (load<u8>(host + i) != 0x2e) continue;
      const entry = lookup(hashBytes(host + i, hostLen - i), (KEY_HOST_WILDCARD << 24) | index, host + i, hostLen - i);
      if (entry == 0) continue;
      const r = searchGroup(entryFirst(entry));
      if (r != NOT_FOUND) return finish(r);
    }
  }
  const any = load<u32>(listener, 24);
  if (any != NO_GROUP) {
    const r = searchGroup(any);
    if (r != NOT_FOUND) return finish(r);
  }
  return RESULT_NO_ROUTE;
}

/** The winning candidate's route and rule | match << 16, set by scan()/scanEntry() when they return a candidate. */
let wonRoute: u32 = 0;
let wonRuleMatch: u32 = 0;

function finish(r: i32): i32 {
  if (r == TOO_LARGE) return RESULT_TOO_LARGE;
  setWord(W_ROUTE, wonRoute as i32);
  setWord(W_RULE, (wonRuleMatch & 0xffff) as i32);
  setWord(W_MATCH, (wonRuleMatch >>> 16) as i32);
  return RESULT_MATCH;
}

/**
 * Spec §1: listeners on the request's port and protocol, most specific hostname first (the table lists them in that
 * order: exact, wildcards by labels then characters, no hostname); the first whose hostname matches is the only one
 * used (listener isolation). Returns the listener record's address or 0.
 */
function selectListener(): usize {
  const scheme = word(W_SCHEME) as u32;
  const port = word(W_PORT) as u32;
  const host = requestBytes + (word(W_HOST_OFF) as usize);
  const hostLen = word(W_HOST_LEN);
  for (let i: u32 = 0; i < listenerCount; i++) {
    const l = listeners + (i as usize) * LISTENER_BYTES;
    if (load<u32>(l, 4) != port || load<u32>(l, 8) != scheme) continue;
    const kind = load<u32>(l, 12);
    if (kind == HOST_ANY) return l;
    const name = table + (load<u32>(l, 16) as usize);
    const nameLen = load<i32>(l, 20);
    if (kind == HOST_EXACT) {
      if (nameLen == hostLen && bytesEqual(name, host, hostLen)) return l;
    } else if (hostLen > nameLen && bytesEqual(name, host + (hostLen - nameLen), nameLen)) {
      return l;
    }
  }
  return 0;
}

/**
 * The best candidate of one hostname group: the exact-path bucket, then RegularExpression paths, then PathPrefix
 * buckets from the longest matching prefix down to "/". Candidates inside each are in precedence order, so the first
 * whose conditions hold wins. Returns a candidate index, NOT_FOUND or TOO_LARGE.
 */
function searchGroup(group: u32): i32 {
  if (pathState == PATH_NOT_HASHED) hashPath();
  if (pathState == PATH_TOO_MANY_SLASHES) return TOO_LARGE;
  const path = requestBytes + (word(W_PATH_OFF) as usize);
  const pathLen = word(W_PATH_LEN);
  let entry: usize = 0;
  if (mayHaveLength(lengthMask(group, EXACT_LENGTHS), pathLen)) {
    entry = lookup(pathHash, (KEY_PATH_EXACT << 24) | group, path, pathLen);
    if (entry != 0) {
      const r = scanEntry(entry);
      if (r != NOT_FOUND) return r;
    }
  }
  const g = groups + (group as usize) * GROUP_BYTES;
  const r = scan(load<u32>(g), load<u32>(g, 4));
  if (r != NOT_FOUND) return r;
  // Spec §3 PathPrefix is segment-wise: the candidates are the whole path and the path cut before each "/".
  const prefixLengths = lengthMask(group, PREFIX_LENGTHS);
  if (mayHaveLength(prefixLengths, pathLen)) {
    entry = lookup(pathHash, (KEY_PATH_PREFIX << 24) | group, path, pathLen);
    if (entry != 0) {
      const r = scanEntry(entry);
      if (r != NOT_FOUND) return r;
    }
  }
  for (let s = slashes - 1; s >= 0; s--) {
    const at = prefixScratch + ((s as usize) << 3);
    const cut = load<i32>(at);
    if (!mayHaveLength(prefixLengths, cut)) continue;
    entry = lookup(load<u32>(at, 4), (KEY_PATH_PREFIX << 24) | group, path, cut);
    if (entry != 0) {
      const r = scanEntry(entry);
      if (r != NOT_FOUND) return r;
    }
  }
  return NOT_FOUND;
}

/** The first candidate of `count` from `first` whose conditions hold (its index), or NOT_FOUND. */
function scan(first: u32, count: u32): i32 {
  for (let i: u32 = 0; i < count; i++) {
    const c = candidates + ((first + i) as usize) * CANDIDATE_BYTES;
    const conds = load<u32>(c, 8);
    if (conds == 0 || conditionsHold(table + (conds as usize))) {
      wonRoute = load<u32>(c);
      wonRuleMatch = load<u32>(c, 4);
      return (first + i) as i32;
    }
  }
  return NOT_FOUND;
}

/** scan() over a path key's run, its first candidate read from the runtime slot (no candidate record). */
function scanEntry(entry: usize): i32 {
  const first = entryFirst(entry);
  const count = entryCount(entry);
  if (count == 0) return NOT_FOUND;
  const conds = entryConditions(entry);
  if (conds == 0 || conditionsHold(table + (conds as usize))) {
    wonRoute = entryRoute(entry);
    wonRuleMatch = entryRuleMatch(entry);
    return first as i32;
  }
  return scan(first + 1, count - 1);
}

/**
 * The key hash of the whole path and of every prefix that ends before a "/" (recorded in prefixScratch as (cut, hash),
 * in path order, for searchGroup). One pass over the path's u32 words: the "/" bytes of a word are found with a SWAR
 * test, and the hash of a prefix cut inside a word is the chain state before the word plus one tail step over the
 * word's bytes before the cut (bytes.ts: the same hash as the table's keys).
 */
function hashPath(): void {
  const path = requestBytes + (word(W_PATH_OFF) as usize);
  const pathLen = word(W_PATH_LEN);
  let h: u32 = 0;
  let n = 0;
  for (let i = 0; i < pathLen; i += 4) {
    const w = load<u32>(path + i);
    // 0x80 in each byte of w that is "/" (exact per byte: no borrow between bytes), none past the path's end.
    const x = w ^ 0x2f2f2f2f;
    let m = ~(((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x | 0x7f7f7f7f);
    if (pathLen - i < 4) m &= ((1 as u32) << (((pathLen - i) as u32) << 3)) - 1;
    while (m != 0) {
      if (n == MAX_PATH_SLASHES) {
        pathState = PATH_TOO_MANY_SLASHES;
        return;
      }
      const cut = i + ((ctz<u32>(m) >>> 3) as i32);
      const at = prefixScratch + ((n as usize) << 3);
      store<i32>(at, cut);
      store<u32>(at, h ^ hashTail(tailWord(path + i, cut)) ^ (cut as u32), 4);
      n++;
      m &= m - 1;
    }
    if (i + 4 <= pathLen) h = hashWord(h, w);
  }
  slashes = n;
  pathHash = h ^ hashTail(tailWord(path + (pathLen & ~3), pathLen)) ^ (pathLen as u32);
  pathState = PATH_HASHED;
}
