/**
 * Copying Event history into an event data store (StartImport from `opentrail://event-history`)
 * through real clients: the SDK and AWS CLI v1, over a real server whose log holds recorded events
 * of two accounts from before the store existed.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CloudTrailClient,
  CreateEventDataStoreCommand,
  DescribeQueryCommand,
  GetImportCommand,
  ListImportsCommand,
  StartImportCommand,
  StartQueryCommand,
  paginateGetQueryResults,
  type GetImportCommandOutput,
  type ImportSource,
} from '@aws-sdk/client-cloudtrail';
import { RecordClient } from '../src/cli/client.ts';
import { AWS_CLI_V1, run } from './helpers/run.ts';
import { awsEnvFor, startTestServer, type TestServer } from './helpers/server.ts';
import { waitFor } from './helpers/trails.ts';

const HISTORY = 'opentrail://event-history';
const OTHER_ACCOUNT = '210987654321';
/** Recorded events are an hour old, a second apart. */
const T0 = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function record(account: string, i: number): Record<string, unknown> {
  const data = i % 10 === 9;
  return {
    eventVersion: '1.11',
    userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${account}:user/u${i % 3}`, accountId: account },
    eventTime: iso(T0 + i * 1000),
    eventSource: data ? 's3.amazonaws.com' : 'ec2.amazonaws.com',
    eventName: data ? 'GetObject' : i % 2 === 0 ? 'RunInstances' : 'DescribeInstances',
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.9',
    userAgent: 'history-copy-test',
    requestParameters: null,
    responseElements: null,
    eventID: randomUUID(),
    readOnly: data || i % 2 === 1,
    eventType: 'AwsApiCall',
    managementEvent: !data,
    recipientAccountId: account,
    eventCategory: data ? 'Data' : 'Management',
    ...(data ? { resources: [{ type: 'AWS::S3::Object', ARN: `arn:aws:s3:::bucket/key${i}` }] } : {}),
  };
}

let server: TestServer;
let client: CloudTrailClient;
const mine: Record<string, unknown>[] = [];
const others: Record<string, unknown>[] = [];

function historySource(): ImportSource {
  return {
    S3: {
      S3LocationUri: HISTORY,
      S3BucketRegion: 'us-east-1',
      S3BucketAccessRoleArn: 'arn:aws:iam::123456789012:role/unused',
    },
  };
}

async function createStore(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await client.send(
    new CreateEventDataStoreCommand({ Name: name, TerminationProtectionEnabled: false, ...extra }),
  );
  return created.EventDataStoreArn ?? '';
}

async function completed(importId: string | undefined): Promise<GetImportCommandOutput> {
  return waitFor(
    'the import to complete',
    async () => {
      const g = await client.send(new GetImportCommand({ ImportId: importId }));
      assert.notEqual(g.ImportStatus, 'FAILED');
      return g.ImportStatus === 'COMPLETED' ? g : undefined;
    },
    60_000,
  );
}

async function eventIds(storeArn: string): Promise<string[]> {
  const id = storeArn.slice(storeArn.lastIndexOf('/') + 1);
  const { QueryId } = await client.send(
    new StartQueryCommand({ QueryStatement: `SELECT eventID FROM ${id}` }),
  );
  await waitFor(
    'the query to finish',
    async () => {
      const d = await client.send(new DescribeQueryCommand({ QueryId }));
      assert.ok(d.QueryStatus !== 'FAILED', d.ErrorMessage);
      return d.QueryStatus === 'FINISHED' ? d : undefined;
    },
    60_000,
  );
  const ids: string[] = [];
  for await (const page of paginateGetQueryResults({ client }, { QueryId })) {
    for (const row of page.QueryResultRows ?? []) ids.push(row[0]?.eventID ?? '');
  }
  return ids;
}

before(async () => {
  server = await startTestServer();
  // A caller records another account's events only as its organization's management account.
  await writeFile(
    join(server.dataDir, 'organizations.json'),
    JSON.stringify({
      organizations: [
        { id: 'o-historycopy1', managementAccountId: server.accountId, memberAccountIds: [OTHER_ACCOUNT] },
      ],
    }),
  );
  const credentials = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };
  client = new CloudTrailClient({ endpoint: server.url, region: 'us-east-1', credentials });
  for (let i = 0; i < 200; i++) mine.push(record(server.accountId, i));
  for (let i = 0; i < 50; i++) others.push(record(OTHER_ACCOUNT, i));
  const recorder = new RecordClient(server.url, 'us-east-1', credentials);
  const response = await recorder.send(JSON.stringify({ Records: [...mine, ...others] }));
  assert.equal(response.successful.length, 250);
});

after(async () => {
  client.destroy();
  await server.dispose();
});

describe('copying Event history into an event data store', () => {
  it('copies the management events of the account that the store did not receive live, once', async () => {
    const arn = await createStore('history-copy');
    // Recorded after the store exists: these reach it live, not through the copy.
    const live = [record(server.accountId, 1000), record(server.accountId, 1002)];
    const recorder = new RecordClient(server.url, 'us-east-1', {
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
    });
    await recorder.send(JSON.stringify({ Records: live }));
    await waitFor(
      'the live events in the store',
      async () => ((await eventIds(arn)).includes(live[1]?.eventID as string) ? true : undefined),
      30_000,
    );

    const started = await client.send(
      new StartImportCommand({ Destinations: [arn], ImportSource: historySource() }),
    );
    const first = await completed(started.ImportId);
    assert.equal(first.ImportSource?.S3?.S3LocationUri, HISTORY);

    const ids = await eventIds(arn);
    assert.equal(new Set(ids).size, ids.length, 'no event is in the store twice');
    const management = mine.filter((r) => r.eventCategory === 'Management').map((r) => r.eventID);
    for (const id of [...management, ...live.map((r) => r.eventID)]) assert.ok(ids.includes(id as string));
    for (const r of [...others, ...mine.filter((r) => r.eventCategory === 'Data')])
      assert.ok(!ids.includes(r.eventID as string), 'other accounts and data events stay out');
    assert.ok((first.ImportStatistics?.EventsCompleted ?? 0) >= management.length);
    assert.equal(first.ImportStatistics?.FailedEntries, 0);

    // A second copy finds everything there already.
    const again = await client.send(
      new StartImportCommand({ Destinations: [arn], ImportSource: historySource() }),
    );
    const second = await completed(again.ImportId);
    assert.equal(second.ImportStatistics?.EventsCompleted, 0);
    const after = await eventIds(arn);
    assert.equal(new Set(after).size, after.length);

    const listed = await client.send(new ListImportsCommand({ Destination: arn }));
    assert.deepEqual(
      new Set(listed.Imports?.map((i) => i.ImportId)),
      new Set([started.ImportId, again.ImportId]),
    );
  });

  it('AWS CLI v1: a store selecting write events copies those of a time window only', async () => {
    // Not ingesting, so that only the copy fills it (StartImport itself is a write event).
    const arn = await createStore('history-writes', {
      StartIngestion: false,
      AdvancedEventSelectors: [
        {
          Name: 'write management events',
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Management'] },
            { Field: 'readOnly', Equals: ['false'] },
          ],
        },
      ],
    });
    const from = T0 + 50_000;
    const to = T0 + 150_000;
    const { stdout } = await run(
      AWS_CLI_V1,
      [
        'cloudtrail',
        'start-import',
        '--destinations',
        arn,
        '--import-source',
        JSON.stringify(historySource()),
        '--start-event-time',
        iso(from),
        '--end-event-time',
        iso(to),
        '--endpoint-url',
        server.url,
        '--output',
        'json',
      ],
      { env: awsEnvFor(server) },
    );
    const importId = (JSON.parse(stdout) as { ImportId: string }).ImportId;
    await completed(importId);
    const expected = mine
      .filter((r) => {
        const t = Date.parse(r.eventTime as string);
        return r.eventCategory === 'Management' && r.readOnly === false && t >= from && t < to;
      })
      .map((r) => r.eventID as string);
    assert.equal(expected.length, 50);
    assert.deepEqual((await eventIds(arn)).sort(), expected.sort());
  });
});
