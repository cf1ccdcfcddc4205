// A lazy DFA over the same program, built during one call in a fixed slice of the caller's scratch (no allocation).
// A DFA state is the list of NFA states (consuming instructions and Match) the Pike VM would hold; its transitions are
// computed the first time a byte class leaves it, so each further byte costs one table load instead of one step per
// thread. The cache holds what fits in DFA_BYTES; when full it is flushed, and after MAX_FLUSHES flushes the call
// continues in the Pike VM from the current thread list, so the worst case stays O(input x program).
// Programs with assertions (^ $ \b ...) inside the pattern depend on the position, not only on the state: those run
// in the Pike VM (leading ^ and trailing $ are removed at compile time, so common patterns still qualify).
import {
  OP_ASSERT,
  OP_BYTE,
  OP_CLASS,
  OP_MATCH,
  OP_RANGE,
  PROGRAM_HEADER_BYTES,
  addClosure,
  consumes,
  pikeRun,
  spendSteps,
} from "./regex-pike";

/** Bytes of scratch the DFA cache uses (after the Pike area). */
export const DFA_BYTES: i32 = 131072;

// Cache layout: byte-class map (256 u8) | hash slots (HASH_SLOTS u32: state offset + 1, 0 empty) | state records.
// State record at a 4-aligned offset from `states`: word 0 = NFA state count | isMatch << 31, word 1 = hash,
// then one transition word per byte class (0 unknown, DEAD, else target offset + 1), then the NFA states.
const CLASS_MAP_BYTES: usize = 256;
const HASH_SLOTS: u32 = 1024;
const HASH_BYTES: usize = (HASH_SLOTS as usize) << 2;
const STATES_BYTES: u32 = (DFA_BYTES as u32) - (CLASS_MAP_BYTES as u32) - (HASH_BYTES as u32);
const MAX_STATES: u32 = (HASH_SLOTS >>> 2) * 3;
const MAX_FLUSHES: i32 = 3;
const DEAD: u32 = 0xffffffff;
const NONE: u32 = 0xffffffff;
const MATCH_BIT: u32 = 0x80000000;

/** How the last dfaRun finished: 1 in the DFA, 2 in the Pike VM after MAX_FLUSHES (for tests and benches). */
export let dfaLastOutcome: i32 = 0;

/**
 * Fills the byte-class map at `dfa` (bytes that no instruction tells apart share a class) and returns the number of
 * classes, or 0 when the program has an assertion and cannot run as a DFA.
 */
export function buildByteClasses(prog: usize, dfa: usize): u32 {
  const n = load<u32>(prog, 4) as usize;
  const insts = prog + PROGRAM_HEADER_BYTES;
  memory.fill(dfa, 0, CLASS_MAP_BYTES);
  for (let pc: usize = 0; pc < n; pc++) {
    const w = load<u32>(insts + (pc << 3));
    const op = w & 0xff;
    const arg = w >>> 8;
    if (op == OP_ASSERT) return 0;
    if (op == OP_BYTE) {
      markBoundary(dfa, arg);
      markBoundary(dfa, arg + 1);
    } else if (op == OP_RANGE) {
      markBoundary(dfa, arg & 0xff);
      markBoundary(dfa, (arg >>> 8) + 1);
    }
  }
  const classes = insts + (n << 3);
  const classCount = load<u32>(prog, 8) as usize;
  for (let c: usize = 0; c < classCount; c++) {
    const bitmap = classes + (c << 5);
    for (let b: u32 = 1; b < 256; b++) if (bitOf(bitmap, b) != bitOf(bitmap, b - 1)) markBoundary(dfa, b);
  }
  let id: u32 = 0;
  for (let b: usize = 0; b < 256; b++) {
    if (b > 0 && load<u8>(dfa + b) != 0) id++;
    store<u8>(dfa + b, id as u8);
  }
  return id + 1;
}

// @ts-ignore: decorator
@inline function markBoundary(dfa: usize, b: u32): void {
  if (b < 256) store<u8>(dfa + (b as usize), 1);
}

// @ts-ignore: decorator
@inline function bitOf(bitmap: usize, b: u32): u32 {
  return ((load<u8>(bitmap + ((b >>> 3) as usize)) as u32) >>> (b & 7)) & 1;
}

/**
 * Full match with the lazy DFA. `scratch` is the Pike area (list A doubles as the work list), `dfa` the cache area
 * whose class map `buildByteClasses` has filled with `nClasses` classes.
 */
export function dfaRun(prog: usize, scratch: usize, dfa: usize, nClasses: u32, input: usize, len: i32): bool {
  const n = load<u32>(prog, 4) as usize;
  const insts = prog + PROGRAM_HEADER_BYTES;
  const classes = insts + (n << 3);
  const stack = scratch + (n << 4);
  const slots = dfa + CLASS_MAP_BYTES;
  const states = slots + HASH_BYTES;
  const transBytes = nClasses << 2;
  memory.fill(slots, 0, HASH_BYTES);
  let used: u32 = 0;
  let count: u32 = 0;
  let flushes: i32 = 0;
  dfaLastOutcome = 1;

  let size = compact(insts, n, scratch, addClosure(insts, n, scratch, 0, load<u32>(prog, 12), stack, input, len, 0));
  if ((size & ~MATCH_BIT) == 0) return false;
  let s = insertState(states, slots, used, scratch, size, transBytes);
  used += 8 + transBytes + ((size & ~MATCH_BIT) << 2);
  count++;

  for (let i = 0; i < len; i++) {
    const b = load<u8>(input + i) as u32;
    const edge = states + (s as usize) + 8 + ((load<u8>(dfa + (b as usize)) as usize) << 2);
    let t = load<u32>(edge);
    if (t == DEAD) return false;
    if (t == 0) {
      // Unknown edge: one Pike step from this state's NFA states, into list A.
      const k = load<u32>(states + (s as usize)) & ~MATCH_BIT;
      if (!spendSteps(k)) return false;
      const list = states + (s as usize) + 8 + (transBytes as usize);
      let next: u32 = 0;
      for (let j: usize = 0; j < (k as usize); j++) {
        const at = insts + ((load<u32>(list + (j << 2)) as usize) << 3);
        if (consumes(classes, load<u32>(at), b)) next = addClosure(insts, n, scratch, next, load<u32>(at, 4), stack, input, len, i + 1);
      }
      size = compact(insts, n, scratch, next);
      if ((size & ~MATCH_BIT) == 0) {
        store<u32>(edge, DEAD);
        return false;
      }
      let found = findState(states, slots, scratch, size, transBytes);
      let flushed = false;
      if (found == NONE) {
        const need = 8 + transBytes + ((size & ~MATCH_BIT) << 2);
        if (used + need > STATES_BYTES || count >= MAX_STATES) {
          // Too many distinct states for the cache: the DFA is not paying off, finish in the Pike VM.
          if (flushes == MAX_FLUSHES) {
            dfaLastOutcome = 2;
            return pikeRun(prog, scratch, size & ~MATCH_BIT, input, i + 1, len);
          }
          flushes++;
          flushed = true;
          memory.fill(slots, 0, HASH_BYTES);
          used = 0;
          count = 0;
        }
        found = insertState(states, slots, used, scratch, size, transBytes);
        used += need;
        count++;
      }
      t = found + 1;
      if (!flushed) store<u32>(edge, t);
    }
    s = t - 1;
  }
  return (load<u32>(states + (s as usize)) & MATCH_BIT) != 0;
}

/**
 * Keeps only the consuming and Match states of list A (dense at `set`, `size` entries), in order, and re-indexes the
 * sparse half so the list is a valid Pike thread list. Returns the new size | MATCH_BIT when Match is among them.
 */
function compact(insts: usize, n: usize, set: usize, size: u32): u32 {
  const sparse = set + (n << 2);
  let kept: u32 = 0;
  let isMatch: u32 = 0;
  for (let j: usize = 0; j < (size as usize); j++) {
    const pc = load<u32>(set + (j << 2));
    const op = load<u32>(insts + ((pc as usize) << 3)) & 0xff;
    if (op == OP_MATCH) isMatch = MATCH_BIT;
    else if (op != OP_BYTE && op != OP_RANGE && op != OP_CLASS) continue;
    store<u32>(set + ((kept as usize) << 2), pc);
    store<u32>(sparse + ((pc as usize) << 2), kept);
    kept++;
  }
  return kept | isMatch;
}

function hashList(list: usize, k: u32): u32 {
  let h: u32 = 0x811c9dc5;
  for (let j: usize = 0; j < (k as usize); j++) h = (h ^ load<u32>(list + (j << 2))) * 0x01000193;
  return h ^ (h >>> 15);
}

/** The offset of the state whose NFA list equals list A (`size` = count | match bit), or NONE. */
function findState(states: usize, slots: usize, list: usize, size: u32, transBytes: u32): u32 {
  const k = size & ~MATCH_BIT;
  const h = hashList(list, k);
  // The table is never more than 3/4 full (MAX_STATES), so the probe always reaches an empty slot.
  let slot = h & (HASH_SLOTS - 1);
  let entry = load<u32>(slots + ((slot as usize) << 2));
  while (entry != 0) {
    const at = states + ((entry - 1) as usize);
    if (load<u32>(at) == size && load<u32>(at, 4) == h && memory.compare(at + 8 + (transBytes as usize), list, (k as usize) << 2) == 0) {
      return entry - 1;
    }
    slot = (slot + 1) & (HASH_SLOTS - 1);
    entry = load<u32>(slots + ((slot as usize) << 2));
  }
  return NONE;
}

/** Writes a state for list A at offset `used` with unknown transitions, indexes it, and returns its offset. */
function insertState(states: usize, slots: usize, used: u32, list: usize, size: u32, transBytes: u32): u32 {
  const k = size & ~MATCH_BIT;
  const h = hashList(list, k);
  const at = states + (used as usize);
  store<u32>(at, size);
  store<u32>(at, h, 4);
  memory.fill(at + 8, 0, transBytes as usize);
  memory.copy(at + 8 + (transBytes as usize), list, (k as usize) << 2);
  let slot = h & (HASH_SLOTS - 1);
  while (load<u32>(slots + ((slot as usize) << 2)) != 0) slot = (slot + 1) & (HASH_SLOTS - 1);
  store<u32>(slots + ((slot as usize) << 2), used + 1);
  return used;
}
