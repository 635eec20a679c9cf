/**
 * Lake benchmarks.
 * - Import throughput: StartImport's path (ImportService) over gzip log files in a local bucket,
 *   next to the baseline of reading and gunzipping the same files alone.
 * - Event history copy throughput: StartImport from `opentrail://event-history` after the same
 *   records were recorded in the event log.
 * - Queries over a store of N events (default 10M): each query through the Lake path (translation
 *   of the Lake statement, execution, Lake's string rendering of every value) next to the same
 *   query written directly in DuckDB SQL over the same table (the limit), in the same run. The
 *   Lake path is timed for a statement seen for the first time and for a repeated one, whose
 *   translation the engine has cached.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { LocalDirObjectStore } from '../src/local/index.ts';
import { parseRecordBatch } from '../src/ingest/parse-batch.ts';
import {
  EventDataStoreRegistry,
  HISTORY_SOURCE_URI,
  ImportService,
  lakeTableOf,
  type EventDataStore,
} from '../src/query/index.ts';
import { DuckDbDatabase, DuckDbEventStore, DuckDbLakeStore } from '../src/duckdb/index.ts';
import { DuckDbLakeQueryEngine } from '../src/duckdb/duckdb-lake-query-engine.ts';
import { freshSampleRecords, inTempDir } from './shared.ts';

export interface LakeBench {
  importEvents: number;
  importFiles: number;
  importPerSecond: number;
  baselinePerSecond: number;
  /** Events copied from Event history per second. */
  historyPerSecond: number;
  storeEvents: number;
  seedSeconds: number;
  /**
   * Per query, medians: `lakeMs` for a statement the engine has not translated before, `lakeWarmMs`
   * for one it has (a repeated statement's translation is cached), `directMs` for the DuckDB SQL.
   */
  queries: {
    name: string;
    lakeMs: number;
    lakeWarmMs: number;
    directMs: number;
    ratio: number;
    warmRatio: number;
    rows: number;
  }[];
}

const logger = pino({ level: 'silent' });
/** The account of the sample records (invictus-ir), whose events the history copy selects. */
const HISTORY_ACCOUNT = '123837392027';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

export async function benchLake(options: {
  storeEvents: number;
  importEvents: number;
  repeats: number;
}): Promise<LakeBench> {
  return inTempDir('opentrail-bench-lake-', async (dir) => {
    const db = await DuckDbDatabase.open(join(dir, 'opentrail.duckdb'));
    const events = await DuckDbEventStore.open(db);
    const lake = await DuckDbLakeStore.open(db, events);
    const registry = await EventDataStoreRegistry.open(lake);
    const id = randomUUID();
    const store: EventDataStore = {
      id,
      arn: `arn:aws:cloudtrail:us-east-1:123456789012:eventdatastore/${id}`,
      name: 'bench',
      accountId: '123456789012',
      region: 'us-east-1',
      status: 'ENABLED',
      ingesting: false,
      kind: 'cloudtrail',
      advancedEventSelectors: [],
      multiRegionEnabled: true,
      organizationEnabled: false,
      retentionPeriod: 3653,
      terminationProtectionEnabled: false,
      billingMode: 'EXTENDABLE_RETENTION_PRICING',
      tags: [],
      createdMs: Date.now(),
      updatedMs: Date.now(),
    };
    await registry.create(store);

    // Import: gzip log files of 1,000 real-shaped records each, as a trail lays them out.
    const bucketRoot = join(dir, 'buckets');
    await LocalDirObjectStore.createBucket(bucketRoot, 'bench-trail');
    const bucket = new LocalDirObjectStore(bucketRoot, 'bench-trail');
    const perFile = 1000;
    const { texts } = freshSampleRecords(options.importEvents);
    const keys: string[] = [];
    for (let i = 0; i * perFile < texts.length; i++) {
      const key = `AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/24/123456789012_CloudTrail_us-east-1_20261124T0000Z_${String(i).padStart(8, '0')}.json.gz`;
      keys.push(key);
      await bucket.put(
        key,
        gzipSync(`{"Records":[${texts.slice(i * perFile, (i + 1) * perFile).join(',')}]}`),
      );
    }
    const baselineStart = performance.now();
    let baselineEvents = 0;
    for (const key of keys) {
      const body = await bucket.read(key);
      if (body) baselineEvents += gunzipSync(body).toString('utf8').length > 0 ? perFile : 0;
    }
    const baselineSeconds = (performance.now() - baselineStart) / 1000;
    const imports = await ImportService.open({
      lake,
      registry,
      bucket: () => bucket,
      events,
      organizationAccounts: () => undefined,
      logger,
      now: Date.now,
    });
    const importStart = performance.now();
    const record = await imports.start(
      { accountId: store.accountId, region: store.region },
      {
        destination: store,
        source: { uri: 's3://bench-trail/AWSLogs/', bucketRegion: 'us-east-1', accessRoleArn: 'n/a' },
      },
    );
    const finished = await imports.finished(record.id);
    const importSeconds = (performance.now() - importStart) / 1000;
    const imported = finished?.statistics.eventsCompleted ?? 0;
    if (imported !== options.importEvents)
      throw new Error(`imported ${imported} of ${options.importEvents} events`);

    // Event history copy: the same records in the event log, copied into a second store.
    for (let i = 0; i < texts.length; i += 10_000) {
      const body = Buffer.from(`{"Records":[${texts.slice(i, i + 10_000).join(',')}]}`);
      const parsed = parseRecordBatch(body, {
        eventID: randomUUID,
        awsRegion: 'us-east-1',
        recipientAccountId: HISTORY_ACCOUNT,
      });
      await events.append(parsed.flatMap((r) => (r.ok ? [r.event] : [])));
    }
    const historyStoreId = randomUUID();
    const historyStore: EventDataStore = {
      ...store,
      id: historyStoreId,
      arn: `arn:aws:cloudtrail:us-east-1:${HISTORY_ACCOUNT}:eventdatastore/${historyStoreId}`,
      name: 'bench-history',
      accountId: HISTORY_ACCOUNT,
      advancedEventSelectors: [
        { Name: 'Management events', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
      ],
    };
    await registry.create(historyStore);
    const historyStart = performance.now();
    const copy = await imports.start(
      { accountId: HISTORY_ACCOUNT, region: 'us-east-1' },
      {
        destination: historyStore,
        source: { uri: HISTORY_SOURCE_URI, bucketRegion: 'us-east-1', accessRoleArn: 'n/a' },
      },
    );
    const copied = (await imports.finished(copy.id))?.statistics.eventsCompleted ?? 0;
    const historySeconds = (performance.now() - historyStart) / 1000;
    if (copied !== options.importEvents)
      throw new Error(`copied ${copied} of ${options.importEvents} events from Event history`);

    // Grow the store to N events by copying what was imported with new IDs, spread over 90 days.
    const table = lakeTableOf(id);
    const seedStart = performance.now();
    await db.withConnection(async (c) => {
      let count = imported;
      while (count < options.storeEvents) {
        const add = Math.min(count, options.storeEvents - count);
        await c.run(
          `INSERT INTO ${table} SELECT * REPLACE (uuid()::VARCHAR AS eventID, ` +
            `eventTime - to_seconds((random() * 90 * 86400)::BIGINT) AS eventTime) FROM ${table} LIMIT ${add}`,
        );
        count += add;
      }
      await c.run('CHECKPOINT');
    });
    const seedSeconds = (performance.now() - seedStart) / 1000;

    const engine = await DuckDbLakeQueryEngine.open(db);
    const now = new Date();
    const from = new Date(now.getTime() - 30 * 86_400_000).toISOString().slice(0, 19).replace('T', ' ');
    const to = new Date(now.getTime() - 20 * 86_400_000).toISOString().slice(0, 19).replace('T', ' ');
    const cases = [
      {
        name: 'GROUP BY eventName',
        lake: `SELECT eventName, COUNT(*) AS n FROM ${id} GROUP BY eventName ORDER BY n DESC`,
        direct: `SELECT eventName, COUNT(*) AS n FROM ${table} GROUP BY eventName ORDER BY n DESC`,
      },
      {
        name: 'top 10 userIdentity.arn',
        lake: `SELECT userIdentity.arn, COUNT(*) AS n FROM ${id} GROUP BY 1 ORDER BY 2 DESC LIMIT 10`,
        direct: `SELECT userIdentity.arn, COUNT(*) AS n FROM ${table} GROUP BY 1 ORDER BY 2 DESC LIMIT 10`,
      },
      {
        name: 'time range + element_at',
        lake:
          `SELECT element_at(requestParameters, 'bucketName') AS bucket, COUNT(*) AS n FROM ${id} ` +
          `WHERE eventTime >= '${from}' AND eventTime < '${to}' AND element_at(requestParameters, 'bucketName') IS NOT NULL ` +
          `GROUP BY 1 ORDER BY 2 DESC LIMIT 10`,
        direct:
          `SELECT requestParameters['bucketName'] AS bucket, COUNT(*) AS n FROM ${table} ` +
          `WHERE eventTime >= TIMESTAMP '${from}' AND eventTime < TIMESTAMP '${to}' AND requestParameters['bucketName'] IS NOT NULL ` +
          `GROUP BY 1 ORDER BY 2 DESC LIMIT 10`,
      },
    ];
    const queries: LakeBench['queries'] = [];
    const resolve = (name: string): string | undefined => (name === id ? table : undefined);
    const options2 = { timeoutMs: 600_000, maxRows: 1_000_000, signal: new AbortController().signal };
    for (const q of cases) {
      const times: Record<'cold' | 'warm' | 'direct', number[]> = { cold: [], warm: [], direct: [] };
      let rows = 0;
      // The repeated statement is translated once before timing, as a dashboard's earlier refresh did.
      await engine.prepare(q.lake, resolve);
      const runs: Record<'cold' | 'warm' | 'direct', (i: number) => Promise<number>> = {
        // A statement the engine has not seen (the comment makes its text new): full translation.
        cold: (i) => lakeRun(`${q.lake} -- repeat ${i}`),
        // The same text again: the translation comes from the engine's cache.
        warm: () => lakeRun(q.lake),
        direct: () => db.withConnection(async (c) => (await c.runAndReadAll(q.direct)).getRows().length),
      };
      async function lakeRun(statement: string): Promise<number> {
        const { sql } = await engine.prepare(statement, resolve);
        return (await engine.execute(sql, options2)).rows.length;
      }
      const order = ['cold', 'warm', 'direct'] as const;
      for (let i = 0; i < options.repeats; i++) {
        // Rotate the order so that caches and background work treat the three alike.
        for (let k = 0; k < order.length; k++) {
          const kind = order[(i + k) % order.length] ?? 'direct';
          const t = performance.now();
          const count = await runs[kind](i);
          times[kind].push(performance.now() - t);
          if (kind === 'direct') rows = count;
          else if (rows !== 0 && count !== rows)
            throw new Error(`${q.name}: the Lake path returned ${count} rows, DuckDB SQL ${rows}`);
        }
      }
      const lakeMs = median(times.cold);
      const lakeWarmMs = median(times.warm);
      const directMs = median(times.direct);
      queries.push({
        name: q.name,
        lakeMs,
        lakeWarmMs,
        directMs,
        ratio: lakeMs / directMs,
        warmRatio: lakeWarmMs / directMs,
        rows,
      });
    }
    engine.close();
    await imports.close();
    lake.close();
    db.close();
    return {
      importEvents: imported,
      importFiles: keys.length,
      importPerSecond: imported / importSeconds,
      baselinePerSecond: baselineEvents / baselineSeconds,
      historyPerSecond: copied / historySeconds,
      storeEvents: options.storeEvents,
      seedSeconds,
      queries,
    };
  });
}
