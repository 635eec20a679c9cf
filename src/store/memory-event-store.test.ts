import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventStoreContract } from './event-store.contract.ts';
import { MemoryEventStore } from './memory-event-store.ts';

describe('MemoryEventStore', () => {
  eventStoreContract(({ now }) => Promise.resolve({ store: new MemoryEventStore({ now }) }));

  it('hands out copies: changing a returned event leaves the log as it was', async () => {
    const store = new MemoryEventStore({ now: () => 1 });
    await store.append([
      {
        eventId: 'a',
        accountId: '111111111111',
        region: 'us-east-1',
        eventTimeMs: 1000,
        eventName: 'PutThing',
        eventSource: 'things.amazonaws.com',
        username: null,
        accessKeyId: null,
        readOnly: null,
        category: 'Management',
        resourceTypes: ['AWS::S3::Bucket'],
        resourceNames: ['bkt'],
        raw: '{"eventID":"a"}',
      },
    ]);
    const [first] = await store.readAfter(0n, 1);
    first?.resourceNames.push('changed');
    if (first) first.raw = 'changed';
    const [again] = await store.readAfter(0n, 1);
    assert.deepEqual(again?.resourceNames, ['bkt']);
    assert.equal(again?.raw, '{"eventID":"a"}');
  });
});
