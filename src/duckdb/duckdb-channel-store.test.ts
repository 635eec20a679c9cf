import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { ChannelRegistry, channelArn, type Channel, type EventDataStore } from '../query/index.ts';
import { DuckDbDatabase } from './database.ts';
import { DuckDbChannelStore } from './duckdb-channel-store.ts';

const ACCOUNT = '111122223333';
const STORE_ARN = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:eventdatastore/s1`;

function channel(id: string): Channel {
  return {
    id,
    arn: channelArn('us-east-1', ACCOUNT, id),
    name: `channel-${id}`,
    source: 'Custom',
    accountId: ACCOUNT,
    region: 'us-east-1',
    destinations: [{ Type: 'EVENT_DATA_STORE', Location: STORE_ARN }],
    tags: [{ Key: 'k', Value: 'v' }],
    createdMs: 1000,
    updatedMs: 1000,
    ingestion: {},
  };
}

it('DuckDbChannelStore keeps channels, their changes and deletions across a reopen', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'opentrail-channels-'));
  const path = join(dir, 'db.duckdb');
  try {
    let db = await DuckDbDatabase.open(path);
    let registry = await ChannelRegistry.open(await DuckDbChannelStore.open(db));
    await registry.create(channel('c-a'));
    await registry.create(channel('c-b'));
    await registry.recordIngestion(channel('c-a').arn, {
      latestAttemptMs: 5000,
      latestErrorCode: 'InvalidData',
    });
    await registry.delete(channel('c-b').arn);
    db.close();

    db = await DuckDbDatabase.open(path);
    registry = await ChannelRegistry.open(await DuckDbChannelStore.open(db));
    assert.deepEqual(registry.all(), [
      { ...channel('c-a'), ingestion: { latestAttemptMs: 5000, latestErrorCode: 'InvalidData' } },
    ]);
    const store = { arn: STORE_ARN } as EventDataStore;
    assert.throws(() => registry.checkDeletable(store), { code: 'ChannelExistsForEDSException' });
    registry.checkDeletable({ arn: `${STORE_ARN}-other` } as EventDataStore);
    assert.equal(registry.find('c-a', { accountId: ACCOUNT, region: 'us-east-1' }).name, 'channel-c-a');
    assert.throws(() => registry.find('c-a', { accountId: ACCOUNT, region: 'eu-west-1' }), {
      code: 'ChannelNotFoundException',
    });
    db.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
