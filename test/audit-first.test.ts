/**
 * Audit first, against the real server: a change is never carried out without a durable trace of
 * its audit record. A call cut off between its change and its audit commit — by kill -9, or by a
 * commit that fails — is in Event history after the restart, its outcome marked unknown
 * (additionalEventData.outcome "Unknown", no errorCode); a change whose audit intent cannot be
 * made durable is refused with 503 ServiceUnavailable and not made.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import {
  CloudTrailClient,
  CloudTrailServiceException,
  CreateTrailCommand,
  DescribeTrailsCommand,
  LookupEventsCommand,
} from '@aws-sdk/client-cloudtrail';
import { CreateUserCommand, GetUserCommand, IAMClient, IAMServiceException } from '@aws-sdk/client-iam';
import { resolveCredentials } from '../src/cli/client.ts';
import { validateConfig } from '../src/config.ts';
import type { AuditJournal } from '../src/ingest/index.ts';
import { LocalDirObjectStore } from '../src/local/index.ts';
import { startServer, type RunningServer, type ServerOverrides } from '../src/main.ts';
import type { EventStore } from '../src/store/index.ts';
import { AWS_CLI_V2, run } from './helpers/run.ts';
import { awsEnvFor, makeTempDir, spawnServer } from './helpers/server.ts';

const REGION = 'us-east-1';
const HOLD_ENTRY = new URL('./helpers/audit-hold-server.ts', import.meta.url).pathname;
const BUCKET = 'audit-first-logs';

interface Record {
  eventID: string;
  eventName: string;
  errorCode?: string;
  requestParameters?: { userName?: string; name?: string };
  responseElements: unknown;
  additionalEventData?: { outcome?: string; recoveredTime?: string };
  userIdentity: { userName?: string };
}

function waitForOutput(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      if (seen.includes(text)) {
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', () => reject(new Error(`the server exited before printing "${text}"`)));
  });
}

function start(dataDir: string, overrides: ServerOverrides = {}): Promise<RunningServer> {
  const config = validateConfig({ port: 0, dataDir, logLevel: 'silent', requireMfaForDestruction: false });
  return startServer(config, pino({ level: 'silent' }), overrides);
}

function clientsOf(server: { url: string; accessKeyId: string; secretAccessKey: string }): {
  ct: CloudTrailClient;
  iam: IAMClient;
} {
  const credentials = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };
  // One attempt each: a 503 the SDK would retry is what these tests look at.
  const options = { region: REGION, endpoint: server.url, credentials, maxAttempts: 1 };
  return { ct: new CloudTrailClient(options), iam: new IAMClient(options) };
}

async function recordsOf(ct: CloudTrailClient, eventName: string): Promise<Record[]> {
  const page = await ct.send(
    new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: eventName }] }),
  );
  return (page.Events ?? []).map((e) => JSON.parse(e.CloudTrailEvent ?? '{}') as Record);
}

describe('audit first', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  const tempDir = async (): Promise<string> => {
    const dir = await makeTempDir('opentrail-audit-first-');
    dirs.push(dir);
    return dir;
  };

  it('a CreateUser killed (-9) before its audit commit is in Event history after the restart, outcome unknown', async () => {
    const dataDir = await tempDir();
    const held = await spawnServer(dataDir, ['--hold-audit-of', 'CreateUser'], process.env, [
      '--import',
      'tsx',
      HOLD_ENTRY,
    ]);
    const reached = waitForOutput(held.child, 'audit commit held: CreateUser');
    const credentials = await resolveCredentials(dataDir);
    const iam = new IAMClient({ region: REGION, endpoint: held.url, credentials, maxAttempts: 1 });
    const answer = iam.send(new CreateUserCommand({ UserName: 'cut-off-alice' })).then(
      () => 'answered',
      () => 'no answer',
    );
    await reached;
    held.child.kill('SIGKILL');
    await held.exited;
    iam.destroy();
    assert.equal(await answer, 'no answer', 'the call was cut off before it was answered');

    const restarted = await spawnServer(dataDir);
    try {
      const env = awsEnvFor({ credentialsPath: join(dataDir, 'credentials') });
      const lookup = await run(
        AWS_CLI_V2,
        [
          'cloudtrail',
          'lookup-events',
          '--endpoint-url',
          restarted.url,
          '--region',
          REGION,
          '--lookup-attributes',
          'AttributeKey=EventName,AttributeValue=CreateUser',
          '--output',
          'json',
        ],
        { env },
      );
      assert.equal(lookup.code, 0, lookup.stderr);
      const events = (JSON.parse(lookup.stdout) as { Events: { CloudTrailEvent: string }[] }).Events;
      assert.equal(events.length, 1, lookup.stdout);
      const record = JSON.parse(events[0]?.CloudTrailEvent ?? '{}') as Record;
      assert.equal(record.eventName, 'CreateUser');
      assert.equal(record.userIdentity.userName, 'admin');
      assert.deepEqual(record.requestParameters, { userName: 'cut-off-alice' });
      assert.equal(record.errorCode, undefined);
      assert.equal(record.responseElements, null);
      assert.equal(record.additionalEventData?.outcome, 'Unknown');
      assert.match(record.additionalEventData?.recoveredTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

      // The change itself was made: the record names a user that exists.
      const check = new IAMClient({ region: REGION, endpoint: restarted.url, credentials, maxAttempts: 1 });
      try {
        const user = await check.send(new GetUserCommand({ UserName: 'cut-off-alice' }));
        assert.equal(user.User?.UserName, 'cut-off-alice');
      } finally {
        check.destroy();
      }
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    }
  });

  it('a CreateTrail whose audit commit fails answers 500 and is in Event history after the restart, outcome unknown', async () => {
    const dataDir = await tempDir();
    const failCreateTrail = (store: EventStore): EventStore =>
      Object.assign(Object.create(store) as EventStore, {
        append: (events: Parameters<EventStore['append']>[0]) =>
          events.some((e) => e.eventName === 'CreateTrail')
            ? Promise.reject(new Error('IO Error: could not write to the WAL'))
            : store.append(events),
      });
    const first = await start(dataDir, { eventLog: failCreateTrail });
    await LocalDirObjectStore.createBucket(join(dataDir, 'buckets'), BUCKET);
    let requestId: string | undefined;
    {
      const { ct, iam } = clientsOf(first);
      try {
        const error = await ct.send(new CreateTrailCommand({ Name: 'half-made', S3BucketName: BUCKET })).then(
          () => assert.fail('CreateTrail was acknowledged without its audit record'),
          (e: unknown) => e,
        );
        assert.ok(error instanceof CloudTrailServiceException, String(error));
        assert.equal(error.name, 'InternalFailure');
        assert.equal(error.$metadata.httpStatusCode, 500);
        requestId = error.$metadata.requestId;
      } finally {
        ct.destroy();
        iam.destroy();
      }
    }
    await first.close();

    const second = await start(dataDir);
    const { ct, iam } = clientsOf(second);
    try {
      const [record, ...more] = await recordsOf(ct, 'CreateTrail');
      assert.equal(more.length, 0);
      assert.equal(record?.additionalEventData?.outcome, 'Unknown');
      assert.equal(record?.errorCode, undefined);
      assert.equal(record?.requestParameters?.name, 'half-made');
      assert.equal(
        (record as unknown as { requestID?: string }).requestID,
        requestId,
        'the request ID the caller was given',
      );
      const trails = await ct.send(new DescribeTrailsCommand({ trailNameList: ['half-made'] }));
      assert.equal(trails.trailList?.[0]?.Name, 'half-made', 'the change the record names was made');
    } finally {
      ct.destroy();
      iam.destroy();
      await second.close();
    }
  });

  it('refuses a change whose audit intent cannot be made durable (503 ServiceUnavailable), and does not make it', async () => {
    const dataDir = await tempDir();
    let broken = true;
    const failingWrites = (journal: AuditJournal): AuditJournal => ({
      write: (intent) =>
        broken ? Promise.reject(new Error('ENOSPC: no space left on device, write')) : journal.write(intent),
      drop: (ids) => journal.drop(ids),
      pending: () => journal.pending(),
      close: () => journal.close(),
    });
    const server = await start(dataDir, { auditJournal: failingWrites });
    await LocalDirObjectStore.createBucket(join(dataDir, 'buckets'), BUCKET);
    const { ct, iam } = clientsOf(server);
    try {
      const trailError = await ct
        .send(new CreateTrailCommand({ Name: 'never-made', S3BucketName: BUCKET }))
        .then(
          () => assert.fail('CreateTrail ran without a durable audit intent'),
          (e: unknown) => e,
        );
      assert.ok(trailError instanceof CloudTrailServiceException, String(trailError));
      assert.equal(trailError.name, 'ServiceUnavailable');
      assert.equal(trailError.$metadata.httpStatusCode, 503);
      const userError = await iam.send(new CreateUserCommand({ UserName: 'never-bob' })).then(
        () => assert.fail('CreateUser ran without a durable audit intent'),
        (e: unknown) => e,
      );
      assert.ok(userError instanceof IAMServiceException, String(userError));
      assert.equal(userError.$metadata.httpStatusCode, 503);

      // Nothing was changed; read-only calls still answer.
      assert.deepEqual((await ct.send(new DescribeTrailsCommand({}))).trailList, []);
      const missing = await iam.send(new GetUserCommand({ UserName: 'never-bob' })).then(
        () => 'exists',
        (e: unknown) => (e instanceof IAMServiceException ? e.name : String(e)),
      );
      assert.equal(missing, 'NoSuchEntityException');
      // The refusals are recorded as such.
      const [refused] = await recordsOf(ct, 'CreateTrail');
      assert.equal(refused?.errorCode, 'ServiceUnavailable');

      // Once the journal writes again, the same call is carried out.
      broken = false;
      const made = await ct.send(new CreateTrailCommand({ Name: 'never-made', S3BucketName: BUCKET }));
      assert.equal(made.Name, 'never-made');
    } finally {
      ct.destroy();
      iam.destroy();
      await server.close();
    }
  });
});
