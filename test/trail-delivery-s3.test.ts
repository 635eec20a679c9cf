import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CloudTrailServiceException,
  CreateTrailCommand,
  GetTrailStatusCommand,
  StartLoggingCommand,
  type CloudTrailClient,
} from '@aws-sdk/client-cloudtrail';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { RecordClient } from '../src/cli/client.ts';
import { S3ObjectStore } from '../src/aws/index.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { cloudTrailClient, eventIdOf, readDelivered, syntheticRecord, waitFor } from './helpers/trails.ts';

const ACCOUNT = '111122223333';
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
// The server reaches S3 through the standard AWS credential chain.
process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;

interface Notification {
  headers: Record<string, string | string[] | undefined>;
  envelope: { Type: string; TopicArn: string; Message: string; MessageId: string; Timestamp: string };
}

describe('trail delivery to an S3-compatible server (s3rver)', () => {
  let s3Dir: string;
  let s3: S3rver;
  let s3Port: number;
  let endpoint: string;
  let server: TestServer;
  let cloudTrail: CloudTrailClient;
  let recorder: RecordClient;
  let reader: S3ObjectStore;
  let hook: Server;
  const notifications: Notification[] = [];

  const startS3 = async (port: number): Promise<void> => {
    s3 = new S3rver({ port, address: '127.0.0.1', silent: true, directory: s3Dir });
    s3Port = (await s3.run()).port;
  };

  before(async () => {
    s3Dir = await mkdtemp(join(tmpdir(), 'opentrail-s3rver-'));
    await startS3(0);
    endpoint = `http://127.0.0.1:${s3Port}`;
    const admin = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    await admin.send(new CreateBucketCommand({ Bucket: 'org-audit' }));
    admin.destroy();

    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        notifications.push({ headers: req.headers, envelope: JSON.parse(body) as Notification['envelope'] });
        res.end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/sns`;

    server = await startTestServer({
      accountId: ACCOUNT,
      deliveryIntervalSeconds: 1,
      objectStore: { kind: 's3', endpoint, region: 'us-east-1' },
      snsTopics: { 'trail-topic': hookUrl },
    });
    cloudTrail = cloudTrailClient(server);
    recorder = await RecordClient.create({
      endpointUrl: server.url,
      dataDir: server.dataDir,
      region: 'us-east-1',
    });
    reader = new S3ObjectStore({ bucket: 'org-audit', region: 'us-east-1', endpoint, credentials });
  });
  after(async () => {
    cloudTrail.destroy();
    reader.close();
    await server.dispose();
    await s3.close();
    hook.close();
    await rm(s3Dir, { recursive: true, force: true });
  });

  it('refuses a trail whose bucket does not exist with S3BucketDoesNotExistException', async () => {
    await assert.rejects(
      cloudTrail.send(new CreateTrailCommand({ Name: 'nowhere', S3BucketName: 'no-such-bucket' })),
      (error: unknown) =>
        error instanceof CloudTrailServiceException && error.name === 'S3BucketDoesNotExistException',
    );
  });

  it('delivers to S3, notifies the SNS endpoint, survives an outage and loses or repeats nothing', async () => {
    await cloudTrail.send(
      new CreateTrailCommand({ Name: 'org-audit', S3BucketName: 'org-audit', SnsTopicName: 'trail-topic' }),
    );
    await cloudTrail.send(new StartLoggingCommand({ Name: 'org-audit' }));

    const first = Array.from({ length: 200 }, (_, n) =>
      syntheticRecord(ACCOUNT, n % 2 ? 'us-east-1' : 'eu-west-1', { n }),
    );
    await recorder.send(`{"Records":[${first.join(',')}]}`);
    await waitFor('first delivery', async () => {
      const ids = new Set((await readDelivered(reader)).flatMap((f) => f.records.map(eventIdOf)));
      return first.every((t) => ids.has(eventIdOf(t))) ? true : undefined;
    });

    // The object store goes away; events keep being recorded and acknowledged.
    await s3.close();
    const during = Array.from({ length: 300 }, (_, n) => syntheticRecord(ACCOUNT, 'us-west-2', { n }));
    for (let i = 0; i < during.length; i += 100) {
      const response = await recorder.send(`{"Records":[${during.slice(i, i + 100).join(',')}]}`);
      assert.equal(response.successful.length, 100);
    }
    const failing = await waitFor('the delivery error in GetTrailStatus', async () => {
      const status = await cloudTrail.send(new GetTrailStatusCommand({ Name: 'org-audit' }));
      return status.LatestDeliveryError ? status : undefined;
    });
    assert.equal(failing.LatestDeliveryError, 'ServiceUnavailable');
    assert.notEqual(failing.LatestDeliveryAttemptTime, failing.LatestDeliveryAttemptSucceeded);

    // It comes back on the same address: the backlog is delivered.
    await startS3(s3Port);
    const recovered = await waitFor(
      'recovery',
      async () => {
        const status = await cloudTrail.send(new GetTrailStatusCommand({ Name: 'org-audit' }));
        return status.LatestDeliveryError === undefined ? status : undefined;
      },
      60_000,
    );
    assert.equal(recovered.LatestDeliveryAttemptTime, recovered.LatestDeliveryAttemptSucceeded);

    const files = await readDelivered(reader);
    const counts = new Map<string, number>();
    for (const f of files)
      for (const r of f.records) counts.set(eventIdOf(r), (counts.get(eventIdOf(r)) ?? 0) + 1);
    for (const text of [...first, ...during]) {
      assert.equal(
        counts.get(eventIdOf(text)),
        1,
        `event ${eventIdOf(text)} delivered ${counts.get(eventIdOf(text)) ?? 0} times`,
      );
    }
    for (const [id, n] of counts) assert.equal(n, 1, `event ${id} delivered ${n} times`);
    assert.ok(files.some((f) => f.region === 'us-west-2') && files.some((f) => f.region === 'eu-west-1'));

    // Every delivered file was announced, in the SNS HTTP envelope.
    await waitFor('notifications', () =>
      Promise.resolve(notifications.length >= files.length ? true : undefined),
    );
    const announced = new Set<string>();
    for (const n of notifications) {
      assert.equal(n.headers['x-amz-sns-message-type'], 'Notification');
      assert.equal(n.envelope.Type, 'Notification');
      assert.equal(n.envelope.TopicArn, `arn:aws:sns:us-east-1:${ACCOUNT}:trail-topic`);
      const message = JSON.parse(n.envelope.Message) as { s3Bucket: string; s3ObjectKey: string[] };
      assert.equal(message.s3Bucket, 'org-audit');
      for (const key of message.s3ObjectKey) announced.add(key);
    }
    for (const f of files) assert.ok(announced.has(f.key), `no notification for ${f.key}`);
    const status = await cloudTrail.send(new GetTrailStatusCommand({ Name: 'org-audit' }));
    assert.ok(status.LatestNotificationTime instanceof Date);
    assert.equal(status.LatestNotificationError, undefined);
  });
});
