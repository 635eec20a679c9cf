import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyLastUses, type KeyLastUse, type KeyLastUseStore } from './key-last-uses.ts';

const T = Date.UTC(2026, 0, 2, 10, 45, 0);

/** A store that keeps every batch it is given; `fail` makes the next write fail. */
function recordingStore(initial: [string, KeyLastUse][] = []) {
  const store = {
    batches: [] as Map<string, KeyLastUse | null>[],
    fail: false,
    loadKeyLastUses: () => Promise.resolve(new Map(initial)),
    saveKeyLastUses(changes: ReadonlyMap<string, KeyLastUse | null>) {
      if (store.fail) {
        store.fail = false;
        return Promise.reject(new Error('disk full'));
      }
      store.batches.push(new Map(changes));
      return Promise.resolve();
    },
  } satisfies KeyLastUseStore & Record<string, unknown>;
  return store;
}

/** Never fires during a test: the tests write with flush(). */
const QUIET = { flushIntervalMs: 3_600_000 };

describe('KeyLastUses', () => {
  it('record() keeps a use to the minute, as IAM answers LastUsedDate', () => {
    const uses = new KeyLastUses();
    uses.record('AKIA1', { timeMs: T + 42_123, service: 'cloudtrail', region: 'eu-west-1' });
    assert.deepEqual(uses.get('AKIA1'), { timeMs: T, service: 'cloudtrail', region: 'eu-west-1' });
  });

  it('writes a key used a thousand times in a minute once, in one batch with the other keys', async () => {
    const store = recordingStore();
    const uses = await KeyLastUses.open(store, QUIET);
    for (let i = 0; i < 1000; i++)
      uses.record('AKIA1', { timeMs: T + i, service: 'iam', region: 'us-east-1' });
    uses.record('AKIA2', { timeMs: T + 5_000, service: 'sts', region: 'eu-west-1' });
    uses.record('AKIA1', { timeMs: T + 61_000, service: 'cloudtrail', region: 'eu-west-1' });
    await uses.flush();
    assert.deepEqual(store.batches, [
      new Map([
        ['AKIA1', { timeMs: T + 60_000, service: 'cloudtrail', region: 'eu-west-1' }],
        ['AKIA2', { timeMs: T, service: 'sts', region: 'eu-west-1' }],
      ]),
    ]);
    await uses.close();
  });

  it('writes nothing for uses that change nothing, and nothing when nothing happened', async () => {
    const store = recordingStore([['AKIA1', { timeMs: T, service: 'iam', region: 'us-east-1' }]]);
    const uses = await KeyLastUses.open(store, QUIET);
    uses.record('AKIA1', { timeMs: T + 59_999, service: 'iam', region: 'us-east-1' });
    // A clock stepping back does not move the last use earlier either.
    uses.record('AKIA1', { timeMs: T - 120_000, service: 'iam', region: 'us-east-1' });
    await uses.flush();
    await uses.flush();
    assert.deepEqual(store.batches, []);
    assert.deepEqual(uses.get('AKIA1'), { timeMs: T, service: 'iam', region: 'us-east-1' });
    await uses.close();
  });

  it('loads what the store holds, and deletes the use of a deleted key', async () => {
    const store = recordingStore([['AKIA1', { timeMs: T, service: 'iam', region: 'us-east-1' }]]);
    const uses = await KeyLastUses.open(store, QUIET);
    assert.deepEqual(uses.get('AKIA1'), { timeMs: T, service: 'iam', region: 'us-east-1' });
    uses.forget('AKIA1');
    uses.forget('AKIA-NEVER-USED');
    assert.equal(uses.get('AKIA1'), undefined);
    await uses.close();
    assert.deepEqual(store.batches, [new Map([['AKIA1', null]])]);
  });

  it('keeps the uses of a failed write for the next one, without undoing newer uses', async () => {
    const store = recordingStore();
    const errors: unknown[] = [];
    const uses = await KeyLastUses.open(store, { ...QUIET, onError: (e) => errors.push(e) });
    uses.record('AKIA1', { timeMs: T, service: 'iam', region: 'us-east-1' });
    uses.record('AKIA2', { timeMs: T, service: 'iam', region: 'us-east-1' });
    store.fail = true;
    await uses.flush();
    assert.equal(errors.length, 1);
    uses.record('AKIA1', { timeMs: T + 60_000, service: 'sts', region: 'us-east-1' });
    await uses.flush();
    assert.deepEqual(store.batches, [
      new Map([
        ['AKIA1', { timeMs: T + 60_000, service: 'sts', region: 'us-east-1' }],
        ['AKIA2', { timeMs: T, service: 'iam', region: 'us-east-1' }],
      ]),
    ]);
    await uses.close();
  });

  it('close() writes what is left, once, however often it is called', async () => {
    const store = recordingStore();
    const uses = await KeyLastUses.open(store, QUIET);
    uses.record('AKIA1', { timeMs: T, service: 'iam', region: 'us-east-1' });
    await Promise.all([uses.close(), uses.close()]);
    await uses.close();
    assert.deepEqual(store.batches, [
      new Map([['AKIA1', { timeMs: T, service: 'iam', region: 'us-east-1' }]]),
    ]);
  });
});
