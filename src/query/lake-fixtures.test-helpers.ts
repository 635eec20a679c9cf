/**
 * What the Lake unit tests share: an event data store record with CloudTrail's defaults, and the
 * event log and lake store on one in-memory DuckDB, and records appended to that log (the copy into a store happens inside the lake
 * store's database, so these tests need a real one).
 */
import { randomUUID } from 'node:crypto';
import { DuckDbDatabase, DuckDbEventStore, DuckDbLakeStore } from '../duckdb/index.ts';
import { parseRecordBatch } from '../ingest/parse-batch.ts';
import type { EventDataStore } from './event-data-store.ts';

export const LAKE_ACCOUNT = '111122223333';

/**
 * An enabled, ingesting store of management events in `accountId` (LAKE_ACCOUNT unless given) and
 * us-east-1, with CloudTrail's defaults (366 days, extendable retention pricing); its ARN names
 * its account and Region.
 */
export function eventDataStoreOf(overrides: Partial<EventDataStore> = {}): EventDataStore {
  const id = overrides.id ?? randomUUID();
  const accountId = overrides.accountId ?? LAKE_ACCOUNT;
  const region = overrides.region ?? 'us-east-1';
  return {
    id,
    arn: `arn:aws:cloudtrail:${region}:${accountId}:eventdatastore/${id}`,
    name: `store-${id.slice(0, 8)}`,
    accountId,
    region,
    status: 'ENABLED',
    ingesting: true,
    kind: 'cloudtrail',
    advancedEventSelectors: [
      { Name: 'management', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
    ],
    multiRegionEnabled: true,
    organizationEnabled: false,
    retentionPeriod: 366,
    terminationProtectionEnabled: false,
    billingMode: 'EXTENDABLE_RETENTION_PRICING',
    tags: [],
    createdMs: 0,
    updatedMs: 0,
    ...overrides,
  };
}

export interface MemoryLake {
  db: DuckDbDatabase;
  events: DuckDbEventStore;
  lake: DuckDbLakeStore;
  /** Closes the lake store, the log and the database, in that order. */
  close(): Promise<void>;
}

/** The event log and the lake store on a new in-memory DuckDB. */
export async function openMemoryLake(): Promise<MemoryLake> {
  const db = await DuckDbDatabase.open(':memory:', { readers: 2, threads: 1 });
  const events = await DuckDbEventStore.open(db);
  const lake = await DuckDbLakeStore.open(db, events);
  return {
    db,
    events,
    lake,
    async close() {
      lake.close();
      await events.close();
      db.close();
    },
  };
}

/** Appends these CloudTrail records to the log as the recording endpoint takes them (us-east-1, LAKE_ACCOUNT unless they say). */
export async function appendRecords(
  events: DuckDbEventStore,
  records: readonly Record<string, unknown>[],
): Promise<void> {
  const parsed = parseRecordBatch(Buffer.from(JSON.stringify({ Records: records })), {
    eventID: randomUUID,
    awsRegion: 'us-east-1',
    recipientAccountId: LAKE_ACCOUNT,
  });
  await events.append(parsed.flatMap((r) => (r.ok ? [r.event] : [])));
}
