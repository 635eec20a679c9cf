/**
 * Live ingestion on the consumer runner. The copy into a store happens inside the lake store's
 * database, so these run on an in-memory DuckDB; delivery semantics of the runner itself are
 * tested against the memory log in src/store/consumer-runner.test.ts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { DuckDbEventStore, DuckDbLakeStore } from '../duckdb/index.ts';
import { lakeConsumer, type EventDataStore } from './event-data-store.ts';
import { EventDataStoreRegistry } from './event-data-store-registry.ts';
import { appendRecords, eventDataStoreOf, openMemoryLake } from './lake-fixtures.test-helpers.ts';
import { DEFAULT_LAKE_INGESTION_OPTIONS, LakeIngestion } from './lake-ingestion.ts';

const ACCOUNT = '111122223333';
const OTHER = '444455556666';

const storeOf = (overrides: Partial<EventDataStore> = {}): EventDataStore =>
  eventDataStoreOf({ accountId: ACCOUNT, name: 'live', ...overrides });

async function append(events: DuckDbEventStore, count: number, account = ACCOUNT): Promise<void> {
  const records = Array.from({ length: count }, (_, i) => ({
    eventVersion: '1.11',
    userIdentity: { type: 'IAMUser', accountId: account },
    eventTime: new Date(Date.UTC(2026, 4, 1, 0, 0, i)).toISOString().replace('.000', ''),
    eventSource: 'iam.amazonaws.com',
    eventName: 'CreateUser',
    awsRegion: 'us-east-1',
    eventID: randomUUID(),
    readOnly: false,
    eventType: 'AwsApiCall',
    recipientAccountId: account,
    eventCategory: 'Management',
  }));
  await appendRecords(events, records);
}

async function withLake(
  fn: (parts: {
    events: DuckDbEventStore;
    lake: DuckDbLakeStore;
    registry: EventDataStoreRegistry;
  }) => Promise<void>,
): Promise<void> {
  const opened = await openMemoryLake();
  try {
    const { events, lake } = opened;
    await fn({ events, lake, registry: await EventDataStoreRegistry.open(lake) });
  } finally {
    await opened.close();
  }
}

const logger = pino({ level: 'silent' });
/** A day after the events: inside every store's retention period. */
const NOW_MS = Date.UTC(2026, 4, 2);
const now = (): number => NOW_MS;

describe('LakeIngestion', () => {
  it('starts a new store at the log’s end, then copies what it takes in batches with its cursor', async () => {
    await withLake(async ({ events, lake, registry }) => {
      const store = await registry.create(storeOf());
      await append(events, 4);
      const ingestion = new LakeIngestion(
        { events, registry, organizationAccounts: () => undefined, logger, now },
        { ...DEFAULT_LAKE_INGESTION_OPTIONS, maxEventsPerRound: 2 },
      );
      await ingestion.runOnce();
      assert.equal(await events.getCursor(lakeConsumer(store)), 4n);
      assert.equal((await lake.size(store)).events, 0, 'events logged before the store are not its');

      await append(events, 3);
      await append(events, 2, OTHER);
      await ingestion.runOnce();
      assert.equal(await events.getCursor(lakeConsumer(store)), 9n);
      assert.equal((await lake.size(store)).events, 3, "the store's account only");
      await ingestion.runOnce();
      assert.equal((await lake.size(store)).events, 3, 'nothing twice');
      await ingestion.close();
      await ingestion.close();
    });
  });

  it('leaves a store that stopped ingesting, and one pending deletion, where they were', async () => {
    await withLake(async ({ events, lake, registry }) => {
      const stopped = await registry.create(storeOf());
      const deleted = await registry.create(storeOf());
      const ingestion = new LakeIngestion({
        events,
        registry,
        organizationAccounts: () => undefined,
        logger,
        now,
      });
      await ingestion.startAtHead(stopped);
      await ingestion.startAtHead(deleted);
      await registry.update(stopped.arn, (s) => ({ ...s, ingesting: false, status: 'STOPPED_INGESTION' }));
      await registry.update(deleted.arn, (s) => ({ ...s, deletedMs: NOW_MS, status: 'PENDING_DELETION' }));
      await append(events, 3);
      await ingestion.runOnce();
      for (const store of [stopped, deleted]) {
        assert.equal(await events.getCursor(lakeConsumer(store)), 0n);
        assert.equal((await lake.size(store)).events, 0);
      }
      await ingestion.close();
    });
  });
});
