import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventIdIndex, bigIntToHash, eventIdHash, hashToBigInt } from './event-id-index.ts';

describe('EventIdIndex', () => {
  it('finds each hash at the position it was added at, through growth, and a miss for others', () => {
    const index = new EventIdIndex(4);
    for (let i = 0; i < 50_000; i++) index.add(eventIdHash('111111111111', `id-${i}`), BigInt(i + 1));
    assert.equal(index.size, 50_000);
    for (let i = 0; i < 50_000; i += 97) {
      const hash = eventIdHash('111111111111', `id-${i}`);
      assert.ok(index.has(hash));
      assert.ok(index.candidates(hash, 50_000n).includes(BigInt(i + 1)), `id-${i} at ${i + 1}`);
    }
    // 32-bit tags: among 50,000 new IDs about 50,000 × 50,000 / 2^32 ≈ 0.6 are expected to match.
    let falseHits = 0;
    for (let i = 50_000; i < 100_000; i++) if (index.has(eventIdHash('111111111111', `id-${i}`))) falseHits++;
    assert.ok(falseHits <= 5, `${falseHits} false hits`);
  });

  it('keeps every position of a hash added twice, and none above the last sequence number', () => {
    const index = new EventIdIndex();
    const hash = eventIdHash('111111111111', 'twice');
    index.add(hash, 7n);
    index.add(hash, 9n);
    assert.deepEqual(
      index.candidates(hash, 100n).sort((a, b) => Number(a - b)),
      [7n, 9n],
    );
    assert.deepEqual(index.candidates(hash, 8n), [7n]);
    assert.deepEqual(index.candidates(eventIdHash('111111111111', 'never'), 100n), []);
  });

  it('widens positions kept modulo 2^32 to every sequence number they stand for', () => {
    const index = new EventIdIndex();
    const hash = eventIdHash('111111111111', 'far');
    index.add(hash, 0x1_0000_0005n);
    assert.deepEqual(index.candidates(hash, 0x2_0000_0000n), [5n, 0x1_0000_0005n]);
    const loaded = new EventIdIndex();
    const [hi, lo] = hash;
    loaded.addWords(hi, lo, 5);
    assert.deepEqual(loaded.candidates(hash, 10n), [5n]);
  });

  it('scopes hashes by account and treats a zero hash like any other', () => {
    assert.notDeepEqual(eventIdHash('111111111111', 'x'), eventIdHash('222222222222', 'x'));
    const index = new EventIdIndex();
    index.add([0, 0], 1n);
    assert.ok(index.has([0, 0]));
    assert.deepEqual(index.candidates([0, 0], 1n), [1n]);
  });

  it('round-trips hashes through the signed 64-bit form stored in the database', () => {
    for (const h of [
      eventIdHash('1', 'a'),
      [0xffffffff, 0xffffffff] as [number, number],
      [0, 1] as [number, number],
    ]) {
      assert.deepEqual(bigIntToHash(hashToBigInt(h)), h);
    }
  });
});
