/**
 * AWS's own log file validator, `aws cloudtrail validate-logs` of AWS CLI v1 and v2, run over the
 * digest and log files OpenTrail delivers to an S3-compatible server (s3rver). It accepts an
 * untouched multi-region trail in each of its regions; it reports each kind of tampering with
 * the line AWS prints for it and exits non-zero; and it accepts one unbroken chain written across
 * kill -9 and restarts, and one signed by several rotating keys. Output lines and exit codes are
 * those of awscli/customizations/cloudtrail/validation.py.
 *
 * The CLI reads the buckets with the credentials of the OpenTrail profile, so s3rver is told to
 * accept them. AWS CLI v1 is pointed at s3rver with AWS_ENDPOINT_URL_S3; v2 runs through
 * helpers/aws-cli-v2-validate.py, which explains why.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  CreateTrailCommand,
  type CloudTrailClient,
  ListPublicKeysCommand,
  StartLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { RecordClient, resolveCredentials } from '../src/cli/client.ts';
import type { Config } from '../src/config.ts';
import { digestKey, type DigestFile } from '../src/integrity/index.ts';
import { AWS_CLI_V1, AWS_CLI_V2, run } from './helpers/run.ts';
import {
  REPO_ROOT,
  awsEnvFor,
  makeTempDir,
  spawnServer,
  startTestServer,
  type ChildServer,
  type TestServer,
} from './helpers/server.ts';
import { cloudTrailClient, eventIdOf, syntheticRecord, waitFor } from './helpers/trails.ts';

const ACCOUNT = '210987654321';
const CRASH_ACCOUNT = '210987654322';
const ROTATION_ACCOUNT = '210987654323';
const HOME = 'us-east-1';
const OTHER = 'eu-west-1';
const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
// The server reaches S3 through the standard AWS credential chain.
process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;

interface Cli {
  name: string;
  command: string;
  args: string[];
  skip: string | false;
}

const CLIS: Cli[] = [
  { name: 'AWS CLI v1', command: AWS_CLI_V1, args: [], skip: false },
  {
    name: 'AWS CLI v2',
    command: '/usr/bin/python3',
    args: [join(REPO_ROOT, 'test', 'helpers', 'aws-cli-v2-validate.py')],
    skip: existsSync(AWS_CLI_V2) ? false : `${AWS_CLI_V2} is not installed`,
  },
];
const AVAILABLE_CLIS = CLIS.filter((cli) => !cli.skip);

/** The digest and log objects of a bucket on s3rver, read and tampered with as an attacker would. */
class Objects {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.NextContinuationToken;
    } while (token);
    return keys.sort();
  }

  async get(key: string): Promise<{ body: Buffer; metadata: Record<string, string> }> {
    const response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    assert.ok(response.Body, `no body for ${key}`);
    return {
      body: Buffer.from(await response.Body.transformToByteArray()),
      metadata: response.Metadata ?? {},
    };
  }

  async put(key: string, body: Buffer, metadata: Record<string, string> = {}): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        Metadata: metadata,
        ContentType: 'application/json',
        ContentEncoding: 'gzip',
      }),
    );
  }

  async delete(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  line(kind: 'Digest' | 'Log', key: string, status: string): string {
    return `${kind} file\ts3://${this.bucket}/${key}\t${status}`;
  }
}

interface StoredDigest {
  key: string;
  digest: DigestFile;
  metadata: Record<string, string>;
}

/** A region's digests of one trail, oldest first (digest names end in their end time). */
async function readChain(objects: Objects, accountId: string, region: string): Promise<StoredDigest[]> {
  const chain: StoredDigest[] = [];
  for (const key of await objects.list(`AWSLogs/${accountId}/CloudTrail-Digest/${region}/`)) {
    const { body, metadata } = await objects.get(key);
    chain.push({ key, digest: JSON.parse(gunzipSync(body).toString('utf8')) as DigestFile, metadata });
  }
  return chain;
}

function logKeysOf(digests: readonly StoredDigest[]): string[] {
  return digests.flatMap((d) => d.digest.logFiles.map((f) => f.s3Object));
}

/** Records' eventIDs by log file, each file read once. */
class DeliveredEvents {
  private readonly byFile = new Map<string, string[]>();

  constructor(private readonly objects: Objects) {}

  async idsIn(key: string): Promise<string[]> {
    let ids = this.byFile.get(key);
    if (!ids) {
      const { body } = await this.objects.get(key);
      const records = (JSON.parse(gunzipSync(body).toString('utf8')) as { Records: { eventID: string }[] })
        .Records;
      ids = records.map((r) => r.eventID);
      this.byFile.set(key, ids);
    }
    return ids;
  }

  /** Waits until every event is in a log file that one of the regions' digests lists. */
  async waitUntilDigested(accountId: string, regions: readonly string[], eventIds: readonly string[]) {
    await waitFor(
      `${eventIds.length} events listed in digests of ${this.objects.bucket}`,
      async () => {
        const seen = new Set<string>();
        for (const region of regions) {
          for (const key of logKeysOf(await readChain(this.objects, accountId, region))) {
            for (const id of await this.idsIn(key)) seen.add(id);
          }
        }
        return eventIds.every((id) => seen.has(id)) ? true : undefined;
      },
      30_000,
      200,
    );
  }
}

interface Validation {
  code: number | null;
  /** Keys of the digest and log files reported valid, in order. */
  validDigests: string[];
  validLogs: string[];
  /** The lines written to stderr: one per invalid digest or log file, or gap. */
  errors: string[];
  stdout: string;
}

async function validateLogs(
  cli: Cli,
  server: { url: string; credentialsPath: string },
  options: { s3Endpoint: string; trailArn: string; region: string; startTime: Date },
): Promise<Validation> {
  const env = {
    ...awsEnvFor(server, options.region),
    AWS_ENDPOINT_URL_S3: options.s3Endpoint,
    OPENTRAIL_S3_ENDPOINT_URL: options.s3Endpoint,
  };
  const result = await run(
    cli.command,
    [
      ...cli.args,
      'cloudtrail',
      'validate-logs',
      '--trail-arn',
      options.trailArn,
      '--start-time',
      options.startTime.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      '--endpoint-url',
      server.url,
      '--region',
      options.region,
      '--verbose',
    ],
    { env, timeoutMs: 60_000 },
  );
  const valid = (kind: string): string[] =>
    [...result.stdout.matchAll(new RegExp(`^${kind} file\\ts3://[^/]+/(\\S+)\\tvalid$`, 'gm'))].map(
      (m) => m[1] as string,
    );
  return {
    code: result.code,
    validDigests: valid('Digest'),
    validLogs: valid('Log'),
    errors: result.stderr.split('\n').filter((l) => l.trim() !== ''),
    stdout: result.stdout,
  };
}

/** Asserts the validator's whole verdict: which digests and logs it found valid, and what else it said. */
function assertVerdict(
  cli: Cli,
  result: Validation,
  expected: { validDigests: string[]; validLogs: string[]; errors: string[] },
): void {
  const context = `${cli.name} said:\n${result.stdout}\n${result.errors.join('\n')}`;
  assert.deepEqual(result.errors, expected.errors, context);
  assert.deepEqual([...result.validDigests].sort(), [...expected.validDigests].sort(), context);
  assert.deepEqual([...result.validLogs].sort(), [...expected.validLogs].sort(), context);
  assert.equal(result.code, expected.errors.length === 0 ? 0 : 1, context);
  const digests = expected.validDigests.length;
  const logs = expected.validLogs.length;
  const invalidLogs = expected.errors.filter((e) => e.startsWith('Log file')).length;
  const invalidDigests = expected.errors.length - invalidLogs;
  const ratio = (valid: number, invalid: number, name: string): string =>
    `${valid}/${valid + invalid} ${name} files valid` +
    (invalid > 0 ? `, ${invalid}/${valid + invalid} ${name} files INVALID` : '');
  assert.ok(result.stdout.includes(ratio(digests, invalidDigests, 'digest')), context);
  assert.ok(result.stdout.includes(ratio(logs, invalidLogs, 'log')), context);
}

function batchOf(accountId: string, regions: readonly string[], size: number, from: number): string[] {
  return Array.from({ length: size }, (_, i) =>
    syntheticRecord(accountId, regions[i % regions.length] as string, { n: from + i }),
  );
}

function regionOf(recordText: string): string {
  return (JSON.parse(recordText) as { awsRegion: string }).awsRegion;
}

async function record(recorder: RecordClient, records: readonly string[]): Promise<string[]> {
  const response = await recorder.send(`{"Records":[${records.join(',')}]}`);
  assert.equal(response.successful.length, records.length);
  return records.map(eventIdOf);
}

/**
 * Restarts the server on the same data directory with delivery and digest intervals of an hour,
 * so that nothing writes to the buckets while the validator lists and reads them: s3rver's PUT is
 * not atomic, and a listing can show a digest whose bytes or metadata are still being written.
 */
async function restartQuiet(server: TestServer, config: Partial<Config>): Promise<TestServer> {
  await server.close();
  return startTestServer({
    ...config,
    dataDir: server.dataDir,
    deliveryIntervalSeconds: 3600,
    digestIntervalSeconds: 3600,
  });
}

/** Lets s3rver accept what the AWS CLI signs with: the OpenTrail profile's access key. */
async function allowOnS3rver(key: { accessKeyId: string; secretAccessKey: string }): Promise<void> {
  const { default: account } = await import('s3rver/lib/models/account.js');
  account.DUMMY_ACCOUNT.createKeyPair(key.accessKeyId, key.secretAccessKey);
}

interface Tampering {
  /** The validator's stderr lines, in order. */
  errors: string[];
  /** Digests it no longer reports valid (so their log files go unchecked). */
  invalidDigests: string[];
  invalidLogs: string[];
}

interface TamperCase {
  trail: string;
  /** The trail's home region, the one it logs (AWS allows five trails per region). */
  region: string;
  title: string;
  /** Tampers with `middle`, a digest listing log files with digests before and after it. */
  tamper(objects: Objects, middle: StoredDigest): Promise<Tampering>;
}

/** The first log file of a digest, rewritten with one field of every record changed. */
async function forgeLogFile(objects: Objects, digest: StoredDigest): Promise<{ key: string; plain: Buffer }> {
  const key = digest.digest.logFiles[0]?.s3Object;
  assert.ok(key);
  const log = JSON.parse(gunzipSync((await objects.get(key)).body).toString('utf8')) as {
    Records: Record<string, unknown>[];
  };
  for (const r of log.Records) r.sourceIPAddress = '203.0.113.66';
  const plain = Buffer.from(JSON.stringify(log));
  await objects.put(key, gzipSync(plain));
  return { key, plain };
}

/** What AWS's validator reports when one log file fails: its line, and that file not valid. */
function invalidLog(objects: Objects, key: string, status: string): Tampering {
  return { errors: [objects.line('Log', key, status)], invalidDigests: [], invalidLogs: [key] };
}

/** What AWS's validator reports when one digest fails: its line, and that digest not valid. */
function invalidDigest(objects: Objects, key: string, status: string): Tampering {
  return { errors: [objects.line('Digest', key, status)], invalidDigests: [key], invalidLogs: [] };
}

const TAMPER_CASES: TamperCase[] = [
  {
    trail: 'log-modified',
    region: HOME,
    title: "a log file rewritten with different content: INVALID: hash value doesn't match",
    async tamper(objects, middle) {
      const { key } = await forgeLogFile(objects, middle);
      return invalidLog(objects, key, "INVALID: hash value doesn't match");
    },
  },
  {
    trail: 'log-deleted',
    region: HOME,
    title: 'a deleted log file: INVALID: not found',
    async tamper(objects, middle) {
      const key = middle.digest.logFiles[0]?.s3Object;
      assert.ok(key);
      await objects.delete(key);
      return invalidLog(objects, key, 'INVALID: not found');
    },
  },
  {
    trail: 'digest-edited',
    region: HOME,
    title:
      'a digest edited to cover a forged log file, signature metadata kept: INVALID: signature verification failed',
    async tamper(objects, middle) {
      const forged = await forgeLogFile(objects, middle);
      const edited = structuredClone(middle.digest);
      const entry = edited.logFiles[0];
      assert.ok(entry);
      entry.hashValue = createHash('sha256').update(forged.plain).digest('hex');
      await objects.put(middle.key, gzipSync(JSON.stringify(edited)), middle.metadata);
      return invalidDigest(objects, middle.key, 'INVALID: signature verification failed');
    },
  },
  {
    // validate-logs raises the same DigestSignatureError when the metadata is missing.
    trail: 'digest-unsigned',
    region: OTHER,
    title: 'a digest without its signature metadata: INVALID: signature verification failed',
    async tamper(objects, middle) {
      await objects.put(middle.key, (await objects.get(middle.key)).body);
      return invalidDigest(objects, middle.key, 'INVALID: signature verification failed');
    },
  },
  {
    trail: 'digest-unknown-key',
    region: OTHER,
    title: 'a digest naming a key CloudTrail never listed: INVALID: public key not found',
    async tamper(objects, middle) {
      const fingerprint = createHash('md5').update(randomBytes(32)).digest('hex');
      await objects.put(
        middle.key,
        gzipSync(JSON.stringify({ ...middle.digest, digestPublicKeyFingerprint: fingerprint })),
        middle.metadata,
      );
      return invalidDigest(
        objects,
        middle.key,
        `INVALID: public key not found in region ${OTHER} for fingerprint ${fingerprint}`,
      );
    },
  },
  {
    trail: 'digest-deleted',
    region: HOME,
    title: 'a deleted digest in the middle of the chain: INVALID: not found, the chain goes on past it',
    async tamper(objects, middle) {
      await objects.delete(middle.key);
      return invalidDigest(objects, middle.key, 'INVALID: not found');
    },
  },
  {
    trail: 'digest-moved',
    region: OTHER,
    title: 'a digest moved to another key: not found where it was, has been moved where it is',
    async tamper(objects, middle) {
      // The same trail's name a second earlier: the validator lists it and reaches it next.
      const moved = digestKey({
        accountId: ACCOUNT,
        region: OTHER,
        trailName: 'digest-moved',
        trailHomeRegion: OTHER,
        endTimeMs: Date.parse(middle.digest.digestEndTime) - 1000,
      });
      await objects.put(moved, (await objects.get(middle.key)).body, middle.metadata);
      await objects.delete(middle.key);
      return {
        errors: [
          objects.line('Digest', middle.key, 'INVALID: not found'),
          objects.line('Digest', moved, 'INVALID: has been moved from its original location'),
        ],
        invalidDigests: [middle.key],
        invalidLogs: [],
      };
    },
  },
];

describe('aws cloudtrail validate-logs over OpenTrail digests on s3rver', { concurrency: true }, () => {
  let s3Dir: string;
  let s3: S3rver;
  let endpoint: string;
  let admin: S3Client;

  const createBucket = async (name: string): Promise<Objects> => {
    await admin.send(new CreateBucketCommand({ Bucket: name }));
    return new Objects(admin, name);
  };

  before(async () => {
    s3Dir = await mkdtemp(join(tmpdir(), 'opentrail-s3rver-'));
    s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3Dir });
    endpoint = `http://127.0.0.1:${(await s3.run()).port}`;
    admin = new S3Client({ endpoint, region: HOME, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  });
  after(async () => {
    admin.destroy();
    await s3.close();
    await rm(s3Dir, { recursive: true, force: true });
  });

  describe('an untouched multi-region trail, and one trail per kind of tampering', { concurrency: 4 }, () => {
    const startTime = new Date(Date.now() - 60_000);
    let dataDir: string;
    let config: Partial<Config>;
    let server: TestServer;
    let everywhere: Objects;
    let everywhereEvents: DeliveredEvents;
    const recorded = new Map<string, string[]>([
      [HOME, []],
      [OTHER, []],
    ]);
    const tampered = new Map<string, { chain: StoredDigest[]; tampering: Tampering }>();

    before(async () => {
      dataDir = await makeTempDir();
      config = {
        dataDir,
        accountId: ACCOUNT,
        objectStore: { kind: 's3', endpoint, region: HOME },
        deliveryIntervalSeconds: 1,
        digestIntervalSeconds: 2,
      };
      server = await startTestServer(config);
      const trails = new Map<string, { objects: Objects; events: DeliveredEvents; regions: string[] }>();
      const homes: [string, string][] = [
        ['everywhere', HOME],
        ...TAMPER_CASES.map((c): [string, string] => [c.trail, c.region]),
      ];
      for (const [name, home] of homes) {
        const objects = await createBucket(name);
        const multiRegion = name === 'everywhere';
        const cloudTrail = cloudTrailClient(server, home);
        await cloudTrail.send(
          new CreateTrailCommand({
            Name: name,
            S3BucketName: name,
            IsMultiRegionTrail: multiRegion,
            EnableLogFileValidation: true,
          }),
        );
        await cloudTrail.send(new StartLoggingCommand({ Name: name }));
        cloudTrail.destroy();
        trails.set(name, {
          objects,
          events: new DeliveredEvents(objects),
          regions: multiRegion ? [HOME, OTHER] : [home],
        });
      }
      const recorder = await RecordClient.create({ endpointUrl: server.url, dataDir, region: HOME });

      // Three batches, each waited for in every trail's digests: the second lands in a digest with
      // digests before and after it.
      for (let batch = 0; batch < 3; batch++) {
        const records = batchOf(ACCOUNT, [HOME, OTHER], 100, batch * 100);
        const ids = await record(recorder, records);
        records.forEach((r, i) => recorded.get(regionOf(r))?.push(ids[i] as string));
        await Promise.all(
          [...trails.values()].map((t) =>
            t.events.waitUntilDigested(
              ACCOUNT,
              t.regions,
              ids.filter((_, i) => t.regions.includes(regionOf(records[i] as string))),
            ),
          ),
        );
      }
      server = await restartQuiet(server, config);
      await allowOnS3rver(server);

      const found = trails.get('everywhere');
      assert.ok(found);
      everywhere = found.objects;
      everywhereEvents = found.events;
      for (const c of TAMPER_CASES) {
        const objects = trails.get(c.trail)?.objects;
        assert.ok(objects);
        const chain = await readChain(objects, ACCOUNT, c.region);
        const middle = chain.find((d, i) => i > 0 && i < chain.length - 1 && d.digest.logFiles.length > 0);
        assert.ok(middle, `no digest with log files inside the chain of ${c.trail}`);
        tampered.set(c.trail, { chain, tampering: await c.tamper(objects, middle) });
      }
    });
    after(async () => {
      await server.dispose();
      await rm(dataDir, { recursive: true, force: true });
    });

    for (const cli of CLIS) {
      for (const region of [HOME, OTHER]) {
        it(
          `${cli.name} finds every digest and log file of the trail valid in ${region} and exits 0`,
          { skip: cli.skip },
          async () => {
            const chain = await readChain(everywhere, ACCOUNT, region);
            const logs = logKeysOf(chain);
            const result = await validateLogs(cli, server, {
              s3Endpoint: endpoint,
              trailArn: `arn:aws:cloudtrail:${HOME}:${ACCOUNT}:trail/everywhere`,
              region,
              startTime,
            });
            assertVerdict(cli, result, {
              validDigests: chain.map((d) => d.key),
              validLogs: logs,
              errors: [],
            });
            assert.ok(chain.length >= 3, `${chain.length} digests in ${region}`);
            // Every event recorded in the region is in a log file the validator checked.
            const checked = new Set<string>();
            for (const key of result.validLogs)
              for (const id of await everywhereEvents.idsIn(key)) checked.add(id);
            for (const id of recorded.get(region) ?? [])
              assert.ok(checked.has(id), `event ${id} not validated`);
          },
        );
      }
    }

    for (const c of TAMPER_CASES) {
      for (const cli of CLIS) {
        it(`${cli.name} reports ${c.title}`, { skip: cli.skip }, async () => {
          const found = tampered.get(c.trail);
          assert.ok(found);
          const { chain, tampering } = found;
          const validDigests = chain.filter((d) => !tampering.invalidDigests.includes(d.key));
          const result = await validateLogs(cli, server, {
            s3Endpoint: endpoint,
            trailArn: `arn:aws:cloudtrail:${c.region}:${ACCOUNT}:trail/${c.trail}`,
            region: c.region,
            startTime,
          });
          assertVerdict(cli, result, {
            validDigests: validDigests.map((d) => d.key),
            validLogs: logKeysOf(validDigests).filter((k) => !tampering.invalidLogs.includes(k)),
            errors: tampering.errors,
          });
        });
      }
    }
  });

  describe('one digest chain across kill -9 and restarts', () => {
    let dataDir: string;
    let server: ChildServer | undefined;
    before(async () => {
      dataDir = await makeTempDir();
    });
    after(async () => {
      server?.child.kill('SIGKILL');
      await server?.exited;
      await rm(dataDir, { recursive: true, force: true });
    });

    it('stays valid for AWS CLI v1 and v2 after the server is killed three times while delivering', async () => {
      const startTime = new Date(Date.now() - 60_000);
      const objects = await createBucket('crash-chain');
      const events = new DeliveredEvents(objects);
      const args = ['--s3-endpoint', endpoint, '--account-id', CRASH_ACCOUNT];
      const busy = [...args, '--delivery-interval', '1', '--digest-interval', '2'];
      // The child reaches s3rver through the standard credential chain too.
      const env = { ...process.env, ...credentialEnv(S3RVER_CREDENTIALS) };
      const connect = async (
        s: ChildServer,
      ): Promise<{ cloudTrail: CloudTrailClient; recorder: RecordClient }> => {
        const credentials = await resolveCredentials(dataDir);
        await allowOnS3rver(credentials);
        return {
          cloudTrail: cloudTrailClient({ url: s.url, ...credentials }),
          recorder: await RecordClient.create({ endpointUrl: s.url, dataDir, region: HOME }),
        };
      };

      server = await spawnServer(dataDir, busy, env);
      let clients = await connect(server);
      await clients.cloudTrail.send(
        new CreateTrailCommand({
          Name: 'crash-chain',
          S3BucketName: 'crash-chain',
          EnableLogFileValidation: true,
        }),
      );
      await clients.cloudTrail.send(new StartLoggingCommand({ Name: 'crash-chain' }));
      const acknowledged: string[] = [];
      // Killed at different points of the delivery and digest cycles (1 s and 2 s).
      for (const [n, killAfterMs] of [300, 1100, 1900].entries()) {
        const ids = await record(clients.recorder, batchOf(CRASH_ACCOUNT, [HOME], 50, n * 100));
        acknowledged.push(...ids);
        await events.waitUntilDigested(CRASH_ACCOUNT, [HOME], ids);
        acknowledged.push(
          ...(await record(clients.recorder, batchOf(CRASH_ACCOUNT, [HOME], 50, n * 100 + 50))),
        );
        await sleep(killAfterMs);
        clients.cloudTrail.destroy();
        server.child.kill('SIGKILL');
        await server.exited;
        server = await spawnServer(dataDir, busy, env);
        clients = await connect(server);
      }
      await events.waitUntilDigested(CRASH_ACCOUNT, [HOME], acknowledged);

      // A clean stop, then a restart that writes nothing while the validators read.
      clients.cloudTrail.destroy();
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
      server = await spawnServer(
        dataDir,
        [...args, '--delivery-interval', '3600', '--digest-interval', '3600'],
        env,
      );
      const chain = await readChain(objects, CRASH_ACCOUNT, HOME);
      assertOneChain(chain);
      for (const cli of AVAILABLE_CLIS) {
        const result = await validateLogs(cli, server, {
          s3Endpoint: endpoint,
          trailArn: `arn:aws:cloudtrail:${HOME}:${CRASH_ACCOUNT}:trail/crash-chain`,
          region: HOME,
          startTime,
        });
        assertVerdict(cli, result, {
          validDigests: chain.map((d) => d.key),
          validLogs: logKeysOf(chain),
          errors: [],
        });
        const checked = new Set<string>();
        for (const key of result.validLogs) for (const id of await events.idsIn(key)) checked.add(id);
        for (const id of acknowledged) assert.ok(checked.has(id), `event ${id} not validated by ${cli.name}`);
      }
    });
  });

  describe('one digest chain signed by rotating keys', () => {
    let dataDir: string;
    let server: TestServer | undefined;
    before(async () => {
      dataDir = await makeTempDir();
    });
    after(async () => {
      await server?.dispose();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('stays valid for AWS CLI v1 and v2 with every signing key listed by ListPublicKeys', async () => {
      const startTime = new Date(Date.now() - 60_000);
      const objects = await createBucket('rotation-chain');
      const events = new DeliveredEvents(objects);
      // 0.0001 days: a key signs for 8.64 s, so a chain of a few dozen seconds has several.
      const config: Partial<Config> = {
        dataDir,
        accountId: ROTATION_ACCOUNT,
        objectStore: { kind: 's3', endpoint, region: HOME },
        deliveryIntervalSeconds: 1,
        digestIntervalSeconds: 2,
        keyRotationDays: 0.0001,
      };
      server = await startTestServer(config);
      let cloudTrail = cloudTrailClient(server);
      await cloudTrail.send(
        new CreateTrailCommand({
          Name: 'rotation',
          S3BucketName: 'rotation-chain',
          EnableLogFileValidation: true,
        }),
      );
      await cloudTrail.send(new StartLoggingCommand({ Name: 'rotation' }));
      cloudTrail.destroy();
      const recorder = await RecordClient.create({ endpointUrl: server.url, dataDir, region: HOME });
      const fingerprints = async (): Promise<Set<string>> =>
        new Set(
          (await readChain(objects, ROTATION_ACCOUNT, HOME)).map((d) => d.digest.digestPublicKeyFingerprint),
        );
      for (let n = 0; (await fingerprints()).size < 3; n++) {
        assert.ok(n < 30, 'three signing keys did not sign the chain');
        const ids = await record(recorder, batchOf(ROTATION_ACCOUNT, [HOME], 20, n * 20));
        await events.waitUntilDigested(ROTATION_ACCOUNT, [HOME], ids);
      }

      server = await restartQuiet(server, config);
      await allowOnS3rver(server);
      const chain = await readChain(objects, ROTATION_ACCOUNT, HOME);
      assertOneChain(chain);
      cloudTrail = cloudTrailClient(server);
      const listed = await cloudTrail.send(
        new ListPublicKeysCommand({ StartTime: startTime, EndTime: new Date() }),
      );
      cloudTrail.destroy();
      const listedFingerprints = (listed.PublicKeyList ?? []).map((k) => k.Fingerprint);
      const used = new Set(chain.map((d) => d.digest.digestPublicKeyFingerprint));
      assert.ok(used.size >= 3, `${used.size} keys signed the chain`);
      for (const fingerprint of used)
        assert.ok(listedFingerprints.includes(fingerprint), `${fingerprint} not listed`);

      for (const cli of AVAILABLE_CLIS) {
        const result = await validateLogs(cli, server, {
          s3Endpoint: endpoint,
          trailArn: `arn:aws:cloudtrail:${HOME}:${ROTATION_ACCOUNT}:trail/rotation`,
          region: HOME,
          startTime,
        });
        assertVerdict(cli, result, {
          validDigests: chain.map((d) => d.key),
          validLogs: logKeysOf(chain),
          errors: [],
        });
      }
    });
  });
});

function credentialEnv(key: { accessKeyId: string; secretAccessKey: string }): NodeJS.ProcessEnv {
  return { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey };
}

/** Each digest after the first names the one before it: one chain, no restart began a new one. */
function assertOneChain(chain: readonly StoredDigest[]): void {
  assert.ok(chain.length >= 3, `${chain.length} digests`);
  assert.equal(chain[0]?.digest.previousDigestS3Object, null);
  for (let i = 1; i < chain.length; i++) {
    const previous = chain[i - 1] as StoredDigest;
    const digest = (chain[i] as StoredDigest).digest;
    assert.equal(digest.previousDigestS3Object, previous.key, `digest ${i} does not follow digest ${i - 1}`);
    assert.equal(digest.previousDigestSignature, previous.metadata.signature);
    assert.equal(digest.digestStartTime, previous.digest.digestEndTime);
  }
}
