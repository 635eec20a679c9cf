import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { SigningKeyRing, type SigningKeyRecord, type SigningKeyStore } from './signing-keys.ts';

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2026, 0, 31, 0, 0, 0);

/** Records in memory; `failLists` makes that many list() calls fail first. */
class ArrayKeyStore implements SigningKeyStore {
  readonly records: SigningKeyRecord[] = [];
  failLists = 0;

  list(region: string): Promise<SigningKeyRecord[]> {
    if (this.failLists > 0) {
      this.failLists--;
      return Promise.reject(new Error('store unavailable'));
    }
    return Promise.resolve(this.records.filter((r) => r.region === region));
  }

  insert(record: SigningKeyRecord): Promise<void> {
    this.records.push(record);
    return Promise.resolve();
  }
}

function ring(store: SigningKeyStore, clock: { nowMs: number }): SigningKeyRing {
  return new SigningKeyRing(
    store,
    {
      seal: (text, context) => `${context}|${text}`,
      open: (sealed, context) => sealed.slice(context.length + 1),
    },
    { rotationDays: 30, now: () => clock.nowMs },
  );
}

describe('SigningKeyRing', () => {
  it('current() creates one key for a region however many callers ask at once', async () => {
    const store = new ArrayKeyStore();
    const keys = ring(store, { nowMs: T0 });
    const all = await Promise.all([
      keys.current('us-east-1'),
      keys.current('us-east-1'),
      keys.current('eu-west-1'),
    ]);
    assert.equal(store.records.length, 2);
    assert.equal(all[0]?.fingerprint, all[1]?.fingerprint);
    assert.notEqual(all[0]?.fingerprint, all[2]?.fingerprint);
  });

  it('signs with the private key whose public key it lists', async () => {
    const store = new ArrayKeyStore();
    const keys = ring(store, { nowMs: T0 });
    const active = await keys.current('us-east-1');
    const [listed] = await keys.publicKeys('us-east-1', T0, T0);
    assert.ok(listed);
    const publicKey = createPublicKey({ key: listed.publicKeyDer, format: 'der', type: 'pkcs1' });
    assert.equal(
      verify('sha256', Buffer.from('data'), publicKey, Buffer.from(active.sign('data'), 'hex')),
      true,
    );
  });

  it('rejects only the call whose store read failed; the next one goes ahead', async () => {
    const store = new ArrayKeyStore();
    store.failLists = 1;
    const keys = ring(store, { nowMs: T0 });
    const [failed, next] = await Promise.allSettled([keys.current('us-east-1'), keys.current('us-east-1')]);
    assert.equal(failed?.status, 'rejected');
    assert.equal(next?.status, 'fulfilled');
    assert.equal(store.records.length, 1);
  });

  it('rotates after rotationDays and still lists the old key for the time it signed', async () => {
    const store = new ArrayKeyStore();
    const clock = { nowMs: T0 };
    const keys = ring(store, clock);
    const first = await keys.current('us-east-1');
    clock.nowMs = T0 + 30 * DAY_MS;
    const second = await keys.current('us-east-1');
    assert.notEqual(first.fingerprint, second.fingerprint);
    assert.deepEqual(
      (await keys.publicKeys('us-east-1', T0, T0 + 31 * DAY_MS)).map((k) => k.fingerprint),
      [first.fingerprint, second.fingerprint],
    );
    assert.deepEqual(
      (await keys.publicKeys('us-east-1', T0 + 31 * DAY_MS, T0 + 32 * DAY_MS)).map((k) => k.fingerprint),
      [second.fingerprint],
    );
  });

  it('reuses a stored key that is still valid instead of making another (a restart)', async () => {
    const store = new ArrayKeyStore();
    const first = await ring(store, { nowMs: T0 }).current('us-east-1');
    const again = await ring(store, { nowMs: T0 + DAY_MS }).current('us-east-1');
    assert.equal(again.fingerprint, first.fingerprint);
    assert.equal(store.records.length, 1);
  });
});
