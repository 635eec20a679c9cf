import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { BIN, SAMPLES, makeTempDir, startTestServer, type TestServer } from './helpers/server.ts';
import { run } from './helpers/run.ts';

const STRATUS = join(SAMPLES, 'stratus-red-team-detonation-logs');
const STOP_LOGGING = join(STRATUS, 'aws.defense-evasion.cloudtrail-stop.json');
const STOP_ACCOUNT = '143434273843';
/** Stratus Red Team anonymises Regions; OpenTrail records events of real Regions only. */
const ANONYMISED_REGION = 'apiso-centralnorth-2r';
const STOP_REGION = 'ap-northeast-3';

/** A Stratus record as if from the server's account and a real Region (eventID and time kept). */
function inStopAccount(record: Record<string, unknown>): Record<string, unknown> {
  return { ...record, recipientAccountId: STOP_ACCOUNT, awsRegion: STOP_REGION };
}

function cli(server: TestServer, args: string[], input?: string) {
  return run(process.execPath, [BIN, ...args, '--endpoint-url', server.url, '--data-dir', server.dataDir], {
    env: server.awsEnv,
    ...(input !== undefined ? { input } : {}),
  });
}

describe('opentrail CLI against a running server', () => {
  let server: TestServer;
  let work: string;
  const stopLogging = (): string => join(work, 'stop-logging.json');

  before(async () => {
    server = await startTestServer({ accountId: STOP_ACCOUNT, historyRetentionDays: 36500 });
    work = await makeTempDir('opentrail-cli-');
  });
  after(async () => {
    await server.dispose();
    await rm(work, { recursive: true, force: true });
  });

  it('record FILE records a JSON array of real records, refusing anonymised regions', async () => {
    const anonymised = await cli(server, ['record', STOP_LOGGING]);
    assert.equal(anonymised.code, 1);
    assert.match(anonymised.stderr, new RegExp(`InvalidRecord: Field 'awsRegion' is '${ANONYMISED_REGION}'`));
    const original = JSON.parse(await readFile(STOP_LOGGING, 'utf8')) as Record<string, unknown>[];
    await writeFile(stopLogging(), JSON.stringify(original.map(inStopAccount)));
    const result = await cli(server, ['record', stopLogging(), '--region', STOP_REGION]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /1 recorded, 0 already present, 0 failed/);
  });

  it('lookup finds it in its own region, with the original JSON, as table, json and csv', async () => {
    const original = JSON.parse(await readFile(stopLogging(), 'utf8')) as Record<string, unknown>[];
    const args = ['lookup', '--region', STOP_REGION, '--attribute', 'EventName=StopLogging'];
    const json = await cli(server, [...args, '--output', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const events = JSON.parse(json.stdout) as { EventId: string; CloudTrailEvent: string }[];
    assert.equal(events.length, 1);
    assert.deepEqual(JSON.parse(events[0]!.CloudTrailEvent), original[0]);

    const table = await cli(server, [...args, '--output', 'table']);
    assert.match(table.stdout.split('\n')[0]!, /^EventTime\s+EventName\s+Username\s+EventSource/);
    assert.match(table.stdout, /StopLogging\s+\S+\s+cloudtrail\.amazonaws\.com/);

    const csv = await cli(server, [...args, '--output', 'csv']);
    const lines = csv.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[1]!, new RegExp(`^${events[0]!.EventId},|,${events[0]!.EventId},`));
    assert.match(lines[1]!, new RegExp(STOP_REGION));

    const elsewhere = await cli(server, [
      'lookup',
      '--region',
      'us-east-1',
      '--attribute',
      'EventName=StopLogging',
      '--output',
      'json',
    ]);
    assert.deepEqual(JSON.parse(elsewhere.stdout), []);
  });

  it('record - reads standard input and reports per-record failures', async () => {
    const good = {
      eventTime: '2026-11-01T00:00:00Z',
      eventSource: 'app.example.com',
      eventName: 'Login',
      eventID: 'stdin-1',
    };
    const bad = { eventTime: 'yesterday', eventSource: 'app.example.com', eventName: 'Login' };
    const result = await cli(server, ['record', '-'], JSON.stringify([good, bad]));
    assert.equal(result.code, 1);
    assert.match(result.stdout, /1 recorded, 0 already present, 1 failed/);
    assert.match(result.stderr, /record 1: InvalidRecord: Field 'eventTime' is 'yesterday'/);
  });

  it('import walks an AWSLogs tree of gzip log files and is idempotent', async () => {
    const root = join(work, 'AWSLogs', STOP_ACCOUNT, 'CloudTrail', STOP_REGION, '2024', '08', '01');
    await mkdir(root, { recursive: true });
    const records = [];
    for (const name of [
      'aws.persistence.iam-create-admin-user.json',
      'aws.discovery.ec2-download-user-data.json',
    ]) {
      const text = await readFile(join(STRATUS, name), 'utf8');
      records.push(...(JSON.parse(text) as Record<string, unknown>[]).map(inStopAccount));
    }
    // AWS log files: one gzip stream holding {"Records":[...]}; a non-log file beside them is ignored.
    const half = Math.ceil(records.length / 2);
    await writeFile(
      join(root, `${STOP_ACCOUNT}_CloudTrail_${STOP_REGION}_20240801T0000Z_a.json.gz`),
      gzipSync(JSON.stringify({ Records: records.slice(0, half) })),
    );
    await writeFile(
      join(root, `${STOP_ACCOUNT}_CloudTrail_${STOP_REGION}_20240801T0005Z_b.json.gz`),
      gzipSync(JSON.stringify({ Records: records.slice(half) })),
    );
    await writeFile(join(root, 'notes.txt'), 'not a log');

    const first = await cli(server, ['import', join(work, 'AWSLogs')]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stdout,
      new RegExp(`Imported 2 of 2 files: ${records.length} recorded, 0 already present, 0 failed`),
    );
    const again = await cli(server, ['import', join(work, 'AWSLogs')]);
    assert.match(again.stdout, new RegExp(`0 recorded, ${records.length} already present`));
  });

  it('import reports an unreadable file and goes on with the rest', async () => {
    const dir = join(work, 'mixed');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'broken.json.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    await writeFile(join(dir, 'ok.json'), await readFile(stopLogging()));
    const result = await cli(server, ['import', dir]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /Imported 1 of 2 files: 0 recorded, 1 already present/);
    assert.match(result.stderr, /broken\.json\.gz/);
  });

  it('buckets create and list manage embedded buckets with S3 naming rules', async () => {
    const dataDir = join(work, 'bucket-data');
    const buckets = (...args: string[]) =>
      run(process.execPath, [BIN, 'buckets', ...args, '--data-dir', dataDir]);
    const create = await buckets('create', 'audit-logs');
    assert.equal(create.code, 0, create.stderr);
    assert.match(create.stdout, /make_bucket: audit-logs/);
    const again = await buckets('create', 'audit-logs');
    assert.match(again.stdout, /already exists/);
    const bad = await buckets('create', 'Bad_Name');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Bucket name 'Bad_Name' may hold only lower-case letters/);
    const list = await buckets('list');
    assert.equal(list.stdout, 'audit-logs\n');
  });

  it('orgs create, add-account, remove-account and list manage organizations', async () => {
    const dataDir = join(work, 'org-data');
    const orgs = (...args: string[]) => run(process.execPath, [BIN, 'orgs', ...args, '--data-dir', dataDir]);
    const create = await orgs('create', '--management-account', '111111111111', '--id', 'o-abcdefghij');
    assert.equal(create.code, 0, create.stderr);
    assert.match(create.stdout, /o-abcdefghij \(management account 111111111111\)/);
    assert.equal((await orgs('add-account', '--org', 'o-abcdefghij', '--account', '222222222222')).code, 0);
    assert.equal((await orgs('add-account', '--org', 'o-abcdefghij', '--account', '333333333333')).code, 0);
    const twice = await orgs('add-account', '--org', 'o-abcdefghij', '--account', '222222222222');
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /already belongs to organization o-abcdefghij/);
    const badId = await orgs('create', '--management-account', '444444444444', '--id', 'org-1');
    assert.equal(badId.code, 1);
    assert.match(badId.stderr, /organization ID must match/);
    assert.equal(
      (await orgs('remove-account', '--org', 'o-abcdefghij', '--account', '333333333333')).code,
      0,
    );
    const list = await orgs('list');
    assert.equal(list.stdout, 'o-abcdefghij\tmanagement 111111111111\tmembers 222222222222\n');
  });

  it('the README curl --aws-sigv4 example records an event', async () => {
    const body = JSON.stringify({
      Records: [
        {
          eventTime: '2026-11-24T12:00:00Z',
          eventSource: 'billing.example.com',
          eventName: 'IssueRefund',
          readOnly: false,
          userIdentity: { type: 'IAMUser', userName: 'alice' },
        },
      ],
    });
    const result = await run('curl', [
      '-s',
      '--aws-sigv4',
      'aws:amz:us-east-1:cloudtrail',
      '--user',
      `${server.accessKeyId}:${server.secretAccessKey}`,
      '-H',
      'content-type: application/json',
      '--data',
      body,
      `${server.url}/v1/records`,
    ]);
    const response = JSON.parse(result.stdout) as { successful: { eventID: string; status: string }[] };
    assert.equal(response.successful[0]?.status, 'recorded');
    const client = new CloudTrailClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    const out = await client.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'EventId', AttributeValue: response.successful[0].eventID }],
      }),
    );
    client.destroy();
    assert.equal(out.Events?.[0]?.Username, 'alice');
    assert.ok(out.Events?.[0]?.CloudTrailEvent?.startsWith(body.slice('{"Records":['.length, -3)));
  });
});
