import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventIdSet, bigIntToHash, eventIdHash, hashToBigInt } from './event-id-set.ts';

describe('EventIdSet', () => {
  it('holds what was added, through growth, and nothing else', () => {
    const set = new EventIdSet(4);
    for (let i = 0; i < 50_000; i++) set.add(eventIdHash('111111111111', `id-${i}`));
    assert.equal(set.size, 50_000);
    for (let i = 0; i < 50_000; i += 97) assert.ok(set.has(eventIdHash('111111111111', `id-${i}`)));
    let falseHits = 0;
    for (let i = 50_000; i < 100_000; i++) if (set.has(eventIdHash('111111111111', `id-${i}`))) falseHits++;
    assert.equal(falseHits, 0);
  });

  it('scopes hashes by account and treats a zero hash like any other', () => {
    assert.notDeepEqual(eventIdHash('111111111111', 'x'), eventIdHash('222222222222', 'x'));
    const set = new EventIdSet();
    set.add([0, 0]);
    assert.ok(set.has([0, 0]));
    assert.ok(!set.has([0, 2]));
    set.add([0, 0]);
    assert.equal(set.size, 1);
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
