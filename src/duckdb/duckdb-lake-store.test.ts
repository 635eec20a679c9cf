import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lakeTableOf, type EventDataStore, type ImportRecord } from '../query/index.ts';
import { appendRecords, eventDataStoreOf } from '../query/lake-fixtures.test-helpers.ts';
import { DuckDbDatabase } from './database.ts';
import { DuckDbEventStore } from './duckdb-event-store.ts';
import { DuckDbLakeStore } from './duckdb-lake-store.ts';

const ACCOUNT = '111122223333';
const OTHER = '444455556666';

const store = (): EventDataStore =>
  eventDataStoreOf({ accountId: ACCOUNT, name: 'copy', ingesting: false, advancedEventSelectors: [] });

function importRecord(id: string, events = 0): ImportRecord {
  return {
    id,
    accountId: ACCOUNT,
    region: 'us-east-1',
    destinations: [],
    source: { uri: 'opentrail://event-history', bucketRegion: 'us-east-1', accessRoleArn: 'n/a' },
    status: 'IN_PROGRESS',
    createdMs: 1,
    updatedMs: 1,
    statistics: {
      prefixesFound: 1,
      prefixesCompleted: 0,
      filesCompleted: 0,
      eventsCompleted: events,
      failedEntries: 0,
    },
  };
}

function record(account: string, region: string, i: number): Record<string, unknown> {
  return {
    eventVersion: '1.11',
    userIdentity: { type: 'IAMUser', accountId: account },
    eventTime: new Date(Date.UTC(2026, 10, 1, 0, 0, i)).toISOString().replace('.000', ''),
    eventSource: 'iam.amazonaws.com',
    eventName: i % 2 === 0 ? 'CreateUser' : 'ListUsers',
    awsRegion: region,
    eventID: randomUUID(),
    readOnly: i % 2 === 1,
    eventType: 'AwsApiCall',
    recipientAccountId: account,
    eventCategory: i % 5 === 4 ? 'Data' : 'Management',
  };
}

async function withDatabase(fn: (db: DuckDbDatabase, path: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'opentrail-lake-store-'));
  try {
    await fn(await DuckDbDatabase.open(join(dir, 'db.duckdb')), join(dir, 'db.duckdb'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function eventIdsOf(db: DuckDbDatabase, s: EventDataStore): Promise<string[]> {
  return db.withConnection(async (c) => {
    const rows = await c.runAndReadAll(`SELECT eventID FROM ${lakeTableOf(s.id)} ORDER BY eventID`);
    return (rows.getColumnsJS()[0] ?? []) as string[];
  });
}

describe('DuckDbLakeStore.copyFromLog', () => {
  it('copies what the filter takes, once, with the import record in the same transaction', async () => {
    await withDatabase(async (db) => {
      const events = await DuckDbEventStore.open(db);
      const lake = await DuckDbLakeStore.open(db, events);
      const records = [
        ...Array.from({ length: 20 }, (_, i) => record(ACCOUNT, i < 15 ? 'us-east-1' : 'eu-west-1', i)),
        ...Array.from({ length: 5 }, (_, i) => record(OTHER, 'us-east-1', i)),
      ];
      await appendRecords(events, records);
      const target = store();
      await lake.saveStore(target);

      const filter = {
        afterSeq: 0n,
        toSeq: events.lastSeq(),
        accounts: [ACCOUNT],
        region: 'us-east-1',
        category: 'Management',
        selects: (raw: string) => (JSON.parse(raw) as { readOnly: boolean }).readOnly === false,
      };
      const expected = records
        .slice(0, 15)
        .filter((r) => r.eventCategory === 'Management' && r.readOnly === false)
        .map((r) => r.eventID as string)
        .sort();
      const added = await lake.copyFromLog(target, filter, (n) => importRecord('imp-1', n));
      assert.equal(added, expected.length);
      assert.deepEqual(await eventIdsOf(db, target), expected);
      assert.equal((await lake.loadImports())[0]?.statistics.eventsCompleted, expected.length);
      const size = await lake.size(target);
      assert.equal(size.events, expected.length);
      assert.ok(size.bytes > 0);

      // Everything is there already: nothing added, the record still saved.
      assert.equal(await lake.copyFromLog(target, filter, (n) => importRecord('imp-2', n)), 0);
      assert.equal((await lake.loadImports()).length, 2);

      // A progress that cannot be saved rolls the copy back.
      const other = store();
      await lake.saveStore(other);
      await assert.rejects(
        lake.copyFromLog(other, filter, () => {
          throw new Error('no record');
        }),
        /no record/,
      );
      assert.deepEqual(await eventIdsOf(db, other), []);
      lake.close();
    });
  });
});

describe('DuckDbLakeStore.ingestFromLog', () => {
  it('adds what the filter takes and moves the consumer cursor in the same transaction', async () => {
    await withDatabase(async (db) => {
      const events = await DuckDbEventStore.open(db);
      const lake = await DuckDbLakeStore.open(db, events);
      const records = Array.from({ length: 30 }, (_, i) => record(i < 20 ? ACCOUNT : OTHER, 'us-east-1', i));
      await appendRecords(events, records);
      const target = store();
      await lake.saveStore(target);
      const writes = (raw: string): boolean => (JSON.parse(raw) as { readOnly: boolean }).readOnly === false;

      // Two rounds: sequence numbers 1-10, then 11-30.
      let added = await lake.ingestFromLog(target, 'lake:t', {
        afterSeq: 0n,
        toSeq: 10n,
        accounts: [ACCOUNT],
        selects: writes,
      });
      assert.equal(await events.getCursor('lake:t'), 10n);
      added += await lake.ingestFromLog(target, 'lake:t', {
        afterSeq: 10n,
        toSeq: 30n,
        accounts: [ACCOUNT],
        selects: writes,
      });
      assert.equal(await events.getCursor('lake:t'), 30n);
      const expected = records
        .slice(0, 20)
        .filter((r) => r.readOnly === false)
        .map((r) => r.eventID as string)
        .sort();
      assert.equal(added, expected.length);
      assert.deepEqual(await eventIdsOf(db, target), expected);
      lake.close();
    });
  });
});

describe('DuckDbLakeStore import failures', () => {
  it('keeps failures apart from the record, and moves those of older records out on open', async () => {
    await withDatabase(async (db, path) => {
      let log = await DuckDbEventStore.open(db);
      let lake = await DuckDbLakeStore.open(db, log);
      const failure = { location: 's3://b/k1', errorType: 'InvalidLogFile', errorMessage: 'bad', timeMs: 5 };
      await lake.saveImport(importRecord('new'), { index: 0, entry: failure });
      // A record as it was saved before failures had their own table.
      const old = { ...importRecord('old'), failures: [failure, { ...failure, location: 's3://b/k2' }] };
      await db.withConnection((c) =>
        c.run('INSERT INTO lake_imports VALUES ($1, $2, $3)', ['old', 2n, JSON.stringify(old)]),
      );
      lake.close();
      await log.close();
      db.close();

      const reopened = await DuckDbDatabase.open(path);
      log = await DuckDbEventStore.open(reopened);
      lake = await DuckDbLakeStore.open(reopened, log);
      assert.deepEqual(await lake.importFailures('new', 0, 10), [failure]);
      assert.deepEqual(
        (await lake.importFailures('old', 1, 10)).map((f) => f.location),
        ['s3://b/k2'],
      );
      for (const r of await lake.loadImports())
        assert.ok(!('failures' in r), `${r.id} has no failures field`);
      lake.close();
      await log.close();
      reopened.close();
    });
  });
});
