import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DigestKeyRing } from './digest-key-ring.ts';
import { HOUR_MS, T0, newSigner } from './digest.test-helpers.ts';
import type { DigestPublicKey, PublicKeySource } from './trail-objects.ts';

const IN_RANGE = newSigner();
const LATER = newSigner();

/** Answers IN_RANGE for any range before T0 + 10 h and LATER after; records each question. */
function source(extra: DigestPublicKey[] = []): PublicKeySource & { asked: [string, number, number][] } {
  const asked: [string, number, number][] = [];
  return {
    asked,
    publicKeys: (region, startMs, endMs) => {
      asked.push([region, startMs, endMs]);
      const key = startMs < T0 + 10 * HOUR_MS ? IN_RANGE : LATER;
      return Promise.resolve([{ fingerprint: key.fingerprint, pkcs1Der: key.der }, ...extra]);
    },
  };
}

describe('DigestKeyRing', () => {
  it("load() asks the source for the region's keys of the range and says how many it gave", async () => {
    const keys = source();
    const ring = new DigestKeyRing(keys, 'eu-west-1');
    assert.equal(await ring.load(T0, T0 + 2 * HOUR_MS), 1);
    assert.deepEqual(keys.asked, [['eu-west-1', T0, T0 + 2 * HOUR_MS]]);
    const found = await ring.find(IN_RANGE.fingerprint, undefined);
    assert.ok(found.kind === 'found');
    assert.equal(found.key.export({ type: 'pkcs1', format: 'der' }).equals(IN_RANGE.der), true);
  });

  it('makes the key object of a fingerprint once', async () => {
    const ring = new DigestKeyRing(source(), 'eu-west-1');
    await ring.load(T0, T0 + HOUR_MS);
    const first = await ring.find(IN_RANGE.fingerprint, undefined);
    const second = await ring.find(IN_RANGE.fingerprint, undefined);
    assert.ok(first.kind === 'found' && second.kind === 'found');
    assert.equal(first.key, second.key);
  });

  it('seeks an unknown fingerprint an hour either side of a generation time, and only then', async () => {
    const keys = source();
    const ring = new DigestKeyRing(keys, 'eu-west-1');
    await ring.load(T0, T0 + HOUR_MS);
    assert.deepEqual(await ring.find(LATER.fingerprint, undefined), { kind: 'not-found' });
    assert.equal(keys.asked.length, 1);
    const generatedMs = T0 + 40 * 24 * HOUR_MS;
    assert.equal((await ring.find(LATER.fingerprint, generatedMs)).kind, 'found');
    assert.deepEqual(keys.asked[1], ['eu-west-1', generatedMs - HOUR_MS, generatedMs + HOUR_MS]);
    assert.equal((await ring.find(LATER.fingerprint, generatedMs)).kind, 'found');
    assert.equal(keys.asked.length, 2, 'a key once found is kept');
    assert.deepEqual(await ring.find('0'.repeat(32), generatedMs), { kind: 'not-found' });
  });

  it('finds bytes that are no PKCS#1 key unreadable, each time they are asked for', async () => {
    const ring = new DigestKeyRing(
      source([{ fingerprint: 'f'.repeat(32), pkcs1Der: Buffer.from('not a key') }]),
      'eu-west-1',
    );
    assert.equal(await ring.load(T0, T0 + HOUR_MS), 2);
    assert.deepEqual(await ring.find('f'.repeat(32), undefined), { kind: 'unreadable' });
    assert.deepEqual(await ring.find('f'.repeat(32), undefined), { kind: 'unreadable' });
  });
});
