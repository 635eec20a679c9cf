/**
 * Exactly once across kill -9, end to end: one server child records from several concurrent
 * writers while its trail (log file validation on) delivers every second to an embedded bucket,
 * and is SIGKILLed five times at chosen moments — a while into the load, the instant a log file
 * lands (after the file is written, before the trail's cursor is committed), while a file is
 * half written, the instant a digest lands — and restarted on the same data directory each time.
 *
 * Then, counted from what the writers sent and what the server answered (never from the server's
 * own accounting): every acknowledged event is in the event log exactly once and in the trail's
 * log files exactly once; an event whose answer the kill lost is in both at most once, and in
 * one only if in the other; no event is delivered twice; and `opentrail validate` finds the
 * digest chain across all the crashes valid.
 */
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import type { SignatureV4 } from '@smithy/signature-v4';
import type { RecordResponse } from '../src/api/index.ts';
import { resolveCredentials } from '../src/cli/client.ts';
import { LocalDirObjectStore } from '../src/local/index.ts';
import { run } from './helpers/run.ts';
import { BIN, awsEnvFor, makeTempDir, spawnServer, type ChildServer } from './helpers/server.ts';
import { REGION, buildRequest, createSigner, signAndSend } from './helpers/signed-fetch.ts';
import { eventIdOf, readDelivered, waitFor } from './helpers/trails.ts';

const ACCOUNT = '135792468024';
const BUCKET = 'crash-once-audit';
const TRAIL = 'crash-once';
const SERVER_ARGS = [
  '--account-id',
  ACCOUNT,
  '--delivery-interval',
  '1',
  // A digest every second: the digest chain runs across most of the crashes.
  '--digest-interval',
  '1',
  // Several files per delivery round, so that a kill can also fall between two files of one range.
  '--log-file-max-bytes',
  '262144',
];
const WRITERS = 4;
const USER_AGENT = 'opentrail-crash-exactly-once-test';

/** When a cycle kills the server. */
type KillMoment =
  | { kind: 'after'; ms: number }
  /** As soon as a new log file (or digest) is renamed into place, plus `delayMs`. */
  | { kind: 'log-file' | 'digest'; delayMs: number }
  /** As soon as a log file's temporary `.partial` file appears: mid-write. */
  | { kind: 'partial' };

const CYCLES: KillMoment[] = [
  { kind: 'after', ms: 800 },
  { kind: 'log-file', delayMs: 0 },
  { kind: 'partial' },
  { kind: 'digest', delayMs: 0 },
  { kind: 'log-file', delayMs: randomInt(5, 40) },
];
/**
 * Load runs at least this long, and until a batch is acknowledged, before a cycle watches for its
 * moment, so that the round has work.
 */
const ARM_AFTER_MS = 700;
/** A moment that does not come in this time is replaced by a plain kill (reported). */
const MOMENT_TIMEOUT_MS = 5000;
/**
 * Delivery (every second) or digests (every second) that bring nothing new for this long have
 * settled: the checks then run and say what is missing, rather than a wait timing out.
 */
const SETTLED_MS = 8000;

interface Sent {
  /** eventID → record text, for every record the server answered 'recorded'. */
  acked: Map<string, string>;
  /** eventID → record text, for records in a request whose answer never came. */
  unacked: Map<string, string>;
  /** Anything but the connection loss the kill causes. */
  errors: string[];
}

function record(writer: number): string {
  return JSON.stringify({
    eventVersion: '1.11',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLECRASHONCE',
      arn: `arn:aws:iam::${ACCOUNT}:user/crash-writer-${writer}`,
      accountId: ACCOUNT,
      userName: `crash-writer-${writer}`,
    },
    eventTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: 'ec2.amazonaws.com',
    eventName: 'RunInstances',
    awsRegion: REGION,
    sourceIPAddress: '192.0.2.44',
    userAgent: USER_AGENT,
    requestParameters: { key: randomUUID() },
    responseElements: null,
    requestID: randomUUID(),
    eventID: randomUUID(),
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
  });
}

/** One POST /v1/records, no retries: a lost answer must stay lost. */
async function post(server: ChildServer, signer: SignatureV4, texts: readonly string[]) {
  return signAndSend(
    server.url,
    signer,
    buildRequest(server.url, {
      path: '/v1/records',
      headers: { 'content-type': 'application/json' },
      body: `{"Records":[${texts.join(',')}]}`,
    }),
  );
}

/** Names of the files under `dir` (recursively), or none while it does not exist. */
async function filesUnder(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true })).map(String);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * Resolves at the kill moment: polls the bucket's folders every few milliseconds for a file
 * that was not there when it started. Returns what it saw (or that it gave up waiting).
 */
async function waitForMoment(dataDir: string, moment: KillMoment): Promise<string> {
  if (moment.kind === 'after') {
    await sleep(moment.ms);
    return `${moment.ms} ms after load was flowing`;
  }
  const base = join(dataDir, 'buckets', BUCKET, 'AWSLogs', ACCOUNT);
  const dir = join(base, moment.kind === 'digest' ? 'CloudTrail-Digest' : 'CloudTrail');
  const suffix = moment.kind === 'partial' ? '.partial' : '.json.gz';
  const before = new Set((await filesUnder(dir)).filter((f) => f.endsWith(suffix)));
  const deadline = Date.now() + MOMENT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const fresh = (await filesUnder(dir)).find((f) => f.endsWith(suffix) && !before.has(f));
    if (fresh !== undefined) {
      if (moment.kind !== 'partial' && moment.delayMs > 0) await sleep(moment.delayMs);
      const delay = moment.kind === 'partial' ? '' : ` + ${moment.delayMs} ms`;
      return `${moment.kind} ${fresh.split('/').pop() ?? fresh} appeared${delay}`;
    }
    await sleep(2);
  }
  return `no ${moment.kind} within ${MOMENT_TIMEOUT_MS} ms: killed then`;
}

/**
 * WRITERS loops POST batches of 20–200 records until `stopping()` says so; a failed request ends its
 * writer. The records of an answered batch go to `sent.acked`, of an unanswered one to
 * `sent.unacked`.
 */
async function load(
  server: ChildServer,
  signer: SignatureV4,
  sent: Sent,
  stopping: () => boolean,
): Promise<void> {
  const writer = async (n: number): Promise<void> => {
    while (!stopping()) {
      const texts = Array.from({ length: randomInt(20, 201) }, () => record(n));
      const ids = texts.map(eventIdOf);
      let response;
      try {
        response = await post(server, signer, texts);
      } catch (error) {
        texts.forEach((t, i) => sent.unacked.set(ids[i] as string, t));
        if (!stopping()) sent.errors.push(`writer ${n}: ${String(error)}`);
        return;
      }
      if (response.status !== 200) {
        // Refused whole (no record of it is kept): nothing acknowledged, but count it unacked
        // all the same, in case a refusal ever followed a commit.
        texts.forEach((t, i) => sent.unacked.set(ids[i] as string, t));
        sent.errors.push(`writer ${n}: HTTP ${response.status} ${response.text.slice(0, 200)}`);
        return;
      }
      const answer = JSON.parse(response.text) as RecordResponse;
      if (answer.failed.length > 0) sent.errors.push(`writer ${n}: ${JSON.stringify(answer.failed[0])}`);
      for (const s of answer.successful) {
        const text = texts[s.index];
        if (text === undefined || ids[s.index] !== s.eventID || s.status !== 'recorded') {
          sent.errors.push(`writer ${n}: unexpected ${JSON.stringify(s)}`);
          continue;
        }
        sent.acked.set(s.eventID, text);
      }
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, (_, n) => writer(n)));
}

/** Runs `sql` on the stopped server's database, opened read-only. */
async function queryDatabase(
  dataDir: string,
  sql: string,
  params: Record<string, string> = {},
): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(join(dataDir, 'opentrail.duckdb'), {
    access_mode: 'READ_ONLY',
    autoload_known_extensions: 'false',
    autoinstall_known_extensions: 'false',
  });
  try {
    const connection = await instance.connect();
    try {
      return (await connection.runAndReadAll(sql, params)).getRows();
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/** eventID → how many rows, and one raw text, of the writers' events in the events table. */
async function eventLogRows(dataDir: string): Promise<Map<string, { count: number; raw: string }>> {
  const rows = await queryDatabase(
    dataDir,
    `SELECT event_id, count(*)::INTEGER AS n, any_value(raw) AS raw FROM events
     WHERE account_id = $account AND event_source <> 'cloudtrail.amazonaws.com' GROUP BY event_id`,
    { account: ACCOUNT },
  );
  return new Map(rows.map(([id, n, raw]) => [String(id), { count: Number(n), raw: String(raw) }]));
}

/**
 * Whether the trail's cursor had a planned range it had not committed when the server died: the
 * kill then fell between writing log files and moving the cursor. Read only to check that the
 * cycles hit the window they aim at, never as an expected count.
 */
async function deliveryInFlight(dataDir: string): Promise<boolean> {
  const rows = await queryDatabase(
    dataDir,
    `SELECT planned IS NOT NULL AND planned > seq FROM cursors WHERE consumer LIKE 'delivery:%'`,
  );
  return rows.some(([open]) => open === true);
}

/** eventID → how many times, and the text, every log file of the trail holds it. */
async function deliveredEvents(
  bucket: LocalDirObjectStore,
): Promise<Map<string, { count: number; text: string }>> {
  const out = new Map<string, { count: number; text: string }>();
  for (const file of await readDelivered(bucket, `AWSLogs/${ACCOUNT}/CloudTrail/`))
    for (const text of file.records) {
      const id = eventIdOf(text);
      out.set(id, { count: (out.get(id)?.count ?? 0) + 1, text });
    }
  return out;
}

describe('kill -9 under recording load with a validated trail', () => {
  let dataDir: string | undefined;
  let server: ChildServer | undefined;

  after(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null)
      server.child.kill('SIGKILL');
    await server?.exited;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('finds and delivers every acknowledged event exactly once, with valid digests, across 5 crashes', async (t) => {
    const testStart = Date.now();
    dataDir = await makeTempDir('opentrail-crash-once-');
    const startTime = new Date(testStart - 60_000).toISOString();
    await LocalDirObjectStore.createBucket(join(dataDir, 'buckets'), BUCKET);
    const bucket = new LocalDirObjectStore(join(dataDir, 'buckets'), BUCKET);

    const start = async (): Promise<{ server: ChildServer; signer: SignatureV4 }> => {
      server = await spawnServer(dataDir as string, SERVER_ARGS);
      return { server, signer: createSigner(await resolveCredentials(server.dataDir)) };
    };

    let current = await start();
    const cloudTrail = new CloudTrailClient({
      endpoint: current.server.url,
      region: REGION,
      credentials: await resolveCredentials(dataDir),
      maxAttempts: 1,
    });
    const created = await cloudTrail.send(
      new CreateTrailCommand({ Name: TRAIL, S3BucketName: BUCKET, EnableLogFileValidation: true }),
    );
    await cloudTrail.send(new StartLoggingCommand({ Name: TRAIL }));
    cloudTrail.destroy();

    const sent: Sent = { acked: new Map(), unacked: new Map(), errors: [] };
    let killsInsideDelivery = 0;
    for (const [i, moment] of CYCLES.entries()) {
      const cycleStart = Date.now();
      const ackedBefore = sent.acked.size;
      const unackedBefore = sent.unacked.size;
      let killed = false;
      const writers = load(current.server, current.signer, sent, () => killed);
      await sleep(ARM_AFTER_MS);
      // A restarted server may take a while to answer its first batch on a busy machine.
      await waitFor(
        'a batch acknowledged',
        () => Promise.resolve(sent.acked.size > ackedBefore ? true : undefined),
        15_000,
        10,
      );
      const seen = await waitForMoment(dataDir, moment);
      killed = current.server.child.kill('SIGKILL');
      assert.ok(killed, 'SIGKILL was delivered');
      await current.server.exited;
      await writers;
      const inFlight = await deliveryInFlight(dataDir);
      if (inFlight) killsInsideDelivery++;
      t.diagnostic(
        `cycle ${i + 1}: killed at ${seen}, ${Date.now() - cycleStart} ms in` +
          `${inFlight ? ', inside a planned delivery range' : ''}: ` +
          `${sent.acked.size - ackedBefore} acknowledged, ${sent.unacked.size - unackedBefore} unanswered`,
      );
      assert.deepEqual(sent.errors, [], `errors before the kill in cycle ${i + 1}`);
      assert.ok(sent.acked.size > ackedBefore, `cycle ${i + 1} acknowledged some events`);
      current = await start();
    }

    assert.ok(killsInsideDelivery > 0, 'some kill fell between log files written and the cursor moved');

    // The last restart records too, and this time the load stops without a kill.
    let stopped = false;
    const writers = load(current.server, current.signer, sent, () => stopped);
    await sleep(1000);
    stopped = true;
    await writers;
    assert.deepEqual(sent.errors, [], 'errors after the last restart');
    t.diagnostic(
      `${sent.acked.size} events acknowledged, ${sent.unacked.size} unanswered, ${Date.now() - testStart} ms in`,
    );

    // Flush: wait until every acknowledged event is in a log file, or no new file came for
    // SETTLED_MS (then the counts below name what is missing). Each file is read once here (a
    // replay rewrites a name with the same range); the counts below read every file again.
    const idsByKey = new Map<string, string[]>();
    let newestFileAt = Date.now();
    await waitFor(
      'every acknowledged event delivered',
      async () => {
        for await (const info of bucket.list(`AWSLogs/${ACCOUNT}/CloudTrail/`)) {
          if (idsByKey.has(info.key)) continue;
          const [file] = await readDelivered(bucket, info.key);
          if (file) idsByKey.set(info.key, file.records.map(eventIdOf));
          newestFileAt = Date.now();
        }
        const delivered = new Set([...idsByKey.values()].flat());
        const all = [...sent.acked.keys()].every((id) => delivered.has(id));
        return all || Date.now() - newestFileAt > SETTLED_MS ? true : undefined;
      },
      30_000,
      250,
    );

    // (b) delivered exactly once, and nothing delivered twice.
    let delivered = await deliveredEvents(bucket);
    const deliveredNotOnce = [...sent.acked.keys()].filter((id) => delivered.get(id)?.count !== 1);
    assert.deepEqual(
      deliveredNotOnce.slice(0, 5).map((id) => `${id}: ${delivered.get(id)?.count ?? 0} times`),
      [],
      `${deliveredNotOnce.length} of ${sent.acked.size} acknowledged events are not delivered exactly once`,
    );
    const twice = [...delivered].filter(([, d]) => d.count > 1).map(([id, d]) => `${id}: ${d.count} times`);
    assert.deepEqual(twice, [], 'no event is delivered twice');
    const alteredInFiles = [...sent.acked].filter(([id, text]) => delivered.get(id)?.text !== text);
    assert.equal(alteredInFiles.length, 0, 'acknowledged events are delivered byte for byte as sent');
    t.diagnostic(`delivered exactly once, ${Date.now() - testStart} ms in`);

    // (c) the digest chain across every crash validates, once every log file is in a digest.
    let digestCount = 0;
    let newestDigestAt = Date.now();
    await waitFor(
      'every log file in a digest',
      async () => {
        const digested = new Set<string>();
        const logs: string[] = [];
        let digestsNow = 0;
        for await (const info of bucket.list(`AWSLogs/${ACCOUNT}/`)) {
          if (info.key.includes('/CloudTrail-Digest/')) {
            const doc = JSON.parse(gunzipSync((await bucket.get(info.key)).body).toString()) as {
              logFiles: { s3Object: string }[];
            };
            for (const f of doc.logFiles) digested.add(f.s3Object);
            digestsNow++;
          } else logs.push(info.key);
        }
        if (digestsNow > digestCount) [digestCount, newestDigestAt] = [digestsNow, Date.now()];
        // Settled without covering every file: validate below names the files left out.
        const all = logs.length > 0 && logs.every((k) => digested.has(k));
        return all || Date.now() - newestDigestAt > SETTLED_MS ? true : undefined;
      },
      30_000,
      250,
    );
    const validated = await run(
      process.execPath,
      [
        BIN,
        'validate',
        '--trail-arn',
        created.TrailARN as string,
        '--start-time',
        startTime,
        '--endpoint-url',
        current.server.url,
        '--data-dir',
        dataDir,
      ],
      { env: awsEnvFor(current.server) },
    );
    assert.equal(validated.code, 0, validated.stdout + validated.stderr);
    assert.doesNotMatch(validated.stdout, /INVALID/);
    const digests = /\n(\d+)\/(\d+) digest files valid\n/.exec(validated.stdout);
    const logs = /\n(\d+)\/(\d+) log files valid\n/.exec(validated.stdout);
    assert.ok(digests && logs && digests[1] === digests[2] && logs[1] === logs[2], validated.stdout);
    t.diagnostic(
      `validate: ${digests[1]} digests, ${logs[1]} log files valid, ${Date.now() - testStart} ms in`,
    );

    // (a) in the event log exactly once: stop cleanly and count the rows of every event ID.
    delivered = await deliveredEvents(bucket);
    current.server.child.kill('SIGTERM');
    assert.equal(await current.server.exited, 0, 'the server stops cleanly');
    const rows = await eventLogRows(dataDir);

    const stored = (id: string): number => rows.get(id)?.count ?? 0;
    const notOnce = [...sent.acked.keys()].filter((id) => stored(id) !== 1);
    assert.deepEqual(
      notOnce.slice(0, 5).map((id) => `${id}: ${stored(id)} rows`),
      [],
      `${notOnce.length} of ${sent.acked.size} acknowledged events are not in the event log exactly once`,
    );
    const alteredInLog = [...sent.acked].filter(([id, text]) => rows.get(id)?.raw !== text);
    assert.equal(alteredInLog.length, 0, 'acknowledged events are stored byte for byte as sent');
    const unackedTwice = [...sent.unacked.keys()].filter((id) => stored(id) > 1);
    assert.deepEqual(unackedTwice, [], 'unanswered events are in the event log at most once');
    const unknown = [...rows.keys()].filter((id) => !sent.acked.has(id) && !sent.unacked.has(id));
    assert.deepEqual(unknown, [], 'the event log holds no event the writers did not send');

    // Of the writers' events, what is delivered is what the log holds, nothing more or less; the
    // rest delivered is the server's own audit of its CloudTrail calls.
    const sentById = (id: string): boolean => sent.acked.has(id) || sent.unacked.has(id);
    const foreign = [...delivered]
      .filter(([id]) => !sentById(id))
      .map(([, d]) => JSON.parse(d.text) as { eventSource: string; eventName: string })
      .filter((e) => e.eventSource !== 'cloudtrail.amazonaws.com');
    assert.deepEqual(foreign, [], 'the files hold no event the writers did not send');
    const deliveredOnly = [...delivered.keys()].filter((id) => sentById(id) && stored(id) !== 1);
    assert.deepEqual(deliveredOnly, [], 'every delivered event is in the event log');
    const undelivered = [...rows.keys()].filter((id) => delivered.get(id)?.count !== 1);
    assert.deepEqual(undelivered, [], 'every event in the log is delivered once');

    const committedAnyway = [...sent.unacked.keys()].filter((id) => stored(id) === 1).length;
    t.diagnostic(
      `${sent.acked.size} acknowledged: each once in the log and once in the files; ` +
        `${committedAnyway} of ${sent.unacked.size} unanswered were committed; ${Date.now() - testStart} ms`,
    );
  });
});
