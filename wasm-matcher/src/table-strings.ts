import { doubledUntil, grownTo } from "./grow.ts";
import { hashTail, hashWord, keyHash } from "./table-format.ts";

/**
 * The distinct strings of one route table (path keys, host patterns, condition values), each stored once as UTF-8
 * and known by a small id, with its keyHash (table-format.ts: the string part of every hash key that names it).
 *
 * A 10,000-route table interns some 60,000 strings. Looking them up in a Map<string> costs a few cache misses per
 * lookup (the map's buckets, then the key strings spread over the heap); here a string is encoded into one
 * contiguous buffer, hashed there, and compared byte by byte against the one or two candidates its hash names.
 * Equal strings are equal byte sequences (strings with lone surrogates, which UTF-8 cannot hold, go by a Map).
 */
export class StringTable {
  /** Number of strings; ids are 0 .. count-1 in order of first intern. */
  count = 0;
  private bytes: Uint8Array;
  private used = 0;
  private offs: Int32Array;
  private lens: Int32Array;
  private hashes: Uint32Array;
  /**
   * Open addressing on the hash, load factor <= 0.5: pairs (id + 1, hash), 0 = empty, so a probe reads the hash from
   * the slot's own cache line instead of from `hashes`.
   */
  private slots: Int32Array;
  private readonly unpaired = new Map<string, number>();
  private static encoder = new TextEncoder();

  /** `expected`: about how many strings will be interned (the arrays start that large and grow past it). */
  constructor(expected = 1024) {
    let ids = 1024;
    while (ids < expected) ids *= 2;
    this.bytes = new Uint8Array(ids * 16);
    this.offs = new Int32Array(ids);
    this.lens = new Int32Array(ids);
    this.hashes = new Uint32Array(ids);
    this.slots = new Int32Array(ids * 4);
  }

  /**
   * The id of `s.slice(from)`, lower-cased first when `lower` (as String.prototype.toLowerCase: ASCII strings are
   * mapped here without building the lower-case or sliced string).
   */
  intern(s: string, from = 0, lower = false, to = s.length): number {
    const chars = to - from;
    // At most 3 UTF-8 bytes per UTF-16 code unit.
    if (this.used + chars * 3 > this.bytes.length) this.growBytes(chars * 3);
    const buffer = this.bytes;
    const off = this.used;
    // keyHash (table-format.ts) of the bytes as they are written: murmur3_32's body per 4 bytes, the tail, the length.
    let h = 0;
    let word = 0;
    for (let i = 0; i < chars; i++) {
      let c = s.charCodeAt(from + i);
      if (c >= 0x80) return this.internText(s.slice(from, to), lower);
      if (lower && c >= 0x41 && c <= 0x5a) c += 0x20;
      buffer[off + i] = c;
      word |= c << ((i & 3) << 3);
      if ((i & 3) === 3) {
        h = hashWord(h, word);
        word = 0;
      }
    }
    return this.find(off, chars, (h ^ hashTail(word) ^ chars) >>> 0);
  }

  /** Interns a string that is not all ASCII. */
  private internText(text: string, lower: boolean): number {
    const s = lower ? text.toLowerCase() : text;
    if (hasLoneSurrogate(s)) return this.internUnpaired(s);
    if (this.used + s.length * 3 > this.bytes.length) this.growBytes(s.length * 3);
    const off = this.used;
    const len = StringTable.encoder.encodeInto(s, this.bytes.subarray(off)).written;
    return this.find(off, len, keyHash(this.bytes, off, off + len));
  }

  /** The id of the bytes just written at the end of the buffer: an earlier equal string's, or a new one. */
  private find(off: number, len: number, hash: number): number {
    const buffer = this.bytes;
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    let slot = hash & mask;
    for (let entry = slots[slot * 2]!; entry !== 0; entry = slots[slot * 2]!) {
      const id = entry - 1;
      if (slots[slot * 2 + 1] === (hash | 0) && this.lens[id] === len && sameBytes(buffer, this.offs[id]!, off, len)) return id;
      slot = (slot + 1) & mask;
    }
    this.used = off + len;
    return this.add(off, len, hash, slot);
  }

  /** The string's UTF-8 bytes are `bytesOf()[offsetOf(id) .. offsetOf(id) + lengthOf(id)]`. */
  bytesOf(): Uint8Array {
    return this.bytes;
  }

  offsetOf(id: number): number {
    return this.offs[id]!;
  }

  lengthOf(id: number): number {
    return this.lens[id]!;
  }

  hashOf(id: number): number {
    return this.hashes[id]!;
  }

  private add(off: number, len: number, hash: number, slot: number): number {
    const id = this.count++;
    if (id === this.offs.length) this.growIds();
    this.offs[id] = off;
    this.lens[id] = len;
    this.hashes[id] = hash;
    this.slots[slot * 2] = id + 1;
    this.slots[slot * 2 + 1] = hash;
    if (this.count * 4 > this.slots.length) this.rehash();
    return id;
  }

  /** A string that is not valid UTF-16 is stored with U+FFFD in place of each lone surrogate, under its own id. */
  private internUnpaired(s: string): number {
    let id = this.unpaired.get(s);
    if (id !== undefined) return id;
    if (this.used + s.length * 3 > this.bytes.length) this.growBytes(s.length * 3);
    const off = this.used;
    const len = StringTable.encoder.encodeInto(s, this.bytes.subarray(off)).written;
    this.used = off + len;
    id = this.count++;
    if (id === this.offs.length) this.growIds();
    this.offs[id] = off;
    this.lens[id] = len;
    this.hashes[id] = keyHash(this.bytes, off, off + len);
    this.unpaired.set(s, id);
    return id;
  }

  private growBytes(extra: number): void {
    this.bytes = grownTo(this.bytes.subarray(0, this.used), doubledUntil(this.bytes.length, this.used + extra));
  }

  private growIds(): void {
    const size = this.offs.length * 2;
    this.offs = grownTo(this.offs, size);
    this.lens = grownTo(this.lens, size);
    this.hashes = grownTo(this.hashes, size);
  }

  private rehash(): void {
    const old = this.slots;
    const slots = new Int32Array(old.length * 2);
    const mask = (slots.length >> 1) - 1;
    for (let k = 0; k < old.length; k += 2) {
      if (old[k] === 0) continue;
      let slot = old[k + 1]! & mask;
      while (slots[slot * 2] !== 0) slot = (slot + 1) & mask;
      slots[slot * 2] = old[k]!;
      slots[slot * 2 + 1] = old[k + 1]!;
    }
    this.slots = slots;
  }
}

function sameBytes(bytes: Uint8Array, a: number, b: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (bytes[a + i] !== bytes[b + i]) return false;
  return true;
}

function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    return true;
  }
  return false;
}
