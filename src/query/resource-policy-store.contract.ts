/**
 * One contract, run unchanged against every ResourcePolicyStore adapter. `make` opens a store
 * over a fresh backend; `reopen` opens another over the same backend (what a restart sees).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ResourcePolicyStore, StoredResourcePolicy } from './resource-policies.ts';

const CHANNEL = 'arn:aws:cloudtrail:us-east-1:111122223333:channel/0f0f0f0f-0000-4000-8000-000000000001';
const STORE = 'arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/0f0f0f0f-0000-4000-8000-000000000002';

function policy(resourceArn: string, sid: string, updatedMs: number): StoredResourcePolicy {
  return {
    resourceArn,
    // Kept byte for byte: GetResourcePolicy returns the text as it was put.
    policy: `{ "Version": "2012-10-17",\n  "Statement": [{"Sid": "${sid}", "Effect": "Allow"}] }`,
    updatedMs,
  };
}

export function resourcePolicyStoreContract(
  make: () => Promise<{ store: ResourcePolicyStore; reopen: () => Promise<ResourcePolicyStore> }>,
): void {
  it('put() keeps one policy per resource, the latest, across a reopen', async () => {
    const { store, reopen } = await make();
    assert.deepEqual(await store.loadAll(), []);
    await store.put(policy(STORE, 'first', 1000));
    await store.put(policy(CHANNEL, 'channel', 2000));
    await store.put(policy(STORE, 'second', 3000));
    const expected = [policy(CHANNEL, 'channel', 2000), policy(STORE, 'second', 3000)];
    assert.deepEqual(await store.loadAll(), expected);
    assert.deepEqual(await (await reopen()).loadAll(), expected);
  });

  it('delete() removes a policy for good and ignores a resource that has none', async () => {
    const { store, reopen } = await make();
    await store.put(policy(CHANNEL, 'channel', 1000));
    await store.put(policy(STORE, 'store', 1000));
    await store.delete(CHANNEL);
    await store.delete(`${CHANNEL}-none`);
    assert.deepEqual(await store.loadAll(), [policy(STORE, 'store', 1000)]);
    assert.deepEqual(await (await reopen()).loadAll(), [policy(STORE, 'store', 1000)]);
  });

  it('loadAll() hands out copies: changing one changes nothing stored', async () => {
    const { store } = await make();
    await store.put(policy(STORE, 'store', 1000));
    const [loaded] = await store.loadAll();
    assert.ok(loaded);
    loaded.policy = '{}';
    assert.deepEqual(await store.loadAll(), [policy(STORE, 'store', 1000)]);
  });
}
