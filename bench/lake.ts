/**
 * Lake benchmarks.
 * - Import throughput: StartImport's path (ImportService) over gzip log files in a local bucket,
 *   next to the baseline of reading and gunzipping the same files alone.
 * - Queries over a store of N events (default 10M): each query through the Lake path (translation
 *   of the Lake statement, execution, Lake's string rendering of every value) next to the same
 *   query written directly in DuckDB SQL over the same table (the limit), in the same run.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { LocalDirObjectStore } from '../src/objects/index.ts';
import {
  EventDataStoreRegistry,
  ImportService,
  lakeTableOf,
  type EventDataStore,
} from '../src/query/index.ts';
import { DuckDbDatabase, DuckDbLakeStore } from '../src/store/index.ts';
import { DuckDbLakeQueryEngine } from '../src/store/duckdb/duckdb-lake-query-engine.ts';
import { freshSampleRecords, inTempDir } from './shared.ts';

export interface LakeBench {
  importEvents: number;
  importFiles: number;
  importPerSecond: number;
  baselinePerSecond: number;
  storeEvents: number;
  seedSeconds: number;
  queries: { name: string; lakeMs: number; directMs: number; ratio: number; rows: number }[];
}

const logger = pino({ level: 'silent' });

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
    await db.withConnection((c) =>
      c.run(
        'CREATE TABLE IF NOT EXISTS cursors (consumer VARCHAR PRIMARY KEY, seq UBIGINT NOT NULL, updated_at BIGINT NOT NULL, planned UBIGINT)',
      ),
    );
    const lake = await DuckDbLakeStore.open(db);
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
    const imports = await ImportService.open({ lake, registry, bucket: () => bucket, logger, now: Date.now });
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
      const lakeTimes: number[] = [];
      const directTimes: number[] = [];
      let rows = 0;
      for (let i = 0; i < options.repeats; i++) {
        // Alternate the two so that caches and background work treat them alike.
        let t = performance.now();
        const { sql } = await engine.prepare(q.lake, resolve);
        const result = await engine.execute(sql, options2);
        lakeTimes.push(performance.now() - t);
        rows = result.rows.length;
        t = performance.now();
        await db.withConnection(async (c) => (await c.runAndReadAll(q.direct)).getRows());
        directTimes.push(performance.now() - t);
      }
      const lakeMs = median(lakeTimes);
      const directMs = median(directTimes);
      queries.push({ name: q.name, lakeMs, directMs, ratio: lakeMs / directMs, rows });
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
      storeEvents: options.storeEvents,
      seedSeconds,
      queries,
    };
  });
}
