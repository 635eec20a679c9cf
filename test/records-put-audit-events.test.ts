/**
 * cloudtrail-data PutAuditEvents is itself recorded as AWS records it: a data event of
 * cloudtrail-data.amazonaws.com naming the channel in `resources` (resource type
 * AWS::CloudTrail::Channel, the data event type of "PutAuditEvents activity on a CloudTrail Lake
 * channel" in the CloudTrail User Guide), which a trail selecting that resource type delivers.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateChannelCommand,
  CreateEventDataStoreCommand,
  CreateTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  type CloudTrailClient,
} from '@aws-sdk/client-cloudtrail';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { LocalDirObjectStore } from '../src/local/index.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { buildRequest, signAndSend } from './helpers/signed-fetch.ts';
import { cloudTrailClient, readDelivered } from './helpers/trails.ts';

const BUCKET = 'channel-audit';

describe('PutAuditEvents is recorded as a data event on its channel', () => {
  let server: TestServer;
  let client: CloudTrailClient;

  before(async () => {
    server = await startTestServer({ deliveryIntervalSeconds: 1 });
    await LocalDirObjectStore.createBucket(join(server.dataDir, 'buckets'), BUCKET);
    client = cloudTrailClient(server);
  });
  after(async () => {
    client.destroy();
    await server.dispose();
  });

  it('names the channel in resources, and a trail selecting AWS::CloudTrail::Channel delivers it', async () => {
    await client.send(new CreateTrailCommand({ Name: 'channel-activity', S3BucketName: BUCKET }));
    await client.send(
      new PutEventSelectorsCommand({
        TrailName: 'channel-activity',
        AdvancedEventSelectors: [
          {
            Name: 'channel data events',
            FieldSelectors: [
              { Field: 'eventCategory', Equals: ['Data'] },
              { Field: 'resources.type', Equals: ['AWS::CloudTrail::Channel'] },
            ],
          },
        ],
      }),
    );
    await client.send(new StartLoggingCommand({ Name: 'channel-activity' }));

    const store = await client.send(
      new CreateEventDataStoreCommand({
        Name: 'app-events',
        TerminationProtectionEnabled: false,
        AdvancedEventSelectors: [
          { FieldSelectors: [{ Field: 'eventCategory', Equals: ['ActivityAuditLog'] }] },
        ],
      }),
    );
    const channel = await client.send(
      new CreateChannelCommand({
        Name: 'app',
        Source: 'Custom',
        Destinations: [{ Type: 'EVENT_DATA_STORE', Location: store.EventDataStoreArn ?? '' }],
      }),
    );
    const channelArn = channel.ChannelArn ?? '';

    const eventData = JSON.stringify({
      version: '1.0',
      userIdentity: { type: 'Employee', principalId: 'alice' },
      eventSource: 'app.example.com',
      eventName: 'Login',
      eventTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      UID: 'uid-1',
      recipientAccountId: server.accountId,
    });
    const signer = new SignatureV4({
      service: 'cloudtrail-data',
      region: 'us-east-1',
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      sha256: Hash.bind(null, 'sha256'),
    });
    const request = buildRequest(server.url, {
      path: '/PutAuditEvents',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auditEvents: [
          { id: 'e1', eventData, eventDataChecksum: createHash('sha256').update(eventData).digest('base64') },
        ],
      }),
    });
    request.query = { channelArn };
    const response = await signAndSend(server.url, signer, request);
    assert.equal(response.status, 200, response.text);

    await server.flush();
    const records = (await readDelivered(new LocalDirObjectStore(join(server.dataDir, 'buckets'), BUCKET)))
      .flatMap((f) => f.records)
      .map((text) => JSON.parse(text) as Record<string, unknown>);
    const put = records.filter((r) => r.eventName === 'PutAuditEvents');
    assert.equal(put.length, 1, `delivered: ${records.map((r) => String(r.eventName)).join(', ')}`);
    const [record] = put;
    assert.equal(record?.eventSource, 'cloudtrail-data.amazonaws.com');
    assert.equal(record?.eventCategory, 'Data');
    assert.equal(record?.managementEvent, false);
    assert.deepEqual(record?.resources, [
      { ARN: channelArn, accountId: server.accountId, type: 'AWS::CloudTrail::Channel' },
    ]);
  });
});
