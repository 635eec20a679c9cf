/**
 * What the delivery unit tests share: a trail registry, the event log and buckets in memory, a
 * clock the test moves, and the trail API's StartLogging and StopLogging steps.
 */
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { MemoryBuckets } from '../objects/memory-object-store.ts';
import { MemoryEventStore } from '../store/memory-event-store.ts';
import type { NewEvent } from '../store/index.ts';
import {
  MemoryTrailStore,
  TrailRegistry,
  defaultSelection,
  deliveryConsumer,
  type Trail,
} from '../trails/index.ts';

export const ACCOUNT = '111122223333';
export const OTHER_ACCOUNT = '444455556666';
export const START_MS = Date.parse('2026-05-01T12:00:00.000Z');
export const logger = pino({ level: 'silent' });

export interface Fixture {
  clock: { ms: number };
  now: () => number;
  events: MemoryEventStore;
  trails: TrailRegistry;
  buckets: MemoryBuckets;
}

export async function fixture(): Promise<Fixture> {
  const clock = { ms: START_MS };
  const now = (): number => clock.ms;
  return {
    clock,
    now,
    events: new MemoryEventStore({ now }),
    trails: await TrailRegistry.open(new MemoryTrailStore()),
    buckets: new MemoryBuckets(now),
  };
}

/** A trail as CreateTrail makes it by default (multi-region, global events, validation on). */
export async function createTrail(f: Fixture, name: string, bucket = 'logs'): Promise<Trail> {
  return f.trails.create({
    arn: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/${name}`,
    name,
    accountId: ACCOUNT,
    homeRegion: 'us-east-1',
    s3BucketName: bucket,
    includeGlobalServiceEvents: true,
    isMultiRegionTrail: true,
    logFileValidationEnabled: true,
    isOrganizationTrail: false,
    selection: defaultSelection(),
    hasCustomEventSelectors: false,
    tags: [],
    createdAtMs: f.now(),
    status: { isLogging: false },
  });
}

/** StartLogging as the trail API does it: delivery starts after the newest event recorded now. */
export async function startLogging(f: Fixture, arn: string): Promise<void> {
  await f.events.commitCursor(deliveryConsumer(arn), f.events.lastSeq());
  await f.trails.update(arn, (t) => ({
    ...t,
    status: { ...t.status, isLogging: true, startLoggingTimeMs: f.now() },
  }));
}

/** StopLogging once its own event is recorded: delivery ends with the newest event recorded now. */
export async function stopLogging(f: Fixture, arn: string): Promise<void> {
  await f.trails.update(arn, (t) => ({
    ...t,
    status: {
      ...t.status,
      isLogging: false,
      stopLoggingTimeMs: f.now(),
      stopSeq: f.events.lastSeq().toString(),
    },
  }));
}

/** A management event of the account's `region`, its record text naming its eventID. */
export function record(id: string, region = 'us-east-1', accountId = ACCOUNT): NewEvent {
  return {
    eventId: id,
    accountId,
    region,
    eventTimeMs: START_MS - 60_000,
    eventName: 'PutThing',
    eventSource: 'things.amazonaws.com',
    username: 'alice',
    accessKeyId: null,
    readOnly: false,
    category: 'Management',
    resourceTypes: [],
    resourceNames: [],
    raw: JSON.stringify({ eventID: id, awsRegion: region, recipientAccountId: accountId }),
  };
}

export interface LogFile {
  key: string;
  /** The eventIDs of its records, in file order. */
  ids: string[];
}

/** The log files in a bucket (digests left out), in key order. */
export async function logFiles(f: Fixture, bucket = 'logs'): Promise<LogFile[]> {
  const store = f.buckets.store(bucket);
  const out: LogFile[] = [];
  for await (const key of store.listKeys('')) {
    if (key.includes('/CloudTrail-Digest/')) continue;
    const { body } = await store.get(key);
    const document = JSON.parse(gunzipSync(body).toString('utf8')) as { Records: { eventID: string }[] };
    out.push({ key, ids: document.Records.map((r) => r.eventID) });
  }
  return out;
}
