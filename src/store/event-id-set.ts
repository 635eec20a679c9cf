/**
 * A compact in-memory set of 64-bit event-ID hashes, for deduplicating appends without a
 * database index. A miss proves an event is new; a hit is checked against the log itself, so a
 * hash collision never drops an event. 8 bytes a slot, at most half full.
 */

/** A 64-bit hash of a string as two 32-bit halves (FNV-1a and a murmur-style mix). */
export function hash64(s: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  b ^= b >>> 16;
  return [a >>> 0, b >>> 0];
}

/** The 64-bit hash of (account, eventID). */
export function eventIdHash(accountId: string, eventId: string): [number, number] {
  return hash64(`${accountId}:${eventId}`);
}

export function hashToBigInt([hi, lo]: [number, number]): bigint {
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
}

export function bigIntToHash(value: bigint): [number, number] {
  const u = BigInt.asUintN(64, value);
  return [Number(u >> 32n), Number(u & 0xffffffffn)];
}

export class EventIdSet {
  /** Slot i holds (hi, lo) at 2i and 2i + 1: one cache line per probe, not one per half. */
  private table: Uint32Array;
  private count = 0;

  constructor(initialCapacity = 1 << 16) {
    let capacity = 1 << 4;
    while (capacity < initialCapacity * 2) capacity <<= 1;
    this.table = new Uint32Array(capacity * 2);
  }

  get size(): number {
    return this.count;
  }

  /** The slot of (hi, lo) in `table`, or of the empty slot where it would go. */
  private static slot(hi: number, lo: number, table: Uint32Array): number {
    const mask = table.length / 2 - 1;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    for (;;) {
      const h = table[2 * i] as number;
      const l = table[2 * i + 1] as number;
      if ((h === 0 && l === 0) || (h === hi && l === lo)) return i;
      i = (i + 1) & mask;
    }
  }

  /** Zero is the empty-slot marker, so a zero hash is stored as (0, 1). */
  private static normalise([hi, lo]: [number, number]): [number, number] {
    return hi === 0 && lo === 0 ? [0, 1] : [hi, lo];
  }

  has(hash: [number, number]): boolean {
    const [hi, lo] = EventIdSet.normalise(hash);
    const i = EventIdSet.slot(hi, lo, this.table);
    return this.table[2 * i] === hi && this.table[2 * i + 1] === lo;
  }

  add(hash: [number, number]): void {
    const [hi, lo] = EventIdSet.normalise(hash);
    if ((this.count + 1) * 4 > this.table.length) this.grow();
    const i = EventIdSet.slot(hi, lo, this.table);
    if (this.table[2 * i] === hi && this.table[2 * i + 1] === lo) return;
    this.table[2 * i] = hi;
    this.table[2 * i + 1] = lo;
    this.count++;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Uint32Array(old.length * 2);
    for (let j = 0; j < old.length; j += 2) {
      const h = old[j] as number;
      const l = old[j + 1] as number;
      if (h === 0 && l === 0) continue;
      const i = EventIdSet.slot(h, l, this.table);
      this.table[2 * i] = h;
      this.table[2 * i + 1] = l;
    }
  }
}
