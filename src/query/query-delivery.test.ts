import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { ServiceError } from '../errors.ts';
import { assertServiceError } from '../../test/helpers/service-errors.ts';
import {
  SigningKeyRing,
  publicKeyFingerprint,
  type SigningKeyRecord,
  type SigningKeyStore,
} from '../integrity/index.ts';
import { ObjectStoreError, type ObjectInfo, type ObjectStore, type PutOptions } from '../objects/index.ts';
import { LocalDirObjectStore } from '../local/index.ts';
import { DuckDbDatabase, DuckDbEventStore, DuckDbLakeStore } from '../duckdb/index.ts';
import { EventDataStoreRegistry } from './event-data-store-registry.ts';
import { QueryService, DEFAULT_QUERY_OPTIONS, type LakeQueryEngine } from './queries.ts';
import {
  DEFAULT_QUERY_DELIVERY_OPTIONS,
  checkDeliveryBucket,
  csvField,
  deliverQueryResults,
  deliveryKeyPrefix,
  parseDeliveryS3Uri,
  signFileStringToSign,
  type DeliveryOutcome,
  type QueryDeliveryOptions,
  type QueryResultsSource,
  type SignFile,
} from './query-delivery.ts';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const QUERY_ID = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
const CREATED_MS = Date.parse('2026-03-04T23:59:58.000Z');
const EXECUTED_MS = Date.parse('2026-03-05T00:00:01.250Z');
const NO_RETRY: QueryDeliveryOptions = { ...DEFAULT_QUERY_DELIVERY_OPTIONS, retryDelaysMs: [] };

/** An in-memory key store, and a sealer that keeps keys as they are (tests only). */
class ArrayKeyStore implements SigningKeyStore {
  readonly records: SigningKeyRecord[] = [];
  list(region: string): Promise<SigningKeyRecord[]> {
    return Promise.resolve(this.records.filter((r) => r.region === region));
  }
  insert(record: SigningKeyRecord): Promise<void> {
    this.records.push(record);
    return Promise.resolve();
  }
}

function keyRing(now: () => number = Date.now): SigningKeyRing {
  return new SigningKeyRing(
    new ArrayKeyStore(),
    { seal: (text) => text, open: (text) => text },
    { rotationDays: 30, now },
  );
}

/** A bucket that fails put() for keys matching `failing`, the way a real store reports it. */
class FaultyBucket implements ObjectStore {
  puts = 0;
  constructor(
    private readonly inner: ObjectStore,
    private readonly failing: (key: string, attempt: number) => Error | undefined,
  ) {}
  get bucket(): string {
    return this.inner.bucket;
  }
  checkWritable(): Promise<void> {
    return this.inner.checkWritable();
  }
  put(key: string, body: Uint8Array, options?: PutOptions): Promise<void> {
    const error = this.failing(key, this.puts++);
    return error ? Promise.reject(error) : this.inner.put(key, body, options);
  }
  get(key: string): Promise<{ body: Buffer; info: ObjectInfo }> {
    return this.inner.get(key);
  }
  read(key: string): Promise<Buffer | undefined> {
    return this.inner.read(key);
  }
  head(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.head(key);
  }
  list(prefix: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix);
  }
  listKeys(prefix: string): AsyncIterable<string> {
    return this.inner.listKeys(prefix);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
}

function source(columns: string[], rows: (string | null)[][]): QueryResultsSource & { reads: number } {
  const s = {
    columns,
    totalRows: rows.length,
    reads: 0,
    read(offset: number, limit: number): Promise<(string | null)[][]> {
      s.reads++;
      return Promise.resolve(rows.slice(offset, offset + limit));
    },
  };
  return s;
}

/** Checks a sign file as `aws cloudtrail verify-query-results` does: hashes, then the signature. */
async function verifySignFile(
  bucket: ObjectStore,
  base: string,
  ring: SigningKeyRing,
): Promise<{ sign: SignFile; csv: string[] }> {
  const sign = JSON.parse((await bucket.get(`${base}result_sign.json`)).body.toString()) as SignFile;
  const csv: string[] = [];
  for (const f of sign.files) {
    const body = (await bucket.get(base + f.fileName)).body;
    assert.equal(createHash('sha256').update(body).digest('hex'), f.fileHashValue, `hash of ${f.fileName}`);
    csv.push(gunzipSync(body).toString());
  }
  const at = Date.parse(sign.queryCompleteTime);
  const key = (await ring.publicKeys(sign.region, at, at)).find(
    (k) => k.fingerprint === sign.publicKeyFingerprint,
  );
  assert.ok(key, 'ListPublicKeys over queryCompleteTime returns the signing key');
  assert.equal(publicKeyFingerprint(key.publicKeyDer), sign.publicKeyFingerprint);
  const publicKey = createPublicKey({ key: key.publicKeyDer, format: 'der', type: 'pkcs1' });
  assert.ok(
    verify(
      'sha256',
      // AWS: "the hash value for each query result file separated by a space".
      Buffer.from(sign.files.map((f) => f.fileHashValue).join(' ')),
      publicKey,
      Buffer.from(sign.hashSignature, 'hex'),
    ),
    'the signature verifies',
  );
  return { sign, csv };
}

let dir: string;
let root: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opentrail-query-delivery-'));
  root = join(dir, 'buckets');
  await LocalDirObjectStore.createBucket(root, 'results');
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parseDeliveryS3Uri()', () => {
  it('splits a bucket and a prefix, dropping slashes at the end', () => {
    assert.deepEqual(parseDeliveryS3Uri('s3://my-bucket'), {
      uri: 's3://my-bucket',
      bucket: 'my-bucket',
      prefix: '',
    });
    assert.deepEqual(parseDeliveryS3Uri('s3://my-bucket/'), {
      uri: 's3://my-bucket/',
      bucket: 'my-bucket',
      prefix: '',
    });
    assert.deepEqual(parseDeliveryS3Uri('s3://a.b-c/lake/results/'), {
      uri: 's3://a.b-c/lake/results/',
      bucket: 'a.b-c',
      prefix: 'lake/results',
    });
  });

  it('refuses what the service model and S3 refuse, with AWS error codes', () => {
    assertServiceError(() => parseDeliveryS3Uri('https://bucket/x'), 'InvalidParameterException');
    assertServiceError(() => parseDeliveryS3Uri(''), 'InvalidParameterException');
    assertServiceError(
      () => parseDeliveryS3Uri(`s3://bucket/${'p'.repeat(1020)}`),
      'InvalidParameterException',
    );
    assertServiceError(() => parseDeliveryS3Uri('s3://Bucket'), 'InvalidS3BucketNameException');
    assertServiceError(() => parseDeliveryS3Uri('s3://ab'), 'InvalidS3BucketNameException');
    assertServiceError(() => parseDeliveryS3Uri('s3://a..b/x'), 'InvalidS3BucketNameException');
    assertServiceError(() => parseDeliveryS3Uri('s3://192.168.1.1'), 'InvalidS3BucketNameException');
    assertServiceError(() => parseDeliveryS3Uri('s3://bucket//x'), 'InvalidS3PrefixException');
    assertServiceError(() => parseDeliveryS3Uri('s3://bucket/a/../b'), 'InvalidS3PrefixException');
    assertServiceError(() => parseDeliveryS3Uri('s3://bucket/a\0b'), 'InvalidS3PrefixException');
    // Short enough for the model, too long for the keys written under it.
    assertServiceError(
      () => parseDeliveryS3Uri(`s3://bucket/${'p'.repeat(950)}`),
      'InvalidS3PrefixException',
    );
  });
});

describe('checkDeliveryBucket()', () => {
  it('is S3BucketDoesNotExistException for a missing bucket and passes for a writable one', async () => {
    await checkDeliveryBucket(new LocalDirObjectStore(root, 'results'));
    await assert.rejects(
      checkDeliveryBucket(new LocalDirObjectStore(root, 'no-such-bucket')),
      (e: unknown) => e instanceof ServiceError && e.code === 'S3BucketDoesNotExistException',
    );
  });

  it('is InsufficientS3BucketPolicyException for a bucket that refuses writes', async () => {
    const refusing = new FaultyBucket(new LocalDirObjectStore(root, 'results'), () => undefined);
    refusing.checkWritable = () => Promise.reject(new ObjectStoreError('AccessDenied', 'Access Denied'));
    await assert.rejects(
      checkDeliveryBucket(refusing),
      (e: unknown) => e instanceof ServiceError && e.code === 'InsufficientS3BucketPolicyException',
    );
  });
});

describe('signFileStringToSign()', () => {
  it('joins the hashes with a space, as the User Guide example "aaa bbb ccc"', () => {
    const files = ['aaa', 'bbb', 'ccc'].map((h, i) => ({
      fileHashValue: h,
      fileName: `result_${i + 1}.csv.gz`,
    }));
    assert.equal(signFileStringToSign(files), 'aaa bbb ccc');
  });
});

describe('deliveryKeyPrefix()', () => {
  it('follows the documented layout, dated by the UTC day the query started', () => {
    const query = { id: QUERY_ID, accountId: ACCOUNT, createdMs: CREATED_MS };
    assert.equal(
      deliveryKeyPrefix({ prefix: 'team/lake' }, query),
      `team/lake/AWSLogs/${ACCOUNT}/CloudTrail-Lake/Query/2026/03/04/${QUERY_ID}/`,
    );
    assert.equal(
      deliveryKeyPrefix({ prefix: '' }, query),
      `AWSLogs/${ACCOUNT}/CloudTrail-Lake/Query/2026/03/04/${QUERY_ID}/`,
    );
  });
});

describe('csvField()', () => {
  it('quotes commas, quotes and line breaks, and leaves a null empty', () => {
    assert.equal(csvField('plain value'), 'plain value');
    assert.equal(csvField('{a=1, b=2}'), '"{a=1, b=2}"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField('cr\r'), '"cr\r"');
    assert.equal(csvField(''), '');
    assert.equal(csvField(null), '');
  });
});

describe('deliverQueryResults()', () => {
  const query = {
    id: QUERY_ID,
    accountId: ACCOUNT,
    region: REGION,
    createdMs: CREATED_MS,
    executedMs: EXECUTED_MS,
  };
  const columns = ['eventName', 'requestParameters', '_col2'];
  const rows: (string | null)[][] = [
    ['ConsoleLogin', null, '3'],
    ['PutObject', '{bucketName=logs, key=a "b".txt}', '1'],
    ['CreateUser', 'line one\nline two', null],
  ];

  it('writes a gzip CSV and a sign file that verifies with the public key ListPublicKeys returns', async () => {
    const ring = keyRing();
    const bucket = new LocalDirObjectStore(root, 'results');
    const target = parseDeliveryS3Uri('s3://results/one');
    const outcome = await deliverQueryResults(
      { bucket: () => bucket, keys: ring, now: Date.now },
      query,
      target,
      source(columns, rows),
      NO_RETRY,
    );
    assert.equal(outcome.status, 'SUCCESS');
    const base = `one/AWSLogs/${ACCOUNT}/CloudTrail-Lake/Query/2026/03/04/${QUERY_ID}/`;
    assert.deepEqual(outcome.keys, [`${base}result_1.csv.gz`, `${base}result_sign.json`]);

    const { sign, csv } = await verifySignFile(bucket, base, ring);
    assert.deepEqual(Object.keys(sign), [
      'version',
      'region',
      'files',
      'hashAlgorithm',
      'signatureAlgorithm',
      'queryCompleteTime',
      'hashSignature',
      'publicKeyFingerprint',
    ]);
    assert.equal(sign.version, '1.0');
    assert.equal(sign.region, REGION);
    assert.equal(sign.hashAlgorithm, 'SHA-256');
    assert.equal(sign.signatureAlgorithm, 'SHA256withRSA');
    assert.match(sign.queryCompleteTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(
      sign.files.map((f) => f.fileName),
      ['result_1.csv.gz'],
    );
    assert.equal(
      csv[0],
      '# Execution Time: 2026-03-05T00:00:01.250000Z\n' +
        'eventName,requestParameters,_col2\n' +
        'ConsoleLogin,,3\n' +
        'PutObject,"{bucketName=logs, key=a ""b"".txt}",1\n' +
        'CreateUser,"line one\nline two",\n',
    );
    const info = await bucket.head(`${base}result_1.csv.gz`);
    assert.equal(info?.contentType, 'application/x-gzip');
  });

  it('cuts result files at maxFileBytes, each with the header, signed in order', async () => {
    const ring = keyRing();
    const bucket = new LocalDirObjectStore(root, 'results');
    const many = Array.from({ length: 25 }, (_, i) => [`Event${String(i).padStart(2, '0')}`, `value-${i}`]);
    const src = source(['eventName', 'v'], many);
    const outcome = await deliverQueryResults(
      { bucket: () => bucket, keys: ring, now: Date.now },
      query,
      parseDeliveryS3Uri('s3://results/many/'),
      src,
      { ...NO_RETRY, maxFileBytes: 200, pageRows: 7 },
    );
    assert.equal(outcome.status, 'SUCCESS');
    assert.equal(src.reads, 4, 'rows are read a page at a time');
    const base = `many/AWSLogs/${ACCOUNT}/CloudTrail-Lake/Query/2026/03/04/${QUERY_ID}/`;
    const { sign, csv } = await verifySignFile(bucket, base, ring);
    assert.ok(sign.files.length > 1);
    assert.deepEqual(
      sign.files.map((f) => f.fileName),
      sign.files.map((_, i) => `result_${i + 1}.csv.gz`),
    );
    const dataLines: string[] = [];
    for (const text of csv) {
      const lines = text.trimEnd().split('\n');
      assert.match(lines[0] ?? '', /^# Execution Time: /);
      assert.equal(lines[1], 'eventName,v');
      assert.ok(Buffer.byteLength(text) < 200 + 20, 'a file ends at the first row past the limit');
      dataLines.push(...lines.slice(2));
    }
    assert.deepEqual(
      dataLines,
      many.map((r) => r.join(',')),
    );
  });

  it('writes one file with only the header for a query without rows', async () => {
    const ring = keyRing();
    const bucket = new LocalDirObjectStore(root, 'results');
    const outcome = await deliverQueryResults(
      { bucket: () => bucket, keys: ring, now: Date.now },
      query,
      parseDeliveryS3Uri('s3://results/empty'),
      source(['eventName'], []),
      NO_RETRY,
    );
    assert.equal(outcome.status, 'SUCCESS');
    const { csv } = await verifySignFile(
      bucket,
      `empty/AWSLogs/${ACCOUNT}/CloudTrail-Lake/Query/2026/03/04/${QUERY_ID}/`,
      ring,
    );
    assert.deepEqual(csv, ['# Execution Time: 2026-03-05T00:00:01.250000Z\neventName\n']);
  });

  it('names a queryCompleteTime within the validity of a key created in the same second', async () => {
    // The key is created at .900 of a second; queryCompleteTime rounds up to the next second.
    const nowMs = Date.parse('2026-03-05T00:00:07.900Z');
    const ring = keyRing(() => nowMs);
    const bucket = new LocalDirObjectStore(root, 'results');
    const outcome = await deliverQueryResults(
      { bucket: () => bucket, keys: ring, now: () => nowMs },
      query,
      parseDeliveryS3Uri('s3://results/fresh-key'),
      source(columns, rows),
      NO_RETRY,
    );
    assert.equal(outcome.status, 'SUCCESS');
    assert.equal(outcome.signFile.queryCompleteTime, '2026-03-05T00:00:08Z');
    await verifySignFile(
      bucket,
      `fresh-key/AWSLogs/${ACCOUNT}/CloudTrail-Lake/Query/2026/03/04/${QUERY_ID}/`,
      ring,
    );
  });

  const failures: {
    name: string;
    fail: (key: string) => Error | undefined;
    status: DeliveryOutcome['status'];
  }[] = [
    {
      name: 'a bucket gone since StartQuery is RESOURCE_NOT_FOUND',
      fail: () => new ObjectStoreError('NoSuchBucket', 'The specified bucket does not exist'),
      status: 'RESOURCE_NOT_FOUND',
    },
    {
      name: 'a refused result file is ACCESS_DENIED',
      fail: (key) =>
        key.endsWith('.csv.gz') ? new ObjectStoreError('AccessDenied', 'Access Denied') : undefined,
      status: 'ACCESS_DENIED',
    },
    {
      name: 'a refused sign file is ACCESS_DENIED_SIGNING_FILE',
      fail: (key) =>
        key.endsWith('result_sign.json') ? new ObjectStoreError('AccessDenied', 'Access Denied') : undefined,
      status: 'ACCESS_DENIED_SIGNING_FILE',
    },
    {
      name: 'a failing result file is FAILED',
      fail: (key) => (key.endsWith('.csv.gz') ? new Error('ENOSPC: no space left on device') : undefined),
      status: 'FAILED',
    },
    {
      name: 'a failing sign file is FAILED_SIGNING_FILE',
      fail: (key) =>
        key.endsWith('.json') ? new ObjectStoreError('Unavailable', 'connect ECONNREFUSED') : undefined,
      status: 'FAILED_SIGNING_FILE',
    },
  ];
  for (const { name, fail, status } of failures) {
    it(name, async () => {
      const bucket = new FaultyBucket(new LocalDirObjectStore(root, 'results'), fail);
      const outcome = await deliverQueryResults(
        { bucket: () => bucket, keys: keyRing(), now: Date.now },
        query,
        parseDeliveryS3Uri('s3://results/failing'),
        source(columns, rows),
        NO_RETRY,
      );
      assert.equal(outcome.status, status);
      assert.ok(outcome.status !== 'SUCCESS' && outcome.message.length > 0);
    });
  }

  it('retries a put that failed with a transient error', async () => {
    const bucket = new FaultyBucket(new LocalDirObjectStore(root, 'results'), (_key, attempt) =>
      attempt < 2 ? new ObjectStoreError('Unavailable', 'slow down') : undefined,
    );
    const ring = keyRing();
    const outcome = await deliverQueryResults(
      { bucket: () => bucket, keys: ring, now: Date.now },
      query,
      parseDeliveryS3Uri('s3://results/retried'),
      source(columns, rows),
      { ...NO_RETRY, retryDelaysMs: [1, 1] },
    );
    assert.equal(outcome.status, 'SUCCESS');
    assert.equal(bucket.puts, 4, 'two failed attempts, then the result file and the sign file');
  });

  it('stops when the signal is aborted, reporting PENDING', async () => {
    const controller = new AbortController();
    const bucket = new FaultyBucket(new LocalDirObjectStore(root, 'results'), () => {
      controller.abort();
      return undefined;
    });
    const outcome = await deliverQueryResults(
      { bucket: () => bucket, keys: keyRing(), now: Date.now },
      query,
      parseDeliveryS3Uri('s3://results/aborted'),
      source(columns, rows),
      NO_RETRY,
      controller.signal,
    );
    assert.equal(outcome.status, 'PENDING');
    assert.equal(
      await bucket.head(
        `aborted/AWSLogs/${ACCOUNT}/CloudTrail-Lake/Query/2026/03/04/${QUERY_ID}/result_sign.json`,
      ),
      undefined,
    );
  });
});

describe('QueryService with DeliveryS3Uri', () => {
  const caller = { accountId: ACCOUNT, region: REGION };
  const logger = pino({ level: 'silent' });

  /** An engine that returns fixed rows, holding a query until `release` is called when gated. */
  function fixedEngine(gated = false): LakeQueryEngine & { release(): void } {
    let release = (): void => undefined;
    const gate = gated ? new Promise<void>((r) => (release = r)) : Promise.resolve();
    return {
      release: () => release(),
      prepare: () => Promise.resolve({ sql: 'SELECT 1', storeNames: [] }),
      async execute(_sql, options) {
        await gate;
        if (options.signal.aborted) throw new Error('interrupted');
        return {
          columns: ['eventName', 'n'],
          rows: [
            ['ConsoleLogin', '2'],
            ['PutObject', null],
          ],
        };
      },
    };
  }

  async function openService(
    path: string,
    bucket: (name: string) => ObjectStore,
    engine: LakeQueryEngine = fixedEngine(),
    ring = keyRing(),
  ): Promise<{ service: QueryService; close(): Promise<void> }> {
    const db = await DuckDbDatabase.open(path);
    const log = await DuckDbEventStore.open(db);
    const lake = await DuckDbLakeStore.open(db, log);
    const registry = await EventDataStoreRegistry.open(lake);
    const service = await QueryService.open(
      { lake, registry, engine, bucket, keys: ring, logger, now: Date.now },
      { ...DEFAULT_QUERY_OPTIONS, delivery: NO_RETRY },
    );
    return {
      service,
      async close() {
        await service.close();
        lake.close();
        await log.close();
        db.close();
      },
    };
  }

  it('delivers a finished query, and keeps its results and SUCCESS across a restart', async () => {
    const path = join(dir, 'success.duckdb');
    const buckets = (name: string): ObjectStore => new LocalDirObjectStore(root, name);
    const ring = keyRing();
    let opened = await openService(path, buckets, fixedEngine(), ring);
    const started = await opened.service.start(caller, 'SELECT 1', parseDeliveryS3Uri('s3://results/svc'));
    assert.equal(started.deliveryStatus, 'PENDING');
    assert.equal(started.deliveryS3Uri, 's3://results/svc');
    const done = await opened.service.finished(started.id);
    assert.equal(done?.status, 'FINISHED');
    assert.equal(done?.deliveryStatus, 'SUCCESS');
    const base = deliveryKeyPrefix({ prefix: 'svc' }, started);
    const { csv } = await verifySignFile(buckets('results'), base, ring);
    assert.match(csv[0] ?? '', /\neventName,n\nConsoleLogin,2\nPutObject,\n$/);
    await opened.close();

    opened = await openService(path, buckets);
    const reloaded = opened.service.get(caller, started.id);
    assert.equal(reloaded.deliveryStatus, 'SUCCESS');
    assert.equal(reloaded.deliveryS3Uri, 's3://results/svc');
    assert.deepEqual(await opened.service.results(started.id, 0, 10), [
      ['ConsoleLogin', '2'],
      ['PutObject', null],
    ]);
    await opened.close();
  });

  it('refuses a missing bucket at StartQuery with S3BucketDoesNotExistException', async () => {
    const opened = await openService(
      join(dir, 'missing.duckdb'),
      (name) => new LocalDirObjectStore(root, name),
    );
    await assert.rejects(
      opened.service.start(caller, 'SELECT 1', parseDeliveryS3Uri('s3://not-created/x')),
      (e: unknown) => e instanceof ServiceError && e.code === 'S3BucketDoesNotExistException',
    );
    await opened.close();
  });

  it('a failed delivery keeps the results readable and says why in DeliveryStatus', async () => {
    const results = new LocalDirObjectStore(root, 'results');
    let gone = false;
    const bucket = new FaultyBucket(results, () =>
      gone ? new ObjectStoreError('NoSuchBucket', 'The specified bucket does not exist') : undefined,
    );
    const engine = fixedEngine(true);
    const opened = await openService(join(dir, 'failed.duckdb'), () => bucket, engine);
    const started = await opened.service.start(caller, 'SELECT 1', parseDeliveryS3Uri('s3://results/gone'));
    gone = true; // the bucket is deleted while the query runs
    engine.release();
    const done = await opened.service.finished(started.id);
    assert.equal(done?.status, 'FINISHED');
    assert.equal(done?.deliveryStatus, 'RESOURCE_NOT_FOUND');
    assert.match(done?.deliveryError ?? '', /does not exist/);
    assert.equal(done?.totalRows, 2);
    assert.deepEqual(await opened.service.results(started.id, 0, 10), [
      ['ConsoleLogin', '2'],
      ['PutObject', null],
    ]);
    await opened.close();
  });

  it('a cancelled query is CANCELLED for delivery, and writes nothing', async () => {
    const engine = fixedEngine(true);
    const opened = await openService(
      join(dir, 'cancel.duckdb'),
      (name) => new LocalDirObjectStore(root, name),
      engine,
    );
    const started = await opened.service.start(
      caller,
      'SELECT 1',
      parseDeliveryS3Uri('s3://results/cancelled'),
    );
    await new Promise((r) => setTimeout(r, 20));
    const cancelled = await opened.service.cancel(caller, started.id);
    assert.equal(cancelled.deliveryStatus, 'CANCELLED');
    engine.release();
    await opened.service.finished(started.id);
    assert.equal(opened.service.get(caller, started.id).deliveryStatus, 'CANCELLED');
    assert.equal(
      await new LocalDirObjectStore(root, 'results').head(
        `${deliveryKeyPrefix({ prefix: 'cancelled' }, started)}result_1.csv.gz`,
      ),
      undefined,
    );
    await opened.close();
  });

  it('a delivery a restart interrupted is PENDING until resume() delivers it again', async () => {
    const path = join(dir, 'resume.duckdb');
    const results = new LocalDirObjectStore(root, 'results');
    let closing: Promise<void> | undefined;
    let opened: { service: QueryService; close(): Promise<void> } | undefined;
    // The server stops while the result file is being written.
    const stopping = new FaultyBucket(results, () => {
      closing ??= opened?.service.close();
      return undefined;
    });
    opened = await openService(path, () => stopping);
    const started = await opened.service.start(
      caller,
      'SELECT 1',
      parseDeliveryS3Uri('s3://results/resumed'),
    );
    await opened.service.finished(started.id);
    await closing;
    assert.equal(opened.service.get(caller, started.id).deliveryStatus, 'PENDING');
    await opened.close();

    const ring = keyRing();
    opened = await openService(path, () => results, fixedEngine(), ring);
    assert.equal(opened.service.get(caller, started.id).deliveryStatus, 'PENDING');
    opened.service.resume();
    const service = opened.service;
    for (let i = 0; i < 200 && service.get(caller, started.id).deliveryStatus === 'PENDING'; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(service.get(caller, started.id).deliveryStatus, 'SUCCESS');
    await verifySignFile(results, deliveryKeyPrefix({ prefix: 'resumed' }, started), ring);
    await opened.close();
  });
});
