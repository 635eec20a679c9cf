/**
 * Log file validation throughput, on one trail of at least `files` log files in an S3-compatible
 * bucket (s3rver, in its own process), measured in the same run with:
 *
 * 1. `opentrail validate` (a child process, as a user runs it) reading the bucket from s3rver, and
 *    again from a copy of the bucket under `<data-dir>/buckets` (the embedded store's layout);
 * 2. `aws cloudtrail validate-logs` of AWS CLI v1 on the same trail and s3rver. It checks a log
 *    file at a time, newest digest first; if it has not finished after `awsMaxSeconds` it is
 *    stopped, and its rate is over the files it had reported valid by then;
 * 3. `sha256sum` over the same bytes uncompressed (decompressed to a directory first, untimed);
 * 4. both validators again through a TCP proxy in front of s3rver that holds every chunk `rttMs / 2`
 *    in each direction: S3 at a network round trip, as AWS S3 is from a client in its region
 *    (s3rver on loopback answers in well under a millisecond). The CloudTrail calls go to the
 *    server directly;
 * 5. two bounds, to read the ratios against: s3rver's own ceiling (every log file fetched by bare,
 *    unsigned keep-alive GETs, as many in flight as opentrail validate keeps; s3rver checks no
 *    signature on those), which caps any client of the first scenario; and the least a Node
 *    program does to check the local copy (read, gunzip and SHA-256 every log file on a worker
 *    thread per core, nothing else), which bounds opentrail validate there.
 *
 * Each tool's wall time runs from spawning it to its exit, process startup included. Both
 * validators run with --verbose, so the log files each found valid are known by name and their
 * uncompressed bytes add up to its MB/s.
 *
 * The trail is made quickly: the server cuts log files at `logFileMaxBytes` uncompressed
 * (`--log-file-max-bytes`), delivers every second and writes a digest every 5 s while real sample
 * records are recorded; once every log file is listed by a digest it restarts with hour-long
 * intervals, so nothing writes to the bucket while the tools read it (s3rver's PUT is not atomic).
 * bench/run.ts measures two trails: log files of 8 KiB (SMALL_LOG_FILE_BYTES), where per-file
 * costs (requests, process startup) dominate, and of REALISTIC_LOG_FILE_BYTES, the size of a
 * busy account's files, where inflating and hashing bytes does.
 */
import { freshSampleRecords, inTempDir, stopServer } from './shared.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer, type Socket } from 'node:net';

import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';

import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { RecordClient, resolveCredentials } from '../src/cli/client.ts';
import { LocalDirObjectStore } from '../src/local/index.ts';
import { AWS_CLI_V1, run } from '../test/helpers/run.ts';
import {
  BIN,
  INVICTUS_ACCOUNT,
  REPO_ROOT,
  awsEnvFor,
  spawnServer,
  type ChildServer,
} from '../test/helpers/server.ts';

const BUCKET = 'bench-validate';
const TRAIL = 'bench-validate';
const REGION = 'us-east-1';
const TRAIL_ARN = `arn:aws:cloudtrail:${REGION}:${INVICTUS_ACCOUNT}:trail/${TRAIL}`;
const LOG_FOLDER = `AWSLogs/${INVICTUS_ACCOUNT}/CloudTrail/${REGION}/`;
const DIGEST_FOLDER = `AWSLogs/${INVICTUS_ACCOUNT}/CloudTrail-Digest/${REGION}/`;
const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const DIGEST_INTERVAL_SECONDS = 5;

/** The first trail's log files: small, so that the trail builds in seconds and per-file costs show. */
export const SMALL_LOG_FILE_BYTES = 8 * 1024;

/**
 * The second trail's log files, nearer what AWS delivers. CloudTrail writes a trail's events for
 * an account and region to a file about every 5 minutes ("CloudTrail typically delivers logs
 * within an average of about 5 minutes of an API call", User Guide, Getting and viewing your
 * CloudTrail log files), so a file's size is that window's activity, and AWS publishes no
 * figure. A bucket listing posted in logstash-plugins/logstash-codec-cloudtrail#21 (2018) shows
 * files of 10.6, 13.1, 21.4, 29.6 and 42.1 KB gzipped (and one outlier of 5.3 MB). OpenTrail's
 * 128 KiB files of the sample records compress 9.4 times (the bench prints the ratio), so those
 * are some 100-400 KB of JSON: 128 KiB sits at the low end, a moderately busy account's file.
 */
export const REALISTIC_LOG_FILE_BYTES = 128 * 1024;

export interface ToolRate {
  seconds: number;
  /** Log files the tool checked (validators: found valid; every one must be). */
  files: number;
  /** Their uncompressed bytes. */
  bytes: number;
  filesPerSecond: number;
  mbPerSecond: number;
}

/** The same trail read through a proxy that adds a network round trip to every exchange with s3rver. */
export interface NetworkScenario {
  rttMs: number;
  opentrail: ToolRate;
  awsCli: ToolRate & { stoppedAtLimit: boolean };
  /** opentrail validate files/s over the AWS CLI's. */
  ratioVsAwsCli: number;
}

export interface ValidateResult {
  /** The largest uncompressed log file the server writes (--log-file-max-bytes). */
  logFileMaxBytes: number;
  files: number;
  digests: number;
  uncompressedBytes: number;
  compressedBytes: number;
  /** Recording, delivery and digests until every log file was digested. */
  buildSeconds: number;
  opentrailS3: ToolRate;
  opentrailLocal: ToolRate;
  awsCli: ToolRate & {
    /** Stopped at the time limit: its rate is over the files it had checked by then. */
    stoppedAtLimit: boolean;
  };
  sha256sum: ToolRate;
  /** Bare GETs of every log file from s3rver: the most files/s it serves. */
  s3rverCeiling: ToolRate;
  /** A bare Node program reading, inflating and hashing the local copy's log files. */
  nodeFloor: ToolRate;
  /** opentrail validate (S3) files/s over the AWS CLI's. */
  ratioVsAwsCli: number;
  /** opentrail validate (S3) MB/s over sha256sum's. */
  ratioVsSha256sum: number;
  /** opentrail validate (local copy) MB/s over sha256sum's. */
  localRatioVsSha256sum: number;
  network: NetworkScenario;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * s3rver in a child process. It needs OpenSSL's legacy provider: it encrypts ListObjectsV2
 * continuation tokens with DES, so without it every listing of more than 1000 keys fails with
 * 500 (ERR_OSSL_EVP_UNSUPPORTED) — the trail's log folder holds more. Keys it should accept are
 * sent on stdin; closing stdin stops it.
 */
class S3rverProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly lines: AsyncIterator<string>,
    readonly endpoint: string,
  ) {}

  static async start(directory: string): Promise<S3rverProcess> {
    const script = `
      const S3rver = require('s3rver');
      const account = require('s3rver/lib/models/account.js');
      const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: process.argv[1] });
      server.run().then(({ port }) => process.stdout.write('port ' + port + '\\n'));
      const lines = require('node:readline').createInterface({ input: process.stdin });
      lines.on('line', (line) => {
        const [id, secret] = line.split(' ');
        account.DUMMY_ACCOUNT.createKeyPair(id, secret);
        process.stdout.write('allowed ' + id + '\\n');
      });
      lines.on('close', () => server.close().then(() => process.exit(0)));`;
    const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', script, directory], {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
    const first = await lines.next();
    const port = first.done ? undefined : /^port (\d+)$/.exec(first.value)?.[1];
    if (!port) {
      child.kill();
      throw new Error(`s3rver did not start (${first.done ? 'exited' : first.value})`);
    }
    return new S3rverProcess(child, lines, `http://127.0.0.1:${port}`);
  }

  /** Lets s3rver accept requests signed with this key. */
  async allow(key: { accessKeyId: string; secretAccessKey: string }): Promise<void> {
    this.child.stdin?.write(`${key.accessKeyId} ${key.secretAccessKey}\n`);
    const answer = await this.lines.next();
    if (answer.done || answer.value !== `allowed ${key.accessKeyId}`)
      throw new Error(`s3rver did not take the key (${answer.done ? 'exited' : answer.value})`);
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin?.end();
    await exited;
  }
}

/**
 * A TCP proxy to `target` that delays every chunk by `oneWayMs` in each direction (and the close
 * of either side as much): each request/response exchange takes a round trip more.
 */
async function startLatencyProxy(
  target: URL,
  oneWayMs: number,
): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const pipe = (from: Socket, to: Socket): void => {
    from.on('data', (chunk: Buffer) => setTimeout(() => to.write(chunk), oneWayMs));
    from.on('end', () => setTimeout(() => to.end(), oneWayMs));
    from.on('error', () => to.destroy());
    from.on('close', () => sockets.delete(from));
  };
  const server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      sockets.add(socket);
    }
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('proxy has no address');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

class Bucket {
  constructor(private readonly s3: S3Client) {}

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.NextContinuationToken;
    } while (token);
    return keys;
  }

  /**
   * The trail's digests and log files. Listed by folder: s3rver walks `CloudTrail/` before
   * `CloudTrail-Digest/` though '-' sorts first, so a listing of the whole bucket that takes more
   * than one page skips the digests.
   */
  async listTrail(): Promise<string[]> {
    return [
      ...(await this.list(`AWSLogs/${INVICTUS_ACCOUNT}/CloudTrail-Digest/`)),
      ...(await this.list(`AWSLogs/${INVICTUS_ACCOUNT}/CloudTrail/`)),
    ];
  }

  async get(key: string): Promise<{ body: Buffer; metadata: Record<string, string> }> {
    const response = await this.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    if (!response.Body) throw new Error(`no body for ${key}`);
    return {
      body: Buffer.from(await response.Body.transformToByteArray()),
      metadata: response.Metadata ?? {},
    };
  }
}

/**
 * Fetches every key named on stdin (a JSON array) from `<endpoint>/<bucket>/` with `inFlight`
 * unsigned GETs at once over keep-alive connections, and prints how many it read.
 */
const S3RVER_CEILING_SCRIPT = `
  const http = require('node:http');
  const [endpoint, bucket, inFlight] = process.argv.slice(1);
  const keys = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number(inFlight) });
  const path = (key) => '/' + bucket + '/' + key.split('/').map(encodeURIComponent).join('/');
  let next = 0;
  let read = 0;
  const get = (key) => new Promise((resolve, reject) => {
    http.get(endpoint + path(key), { agent }, (response) => {
      if (response.statusCode !== 200) reject(new Error(key + ': HTTP ' + response.statusCode));
      response.on('data', () => undefined);
      response.on('end', resolve);
    }).on('error', reject);
  });
  const lane = async () => { while (next < keys.length) { await get(keys[next++]); read++; } };
  Promise.all(Array.from({ length: Number(inFlight) }, lane)).then(
    () => { process.stdout.write(read + '\\n'); agent.destroy(); },
    (error) => { console.error(error.message); process.exit(1); },
  );`;

/**
 * Reads, gunzips and hashes (SHA-256) every file under the directory given, on a worker thread
 * per core fed 64 paths at a time, and prints a hash per file: what checking a local trail's log
 * files costs a Node process, with no digests, listing order or output to speak of.
 */
const NODE_FLOOR_SCRIPT = `
  const { Worker } = require('node:worker_threads');
  const { readdirSync } = require('node:fs');
  const { join } = require('node:path');
  const { availableParallelism } = require('node:os');
  const worker = \`
    const { parentPort } = require('node:worker_threads');
    const { readFileSync } = require('node:fs');
    const { gunzipSync } = require('node:zlib');
    const { createHash } = require('node:crypto');
    parentPort.on('message', (paths) => parentPort.postMessage(
      paths.map((p) => createHash('sha256').update(gunzipSync(readFileSync(p))).digest('hex'))));\`;
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk(process.argv[1]);
  const workers = Array.from({ length: availableParallelism() }, () => new Worker(worker, { eval: true }));
  let pending = 0;
  let out = '';
  for (const w of workers)
    w.on('message', (hashes) => {
      out += hashes.join('\\n') + '\\n';
      if (--pending > 0) return;
      process.stdout.write(out);
      for (const each of workers) void each.terminate();
    });
  for (let at = 0; at < files.length; at += 64) workers[pending++ % workers.length].postMessage(files.slice(at, at + 64));`;

/** Runs one of the bound scripts above, timed from spawn to exit; it must report `files` files. */
async function timeScript(
  what: string,
  script: string,
  args: string[],
  files: number,
  countOf: (stdout: string) => number,
  input?: string,
): Promise<number> {
  const started = performance.now();
  const result = await run(process.execPath, ['-e', script, ...args], {
    ...(input === undefined ? {} : { input }),
    timeoutMs: 600_000,
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.code !== 0 || countOf(result.stdout) !== files)
    throw new Error(`${what} failed (${result.code}): ${result.stdout.slice(-500)}\n${result.stderr}`);
  return seconds;
}

/** Digests by key with the log files each lists; a digest that does not parse yet is still being written. */
class Digests {
  readonly listed = new Map<string, string[]>();

  constructor(private readonly bucket: Bucket) {}

  async refresh(): Promise<void> {
    for (const key of await this.bucket.list(DIGEST_FOLDER)) {
      if (this.listed.has(key)) continue;
      try {
        const digest = JSON.parse(gunzipSync((await this.bucket.get(key)).body).toString('utf8')) as {
          logFiles: { s3Object: string }[];
        };
        this.listed.set(
          key,
          digest.logFiles.map((f) => f.s3Object),
        );
      } catch {
        // s3rver's PUT is not atomic: read it again on the next round.
      }
    }
  }

  covered(): Set<string> {
    return new Set([...this.listed.values()].flat());
  }
}

async function record(client: RecordClient, texts: string[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < texts.length) {
        const start = next;
        next += 1000;
        const response = await client.send(`{"Records":[${texts.slice(start, start + 1000).join(',')}]}`);
        if (response.failed.length > 0)
          throw new Error(`bench batch failed: ${JSON.stringify(response.failed[0])}`);
      }
    }),
  );
}

/**
 * Records until the bucket holds `files` log files, all listed by digests and none arriving for
 * over a delivery interval. Returns the log file keys.
 */
async function fillTrail(
  server: ChildServer,
  bucket: Bucket,
  files: number,
  logFileMaxBytes: number,
): Promise<string[]> {
  const client = new RecordClient(server.url, REGION, await resolveCredentials(server.dataDir));
  const digests = new Digests(bucket);
  // As many of the sample records (~1.3 KB each) as fit in a log file: six in 8 KiB. Rounding
  // down records a little less than the files hold; the next round makes up the difference.
  const sample = freshSampleRecords(1000).texts;
  const recordBytes = sample.reduce((sum, text) => sum + text.length + 1, 0) / sample.length;
  const recordsPerFile = Math.max(1, Math.floor(logFileMaxBytes / recordBytes));
  let logs: string[] = [];
  for (let round = 0; logs.length < files; round++) {
    if (round >= 5) throw new Error(`only ${logs.length} log files after ${round} rounds of recording`);
    await record(client, freshSampleRecords(Math.max(100, (files - logs.length) * recordsPerFile)).texts);
    const deadline = performance.now() + 120_000;
    let stableSince = performance.now();
    let last = -1;
    for (;;) {
      await sleep(1000);
      if (performance.now() > deadline)
        throw new Error(`log files not all digested in 120 s (${logs.length} files)`);
      try {
        logs = await bucket.list(LOG_FOLDER);
        await digests.refresh();
      } catch {
        // s3rver answers 500 when it lists an object still being written: look again.
        continue;
      }
      if (logs.length !== last) {
        last = logs.length;
        stableSince = performance.now();
      }
      const covered = digests.covered();
      if (performance.now() - stableSince >= 2500 && logs.every((k) => covered.has(k))) break;
    }
  }
  return logs;
}

/** Waits until two listings of the whole bucket, 2 s apart, agree. */
async function waitQuiet(bucket: Bucket): Promise<void> {
  let before = (await bucket.listTrail()).join('\n');
  for (;;) {
    await sleep(2000);
    const now = (await bucket.listTrail()).join('\n');
    if (now === before) return;
    before = now;
  }
}

interface Verdict {
  seconds: number;
  /** Stopped at the time limit before it finished. */
  stopped: boolean;
  validLogs: string[];
}

/**
 * Runs a validator with --verbose and reads its verdict: every file it names must be valid. With
 * `limitSeconds` it is stopped then, and the files it printed by then count.
 */
async function timeValidator(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  limitSeconds = 900,
): Promise<Verdict> {
  const started = performance.now();
  const result = await run(command, [...args, '--verbose'], { env, timeoutMs: limitSeconds * 1000 });
  const seconds = (performance.now() - started) / 1000;
  const stopped = result.code === null;
  const what = `${command} ${args.join(' ')}`;
  if ((!stopped && result.code !== 0) || result.stderr.trim() !== '')
    throw new Error(`${what} exited ${result.code}:\n${result.stdout.slice(-2000)}\n${result.stderr}`);
  const validLogs = [...result.stdout.matchAll(/^Log file\ts3:\/\/[^/]+\/(\S+)\tvalid$/gm)].map(
    (m) => m[1] as string,
  );
  const summary = /^(\d+)\/(\d+) log files valid$/m.exec(result.stdout);
  if (!stopped && (summary?.[1] !== summary?.[2] || Number(summary?.[1]) !== validLogs.length))
    throw new Error(`${what}: unexpected summary:\n${result.stdout.slice(-2000)}`);
  return { seconds, stopped, validLogs };
}

function rateOf(seconds: number, files: number, bytes: number): ToolRate {
  return { seconds, files, bytes, filesPerSecond: files / seconds, mbPerSecond: bytes / 1e6 / seconds };
}

function rateOfVerdict(verdict: Verdict, sizes: ReadonlyMap<string, number>): ToolRate {
  let bytes = 0;
  for (const key of verdict.validLogs) {
    const size = sizes.get(key);
    if (size === undefined) throw new Error(`validator named a log file the trail does not hold: ${key}`);
    bytes += size;
  }
  return rateOf(verdict.seconds, verdict.validLogs.length, bytes);
}

export interface ValidateOptions {
  files: number;
  /** The largest uncompressed log file (see SMALL_LOG_FILE_BYTES and REALISTIC_LOG_FILE_BYTES). */
  logFileMaxBytes: number;
  awsMaxSeconds: number;
  /** The round trip the network scenario adds to every exchange with s3rver. */
  rttMs: number;
}

export async function benchValidate(options: ValidateOptions): Promise<ValidateResult> {
  return inTempDir('opentrail-bench-validate-', (work) => measure(work, options));
}

async function measure(work: string, options: ValidateOptions): Promise<ValidateResult> {
  const dataDir = join(work, 'data');
  const plainDir = join(work, 'plain');
  const s3Dir = join(work, 's3rver');
  for (const dir of [dataDir, plainDir, s3Dir]) mkdirSync(dir);

  const s3rver = await S3rverProcess.start(s3Dir);
  const endpoint = s3rver.endpoint;
  const s3 = new S3Client({
    endpoint,
    region: REGION,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
  });
  let server: ChildServer | undefined;
  try {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const bucket = new Bucket(s3);
    // The server reaches s3rver through the standard credential chain.
    const serverEnv = {
      ...process.env,
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    };
    const args = ['--account-id', INVICTUS_ACCOUNT, '--s3-endpoint', endpoint];
    const startMs = Date.now() - 60_000;
    const buildStarted = performance.now();
    server = await spawnServer(
      dataDir,
      [
        ...args,
        '--log-file-max-bytes',
        String(options.logFileMaxBytes),
        '--delivery-interval',
        '1',
        '--digest-interval',
        String(DIGEST_INTERVAL_SECONDS),
      ],
      serverEnv,
    );
    // Both validators read s3rver with the OpenTrail profile's key.
    const credentials = await resolveCredentials(dataDir);
    await s3rver.allow(credentials);

    const cloudTrail = new CloudTrailClient({ endpoint: server.url, region: REGION, credentials });
    try {
      // OpenTrail's defaults: all regions, log file validation on.
      await cloudTrail.send(new CreateTrailCommand({ Name: TRAIL, S3BucketName: BUCKET }));
      await cloudTrail.send(new StartLoggingCommand({ Name: TRAIL }));
    } finally {
      cloudTrail.destroy();
    }
    const logs = await fillTrail(server, bucket, options.files, options.logFileMaxBytes);
    const buildSeconds = (performance.now() - buildStarted) / 1000;
    await stopServer(server);
    server = await spawnServer(
      dataDir,
      [...args, '--delivery-interval', '3600', '--digest-interval', '3600'],
      serverEnv,
    );
    await waitQuiet(bucket);

    // Every log file decompressed, for sha256sum and to weigh what each validator checked.
    const sizes = new Map<string, number>();
    const plainPaths: string[] = [];
    let compressedBytes = 0;
    for (const [n, key] of logs.entries()) {
      const { body } = await bucket.get(key);
      compressedBytes += body.length;
      const plain = gunzipSync(body);
      sizes.set(key, plain.length);
      const path = join(plainDir, `${n}.json`);
      await writeFile(path, plain);
      plainPaths.push(path);
    }
    const uncompressedBytes = [...sizes.values()].reduce((a, b) => a + b, 0);

    const url = server.url;
    const env = { ...awsEnvFor(server, REGION), AWS_ENDPOINT_URL_S3: endpoint };
    const common = ['--trail-arn', TRAIL_ARN, '--start-time', isoSeconds(startMs)];
    const opentrail = (extra: string[]): Promise<Verdict> =>
      timeValidator(
        process.execPath,
        [BIN, 'validate', ...common, '--endpoint-url', url, '--data-dir', dataDir, ...extra],
        env,
      );

    // bin/opentrail.js bundles src/cli on a command's first run after a source change, as
    // Python writes .pyc files on an import's first run: done here, untimed, as the AWS CLI's are.
    const warm = await run(process.execPath, [BIN, '--help'], { env });
    if (warm.code !== 0) throw new Error(`opentrail --help exited ${warm.code}: ${warm.stderr}`);

    // 1. opentrail validate, reading s3rver.
    const s3Verdict = await opentrail(['--s3-endpoint', endpoint]);
    if (s3Verdict.validLogs.length !== logs.length)
      throw new Error(`opentrail validate found ${s3Verdict.validLogs.length} of ${logs.length} log files`);
    const opentrailS3 = rateOfVerdict(s3Verdict, sizes);

    // 2. AWS CLI v1 on the whole trail, or on what it checks before the time limit.
    const aws = await timeValidator(
      AWS_CLI_V1,
      ['cloudtrail', 'validate-logs', ...common, '--endpoint-url', url, '--region', REGION],
      // Unbuffered: when the limit stops it, every file it checked has been printed.
      { ...env, PYTHONUNBUFFERED: '1' },
      options.awsMaxSeconds,
    );
    if (!aws.stopped && aws.validLogs.length !== logs.length)
      throw new Error(
        `aws cloudtrail validate-logs found ${aws.validLogs.length} of ${logs.length} log files`,
      );
    const awsCli = rateOfVerdict(aws, sizes);

    // 3. sha256sum over the uncompressed bytes (xargs: the paths overflow one command line).
    const hashStarted = performance.now();
    const hashed = await run('xargs', ['-0', 'sha256sum'], {
      input: plainPaths.join('\0'),
      timeoutMs: 600_000,
    });
    const hashSeconds = (performance.now() - hashStarted) / 1000;
    if (hashed.code !== 0 || hashed.stdout.trim().split('\n').length !== plainPaths.length)
      throw new Error(`sha256sum failed (${hashed.code}): ${hashed.stderr}`);
    const sha256sum = rateOf(hashSeconds, plainPaths.length, uncompressedBytes);

    // s3rver's ceiling, with the validator's reads in flight (--concurrency's default for S3).
    const ceilingSeconds = await timeScript(
      "s3rver's ceiling",
      S3RVER_CEILING_SCRIPT,
      [endpoint, BUCKET, '64'],
      logs.length,
      (stdout) => Number(stdout.trim()),
      JSON.stringify(logs),
    );
    const s3rverCeiling = rateOf(ceilingSeconds, logs.length, uncompressedBytes);

    // 4. Both validators again, with S3 a network round trip away.
    const proxy = await startLatencyProxy(new URL(endpoint), options.rttMs / 2);
    let network: NetworkScenario;
    try {
      const far = await opentrail(['--s3-endpoint', proxy.endpoint]);
      if (far.validLogs.length !== logs.length)
        throw new Error(`opentrail validate (rtt) found ${far.validLogs.length} of ${logs.length} log files`);
      const farAws = await timeValidator(
        AWS_CLI_V1,
        ['cloudtrail', 'validate-logs', ...common, '--endpoint-url', url, '--region', REGION],
        { ...env, AWS_ENDPOINT_URL_S3: proxy.endpoint, PYTHONUNBUFFERED: '1' },
        options.awsMaxSeconds,
      );
      if (!farAws.stopped && farAws.validLogs.length !== logs.length)
        throw new Error(
          `aws cloudtrail validate-logs (rtt) found ${farAws.validLogs.length} of ${logs.length} log files`,
        );
      const opentrailFar = rateOfVerdict(far, sizes);
      const awsFar = rateOfVerdict(farAws, sizes);
      network = {
        rttMs: options.rttMs,
        opentrail: opentrailFar,
        awsCli: { ...awsFar, stoppedAtLimit: farAws.stopped },
        ratioVsAwsCli: opentrailFar.filesPerSecond / awsFar.filesPerSecond,
      };
    } finally {
      await proxy.close();
    }

    // 5. opentrail validate on a copy of the bucket in the embedded store's layout (metadata
    // kept: digests carry their signature there). <data-dir>/buckets/<bucket> now exists, so
    // `opentrail validate` reads it instead of s3rver.
    const bucketsDir = join(dataDir, 'buckets');
    await LocalDirObjectStore.createBucket(bucketsDir, BUCKET);
    const local = new LocalDirObjectStore(bucketsDir, BUCKET);
    for (const key of await bucket.listTrail()) {
      const { body, metadata } = await bucket.get(key);
      await local.put(key, body, { metadata });
    }
    const localVerdict = await opentrail([]);
    if (localVerdict.validLogs.length !== logs.length)
      throw new Error(
        `opentrail validate (local) found ${localVerdict.validLogs.length} of ${logs.length} log files`,
      );
    const opentrailLocal = rateOfVerdict(localVerdict, sizes);
    const floorSeconds = await timeScript(
      'the Node floor',
      NODE_FLOOR_SCRIPT,
      [join(bucketsDir, BUCKET, LOG_FOLDER)],
      logs.length,
      (stdout) => stdout.trim().split('\n').length,
    );
    const nodeFloor = rateOf(floorSeconds, logs.length, uncompressedBytes);

    return {
      logFileMaxBytes: options.logFileMaxBytes,
      files: logs.length,
      digests: (await bucket.list(DIGEST_FOLDER)).length,
      uncompressedBytes,
      compressedBytes,
      buildSeconds,
      opentrailS3,
      opentrailLocal,
      awsCli: { ...awsCli, stoppedAtLimit: aws.stopped },
      sha256sum,
      s3rverCeiling,
      nodeFloor,
      ratioVsAwsCli: opentrailS3.filesPerSecond / awsCli.filesPerSecond,
      ratioVsSha256sum: opentrailS3.mbPerSecond / sha256sum.mbPerSecond,
      localRatioVsSha256sum: opentrailLocal.mbPerSecond / sha256sum.mbPerSecond,
      network,
    };
  } finally {
    if (server) await stopServer(server);
    s3.destroy();
    await s3rver.close();
  }
}
