import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBuckets } from './memory-object-store.ts';
import { objectStoreContract } from './object-store.contract.ts';

describe('MemoryObjectStore', () => {
  objectStoreContract(() => {
    const buckets = new MemoryBuckets();
    buckets.create('audit-logs');
    return Promise.resolve({ store: buckets.store('audit-logs'), missing: buckets.store('not-created') });
  });

  it('a store made before its bucket was created writes once it exists', async () => {
    const buckets = new MemoryBuckets(() => 42);
    const early = buckets.store('late-bucket');
    await assert.rejects(early.checkWritable());
    assert.equal(buckets.create('late-bucket'), true);
    assert.equal(buckets.create('late-bucket'), false);
    await early.put('k', Buffer.from('v'));
    assert.equal((await buckets.store('late-bucket').head('k'))?.lastModifiedMs, 42);
  });
});
