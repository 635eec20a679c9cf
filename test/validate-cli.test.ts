import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  CreateTrailCommand,
  ListPublicKeysCommand,
  StartLoggingCommand,
  type CloudTrailClient,
} from '@aws-sdk/client-cloudtrail';
import { RecordClient } from '../src/cli/client.ts';
import { LocalDirObjectStore } from '../src/local/index.ts';
import { BIN, makeTempDir, startTestServer, type TestServer } from './helpers/server.ts';
import { run } from './helpers/run.ts';
import { cloudTrailClient, syntheticRecord, waitFor } from './helpers/trails.ts';

const BUCKET = 'validated-logs';
const PREFIX = 'audit';
const EVENTS = 300;

interface DigestDoc {
  logFiles: { s3Object: string }[];
}

describe('opentrail validate against a running server and its local bucket', () => {
  let server: TestServer;
  let client: CloudTrailClient;
  let bucket: LocalDirObjectStore;
  let trailArn: string;
  let work: string;
  const startTime = new Date(Date.now() - 60_000).toISOString();

  function validate(...args: string[]) {
    return run(
      process.execPath,
      [
        BIN,
        'validate',
        '--trail-arn',
        trailArn,
        '--start-time',
        startTime,
        '--endpoint-url',
        server.url,
        '--data-dir',
        server.dataDir,
        ...args,
      ],
      { env: server.awsEnv },
    );
  }

  /** Log files and the digests listing them, read from the bucket. */
  async function delivered(): Promise<{ logs: string[]; digests: string[]; digested: Set<string> }> {
    const logs: string[] = [];
    const digests: string[] = [];
    const digested = new Set<string>();
    for await (const info of bucket.list(`${PREFIX}/`)) {
      if (info.key.includes('/CloudTrail-Digest/')) {
        digests.push(info.key);
        const doc = JSON.parse(gunzipSync((await bucket.get(info.key)).body).toString()) as DigestDoc;
        for (const f of doc.logFiles) digested.add(f.s3Object);
      } else if (info.key.includes('/CloudTrail/')) logs.push(info.key);
    }
    return { logs, digests, digested };
  }

  before(async () => {
    server = await startTestServer({ deliveryIntervalSeconds: 1, digestIntervalSeconds: 2 });
    work = await makeTempDir('opentrail-validate-');
    await LocalDirObjectStore.createBucket(join(server.dataDir, 'buckets'), BUCKET);
    bucket = new LocalDirObjectStore(join(server.dataDir, 'buckets'), BUCKET);
    client = cloudTrailClient(server);
    const created = await client.send(
      new CreateTrailCommand({
        Name: 'validated',
        S3BucketName: BUCKET,
        S3KeyPrefix: PREFIX,
        IsMultiRegionTrail: false,
        EnableLogFileValidation: true,
      }),
    );
    trailArn = created.TrailARN as string;
    await client.send(new StartLoggingCommand({ Name: 'validated' }));
    const recorder = await RecordClient.create({
      endpointUrl: server.url,
      dataDir: server.dataDir,
      region: 'us-east-1',
    });
    const records = Array.from({ length: EVENTS }, (_, n) =>
      syntheticRecord(server.accountId, 'us-east-1', { n }),
    );
    for (let i = 0; i < records.length; i += 100) {
      const response = await recorder.send(`{"Records":[${records.slice(i, i + 100).join(',')}]}`);
      assert.equal(response.failed.length, 0);
    }
    // Every log file so far digested, by at least three digests.
    await waitFor('log files and digests', async () => {
      const { logs, digests, digested } = await delivered();
      return logs.length > 0 && digests.length >= 3 && logs.every((k) => digested.has(k)) ? true : undefined;
    });
  });
  after(async () => {
    client.destroy();
    await server.dispose();
    await rm(work, { recursive: true, force: true });
  });

  it('finds the intact trail valid (exit 0), counting every digest and log file, and saves a checkpoint', async () => {
    const before = await delivered();
    const checkpoint = join(work, 'checkpoint.json');
    const result = await validate('--checkpoint', checkpoint);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(result.stderr, '');
    assert.match(result.stdout, new RegExp(`^Validating log files for trail ${trailArn} between `));
    const digests = /\n(\d+)\/(\d+) digest files valid\n/.exec(result.stdout);
    const logs = /\n(\d+)\/(\d+) log files valid\n/.exec(result.stdout);
    assert.ok(digests && logs, result.stdout);
    assert.equal(digests[1], digests[2]);
    assert.equal(logs[1], logs[2]);
    assert.ok(
      Number(digests[1]) >= before.digests.length,
      `${digests[1]} digests, ${before.digests.length} listed before`,
    );
    assert.ok(
      Number(logs[1]) >= before.digested.size,
      `${logs[1]} log files, ${before.digested.size} digested before`,
    );
    assert.doesNotMatch(result.stdout, /INVALID/);
    const saved = JSON.parse(await readFile(checkpoint, 'utf8')) as {
      chains: Record<string, { key: string }>;
    };
    assert.equal(Object.keys(saved.chains).length, 1);
    assert.match(result.stdout, /Checkpoint .*: newest valid digest s3:\/\/validated-logs\/audit\/AWSLogs\//);

    const verbose = await validate('--verbose');
    assert.equal(verbose.code, 0, verbose.stderr);
    for (const key of before.digested)
      assert.ok(verbose.stdout.includes(`Log file\ts3://${BUCKET}/${key}\tvalid\n`), key);
  });

  it('validates with public keys saved from ListPublicKeys (--public-keys), and fails with the wrong ones', async () => {
    const listed = await client.send(new ListPublicKeysCommand({ StartTime: new Date(startTime) }));
    const saved = {
      PublicKeyList: (listed.PublicKeyList ?? []).map((k) => ({
        Value: Buffer.from(k.Value as Uint8Array).toString('base64'),
        ValidityStartTime: k.ValidityStartTime?.toISOString(),
        ValidityEndTime: k.ValidityEndTime?.toISOString(),
        Fingerprint: k.Fingerprint,
      })),
    };
    assert.ok(saved.PublicKeyList.length > 0);
    const file = join(work, 'public-keys.json');
    await writeFile(file, JSON.stringify(saved));
    const result = await validate('--public-keys', file);
    assert.equal(result.code, 0, result.stdout + result.stderr);

    const wrong = { PublicKeyList: saved.PublicKeyList.map((k) => ({ ...k, Fingerprint: '0'.repeat(32) })) };
    await writeFile(file, JSON.stringify(wrong));
    const failed = await validate('--public-keys', file);
    assert.equal(failed.code, 1);
    assert.match(
      failed.stderr,
      /\tINVALID: public key not found in region us-east-1 for fingerprint [0-9a-f]{32}\n/,
    );
  });

  it('names a modified log file and exits non-zero', async () => {
    // A file already digested: newer ones (the server records the CLI's own calls) may not be yet.
    const { logs, digested } = await delivered();
    const key = logs.find((k) => digested.has(k)) as string;
    const path = join(server.dataDir, 'buckets', BUCKET, key);
    const original = gunzipSync(await readFile(path)).toString();
    await writeFile(
      path,
      gzipSync(Buffer.from(original.replace(/"eventName":"[A-Za-z]+"/, '"eventName":"Tampered"'))),
    );

    const checkpoint = join(work, 'checkpoint.json');
    const savedBefore = await readFile(checkpoint, 'utf8');
    const result = await validate('--checkpoint', checkpoint);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.ok(
      result.stderr.includes(`Log file\ts3://${BUCKET}/${key}\tINVALID: hash value doesn't match\n`),
      result.stderr,
    );
    assert.match(result.stdout, /, 1\/\d+ log files INVALID/);
    assert.equal(await readFile(checkpoint, 'utf8'), savedBefore, 'a failed run leaves the checkpoint alone');
    await writeFile(path, gzipSync(Buffer.from(original)));
  });

  it('names a deleted digest and exits non-zero', async () => {
    const { digests } = await delivered();
    const key = digests[digests.length - 1] as string;
    await bucket.delete(key);
    const result = await validate();
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(
      result.stderr,
      /^Digest file\ts3:\/\/validated-logs\/audit\/AWSLogs\/.*\tINVALID: not found/m,
    );
    assert.match(result.stdout, /, [1-9]\d*\/\d+ digest files INVALID/);
  });
});
