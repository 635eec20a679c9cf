/**
 * CloudTrail Lake channels and cloudtrail-data PutAuditEvents through real clients: the channel
 * operations from @aws-sdk/client-cloudtrail, the AWS CLI (v1 and Debian's v2) and boto3; outside
 * events sent with `aws cloudtrail-data put-audit-events` (AWS CLI v1) and boto3's cloudtrail-data
 * client, then read back with Lake queries.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  AddTagsCommand,
  CreateChannelCommand,
  CreateEventDataStoreCommand,
  DeleteChannelCommand,
  DeleteEventDataStoreCommand,
  GetChannelCommand,
  ListChannelsCommand,
  ListTagsCommand,
  RemoveTagsCommand,
  UpdateChannelCommand,
  type CloudTrailClient,
} from '@aws-sdk/client-cloudtrail';
import { putAuditEventsWithCli, queryRows } from './helpers/lake.ts';
import { AWS_CLI_V1, AWS_CLI_V2, run, type RunResult } from './helpers/run.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { cloudTrailClient, errorOf } from './helpers/trails.ts';

const PYTHON = '/root/.pyenv/versions/3.11.7/bin/python';

let server: TestServer;
let client: CloudTrailClient;
/** An ActivityAuditLog store and a channel into it, shared by the PutAuditEvents tests. */
let activityStoreArn = '';
let channelArn = '';

function idOf(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

async function createActivityStore(name: string): Promise<string> {
  const created = await client.send(
    new CreateEventDataStoreCommand({
      Name: name,
      TerminationProtectionEnabled: false,
      // The events below happened in 2024: keep them past the default 366-day retention, which
      // the store's hourly purge (its first one runs a second after start) would otherwise apply.
      RetentionPeriod: 3653,
      AdvancedEventSelectors: [
        { FieldSelectors: [{ Field: 'eventCategory', Equals: ['ActivityAuditLog'] }] },
      ],
    }),
  );
  return created.EventDataStoreArn ?? '';
}

function eventData(name: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: '1.0',
    userIdentity: { type: 'Employee', principalId: 'alice', details: { team: 'billing' } },
    userAgent: 'billing-app/2.3',
    eventSource: 'billing.example.com',
    eventName: name,
    eventTime: '2024-05-01T12:30:45Z',
    UID: `uid-${name}`,
    requestParameters: { invoiceId: 'inv-42', lines: [1, 2] },
    sourceIPAddress: '198.51.100.4',
    recipientAccountId: server.accountId,
    ...overrides,
  });
}

function checksum(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}

before(async () => {
  server = await startTestServer();
  client = cloudTrailClient(server);
  activityStoreArn = await createActivityStore('partner-events');
});

after(async () => {
  client?.destroy();
  await server?.dispose();
});

describe('channel operations (SDK)', () => {
  it('creates, gets, lists, renames and deletes a channel', async () => {
    const created = await client.send(
      new CreateChannelCommand({
        Name: 'billing-app',
        Source: 'Custom',
        Destinations: [{ Type: 'EVENT_DATA_STORE', Location: idOf(activityStoreArn) }],
        Tags: [{ Key: 'team', Value: 'billing' }],
      }),
    );
    channelArn = created.ChannelArn ?? '';
    assert.match(
      channelArn,
      new RegExp(`^arn:aws:cloudtrail:us-east-1:${server.accountId}:channel/[0-9a-f-]{36}$`),
    );
    assert.equal(created.Source, 'Custom');
    // A store named by ID is kept (and answered) by ARN.
    assert.deepEqual(created.Destinations, [{ Type: 'EVENT_DATA_STORE', Location: activityStoreArn }]);
    assert.deepEqual(created.Tags, [{ Key: 'team', Value: 'billing' }]);

    const got = await client.send(new GetChannelCommand({ Channel: idOf(channelArn) }));
    assert.equal(got.Name, 'billing-app');
    assert.deepEqual(got.IngestionStatus, {});

    const other = await client.send(
      new CreateChannelCommand({
        Name: 'to-delete',
        Source: 'Okta',
        Destinations: [{ Type: 'EVENT_DATA_STORE', Location: activityStoreArn }],
      }),
    );
    const listed = await client.send(new ListChannelsCommand({ MaxResults: 1 }));
    assert.deepEqual(listed.Channels, [{ ChannelArn: channelArn, Name: 'billing-app' }]);
    const next = await client.send(new ListChannelsCommand({ MaxResults: 1, NextToken: listed.NextToken }));
    assert.deepEqual(next.Channels, [{ ChannelArn: other.ChannelArn, Name: 'to-delete' }]);
    assert.equal(next.NextToken, undefined);

    const renamed = await client.send(
      new UpdateChannelCommand({ Channel: other.ChannelArn, Name: 'renamed' }),
    );
    assert.equal(renamed.Name, 'renamed');
    assert.equal(
      (
        await errorOf(
          client.send(new UpdateChannelCommand({ Channel: other.ChannelArn, Name: 'billing-app' })),
        )
      ).name,
      'ChannelAlreadyExistsException',
    );
    await client.send(new DeleteChannelCommand({ Channel: other.ChannelArn }));
    assert.equal(
      (await errorOf(client.send(new GetChannelCommand({ Channel: other.ChannelArn })))).name,
      'ChannelNotFoundException',
    );
  });

  it('tags channels with AddTags, RemoveTags and ListTags', async () => {
    await client.send(
      new AddTagsCommand({ ResourceId: channelArn, TagsList: [{ Key: 'env', Value: 'prod' }] }),
    );
    await client.send(new RemoveTagsCommand({ ResourceId: channelArn, TagsList: [{ Key: 'team' }] }));
    const listed = await client.send(new ListTagsCommand({ ResourceIdList: [channelArn] }));
    assert.deepEqual(listed.ResourceTagList, [
      { ResourceId: channelArn, TagsList: [{ Key: 'env', Value: 'prod' }] },
    ]);
    const missing = channelArn.replace(/channel\/.*$/, `channel/${randomUUID()}`);
    assert.equal(
      (await errorOf(client.send(new ListTagsCommand({ ResourceIdList: [missing] })))).name,
      'ResourceNotFoundException',
    );
  });

  it('answers AWS errors for bad channels', async () => {
    const cloudTrailStore = await client.send(
      new CreateEventDataStoreCommand({ Name: 'management-only', TerminationProtectionEnabled: false }),
    );
    const cases: [Record<string, unknown>, string][] = [
      [{ Source: 'NotAPartner' }, 'InvalidSourceException'],
      [{ Name: 'billing-app' }, 'ChannelAlreadyExistsException'],
      [
        { Destinations: [{ Type: 'EVENT_DATA_STORE', Location: cloudTrailStore.EventDataStoreArn }] },
        'InvalidEventDataStoreCategoryException',
      ],
      [
        { Destinations: [{ Type: 'EVENT_DATA_STORE', Location: '00000000-0000-4000-8000-000000000000' }] },
        'EventDataStoreNotFoundException',
      ],
      [{ Destinations: [] }, 'InvalidParameterException'],
    ];
    for (const [overrides, code] of cases) {
      const input = {
        Name: `bad-${randomUUID().slice(0, 8)}`,
        Source: 'Custom',
        Destinations: [{ Type: 'EVENT_DATA_STORE', Location: activityStoreArn }],
        ...overrides,
      };
      assert.equal((await errorOf(client.send(new CreateChannelCommand(input as never)))).name, code);
    }
    assert.equal(
      (
        await errorOf(
          client.send(new GetChannelCommand({ Channel: 'arn:aws:cloudtrail:us-east-1:1:channel/x' })),
        )
      ).name,
      'ChannelARNInvalidException',
    );
    await client.send(new DeleteEventDataStoreCommand({ EventDataStore: cloudTrailStore.EventDataStoreArn }));
  });

  it('refuses to delete an event data store a channel delivers to, until the channel is gone', async () => {
    const storeArn = await createActivityStore('short-lived');
    const channel = await client.send(
      new CreateChannelCommand({
        Name: 'short-lived',
        Source: 'Custom',
        Destinations: [{ Type: 'EVENT_DATA_STORE', Location: storeArn }],
      }),
    );
    const refused = await errorOf(client.send(new DeleteEventDataStoreCommand({ EventDataStore: storeArn })));
    assert.equal(refused.name, 'ChannelExistsForEDSException');
    assert.match(refused.message, new RegExp(channel.ChannelArn ?? ''));
    await client.send(new DeleteChannelCommand({ Channel: channel.ChannelArn }));
    await client.send(new DeleteEventDataStoreCommand({ EventDataStore: storeArn }));
  });
});

describe('PutAuditEvents', () => {
  it('takes events from `aws cloudtrail-data put-audit-events` (CLI v1), failing bad ones one by one', async () => {
    const good = eventData('CreateInvoice');
    const result = await putAuditEventsWithCli(server, channelArn, [
      { id: 'good-1', eventData: good, eventDataChecksum: checksum(good) },
      { id: 'good-2', eventData: eventData('PayInvoice') },
      { id: 'bad-checksum', eventData: good, eventDataChecksum: checksum(`${good} `) },
      { id: 'bad-recipient', eventData: eventData('X', { recipientAccountId: '999999999999' }) },
      { id: 'no-uid', eventData: eventData('X', { UID: undefined }) },
      { id: 'not-json', eventData: 'hello' },
    ]);
    assert.equal(result.code, 0, result.stderr);
    const answer = JSON.parse(result.stdout) as {
      successful: { id: string; eventID: string }[];
      failed: { id: string; errorCode: string; errorMessage: string }[];
    };
    assert.deepEqual(
      answer.successful.map((s) => s.id),
      ['good-1', 'good-2'],
    );
    for (const s of answer.successful) assert.match(s.eventID, /^[0-9a-f-]{36}$/);
    assert.deepEqual(
      answer.failed.map((f) => [f.id, f.errorCode]),
      [
        ['bad-checksum', 'InvalidChecksum'],
        ['bad-recipient', 'InvalidRecipient'],
        ['no-uid', 'FieldNotFound'],
        ['not-json', 'InvalidData'],
      ],
    );

    const got = await client.send(new GetChannelCommand({ Channel: channelArn }));
    assert.equal(got.IngestionStatus?.LatestIngestionSuccessEventID, answer.successful[1]?.eventID);
    assert.equal(got.IngestionStatus?.LatestIngestionErrorCode, 'InvalidData');
    assert.ok(got.IngestionStatus?.LatestIngestionSuccessTime instanceof Date);
  });

  it('refuses whole requests: duplicate ids, unknown channels, malformed ARNs (CLI v1)', async () => {
    const data = eventData('Dup');
    const dup = await putAuditEventsWithCli(server, channelArn, [
      { id: 'same', eventData: data },
      { id: 'same', eventData: data },
    ]);
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /\(DuplicatedAuditEventId\)/);

    const missing = channelArn.replace(/channel\/.*$/, `channel/${randomUUID()}`);
    const unknown = await putAuditEventsWithCli(server, missing, [{ id: 'a', eventData: data }]);
    assert.match(unknown.stderr, /\(ChannelNotFound\)/);

    // Another account's channel: only its resource-based policy could let this caller in.
    const foreign = channelArn.replace(`:${server.accountId}:`, ':999999999999:');
    const denied = await putAuditEventsWithCli(server, foreign, [{ id: 'a', eventData: data }]);
    assert.match(denied.stderr, /\(AccessDeniedException\)/);
    assert.match(
      denied.stderr,
      /because no resource-based policy allows the cloudtrail-data:PutAuditEvents action/,
    );

    const malformed = await putAuditEventsWithCli(server, 'arn:aws:cloudtrail:us-east-1:bad', [
      { id: 'a', eventData: data },
    ]);
    assert.match(malformed.stderr, /\(InvalidChannelARN\)/);
  });

  it('takes events from boto3 cloudtrail-data and raises its modeled errors', async () => {
    const script = `
import boto3, json, sys
c = boto3.client('cloudtrail-data', endpoint_url=sys.argv[1], region_name='us-east-1')
ok = c.put_audit_events(channelArn=sys.argv[2], externalId='ext-1',
    auditEvents=[{'id': 'boto-1', 'eventData': sys.argv[3]}])
try:
    c.put_audit_events(channelArn=sys.argv[2].rsplit('/', 1)[0] + '/0f0f0f0f-0000-4000-8000-000000000000',
        auditEvents=[{'id': 'x', 'eventData': sys.argv[3]}])
    missing = None
except c.exceptions.ChannelNotFound as e:
    missing = e.response['Error']['Code']
print(json.dumps({'successful': ok['successful'], 'failed': ok['failed'], 'missing': missing}))
`;
    const result = await run(PYTHON, ['-c', script, server.url, channelArn, eventData('RefundInvoice')], {
      env: server.awsEnv,
    });
    assert.equal(result.code, 0, result.stderr);
    const answer = JSON.parse(result.stdout) as {
      successful: { id: string }[];
      failed: unknown[];
      missing: string;
    };
    assert.deepEqual(
      answer.successful.map((s) => s.id),
      ['boto-1'],
    );
    assert.deepEqual(answer.failed, []);
    assert.equal(answer.missing, 'ChannelNotFound');
  });

  it('puts the events in the channel’s store, where Lake SQL finds them', async () => {
    const rows = await queryRows(
      client,
      `SELECT eventData.eventName, eventData.userIdentity.principalId, element_at(eventData.requestParameters, 'lines'), ` +
        `eventCategory, eventType, metadata.channelARN, recipientAccountId FROM ${idOf(activityStoreArn)} ` +
        `ORDER BY eventData.eventName`,
    );
    assert.deepEqual(rows, [
      ['CreateInvoice', 'alice', '[1,2]', 'ActivityAuditLog', 'ActivityLog', channelArn, server.accountId],
      ['PayInvoice', 'alice', '[1,2]', 'ActivityAuditLog', 'ActivityLog', channelArn, server.accountId],
      ['RefundInvoice', 'alice', '[1,2]', 'ActivityAuditLog', 'ActivityLog', channelArn, server.accountId],
    ]);
  });
});

describe('channel operations from the AWS CLI and boto3', () => {
  it('AWS CLI v1 creates, updates and deletes a channel', async () => {
    const cli = (args: string[]): Promise<RunResult> =>
      run(AWS_CLI_V1, ['cloudtrail', ...args, '--endpoint-url', server.url, '--output', 'json'], {
        env: server.awsEnv,
      });
    const created = await cli([
      'create-channel',
      '--name',
      'cli-channel',
      '--source',
      'Custom',
      '--destinations',
      `Type=EVENT_DATA_STORE,Location=${activityStoreArn}`,
    ]);
    assert.equal(created.code, 0, created.stderr);
    const arn = (JSON.parse(created.stdout) as { ChannelArn: string }).ChannelArn;
    const updated = await cli(['update-channel', '--channel', arn, '--name', 'cli-channel-2']);
    assert.equal(updated.code, 0, updated.stderr);
    assert.equal((JSON.parse(updated.stdout) as { Name: string }).Name, 'cli-channel-2');
    const bad = await cli([
      'create-channel',
      '--name',
      'cli-bad',
      '--source',
      'Nobody',
      '--destinations',
      `Type=EVENT_DATA_STORE,Location=${activityStoreArn}`,
    ]);
    assert.match(bad.stderr, /\(InvalidSourceException\)/);
    const deleted = await cli(['delete-channel', '--channel', arn]);
    assert.equal(deleted.code, 0, deleted.stderr);
  });

  it('AWS CLI v2 (Debian, which models only GetChannel and ListChannels) reads channels', async () => {
    const cli = (args: string[]): Promise<RunResult> =>
      run(AWS_CLI_V2, ['cloudtrail', ...args, '--endpoint-url', server.url, '--output', 'json'], {
        env: server.awsEnv,
      });
    const listed = await cli(['list-channels']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { Channels: unknown[] }).Channels, [
      { ChannelArn: channelArn, Name: 'billing-app' },
    ]);
    const got = await cli(['get-channel', '--channel', channelArn]);
    assert.equal(got.code, 0, got.stderr);
    // CLI 2.9's model predates IngestionStatus; it prints the members it knows.
    const channel = JSON.parse(got.stdout) as Record<string, unknown>;
    assert.deepEqual(channel, {
      ChannelArn: channelArn,
      Name: 'billing-app',
      Source: 'Custom',
      Destinations: [{ Type: 'EVENT_DATA_STORE', Location: activityStoreArn }],
    });
  });

  it('boto3 drives the channel operations', async () => {
    const script = `
import boto3, json, sys
c = boto3.client('cloudtrail', endpoint_url=sys.argv[1], region_name='us-east-1')
arn = c.create_channel(Name='boto-channel', Source='Custom',
    Destinations=[{'Type': 'EVENT_DATA_STORE', 'Location': sys.argv[2]}])['ChannelArn']
got = c.get_channel(Channel=arn)
names = [ch['Name'] for ch in c.list_channels()['Channels']]
c.update_channel(Channel=arn, Destinations=[{'Type': 'EVENT_DATA_STORE', 'Location': sys.argv[2]}])
c.delete_channel(Channel=arn)
try:
    c.get_channel(Channel=arn)
    gone = None
except c.exceptions.ChannelNotFoundException as e:
    gone = e.response['Error']['Code']
print(json.dumps({'source': got['Source'], 'names': names, 'gone': gone}))
`;
    const result = await run(PYTHON, ['-c', script, server.url, activityStoreArn], { env: server.awsEnv });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      source: 'Custom',
      names: ['billing-app', 'boto-channel'],
      gone: 'ChannelNotFoundException',
    });
  });
});
