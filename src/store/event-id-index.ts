/**
 * A compact in-memory index from 64-bit event-ID hashes to the events' positions in the log, for
 * deduplicating appends and finding an event by ID without a database index or a scan. A miss
 * proves an event is new; a hit names the positions to check against the log itself, so a hash
 * collision never drops an event nor finds the wrong one. 8 bytes a slot, at most 70% full.
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

/** Largest share of slots in use before the table doubles (linear probing stays short below it). */
const MAX_LOAD = 0.7;

/** The 32-bit tag a hash is kept as: both halves mixed, never 0 (the empty-slot marker). */
function tagOf([hi, lo]: [number, number]): number {
  const t = (Math.imul(hi ^ (lo >>> 15), 0x2c1b3c6d) ^ lo) >>> 0;
  return t === 0 ? 1 : t;
}

/**
 * Hash → positions, in open addressing on 32-bit tags. A tag's home slot is a function of the tag
 * alone, so the table can grow without the hashes; the price is that only 32 bits tell events
 * apart: with n events indexed, a new event's tag is already there with probability about n/2^32
 * (0.2% at ten million), and then the log is asked — a read of the few rows named, not a scan.
 */
export class EventIdIndex {
  /**
   * Slot i holds (tag, position) at 2i and 2i + 1; the position is the event's sequence number
   * modulo 2^32 (`candidates` widens it back).
   */
  private table: Uint32Array;
  private count = 0;

  constructor(initialCapacity = 1 << 16) {
    let capacity = 1 << 4;
    while (capacity * MAX_LOAD < initialCapacity) capacity <<= 1;
    this.table = new Uint32Array(capacity * 2);
  }

  get size(): number {
    return this.count;
  }

  private static home(tag: number, table: Uint32Array): number {
    return (Math.imul(tag, 0x9e3779b1) >>> 0) & (table.length / 2 - 1);
  }

  has(hash: [number, number]): boolean {
    const tag = tagOf(hash);
    const table = this.table;
    const mask = table.length / 2 - 1;
    for (let i = EventIdIndex.home(tag, table); ; i = (i + 1) & mask) {
      const t = table[2 * i] as number;
      if (t === tag) return true;
      if (t === 0) return false;
    }
  }

  /**
   * The positions, not above `lastSeq`, of the events whose hash may be this one: every slot of
   * the tag's probe run that holds the tag, each position modulo 2^32 widened to every sequence
   * number it stands for.
   */
  candidates(hash: [number, number], lastSeq: bigint): bigint[] {
    const tag = tagOf(hash);
    const table = this.table;
    const mask = table.length / 2 - 1;
    const out: bigint[] = [];
    for (let i = EventIdIndex.home(tag, table); ; i = (i + 1) & mask) {
      const t = table[2 * i] as number;
      if (t === 0) return out;
      if (t !== tag) continue;
      for (let seq = BigInt(table[2 * i + 1] as number); seq <= lastSeq; seq += 0x1_0000_0000n) {
        if (seq > 0n) out.push(seq);
      }
    }
  }

  /** Adds an event's hash at its position (a hash may be at several positions). */
  add(hash: [number, number], position: bigint): void {
    this.addTag(tagOf(hash), Number(BigInt.asUintN(32, position)));
  }

  /**
   * Bulk loading from the log's 64-bit words: the hash as its halves and the position modulo
   * 2^32, with no BigInt or array per event.
   */
  addWords(hi: number, lo: number, position: number): void {
    this.addTag(tagOf([hi, lo]), position >>> 0);
  }

  private addTag(tag: number, position: number): void {
    if (this.count + 1 > (this.table.length / 2) * MAX_LOAD) this.grow();
    EventIdIndex.put(this.table, tag, position);
    this.count++;
  }

  private static put(table: Uint32Array, tag: number, position: number): void {
    const mask = table.length / 2 - 1;
    let i = EventIdIndex.home(tag, table);
    while ((table[2 * i] as number) !== 0) i = (i + 1) & mask;
    table[2 * i] = tag;
    table[2 * i + 1] = position;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Uint32Array(old.length * 2);
    for (let j = 0; j < old.length; j += 2) {
      const tag = old[j] as number;
      if (tag !== 0) EventIdIndex.put(this.table, tag, old[j + 1] as number);
    }
  }
}
