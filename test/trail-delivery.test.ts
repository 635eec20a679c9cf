import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateTrailCommand,
  GetTrailStatusCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
  type CloudTrailClient,
} from '@aws-sdk/client-cloudtrail';
import { RecordClient } from '../src/cli/client.ts';
import { LocalDirObjectStore } from '../src/local/index.ts';
import { isGlobalServiceEvent } from '../src/trails/index.ts';
import { INVICTUS_ACCOUNT, startTestServer, type TestServer } from './helpers/server.ts';
import {
  cloudTrailClient,
  eventIdOf,
  invictusRecords,
  readDelivered,
  syntheticRecord,
  waitFor,
  type DeliveredFile,
} from './helpers/trails.ts';

function recordsOf(files: DeliveredFile[]): Map<string, { text: string; file: DeliveredFile }[]> {
  const out = new Map<string, { text: string; file: DeliveredFile }[]>();
  for (const file of files) {
    for (const text of file.records) {
      const id = eventIdOf(text);
      out.set(id, [...(out.get(id) ?? []), { text, file }]);
    }
  }
  return out;
}

async function deliveredIds(store: LocalDirObjectStore, prefix = ''): Promise<Set<string>> {
  return new Set(recordsOf(await readDelivered(store, prefix)).keys());
}

describe('trail delivery to the embedded local bucket store', () => {
  let server: TestServer;
  let east: CloudTrailClient;
  let west: CloudTrailClient;
  let recorder: RecordClient;
  let bucket: LocalDirObjectStore;
  const other = '210987654321';

  before(async () => {
    server = await startTestServer({ accountId: INVICTUS_ACCOUNT, deliveryIntervalSeconds: 1 });
    // A caller records another account's events only as its organization's management account;
    // trails other than organization trails still deliver the caller's account alone.
    await writeFile(
      join(server.dataDir, 'organizations.json'),
      JSON.stringify({
        organizations: [
          { id: 'o-exampleorg1', managementAccountId: INVICTUS_ACCOUNT, memberAccountIds: [other] },
        ],
      }),
    );
    await LocalDirObjectStore.createBucket(join(server.dataDir, 'buckets'), 'audit-logs');
    bucket = new LocalDirObjectStore(join(server.dataDir, 'buckets'), 'audit-logs');
    east = cloudTrailClient(server, 'us-east-1');
    west = cloudTrailClient(server, 'us-west-2');
    recorder = await RecordClient.create({
      endpointUrl: server.url,
      dataDir: server.dataDir,
      region: 'us-east-1',
    });
  });
  after(async () => {
    east.destroy();
    west.destroy();
    await server.dispose();
  });

  it('delivers each selected event exactly once, byte-identical, under its account and region', async () => {
    await east.send(
      new CreateTrailCommand({
        Name: 'everything',
        S3BucketName: 'audit-logs',
        S3KeyPrefix: 'all',
        IsMultiRegionTrail: true,
        IncludeGlobalServiceEvents: true,
      }),
    );
    await east.send(
      new CreateTrailCommand({
        Name: 'east-only',
        S3BucketName: 'audit-logs',
        S3KeyPrefix: 'east',
        IsMultiRegionTrail: false,
        IncludeGlobalServiceEvents: false,
      }),
    );
    await west.send(
      new CreateTrailCommand({
        Name: 'west-only',
        S3BucketName: 'audit-logs',
        S3KeyPrefix: 'west',
        IsMultiRegionTrail: false,
        IncludeGlobalServiceEvents: true,
      }),
    );
    for (const name of ['everything', 'east-only']) await east.send(new StartLoggingCommand({ Name: name }));
    await west.send(new StartLoggingCommand({ Name: 'west-only' }));

    const real = await invictusRecords();
    const westEvents = Array.from({ length: 30 }, (_, n) =>
      syntheticRecord(INVICTUS_ACCOUNT, 'us-west-2', { n }),
    );
    const euEvents = Array.from({ length: 20 }, (_, n) =>
      syntheticRecord(INVICTUS_ACCOUNT, 'eu-west-1', { n }),
    );
    const globalEvents = Array.from({ length: 10 }, (_, n) =>
      syntheticRecord(INVICTUS_ACCOUNT, 'us-east-1', {
        n,
        eventSource: 'cloudfront.amazonaws.com',
        eventName: 'CreateDistribution',
      }),
    );
    const otherAccount = Array.from({ length: 10 }, (_, n) => syntheticRecord(other, 'us-east-1', { n }));
    const dataEvents = Array.from({ length: 5 }, (_, n) =>
      syntheticRecord(INVICTUS_ACCOUNT, 'us-east-1', {
        n,
        eventCategory: 'Data',
        eventSource: 's3.amazonaws.com',
        eventName: 'GetObject',
        readOnly: true,
      }),
    );
    const all = [
      ...real.values(),
      ...westEvents,
      ...euEvents,
      ...globalEvents,
      ...otherAccount,
      ...dataEvents,
    ];
    for (let i = 0; i < all.length; i += 500) {
      const response = await recorder.send(`{"Records":[${all.slice(i, i + 500).join(',')}]}`);
      assert.equal(response.failed.length, 0, JSON.stringify(response.failed.slice(0, 3)));
    }

    const originals = new Map(all.map((text) => [eventIdOf(text), text]));
    const idsOf = (texts: string[]): string[] => texts.map(eventIdOf);
    const realGlobal = [...real.values()].filter((t) => {
      const r = JSON.parse(t) as { eventSource: string; awsRegion: string };
      return isGlobalServiceEvent({ eventSource: r.eventSource, region: r.awsRegion });
    });
    assert.ok(realGlobal.length > 100, 'the real records include global service events');
    const expectEverything = idsOf([...real.values(), ...westEvents, ...euEvents, ...globalEvents]);
    const expectEast = idsOf(
      [...real.values(), ...globalEvents].filter((t) => !realGlobal.includes(t) && !globalEvents.includes(t)),
    );
    const expectWest = idsOf(westEvents);

    for (const [prefix, expected] of [
      ['all/', expectEverything],
      ['east/', expectEast],
      ['west/', expectWest],
    ] as const) {
      await waitFor(`${prefix} delivery`, async () => {
        const ids = await deliveredIds(bucket, prefix);
        return expected.every((id) => ids.has(id)) ? true : undefined;
      });
    }
    // A round over everything pending: nothing further (duplicates or strays) may arrive.
    await server.flush();

    for (const [prefix, expected, regions] of [
      ['all/', expectEverything, ['us-east-1', 'us-west-2', 'eu-west-1']],
      ['east/', expectEast, ['us-east-1']],
      ['west/', expectWest, ['us-west-2']],
    ] as const) {
      const files = await readDelivered(bucket, prefix);
      const delivered = recordsOf(files);
      for (const [id, copies] of delivered) {
        assert.equal(copies.length, 1, `${prefix}: event ${id} delivered ${copies.length} times`);
        const { text, file } = copies[0] as { text: string; file: DeliveredFile };
        const record = JSON.parse(text) as {
          awsRegion: string;
          recipientAccountId: string;
          eventSource: string;
        };
        assert.equal(
          file.accountId,
          record.recipientAccountId,
          `${prefix}: ${file.key} holds another account's event`,
        );
        assert.equal(file.region, record.awsRegion, `${prefix}: ${file.key} holds another region's event`);
        assert.ok(
          (regions as readonly string[]).includes(record.awsRegion),
          `${prefix}: region ${record.awsRegion} is outside the trail`,
        );
        const original = originals.get(id);
        if (original !== undefined)
          assert.equal(text, original, `${prefix}: record ${id} changed in delivery`);
        else
          assert.equal(record.eventSource, 'cloudtrail.amazonaws.com', `${prefix}: unexpected event ${id}`);
      }
      for (const id of expected) assert.ok(delivered.has(id), `${prefix}: event ${id} not delivered`);
      for (const text of [...otherAccount, ...dataEvents]) {
        assert.ok(!delivered.has(eventIdOf(text)), `${prefix}: delivered an event outside its scope`);
      }
    }
    const everything = recordsOf(await readDelivered(bucket, 'all/'));
    for (const text of globalEvents) assert.ok(everything.has(eventIdOf(text)));

    const status = await east.send(new GetTrailStatusCommand({ Name: 'everything' }));
    assert.equal(status.IsLogging, true);
    assert.ok(status.LatestDeliveryTime instanceof Date);
    assert.equal(status.LatestDeliveryError, undefined);
    assert.match(status.LatestDeliveryAttemptSucceeded ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('delivers data events that a selector picks, and only those', async () => {
    await east.send(
      new CreateTrailCommand({ Name: 'data-trail', S3BucketName: 'audit-logs', S3KeyPrefix: 'data' }),
    );
    await east.send(
      new PutEventSelectorsCommand({
        TrailName: 'data-trail',
        EventSelectors: [
          {
            ReadWriteType: 'All',
            IncludeManagementEvents: false,
            DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::wanted-bucket/'] }],
          },
        ],
      }),
    );
    await east.send(new StartLoggingCommand({ Name: 'data-trail' }));
    const s3Event = (bucketName: string, n: number): string => {
      const record = JSON.parse(
        syntheticRecord(INVICTUS_ACCOUNT, 'us-east-1', {
          n,
          eventCategory: 'Data',
          eventSource: 's3.amazonaws.com',
          eventName: 'GetObject',
          readOnly: true,
        }),
      ) as Record<string, unknown>;
      record.resources = [
        { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${bucketName}/key${n}` },
        { accountId: INVICTUS_ACCOUNT, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucketName}` },
      ];
      return JSON.stringify(record);
    };
    const wanted = [0, 1, 2].map((n) => s3Event('wanted-bucket', n));
    const unwanted = [3, 4].map((n) => s3Event('other-bucket', n));
    const management = syntheticRecord(INVICTUS_ACCOUNT, 'us-east-1', { n: 5 });
    await recorder.send(`{"Records":[${[...wanted, ...unwanted, management].join(',')}]}`);
    await waitFor('data events', async () => {
      const ids = await deliveredIds(bucket, 'data/');
      return wanted.every((t) => ids.has(eventIdOf(t))) ? ids : undefined;
    });
    const ids = await deliveredIds(bucket, 'data/');
    assert.equal(ids.size, wanted.length, 'only the selected data events are delivered');
  });

  it('StopLogging delivers up to and including its own event, and nothing recorded after it', async () => {
    await east.send(
      new CreateTrailCommand({ Name: 'stopper', S3BucketName: 'audit-logs', S3KeyPrefix: 'stopper' }),
    );
    await east.send(new StartLoggingCommand({ Name: 'stopper' }));
    const before = syntheticRecord(INVICTUS_ACCOUNT, 'us-east-1', { n: 1 });
    await recorder.send(before);
    await east.send(new StopLoggingCommand({ Name: 'stopper' }));
    const afterStop = syntheticRecord(INVICTUS_ACCOUNT, 'us-east-1', { n: 2 });
    await recorder.send(afterStop);
    const files = await waitFor('the stopped trail to deliver', async () => {
      const delivered = await readDelivered(bucket, 'stopper/');
      const names = delivered.flatMap((f) =>
        f.records.map((r) => (JSON.parse(r) as { eventName: string }).eventName),
      );
      return names.includes('StopLogging') ? delivered : undefined;
    });
    // A round over everything pending delivers nothing recorded after StopLogging.
    await server.flush();
    const ids = recordsOf(await readDelivered(bucket, 'stopper/'));
    assert.ok(ids.has(eventIdOf(before)));
    assert.ok(!ids.has(eventIdOf(afterStop)), 'an event recorded after StopLogging was delivered');
    assert.ok(files.length > 0);
    const status = await east.send(new GetTrailStatusCommand({ Name: 'stopper' }));
    assert.equal(status.IsLogging, false);
    assert.ok(status.StopLoggingTime instanceof Date);
    assert.match(status.TimeLoggingStopped ?? '', /Z$/);
  });

  it('an organization trail delivers every member account under AWSLogs/<org-id>/<account>/', async () => {
    const orgId = 'o-exampleorg1';
    await writeFile(
      join(server.dataDir, 'organizations.json'),
      JSON.stringify({
        organizations: [{ id: orgId, managementAccountId: INVICTUS_ACCOUNT, memberAccountIds: [other] }],
      }),
    );
    await east.send(
      new CreateTrailCommand({
        Name: 'org-trail',
        S3BucketName: 'audit-logs',
        S3KeyPrefix: 'org',
        IsOrganizationTrail: true,
      }),
    );
    await east.send(new StartLoggingCommand({ Name: 'org-trail' }));
    const member = syntheticRecord(other, 'eu-west-1', { n: 1 });
    const management = syntheticRecord(INVICTUS_ACCOUNT, 'us-east-1', { n: 2 });
    const outsider = syntheticRecord('333333333333', 'us-east-1', { n: 3 });
    await recorder.send(`[${member},${management},${outsider}]`);
    const files = await waitFor('organization delivery', async () => {
      const delivered = await readDelivered(bucket, 'org/');
      const ids = recordsOf(delivered);
      return ids.has(eventIdOf(member)) && ids.has(eventIdOf(management)) ? delivered : undefined;
    });
    for (const file of files) {
      assert.equal(file.organizationId, orgId);
      for (const text of file.records) {
        assert.equal((JSON.parse(text) as { recipientAccountId: string }).recipientAccountId, file.accountId);
      }
    }
    assert.ok(files.some((f) => f.accountId === other && f.region === 'eu-west-1'));
    assert.ok(
      !recordsOf(files).has(eventIdOf(outsider)),
      'an account outside the organization was delivered',
    );
  });
});
