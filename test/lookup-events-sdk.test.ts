import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  CloudTrailClient,
  CloudTrailServiceException,
  LookupEventsCommand,
  paginateLookupEvents,
  type LookupEventsCommandInput,
} from '@aws-sdk/client-cloudtrail';
import { RecordClient } from '../src/cli/client.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

// Whole seconds: CloudTrail event times have no fractions.
const T0 = Math.floor((Date.now() - 60 * 60 * 1000) / 1000) * 1000;

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function record(account: string, i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventVersion: '1.11',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLE',
      arn: `arn:aws:iam::${account}:user/user${i % 3}`,
      accountId: account,
      accessKeyId: `AKIAKEY${i % 4}`,
      userName: `user${i % 3}`,
    },
    eventTime: iso(T0 + i * 1000),
    eventSource: i % 2 === 0 ? 'iam.amazonaws.com' : 'ec2.amazonaws.com',
    eventName: i % 2 === 0 ? 'CreateUser' : 'DescribeInstances',
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.9',
    userAgent: 'test',
    requestParameters: i % 2 === 0 ? { userName: `new${i}` } : null,
    responseElements: null,
    eventID: randomUUID(),
    readOnly: i % 2 === 1,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: 'Management',
    ...extra,
  };
}

async function all(
  client: CloudTrailClient,
  input: LookupEventsCommandInput,
  pageSize = 50,
): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of paginateLookupEvents({ client, pageSize }, input)) {
    for (const e of page.Events ?? []) ids.push(e.EventId ?? '');
  }
  return ids;
}

describe('LookupEvents through @aws-sdk/client-cloudtrail', () => {
  let server: TestServer;
  let client: CloudTrailClient;
  let recorder: RecordClient;
  const recorded: Record<string, unknown>[] = [];

  before(async () => {
    server = await startTestServer();
    const credentials = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };
    client = new CloudTrailClient({ endpoint: server.url, region: 'us-east-1', credentials });
    recorder = new RecordClient(server.url, 'us-east-1', credentials);
    for (let i = 0; i < 120; i++) recorded.push(record(server.accountId, i));
    const response = await recorder.send(JSON.stringify({ Records: recorded }));
    assert.equal(response.successful.length, 120);
  });
  after(async () => {
    client.destroy();
    await server.dispose();
  });

  it('pages through every event of an attribute with the SDK paginator, newest first', async () => {
    const expected = recorded
      .filter((r) => r.eventName === 'CreateUser')
      .reverse()
      .map((r) => r.eventID);
    const ids = await all(
      client,
      { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateUser' }] },
      7,
    );
    assert.deepEqual(ids, expected);
  });

  it('answers each attribute key with exactly the matching events', async () => {
    const cases: [
      NonNullable<LookupEventsCommandInput['LookupAttributes']>[number],
      (r: Record<string, unknown>) => boolean,
    ][] = [
      [{ AttributeKey: 'EventId', AttributeValue: recorded[5]!.eventID as string }, (r) => r === recorded[5]],
      [{ AttributeKey: 'ReadOnly', AttributeValue: 'false' }, (r) => r.readOnly === false],
      [
        { AttributeKey: 'Username', AttributeValue: 'user1' },
        (r) => (r.userIdentity as { userName: string }).userName === 'user1',
      ],
      [
        { AttributeKey: 'AccessKeyId', AttributeValue: 'AKIAKEY2' },
        (r) => (r.userIdentity as { accessKeyId: string }).accessKeyId === 'AKIAKEY2',
      ],
      [
        { AttributeKey: 'EventSource', AttributeValue: 'ec2.amazonaws.com' },
        (r) => r.eventSource === 'ec2.amazonaws.com',
      ],
      [
        { AttributeKey: 'ResourceType', AttributeValue: 'AWS::IAM::User' },
        (r) => r.eventName === 'CreateUser',
      ],
      [{ AttributeKey: 'ResourceName', AttributeValue: 'new8' }, (r) => r === recorded[8]],
    ];
    for (const [attribute, matches] of cases) {
      const ids = await all(client, { LookupAttributes: [attribute] });
      assert.deepEqual(
        ids,
        recorded
          .filter(matches)
          .reverse()
          .map((r) => r.eventID),
        attribute.AttributeKey,
      );
    }
  });

  it('returns AWS-shaped events with the original record text', async () => {
    const out = await client.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'EventId', AttributeValue: recorded[8]!.eventID as string }],
      }),
    );
    const e = out.Events?.[0];
    assert.ok(e);
    assert.equal(e.EventName, 'CreateUser');
    assert.equal(e.ReadOnly, 'false');
    assert.equal(e.AccessKeyId, 'AKIAKEY0');
    assert.equal(e.Username, 'user2');
    assert.equal(e.EventSource, 'iam.amazonaws.com');
    assert.equal(e.EventTime?.getTime(), T0 + 8000);
    assert.deepEqual(e.Resources, [{ ResourceType: 'AWS::IAM::User', ResourceName: 'new8' }]);
    assert.equal(e.CloudTrailEvent, JSON.stringify(recorded[8]));
    assert.equal(out.NextToken, undefined);
  });

  it('filters by StartTime and EndTime inclusively', async () => {
    const ids = await all(client, {
      StartTime: new Date(T0 + 10_000),
      EndTime: new Date(T0 + 19_000),
      LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: 'iam.amazonaws.com' }],
    });
    assert.deepEqual(
      ids,
      [18, 16, 14, 12, 10].map((i) => recorded[i]!.eventID),
    );
  });

  it('keeps pages stable while new events are recorded between them', async () => {
    const input = {
      LookupAttributes: [{ AttributeKey: 'EventSource' as const, AttributeValue: 'ec2.amazonaws.com' }],
      MaxResults: 10,
    };
    const first = await client.send(new LookupEventsCommand(input));
    // New events, some newer and some older than the page boundary, arrive while paging.
    const late = [record(server.accountId, 1001), record(server.accountId, 31, { eventID: randomUUID() })];
    await recorder.send(JSON.stringify({ Records: late }));
    const ids = (first.Events ?? []).map((e) => e.EventId);
    let token = first.NextToken;
    while (token) {
      const page = await client.send(new LookupEventsCommand({ ...input, NextToken: token }));
      ids.push(...(page.Events ?? []).map((e) => e.EventId));
      token = page.NextToken;
    }
    assert.deepEqual(
      ids,
      recorded
        .filter((r) => r.eventSource === 'ec2.amazonaws.com')
        .reverse()
        .map((r) => r.eventID),
    );
  });

  it('shows only the calling region and account, and Insights events only when asked', async () => {
    const elsewhere = record(server.accountId, 2000, { awsRegion: 'eu-west-1' });
    const otherAccount = record('999999999999', 2001);
    const insight = {
      eventVersion: '1.11',
      eventTime: iso(T0 + 5000),
      awsRegion: 'us-east-1',
      eventID: randomUUID(),
      eventType: 'AwsCloudTrailInsight',
      recipientAccountId: server.accountId,
      sharedEventID: randomUUID(),
      insightDetails: {
        state: 'Start',
        eventSource: 'iam.amazonaws.com',
        eventName: 'CreateUser',
        insightType: 'ApiCallRateInsight',
        insightContext: {},
      },
      eventCategory: 'Insight',
    };
    const data = record(server.accountId, 2002, {
      eventCategory: 'Data',
      managementEvent: false,
      eventName: 'GetObject',
    });
    await recorder.send(JSON.stringify([elsewhere, otherAccount, insight, data]));

    const byId = async (c: CloudTrailClient, id: unknown, category?: 'insight') =>
      all(c, {
        LookupAttributes: [{ AttributeKey: 'EventId', AttributeValue: id as string }],
        ...(category ? { EventCategory: category } : {}),
      });
    const euClient = new CloudTrailClient({
      endpoint: server.url,
      region: 'eu-west-1',
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    try {
      assert.deepEqual(await byId(client, elsewhere.eventID), []);
      assert.deepEqual(await byId(euClient, elsewhere.eventID), [elsewhere.eventID]);
    } finally {
      euClient.destroy();
    }
    assert.deepEqual(await byId(client, otherAccount.eventID), [], 'another account is never visible');
    assert.deepEqual(await byId(client, data.eventID), [], 'data events are not in Event history');
    assert.deepEqual(await byId(client, insight.eventID), [], 'Insights events need EventCategory=insight');
    assert.deepEqual(await byId(client, insight.eventID, 'insight'), [insight.eventID]);
    const insights = await all(client, {
      EventCategory: 'insight',
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateUser' }],
    });
    assert.deepEqual(insights, [insight.eventID]);
  });

  it('maps validation failures to the exceptions in the service model', async () => {
    const expectCode = async (input: LookupEventsCommandInput, code: string): Promise<void> => {
      await assert.rejects(client.send(new LookupEventsCommand(input)), (e: unknown) => {
        assert.ok(e instanceof CloudTrailServiceException, String(e));
        assert.equal(e.name, code);
        assert.ok(e.message.length > 0);
        return true;
      });
    };
    await expectCode({ MaxResults: 51 }, 'InvalidMaxResultsException');
    await expectCode({ MaxResults: 0 }, 'InvalidMaxResultsException');
    await expectCode({ StartTime: new Date(T0 + 1000), EndTime: new Date(T0) }, 'InvalidTimeRangeException');
    await expectCode({ NextToken: 'not-a-token' }, 'InvalidNextTokenException');
    await expectCode({ EventCategory: 'management' as 'insight' }, 'InvalidEventCategoryException');
    await expectCode(
      {
        LookupAttributes: [
          { AttributeKey: 'EventName', AttributeValue: 'a' },
          { AttributeKey: 'Username', AttributeValue: 'b' },
        ],
      },
      'InvalidLookupAttributesException',
    );
    await expectCode(
      { LookupAttributes: [{ AttributeKey: 'Color' as 'EventName', AttributeValue: 'red' }] },
      'InvalidLookupAttributesException',
    );
    await expectCode(
      { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: '_'.repeat(1001) }] },
      'InvalidLookupAttributesException',
    );
    await expectCode(
      { EventCategory: 'insight', LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: 'a' }] },
      'InvalidLookupAttributesException',
    );

    const first = await client.send(new LookupEventsCommand({ MaxResults: 1 }));
    assert.ok(first.NextToken);
    await expectCode(
      {
        MaxResults: 1,
        NextToken: first.NextToken,
        LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: 'user1' }],
      },
      'InvalidNextTokenException',
    );
  });

  it('records each LookupEvents call, failures included, as a read-only management event', async () => {
    const ids = await all(client, {
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'LookupEvents' }],
    });
    assert.ok(ids.length > 10);
    const out = await client.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'LookupEvents' }],
        MaxResults: 50,
      }),
    );
    const records = (out.Events ?? []).map(
      (e) => JSON.parse(e.CloudTrailEvent ?? '{}') as Record<string, unknown>,
    );
    const failed = records.find(
      (r) =>
        r.errorCode === 'InvalidMaxResultsException' &&
        (r.requestParameters as { maxResults?: number }).maxResults === 51,
    );
    assert.ok(failed, 'a failed call is recorded with its error code');
    assert.equal(failed.eventSource, 'cloudtrail.amazonaws.com');
    assert.equal(failed.readOnly, true);
    assert.equal(failed.recipientAccountId, server.accountId);
    assert.deepEqual((failed.userIdentity as Record<string, unknown>).accessKeyId, server.accessKeyId);
    assert.match(String(failed.userAgent), /aws-sdk-js/);
    assert.equal(failed.sourceIPAddress, '127.0.0.1');
    assert.deepEqual(failed.requestParameters, { maxResults: 51 });
  });
});
