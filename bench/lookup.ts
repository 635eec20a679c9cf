/**
 * LookupEvents latency (p50/p99) per attribute with a large Event history (10M events by
 * default), measured end to end through the AWS SDK against a server in its own process.
 * The history is seeded straight into the embedded database with one INSERT … SELECT (seeding is
 * not what is measured), laid out as appends arrive: event time grows with sequence number.
 */
import { percentile } from './shared.ts';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudTrailClient, LookupEventsCommand, type LookupAttributeKey } from '@aws-sdk/client-cloudtrail';
import { resolveCredentials } from '../src/cli/client.ts';
import { DuckDbDatabase, DuckDbEventStore } from '../src/duckdb/index.ts';
import { BIGINT } from '@duckdb/node-api';
import { appendColumns } from '../src/duckdb/column-appender.ts';
import { eventIdHash, hash64, hashToBigInt } from '../src/store/event-id-index.ts';
import { spawnServer } from '../test/helpers/server.ts';

const ACCOUNT = '123456789012';
const DAY_MS = 86_400_000;

export interface LookupLatency {
  attribute: string;
  p50Ms: number;
  p99Ms: number;
  meanResults: number;
}

export interface LookupResult {
  events: number;
  seedSeconds: number;
  latencies: LookupLatency[];
}

export async function seed(dataDir: string, events: number, nowMs: number): Promise<void> {
  const db = await DuckDbDatabase.open(join(dataDir, 'opentrail.duckdb'));
  const store = await DuckDbEventStore.open(db);
  await store.close();
  const c = await db.connect();
  const spanMs = 80 * DAY_MS;
  const eventIdSql = `'e' || lpad(i::VARCHAR, 10, '0') || '-' || md5(i::VARCHAR)[1:20]`;
  // The server's (account, eventID) hash of each event, which EventId lookups filter on, in order.
  await c.run('CREATE TABLE id_hashes (id_hash BIGINT)');
  // Read on a connection of its own: the appender's flushes would end a stream on this one.
  const reader = await db.connect();
  const ids = await reader.stream(`SELECT ${eventIdSql} FROM range(${events}) t(i)`);
  const appender = await c.createAppender('id_hashes');
  for (let chunk = await ids.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await ids.fetchChunk()) {
    const values = chunk.getColumnValues(0) as string[];
    const words = new Uint32Array(values.length * 2);
    values.forEach((id, row) => {
      const [hi, lo] = eventIdHash(ACCOUNT, id);
      words[2 * row] = lo;
      words[2 * row + 1] = hi;
    });
    appendColumns(appender, [BIGINT], [{ kind: 'words', words }], values.length);
  }
  appender.closeSync();
  reader.closeSync();
  await c.run(`
    INSERT INTO events
    SELECT
      i + 1 AS seq,
      ${eventIdSql} AS event_id,
      h.id_hash,
      '${ACCOUNT}' AS account_id,
      CASE WHEN (i // 7) % 5 = 0 THEN 'eu-west-1' ELSE 'us-east-1' END AS region,
      ${nowMs - spanMs} + (i * ${spanMs}::BIGINT) // ${events} AS event_time,
      'Op' || ((i * 7919) % 200) AS event_name,
      'svc' || (i % 30) || '.amazonaws.com' AS event_source,
      'user' || ((i * 31) % 1000) AS username,
      'AKIA' || lpad(((i * 17) % 2000)::VARCHAR, 16, '0') AS access_key_id,
      i % 3 <> 0 AS read_only,
      'Management' AS category,
      CASE WHEN i % 10 < 3 THEN '[["AWS::Svc::Type' || (i % 20) || '","res-' || ((i * 13) % 100000) || '"]]' END AS resources,
      ${nowMs} AS recorded_at,
      '{"eventVersion":"1.11","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::${ACCOUNT}:user/user' ||
        ((i * 31) % 1000) || '","accountId":"${ACCOUNT}","accessKeyId":"AKIA' || lpad(((i * 17) % 2000)::VARCHAR, 16, '0') ||
        '","userName":"user' || ((i * 31) % 1000) || '"},"eventTime":"' ||
        strftime(make_timestamp((${nowMs} - ${spanMs} + (i * ${spanMs}::BIGINT) // ${events}) * 1000), '%Y-%m-%dT%H:%M:%SZ') ||
        '","eventSource":"svc' || (i % 30) || '.amazonaws.com","eventName":"Op' || ((i * 7919) % 200) ||
        '","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.' || (i % 250) ||
        '","userAgent":"aws-cli/2.9.19 Python/3.11.2","requestParameters":{"n":' || i ||
        '},"responseElements":null,"requestID":"' || md5((i + 7)::VARCHAR) || '","eventID":"e' || lpad(i::VARCHAR, 10, '0') ||
        '","readOnly":' || (i % 3 <> 0)::VARCHAR || ',"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"${ACCOUNT}","eventCategory":"Management"}' AS raw
    FROM range(${events}) t(i) POSITIONAL JOIN id_hashes h
  `);
  await c.run('DROP TABLE id_hashes');
  // The server's hash of each resource name, computed here for each distinct name.
  const names = (
    await c.runAndReadAll(
      `SELECT DISTINCT resources->>'$[0][1]' AS name FROM events WHERE resources IS NOT NULL`,
    )
  ).getColumnsJS()[0] as string[];
  await c.run('CREATE TABLE name_hashes (name VARCHAR, name_hash BIGINT)');
  const nameAppender = await c.createAppender('name_hashes');
  for (const name of names) {
    nameAppender.appendVarchar(name);
    nameAppender.appendBigInt(hashToBigInt(hash64(name)));
    nameAppender.endRow();
  }
  nameAppender.closeSync();
  await c.run(`
    INSERT INTO event_resources
    SELECT seq, account_id, region, category, event_time, resources->>'$[0][0]', h.name, h.name_hash
    FROM events JOIN name_hashes h ON h.name = (resources->>'$[0][1]')
    WHERE resources IS NOT NULL
    ORDER BY seq
  `);
  await c.run('DROP TABLE name_hashes');
  await c.run('CHECKPOINT');
  c.closeSync();
  db.close();
}

export type LookupCase = [name: string, key: LookupAttributeKey | undefined, valueOf: (n: number) => string];

/** One lookup per attribute (and one without), with values that exist in a history seeded by `seed`. */
export function lookupCases(events: number): LookupCase[] {
  // Event IDs spread over the whole history, all in us-east-1 ((i // 7) % 5 != 0), as seeded.
  const idOf = (n: number): string => {
    let i = Math.floor((((n * 2654435761) % 1_000_003) / 1_000_003) * events);
    while (Math.floor(i / 7) % 5 === 0) i = (i + 7) % events;
    return `e${String(i).padStart(10, '0')}-${createHash('md5').update(String(i)).digest('hex').slice(0, 20)}`;
  };
  return [
    ['(none)', undefined, () => ''],
    ['EventId', 'EventId', idOf],
    ['EventName', 'EventName', (n) => `Op${n % 200}`],
    ['ReadOnly', 'ReadOnly', (n) => (n % 2 === 0 ? 'true' : 'false')],
    ['Username', 'Username', (n) => `user${n % 1000}`],
    ['ResourceType', 'ResourceType', (n) => `AWS::Svc::Type${n % 20}`],
    ['ResourceName', 'ResourceName', (n) => `res-${(n * 7) % 100000}`],
    ['EventSource', 'EventSource', (n) => `svc${n % 30}.amazonaws.com`],
    ['AccessKeyId', 'AccessKeyId', (n) => `AKIA${String(n % 2000).padStart(16, '0')}`],
  ];
}

export async function benchLookup(options: { events: number; requests: number }): Promise<LookupResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'opentrail-bench-lookup-'));
  const nowMs = Date.now();
  const seedStarted = performance.now();
  await seed(dataDir, options.events, nowMs);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const server = await spawnServer(dataDir, ['--account-id', ACCOUNT]);
  try {
    const client = new CloudTrailClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: await resolveCredentials(dataDir),
    });
    const cases = lookupCases(options.events);
    const latencies: LookupLatency[] = [];
    for (const [name, key, valueOf] of cases) {
      const times: number[] = [];
      let results = 0;
      // Warm-up requests (not counted) so the first cold read of the file is not the p99.
      for (let n = 0; n < 3; n++) {
        await client.send(
          new LookupEventsCommand(
            key ? { LookupAttributes: [{ AttributeKey: key, AttributeValue: valueOf(n + 1000) }] } : {},
          ),
        );
      }
      for (let n = 0; n < options.requests; n++) {
        const value = valueOf(n);
        const started = performance.now();
        const out = await client.send(
          new LookupEventsCommand(
            key ? { LookupAttributes: [{ AttributeKey: key, AttributeValue: value }] } : {},
          ),
        );
        times.push(performance.now() - started);
        results += out.Events?.length ?? 0;
      }
      times.sort((a, b) => a - b);
      latencies.push({
        attribute: name,
        p50Ms: percentile(times, 50),
        p99Ms: percentile(times, 99),
        meanResults: results / options.requests,
      });
    }
    client.destroy();
    return { events: options.events, seedSeconds, latencies };
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}
