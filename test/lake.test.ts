/**
 * CloudTrail Lake through real clients: event data stores (SDK, AWS CLI v1 and v2, boto3), imports
 * of real CloudTrail log files from a bucket, live ingestion of recorded events, and queries with
 * paging, over a real server.
 */
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  CreateEventDataStoreCommand,
  DeleteEventDataStoreCommand,
  DescribeQueryCommand,
  GetQueryResultsCommand,
  GetEventDataStoreCommand,
  GetImportCommand,
  ListEventDataStoresCommand,
  ListImportFailuresCommand,
  ListQueriesCommand,
  ListTrailsCommand,
  RestoreEventDataStoreCommand,
  StartImportCommand,
  StartQueryCommand,
  StopEventDataStoreIngestionCommand,
  UpdateEventDataStoreCommand,
  paginateGetQueryResults,
  type CloudTrailClient,
  type DescribeQueryCommandOutput,
  type GetImportCommandOutput,
} from '@aws-sdk/client-cloudtrail';
import { LocalDirObjectStore } from '../src/local/index.ts';
import { AWS_CLI_V1, AWS_CLI_V2, run } from './helpers/run.ts';
import { BIN, SAMPLES, startTestServer, type TestServer } from './helpers/server.ts';
import { cloudTrailClient, errorOf, waitFor } from './helpers/trails.ts';

const INVICTUS = join(SAMPLES, 'invictus-ir-aws_dataset');
const BUCKET = 'forensics-trail';
const PREFIX = 'AWSLogs/123837392027/CloudTrail/us-east-1/2023/07/10/';

let server: TestServer;
let client: CloudTrailClient;
/** The invictus records as parsed objects, to compute expected results independently. */
const records: Record<string, unknown>[] = [];

/** Starts a query and waits for it to end, which must be FINISHED; returns its id and DescribeQuery. */
async function finishedQuery(
  sql: string,
): Promise<{ QueryId?: string; described: DescribeQueryCommandOutput }> {
  const { QueryId } = await client.send(new StartQueryCommand({ QueryStatement: sql }));
  const described = await waitFor(
    'the query to finish',
    async () => {
      const d = await client.send(new DescribeQueryCommand({ QueryId }));
      return d.QueryStatus === 'QUEUED' || d.QueryStatus === 'RUNNING' ? undefined : d;
    },
    60_000,
  );
  assert.equal(described.QueryStatus, 'FINISHED', described.ErrorMessage);
  return { QueryId, described };
}

async function queryRows(sql: string): Promise<Record<string, string>[]> {
  const { QueryId } = await finishedQuery(sql);
  const rows: Record<string, string>[] = [];
  for await (const page of paginateGetQueryResults({ client, pageSize: 7 }, { QueryId })) {
    for (const row of page.QueryResultRows ?? [])
      rows.push(Object.assign({}, ...row) as Record<string, string>);
  }
  return rows;
}

async function createStore(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await client.send(
    new CreateEventDataStoreCommand({ Name: name, TerminationProtectionEnabled: false, ...extra }),
  );
  return created.EventDataStoreArn ?? '';
}

/** Imports the trail bucket's AWSLogs/ prefix into the store and waits for the import to complete. */
async function importTrailBucket(arn: string): Promise<GetImportCommandOutput> {
  const started = await client.send(
    new StartImportCommand({
      Destinations: [arn],
      ImportSource: {
        S3: {
          S3LocationUri: `s3://${BUCKET}/AWSLogs/`,
          S3BucketRegion: 'us-east-1',
          S3BucketAccessRoleArn: 'arn:aws:iam::123456789012:role/import',
        },
      },
    }),
  );
  return waitFor(
    'the import to complete',
    async () => {
      const g = await client.send(new GetImportCommand({ ImportId: started.ImportId }));
      return g.ImportStatus === 'COMPLETED' ? g : undefined;
    },
    60_000,
  );
}

function idOf(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

before(async () => {
  server = await startTestServer();
  client = cloudTrailClient(server);
  // The invictus-ir files, gzipped and laid out as a trail delivers them.
  await LocalDirObjectStore.createBucket(join(server.dataDir, 'buckets'), BUCKET);
  const bucket = new LocalDirObjectStore(join(server.dataDir, 'buckets'), BUCKET);
  for (const name of (await readdir(INVICTUS)).filter((n) => n.endsWith('.json')).sort()) {
    const text = await readFile(join(INVICTUS, name), 'utf8');
    records.push(...(JSON.parse(text) as { Records: Record<string, unknown>[] }).Records);
    await bucket.put(`${PREFIX}${name}.gz`, gzipSync(text));
  }
  await bucket.put(
    'AWSLogs/123837392027/CloudTrail-Digest/us-east-1/2023/07/10/digest.json.gz',
    gzipSync('{}'),
  );
  await bucket.put(`${PREFIX}zz-broken.json.gz`, gzipSync('{"Records":[{"eventVersion": '));
});

after(async () => {
  client.destroy();
  await server.dispose();
});

describe('event data stores', () => {
  it('CreateEventDataStore applies AWS defaults and Get/List return the store', async () => {
    const created = await client.send(new CreateEventDataStoreCommand({ Name: 'defaults' }));
    assert.match(
      created.EventDataStoreArn ?? '',
      /^arn:aws:cloudtrail:us-east-1:\d{12}:eventdatastore\/[0-9a-f-]{36}$/,
    );
    assert.equal(created.Status, 'ENABLED');
    assert.equal(created.MultiRegionEnabled, true);
    assert.equal(created.OrganizationEnabled, false);
    assert.equal(created.RetentionPeriod, 366);
    assert.equal(created.TerminationProtectionEnabled, true);
    assert.equal(created.BillingMode, 'EXTENDABLE_RETENTION_PRICING');
    assert.deepEqual(created.AdvancedEventSelectors, [
      {
        Name: 'Default management events',
        FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }],
      },
    ]);
    const got = await client.send(
      new GetEventDataStoreCommand({ EventDataStore: idOf(created.EventDataStoreArn ?? '') }),
    );
    assert.equal(got.Name, 'defaults');
    const listed = await client.send(new ListEventDataStoresCommand({}));
    assert.ok(listed.EventDataStores?.some((s) => s.EventDataStoreArn === created.EventDataStoreArn));

    assert.equal(
      (await errorOf(client.send(new CreateEventDataStoreCommand({ Name: 'defaults' })))).name,
      'EventDataStoreAlreadyExistsException',
    );
    const protectedDelete = await errorOf(
      client.send(new DeleteEventDataStoreCommand({ EventDataStore: created.EventDataStoreArn })),
    );
    assert.equal(protectedDelete.name, 'EventDataStoreTerminationProtectedException');
  });

  it('rejects bad input with AWS error codes', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ Name: 'x' }, 'InvalidParameterException'],
      [{ Name: 'retention', RetentionPeriod: 3 }, 'InvalidParameterException'],
      [
        { Name: 'fixed', RetentionPeriod: 3000, BillingMode: 'FIXED_RETENTION_PRICING' },
        'InvalidParameterException',
      ],
      [
        {
          Name: 'mixed',
          AdvancedEventSelectors: [
            { FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
            { FieldSelectors: [{ Field: 'eventCategory', Equals: ['ActivityAuditLog'] }] },
          ],
        },
        'InvalidEventSelectorsException',
      ],
      [
        {
          Name: 'badfield',
          AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'nope', Equals: ['x'] }] }],
        },
        'InvalidEventSelectorsException',
      ],
      [{ Name: 'kms', KmsKeyId: 'alias/x' }, 'UnsupportedOperationException'],
    ];
    for (const [input, code] of cases) {
      const error = await errorOf(client.send(new CreateEventDataStoreCommand(input as never)));
      assert.equal(error.name, code, JSON.stringify(input));
    }
    const missing = await errorOf(
      client.send(new GetEventDataStoreCommand({ EventDataStore: '00000000-0000-0000-0000-000000000000' })),
    );
    assert.equal(missing.name, 'EventDataStoreNotFoundException');
  });

  it('deletes to PENDING_DELETION, refuses queries on it, and restores', async () => {
    const arn = await createStore('short-lived');
    await client.send(new DeleteEventDataStoreCommand({ EventDataStore: arn }));
    const pending = await client.send(new GetEventDataStoreCommand({ EventDataStore: arn }));
    assert.equal(pending.Status, 'PENDING_DELETION');
    const query = await errorOf(
      client.send(new StartQueryCommand({ QueryStatement: `SELECT eventID FROM ${idOf(arn)}` })),
    );
    assert.equal(query.name, 'InactiveEventDataStoreException');
    const update = await errorOf(
      client.send(new UpdateEventDataStoreCommand({ EventDataStore: arn, RetentionPeriod: 30 })),
    );
    assert.equal(update.name, 'InactiveEventDataStoreException');
    const restored = await client.send(new RestoreEventDataStoreCommand({ EventDataStore: arn }));
    assert.equal(restored.Status, 'ENABLED');
    await client.send(new StopEventDataStoreIngestionCommand({ EventDataStore: arn }));
    assert.equal(
      (await client.send(new GetEventDataStoreCommand({ EventDataStore: arn }))).Status,
      'STOPPED_INGESTION',
    );
  });
});

describe('imports and queries', () => {
  let storeId = '';

  it('imports real CloudTrail log files from a bucket prefix, counting a broken file as a failure', async () => {
    const arn = await createStore('forensics', { RetentionPeriod: 3653, StartIngestion: false });
    storeId = idOf(arn);
    const done = await importTrailBucket(arn);
    assert.equal(done.ImportStatistics?.EventsCompleted, records.length);
    assert.equal(done.ImportStatistics?.FailedEntries, 1);
    assert.equal(done.ImportStatistics?.PrefixesFound, 1);
    const failures = await client.send(new ListImportFailuresCommand({ ImportId: done.ImportId }));
    assert.equal(failures.Failures?.length, 1);
    assert.match(failures.Failures?.[0]?.Location ?? '', /zz-broken\.json\.gz$/);

    // Running the same import again adds nothing twice.
    const second = await importTrailBucket(arn);
    assert.equal(second.ImportStatistics?.EventsCompleted, 0);
    const [count] = await queryRows(`SELECT COUNT(*) AS n, COUNT(DISTINCT eventID) AS d FROM ${storeId}`);
    assert.deepEqual(count, { n: String(records.length), d: String(records.length) });
  });

  it('GROUP BY eventName matches an independent count, paged through GetQueryResults', async () => {
    const rows = await queryRows(
      `SELECT eventName, COUNT(*) FROM ${storeId} WHERE eventTime > '2023-01-01 00:00:00' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10`,
    );
    const counts = new Map<string, number>();
    for (const r of records) counts.set(r.eventName as string, (counts.get(r.eventName as string) ?? 0) + 1);
    const expected = [...counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 10)
      .map(([name, n]) => ({ eventName: name, _col1: String(n) }));
    assert.deepEqual(rows, expected);
  });

  it('element_at over requestParameters and struct fields of userIdentity', async () => {
    const rows = await queryRows(
      `SELECT element_at(requestParameters, 'bucketName') AS bucket, COUNT(*) AS n FROM ${storeId} ` +
        `WHERE eventSource = 's3.amazonaws.com' AND userIdentity.type = 'AssumedRole' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3`,
    );
    const counts = new Map<string, number>();
    for (const r of records) {
      const identity = r.userIdentity as { type?: string } | undefined;
      const bucket = (r.requestParameters as { bucketName?: unknown } | null)?.bucketName;
      if (r.eventSource !== 's3.amazonaws.com' || identity?.type !== 'AssumedRole') continue;
      const key = typeof bucket === 'string' ? bucket : '\u0000null';
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const expected = [...counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 3)
      .map(([bucket, n]) => (bucket === '\u0000null' ? { n: String(n) } : { bucket, n: String(n) }));
    assert.deepEqual(rows, expected);
  });

  it('DescribeQuery counts the events that matched the filters, not the rows returned', async () => {
    const describe = async (sql: string): Promise<{ matched: number; scanned: number; rows: number }> => {
      const { QueryId, described: d } = await finishedQuery(sql);
      const results = await client.send(new GetQueryResultsCommand({ QueryId }));
      return {
        matched: d.QueryStatistics?.EventsMatched ?? -1,
        scanned: d.QueryStatistics?.EventsScanned ?? -1,
        rows: results.QueryStatistics?.TotalResultsCount ?? -1,
      };
    };
    const s3Events = records.filter((r) => r.eventSource === 's3.amazonaws.com').length;
    // A filter DuckDB pushes into the scan.
    const grouped = await describe(
      `SELECT eventName, COUNT(*) FROM ${storeId} WHERE eventSource = 's3.amazonaws.com' GROUP BY 1`,
    );
    assert.equal(grouped.matched, s3Events);
    assert.ok(grouped.rows < s3Events && grouped.scanned >= records.length, JSON.stringify(grouped));
    // A filter it keeps above the scan.
    const named = records.filter((r) => {
      const bucket = (r.requestParameters as { bucketName?: unknown } | null)?.bucketName;
      return typeof bucket === 'string' && bucket.startsWith('invictus');
    }).length;
    const filtered = await describe(
      `SELECT COUNT(*) FROM ${storeId} WHERE element_at(requestParameters, 'bucketName') LIKE 'invictus%'`,
    );
    assert.equal(filtered.matched, named);
    assert.equal(filtered.rows, 1);
    // No filter: every event matches.
    assert.equal((await describe(`SELECT COUNT(*) FROM ${storeId}`)).matched, records.length);
  });

  it('opentrail query prints Lake results as CSV and JSON', async () => {
    const args = (output: string): string[] => [
      BIN,
      'query',
      `SELECT eventSource, COUNT(*) AS n FROM ${storeId} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3`,
      '--endpoint-url',
      server.url,
      '--data-dir',
      server.dataDir,
      '--output',
      output,
    ];
    const csv = await run(process.execPath, args('csv'), { env: server.awsEnv });
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.trim().split('\n');
    assert.equal(lines[0], 'eventSource,n');
    assert.equal(lines.length, 4);
    const json = await run(process.execPath, args('json'), { env: server.awsEnv });
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { eventSource: string; n: string }[];
    const top = new Map<string, number>();
    for (const r of records) top.set(r.eventSource as string, (top.get(r.eventSource as string) ?? 0) + 1);
    const best = [...top].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
    assert.deepEqual(parsed[0], { eventSource: best?.[0], n: String(best?.[1]) });
    const bad = await run(
      process.execPath,
      [BIN, 'query', 'DROP TABLE x', '--endpoint-url', server.url, '--data-dir', server.dataDir],
      { env: server.awsEnv },
    );
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /InvalidQueryStatementException|not allowed|only/i);
  });

  it('a statement that is not a read-only SELECT over a store is InvalidQueryStatementException', async () => {
    for (const statement of [
      `DELETE FROM ${storeId}`,
      "SELECT * FROM read_text('/etc/passwd')",
      'SELECT * FROM events',
    ]) {
      const error = await errorOf(client.send(new StartQueryCommand({ QueryStatement: statement })));
      assert.equal(error.name, 'InvalidQueryStatementException', statement);
    }
    const listed = await client.send(new ListQueriesCommand({ EventDataStore: storeId }));
    assert.ok((listed.Queries?.length ?? 0) >= 3);
  });
});

describe('live ingestion', () => {
  it('a new store holds the management events recorded after it was created', async () => {
    const arn = await createStore('live');
    await client.send(new ListTrailsCommand({}));
    const rows = await waitFor(
      'the ListTrails event in the store',
      async () => {
        const found = await queryRows(
          `SELECT eventName, readOnly, userIdentity.accountId AS account FROM ${idOf(arn)} WHERE eventName = 'ListTrails'`,
        );
        return found.length > 0 ? found : undefined;
      },
      30_000,
    );
    assert.deepEqual(rows[0], { eventName: 'ListTrails', readOnly: 'true', account: server.accountId });
  });
});

describe('the AWS CLI and boto3', () => {
  for (const cli of [AWS_CLI_V1, AWS_CLI_V2]) {
    it(`${cli}: create-event-data-store, start-query, get-query-results`, async () => {
      const env = server.awsEnv;
      const endpoint = ['--endpoint-url', server.url, '--output', 'json'];
      const created = await run(
        cli,
        [
          'cloudtrail',
          'create-event-data-store',
          '--name',
          `cli-${cli.length}`,
          '--no-termination-protection-enabled',
          ...endpoint,
        ],
        { env },
      );
      assert.equal(created.code, 0, created.stderr);
      const arn = (JSON.parse(created.stdout) as { EventDataStoreArn: string }).EventDataStoreArn;
      await client.send(new ListTrailsCommand({}));
      const start = await run(
        cli,
        [
          'cloudtrail',
          'start-query',
          '--query-statement',
          `SELECT eventName FROM ${idOf(arn)} WHERE eventName = 'ListTrails'`,
          ...endpoint,
        ],
        { env },
      );
      assert.equal(start.code, 0, start.stderr);
      const { QueryId } = JSON.parse(start.stdout) as { QueryId: string };
      const results = await waitFor(
        'the CLI query to finish',
        async () => {
          const r = await run(cli, ['cloudtrail', 'get-query-results', '--query-id', QueryId, ...endpoint], {
            env,
          });
          assert.equal(r.code, 0, r.stderr);
          const parsed = JSON.parse(r.stdout) as { QueryStatus: string; QueryResultRows?: unknown[] };
          return parsed.QueryStatus === 'FINISHED' ? parsed : undefined;
        },
        30_000,
      );
      assert.ok(Array.isArray(results.QueryResultRows));
      const list = await run(cli, ['cloudtrail', 'list-event-data-stores', ...endpoint], { env });
      assert.equal(list.code, 0, list.stderr);
      assert.ok(list.stdout.includes(arn));
    });
  }

  it('boto3 creates a store and runs a query', async () => {
    const script = `
import boto3, json, time, sys
c = boto3.client('cloudtrail', endpoint_url=sys.argv[1], region_name='us-east-1')
arn = c.create_event_data_store(Name='boto3-store', TerminationProtectionEnabled=False)['EventDataStoreArn']
q = c.start_query(QueryStatement="SELECT COUNT(*) AS n FROM " + arn.split('/')[-1])['QueryId']
for _ in range(300):
    r = c.get_query_results(QueryId=q)
    if r['QueryStatus'] not in ('QUEUED', 'RUNNING'):
        break
    time.sleep(0.1)
print(json.dumps({'status': r['QueryStatus'], 'rows': r['QueryResultRows']}))
`;
    const result = await run('python3', ['-c', script, server.url], { env: server.awsEnv });
    assert.equal(result.code, 0, result.stderr);
    const parsed = JSON.parse(result.stdout) as { status: string; rows: Record<string, string>[][] };
    assert.equal(parsed.status, 'FINISHED');
    assert.equal(parsed.rows.length, 1);
    assert.match(parsed.rows[0]?.[0]?.n ?? '', /^\d+$/);
  });
});
