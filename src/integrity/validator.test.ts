import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  MemoryTrailObjects,
  SIGNATURE_ALGORITHM,
  StaticPublicKeySource,
  ValidationError,
  buildDigest,
  digestKey,
  digestStringToSign,
  digestLogFile,
  digestTime,
  formatEntry,
  formatSummary,
  hasFailures,
  isFailure,
  pkcs1Der,
  publicKeyFingerprint,
  serializeDigest,
  sha256Hex,
  validateLogs,
  type DigestLogFile,
  type PreviousDigest,
  type TrailObjectReader,
  type ValidateLogsOptions,
  type ValidationEntry,
  type ValidationResult,
} from './index.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 31, 0, 0, 0);
const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const TRAIL = 'audit';
const ARN = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/${TRAIL}`;
const BUCKET = 'audit-logs';
const OLD_BUCKET = 'old-audit-logs';
const PREFIX = 'org';

interface SigningKey {
  privateKey: KeyObject;
  fingerprint: string;
  der: Buffer;
}

function newKey(): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = pkcs1Der(publicKey);
  return { privateKey, der, fingerprint: publicKeyFingerprint(der) };
}

const KEY = newKey();
const FORGER = newKey();

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function logKey(timeMs: number, n: number): string {
  const d = new Date(timeMs);
  const day = `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}`;
  const stamp = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}Z`;
  const unique = `UNIQUE${String(n).padStart(10, '0')}`;
  return `${PREFIX}/AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/${day}/${ACCOUNT}_CloudTrail_${REGION}_${stamp}_${unique}.json.gz`;
}

function keyOfDigest(endMs: number, trailName = TRAIL): string {
  return digestKey({
    s3KeyPrefix: PREFIX,
    accountId: ACCOUNT,
    region: REGION,
    trailName,
    trailHomeRegion: REGION,
    endTimeMs: endMs,
  });
}

function logBody(n: number): Buffer {
  return Buffer.from(JSON.stringify({ Records: [{ eventID: `event-${n}`, eventTime: digestTime(T0) }] }));
}

interface Chain {
  objects: MemoryTrailObjects;
  digestKeys: string[];
  logKeys: string[][];
  endMs: number;
}

interface ChainOptions {
  digests?: number;
  logsPerDigest?: number;
  /** Index of a digest written with a wrong previousDigestHashValue. */
  wrongPreviousHash?: number;
  /** Index of a digest written with a wrong previousDigestSignature. */
  wrongPreviousSignature?: number;
  /** Index of a digest that starts a new chain (logging was off before it). */
  restartAt?: number;
  /** Digests before this index lie in OLD_BUCKET (the trail changed buckets). */
  oldBucketBefore?: number;
  /** Another trail's chain, written into these objects. */
  trail?: string;
  objects?: MemoryTrailObjects;
  signer?: SigningKey;
}

/** A chain of hourly digests from T0, each listing log files delivered 10, 20... minutes into its hour. */
function buildChain(options: ChainOptions = {}): Chain {
  const objects = options.objects ?? new MemoryTrailObjects();
  const count = options.digests ?? 6;
  const digestKeys: string[] = [];
  const logKeys: string[][] = [];
  let previous: PreviousDigest | undefined;
  let n = options.trail ? 10_000 : 0;
  for (let i = 0; i < count; i++) {
    const startMs = T0 + i * HOUR;
    const endMs = startMs + HOUR;
    const logFiles: DigestLogFile[] = [];
    const keys: string[] = [];
    for (let j = 0; j < (options.logsPerDigest ?? 2); j++) {
      const deliveredMs = startMs + (j + 1) * 10 * 60_000;
      const key = logKey(deliveredMs, n);
      const body = logBody(n++);
      objects.put(BUCKET, key, gzipSync(body));
      keys.push(key);
      logFiles.push({
        s3Bucket: BUCKET,
        s3Object: key,
        hashValue: sha256Hex(body),
        hashAlgorithm: 'SHA-256',
        newestEventTime: digestTime(deliveredMs),
        oldestEventTime: digestTime(deliveredMs),
      });
    }
    if (i === options.restartAt) previous = undefined;
    if (previous && i === options.wrongPreviousHash)
      previous = { ...previous, hashValue: sha256Hex(Buffer.from('other')) };
    if (previous && i === options.wrongPreviousSignature)
      previous = { ...previous, signature: 'ab'.repeat(256) };
    const key = keyOfDigest(endMs, options.trail);
    const bucket = i < (options.oldBucketBefore ?? 0) ? OLD_BUCKET : BUCKET;
    const written = putDigest(
      objects,
      key,
      { startMs, endMs, logFiles, previous, bucket },
      options.signer ?? KEY,
    );
    previous = { bucket, key, ...written };
    digestKeys.push(key);
    logKeys.push(keys);
  }
  return { objects, digestKeys, logKeys, endMs: T0 + count * HOUR };
}

interface DigestParts {
  startMs: number;
  endMs: number;
  logFiles: DigestLogFile[];
  previous?: PreviousDigest | undefined;
  bucket?: string;
}

function digestOf(key: string, parts: DigestParts, signer: SigningKey) {
  return buildDigest({
    accountId: ACCOUNT,
    startTimeMs: parts.startMs,
    endTimeMs: parts.endMs,
    bucket: parts.bucket ?? BUCKET,
    key,
    fingerprint: signer.fingerprint,
    logFiles: parts.logFiles,
    ...(parts.previous ? { previous: parts.previous } : {}),
  });
}

function putDigest(
  objects: MemoryTrailObjects,
  key: string,
  parts: DigestParts,
  signer: SigningKey,
  metadata: Record<string, string> = {},
): { hashValue: string; signature: string } {
  const digest = digestOf(key, parts, signer);
  const body = serializeDigest(digest);
  const signature = sign('sha256', Buffer.from(digestStringToSign(digest, body)), signer.privateKey).toString(
    'hex',
  );
  objects.put(parts.bucket ?? BUCKET, key, gzipSync(body), {
    signature,
    'signature-algorithm': SIGNATURE_ALGORITHM,
    ...metadata,
  });
  return { hashValue: sha256Hex(body), signature };
}

/** The digest's JSON as stored. */
function readStoredDigest(objects: MemoryTrailObjects, key: string): Record<string, unknown> {
  const stored = objects.peek(BUCKET, key);
  assert.ok(stored, `no digest ${key}`);
  return JSON.parse(gunzip(stored.body)) as Record<string, unknown>;
}

function gunzip(bytes: Uint8Array): string {
  return gunzipSync(bytes).toString('utf8');
}

const KEYS = new StaticPublicKeySource([{ fingerprint: KEY.fingerprint, pkcs1Der: KEY.der }]);

async function validate(
  chain: { objects: TrailObjectReader; endMs: number },
  options: Partial<ValidateLogsOptions> = {},
): Promise<{ result: ValidationResult; lines: string[]; failures: string[] }> {
  const entries: ValidationEntry[] = [];
  const result = await validateLogs(
    {
      trailArn: ARN,
      bucket: BUCKET,
      prefix: PREFIX,
      startMs: T0,
      endMs: chain.endMs,
      concurrency: 3,
      onEntry: (e) => entries.push(e),
      ...options,
    },
    chain.objects,
    KEYS,
  );
  const lines = entries.map(formatEntry);
  const failures = entries.filter(isFailure).map(formatEntry);
  assert.deepEqual(
    failures,
    lines.filter((l) => l.includes('\tINVALID')),
  );
  assert.equal(hasFailures(result), failures.length > 0);
  return { result, lines, failures };
}

const s3 = (key: string): string => `s3://${BUCKET}/${key}`;

describe('validateLogs()', () => {
  it('finds an intact chain valid, newest first, each digest followed by its log files', async () => {
    const chain = buildChain();
    const { result, lines, failures } = await validate(chain);
    assert.deepEqual(failures, []);
    const expected: string[] = [];
    for (let i = 5; i >= 0; i--) {
      expected.push(`Digest file\t${s3(chain.digestKeys[i] as string)}\tvalid`);
      for (const k of chain.logKeys[i] as string[]) expected.push(`Log file\t${s3(k)}\tvalid`);
    }
    assert.deepEqual(lines, expected);
    assert.equal(result.validDigests, 6);
    assert.equal(result.validLogs, 12);
    assert.equal(result.invalidDigests + result.invalidLogs, 0);
    assert.equal(result.newestValidDigest?.key, chain.digestKeys[5]);
    assert.equal(
      formatSummary(result),
      'Results requested for 2026-01-31T00:00:00Z to 2026-01-31T06:00:00Z\n' +
        'Results found for 2026-01-31T00:00:00Z to 2026-01-31T06:00:00Z:\n' +
        '\n6/6 digest files valid\n12/12 log files valid\n',
    );
  });

  it("names a modified log file: hash value doesn't match", async () => {
    const chain = buildChain();
    const key = chain.logKeys[2]?.[1] as string;
    chain.objects.put(BUCKET, key, gzipSync(Buffer.from('{"Records":[]}')));
    const { result, failures } = await validate(chain);
    assert.deepEqual(failures, [`Log file\t${s3(key)}\tINVALID: hash value doesn't match`]);
    assert.equal(result.invalidLogs, 1);
    assert.equal(result.validLogs, 11);
  });

  it('names a deleted log file: not found', async () => {
    const chain = buildChain();
    const key = chain.logKeys[4]?.[0] as string;
    chain.objects.delete(BUCKET, key);
    const { failures } = await validate(chain);
    assert.deepEqual(failures, [`Log file\t${s3(key)}\tINVALID: not found`]);
  });

  it('names a log file inserted into the trail folder that no digest lists', async () => {
    const chain = buildChain();
    const key = logKey(T0 + 2.5 * HOUR, 999);
    chain.objects.put(BUCKET, key, gzipSync(logBody(999)));
    const { result, failures } = await validate(chain);
    assert.deepEqual(failures, [`Log file\t${s3(key)}\tINVALID: not listed in any valid digest file`]);
    assert.equal(result.invalidLogs, 1);
  });

  it('leaves log files delivered after the newest digest alone (not yet digested)', async () => {
    const chain = buildChain();
    chain.objects.put(BUCKET, logKey(chain.endMs + 5 * 60_000, 998), gzipSync(logBody(998)));
    chain.objects.put(BUCKET, logKey(chain.endMs - 30_000, 997), gzipSync(logBody(997)));
    const { failures } = await validate(chain, { endMs: chain.endMs + HOUR });
    assert.deepEqual(failures, []);
  });

  it('names a moved log file at both places', async () => {
    const chain = buildChain();
    const from = chain.logKeys[1]?.[0] as string;
    const to = logKey(T0 + 1.5 * HOUR, 500);
    const stored = chain.objects.peek(BUCKET, from);
    assert.ok(stored);
    chain.objects.put(BUCKET, to, stored.body);
    chain.objects.delete(BUCKET, from);
    const { failures } = await validate(chain);
    assert.deepEqual(failures, [
      `Log file\t${s3(from)}\tINVALID: not found`,
      `Log file\t${s3(to)}\tINVALID: moved from ${s3(from)}`,
    ]);
  });

  it('names a log file with a second gzip stream appended', async () => {
    const chain = buildChain();
    const key = chain.logKeys[3]?.[1] as string;
    const stored = chain.objects.peek(BUCKET, key);
    assert.ok(stored);
    const extra = gzipSync(Buffer.from(',{"eventID":"forged"}'));
    chain.objects.put(BUCKET, key, Buffer.concat([stored.body, extra]));
    const { failures } = await validate(chain);
    assert.deepEqual(failures, [
      `Log file\t${s3(key)}\tINVALID: ${extra.length} bytes of data after the end of the gzip stream`,
    ]);
  });

  it("reads log files through the reader's digestLogFile() when it has one, with the same findings", async () => {
    const chain = buildChain();
    const modified = chain.logKeys[2]?.[1] as string;
    chain.objects.put(BUCKET, modified, gzipSync(Buffer.from('{"Records":[]}')));
    const from = chain.logKeys[1]?.[0] as string;
    const stored = chain.objects.peek(BUCKET, from);
    assert.ok(stored);
    chain.objects.put(BUCKET, logKey(T0 + 1.5 * HOUR, 500), stored.body);
    chain.objects.delete(BUCKET, from);
    const plain = await validate(chain);

    const memory = chain.objects;
    const asked: string[] = [];
    const reader: TrailObjectReader = {
      get: (bucket, key) => memory.get(bucket, key),
      list: (bucket, prefix) => memory.list(bucket, prefix),
      getBody: () =>
        Promise.reject(new Error('getBody() is not for log files when digestLogFile() is there')),
      digestLogFile: async (bucket, key) => {
        asked.push(key);
        return digestLogFile(await memory.getBody(bucket, key));
      },
    };
    const ported = await validate({ objects: reader, endMs: chain.endMs });
    assert.deepEqual(ported.lines, plain.lines);
    assert.equal(plain.failures.length, 3);
    assert.ok(asked.includes(modified) && asked.includes(from));
  });

  it('names a digest with bytes appended and still checks its chain and log files', async () => {
    const chain = buildChain();
    const key = chain.digestKeys[2] as string;
    const stored = chain.objects.peek(BUCKET, key);
    assert.ok(stored);
    chain.objects.put(BUCKET, key, Buffer.concat([stored.body, Buffer.from('junk')]), { ...stored.metadata });
    const { result, failures } = await validate(chain);
    assert.deepEqual(failures, [
      `Digest file\t${s3(key)}\tINVALID: 4 bytes of data after the end of the gzip stream`,
    ]);
    assert.equal(result.validDigests, 5);
    assert.equal(result.validLogs, 12);
  });

  it('rejects an edited digest: signature verification failed, its log files unvouched for', async () => {
    const chain = buildChain();
    const key = chain.digestKeys[3] as string;
    const stored = chain.objects.peek(BUCKET, key);
    assert.ok(stored);
    const digest = readStoredDigest(chain.objects, key);
    (digest.logFiles as DigestLogFile[]).pop();
    chain.objects.put(BUCKET, key, gzipSync(Buffer.from(JSON.stringify(digest))), { ...stored.metadata });
    const { result, failures } = await validate(chain);
    assert.deepEqual(failures, [
      `Digest file\t${s3(key)}\tINVALID: signature verification failed`,
      ...(chain.logKeys[3] as string[]).map(
        (k) => `Log file\t${s3(k)}\tINVALID: not listed in any valid digest file`,
      ),
    ]);
    assert.equal(result.validDigests, 5);
    assert.equal(result.invalidDigests, 1);
  });

  it('rejects a digest without signature metadata', async () => {
    const chain = buildChain();
    const key = chain.digestKeys[1] as string;
    const stored = chain.objects.peek(BUCKET, key);
    assert.ok(stored);
    chain.objects.put(BUCKET, key, stored.body, {});
    const { failures } = await validate(chain);
    assert.equal(
      failures[0],
      `Digest file\t${s3(key)}\tINVALID: signature verification failed (no signature metadata)`,
    );
  });

  it('rejects a digest forged with an unknown key', async () => {
    const chain = buildChain();
    const key = chain.digestKeys[4] as string;
    putDigest(chain.objects, key, { startMs: T0 + 4 * HOUR, endMs: T0 + 5 * HOUR, logFiles: [] }, FORGER);
    const { failures } = await validate(chain);
    assert.equal(
      failures[0],
      `Digest file\t${s3(key)}\tINVALID: public key not found in region ${REGION} for fingerprint ${FORGER.fingerprint}`,
    );
  });

  it('rejects a digest copied to another key: moved from its original location', async () => {
    const chain = buildChain();
    const key = chain.digestKeys[2] as string;
    const stored = chain.objects.peek(BUCKET, chain.digestKeys[1] as string);
    assert.ok(stored);
    chain.objects.put(BUCKET, key, stored.body, { ...stored.metadata });
    const { failures } = await validate(chain);
    assert.equal(failures[0], `Digest file\t${s3(key)}\tINVALID: has been moved from its original location`);
  });

  it('names a deleted middle digest and the log files it vouched for', async () => {
    const chain = buildChain();
    const key = chain.digestKeys[3] as string;
    chain.objects.delete(BUCKET, key);
    const { result, failures } = await validate(chain);
    assert.deepEqual(failures, [
      `Digest file\t${s3(key)}\tINVALID: not found`,
      ...(chain.logKeys[3] as string[]).map(
        (k) => `Log file\t${s3(k)}\tINVALID: not listed in any valid digest file`,
      ),
    ]);
    assert.equal(result.validDigests, 5);
  });

  it('names each of two consecutive deleted digests', async () => {
    const chain = buildChain();
    const [newer, older] = [chain.digestKeys[3] as string, chain.digestKeys[2] as string];
    chain.objects.delete(BUCKET, newer);
    chain.objects.delete(BUCKET, older);
    const { result, failures } = await validate(chain);
    const digestLines = failures.filter((l) => l.startsWith('Digest'));
    assert.equal(digestLines[0], `Digest file\t${s3(newer)}\tINVALID: not found`);
    assert.match(
      digestLines[1] as string,
      new RegExp(`^Digest file\\t${s3(older)}\\tINVALID: not found \\(missing between`),
    );
    assert.equal(digestLines.length, 2);
    assert.equal(result.invalidDigests, 2);
    assert.equal(result.invalidLogs, 4);
  });

  it('names three consecutive deleted digests from the interval', async () => {
    const chain = buildChain({ digests: 8 });
    const deleted = [5, 4, 3].map((i) => chain.digestKeys[i] as string);
    for (const k of deleted) chain.objects.delete(BUCKET, k);
    const { failures } = await validate(chain);
    const named = failures.filter((l) => l.startsWith('Digest')).map((l) => l.split('\t')[1]);
    assert.deepEqual(named, deleted.map(s3));
  });

  it('misses a deleted newest digest without an expectation, as AWS does', async () => {
    const chain = buildChain();
    chain.objects.delete(BUCKET, chain.digestKeys[5] as string);
    const { failures } = await validate(chain);
    assert.deepEqual(failures, []);
  });

  it('names a deleted newest digest from LatestDigestDeliveryTime', async () => {
    const chain = buildChain();
    const key = chain.digestKeys[5] as string;
    chain.objects.delete(BUCKET, key);
    const { result, failures } = await validate(chain, { latestDigestDeliveryMs: chain.endMs + 400 });
    assert.match(
      failures[0] as string,
      new RegExp(`^Digest file\\t${s3(key)}\\tINVALID: not found \\(GetTrailStatus reports`),
    );
    assert.deepEqual(
      failures.slice(1),
      (chain.logKeys[5] as string[]).map(
        (k) => `Log file\t${s3(k)}\tINVALID: not listed in any valid digest file`,
      ),
    );
    assert.equal(result.invalidDigests, 1);
  });

  it('accepts an intact chain whose newest digest matches LatestDigestDeliveryTime', async () => {
    const chain = buildChain();
    const { failures } = await validate(chain, { latestDigestDeliveryMs: chain.endMs + 90_000 });
    assert.deepEqual(failures, []);
  });

  it('names a deleted newest digest from the checkpoint, and one changed since', async () => {
    const chain = buildChain();
    const { result } = await validate(chain);
    const checkpoint = result.newestValidDigest;
    assert.ok(checkpoint);
    chain.objects.delete(BUCKET, chain.digestKeys[5] as string);
    const deleted = await validate(chain, { checkpoint });
    assert.equal(
      deleted.failures[0],
      `Digest file\t${s3(checkpoint.key)}\tINVALID: not found (the newest valid digest when the checkpoint was saved)`,
    );
    assert.equal(deleted.result.invalidDigests, 1);

    const resigned = buildChain();
    putDigest(
      resigned.objects,
      checkpoint.key,
      { startMs: T0 + 5 * HOUR, endMs: T0 + 6 * HOUR, logFiles: [] },
      KEY,
    );
    const changed = await validate(resigned, { checkpoint });
    assert.equal(
      changed.failures[0],
      `Digest file\t${s3(checkpoint.key)}\tINVALID: changed since the checkpoint was saved (its content or signature differs)`,
    );
  });

  it('reports a whole deleted chain: the expected newest digest and every log file', async () => {
    const chain = buildChain();
    for (const k of chain.digestKeys) chain.objects.delete(BUCKET, k);
    const { result, failures } = await validate(chain, { latestDigestDeliveryMs: chain.endMs + 200 });
    assert.match(
      failures[0] as string,
      /^Digest file\t.*\tINVALID: not found \(GetTrailStatus reports .* none is present; name inferred\)$/,
    );
    assert.equal(result.invalidDigests, 1);
    assert.equal(result.invalidLogs, 12);
    assert.ok(failures.slice(1).every((l) => l.endsWith('INVALID: not listed in any valid digest file')));
  });

  it('names the digest a bad previousDigestHashValue points at', async () => {
    const chain = buildChain({ wrongPreviousHash: 3 });
    const { result, failures } = await validate(chain);
    assert.deepEqual(failures, [
      `Digest file\t${s3(chain.digestKeys[2] as string)}\tINVALID: hash value doesn't match the previousDigestHashValue in ${s3(chain.digestKeys[3] as string)}`,
    ]);
    assert.equal(result.invalidDigests, 1);
    assert.equal(result.validLogs, 12);
  });

  it('reports a chain restart as a gap, not a failure', async () => {
    const chain = buildChain({ restartAt: 3 });
    const { result, lines, failures } = await validate(chain);
    assert.deepEqual(failures, []);
    assert.ok(
      lines.includes(
        'No log files were delivered by CloudTrail between 2026-01-31T03:00:00Z and 2026-01-31T03:00:00Z',
      ),
    );
    assert.equal(result.validDigests, 6);
  });

  it('stops at the start time and reports nothing found when no digest lies in range', async () => {
    const chain = buildChain();
    const { result } = await validate(chain, { startMs: T0 + 4.5 * HOUR });
    assert.equal(result.validDigests, 2);
    const empty = await validate(chain, { startMs: T0 + 20 * HOUR, endMs: T0 + 21 * HOUR });
    assert.equal(
      formatSummary(empty.result),
      'Results requested for 2026-01-31T20:00:00Z to 2026-01-31T21:00:00Z\nNo digests found\n',
    );
  });

  it('names the digest a bad previousDigestSignature points at', async () => {
    const chain = buildChain({ wrongPreviousSignature: 2 });
    const { failures } = await validate(chain);
    assert.deepEqual(failures, [
      `Digest file\t${s3(chain.digestKeys[1] as string)}\tINVALID: signature doesn't match the previousDigestSignature in ${s3(chain.digestKeys[2] as string)}`,
    ]);
  });

  it('follows a chain into the bucket its older digests lie in', async () => {
    const chain = buildChain({ oldBucketBefore: 3 });
    const { result, lines, failures } = await validate(chain);
    assert.deepEqual(failures, []);
    assert.equal(result.validDigests, 6);
    assert.ok(lines.includes(`Digest file\ts3://${OLD_BUCKET}/${chain.digestKeys[2] as string}\tvalid`));
  });

  it('rejects digests and log files that are not gzip JSON, as invalid format', async () => {
    const chain = buildChain();
    const digest = chain.digestKeys[4] as string;
    const stored = chain.objects.peek(BUCKET, digest);
    assert.ok(stored);
    chain.objects.put(BUCKET, digest, Buffer.from('{}'), { ...stored.metadata });
    const notJson = chain.digestKeys[2] as string;
    chain.objects.put(BUCKET, notJson, gzipSync(Buffer.from('[1,2]')), { ...stored.metadata });
    const log = chain.logKeys[0]?.[0] as string;
    chain.objects.put(BUCKET, log, Buffer.from('{"Records":[]}'));
    const { failures } = await validate(chain);
    assert.equal(failures[0], `Digest file\t${s3(digest)}\tINVALID: invalid format`);
    assert.ok(failures.includes(`Digest file\t${s3(notJson)}\tINVALID: invalid format`));
    assert.ok(failures.includes(`Log file\t${s3(log)}\tINVALID: invalid format`));
  });

  it('rejects a digest claiming another signature algorithm, or signed with a key it cannot load', async () => {
    const chain = buildChain();
    const key = chain.digestKeys[3] as string;
    const stored = chain.objects.peek(BUCKET, key);
    assert.ok(stored);
    chain.objects.put(BUCKET, key, stored.body, { ...stored.metadata, 'signature-algorithm': 'SHA1withRSA' });
    const { failures } = await validate(chain);
    assert.equal(
      failures[0],
      `Digest file\t${s3(key)}\tINVALID: unsupported signature algorithm SHA1withRSA (expected SHA256withRSA)`,
    );

    const forged = buildChain();
    putDigest(forged.objects, key, { startMs: T0 + 3 * HOUR, endMs: T0 + 4 * HOUR, logFiles: [] }, FORGER);
    const broken = new StaticPublicKeySource([
      { fingerprint: KEY.fingerprint, pkcs1Der: KEY.der },
      { fingerprint: FORGER.fingerprint, pkcs1Der: Buffer.from('not a key') },
    ]);
    const entries: ValidationEntry[] = [];
    await validateLogs(
      {
        trailArn: ARN,
        bucket: BUCKET,
        prefix: PREFIX,
        startMs: T0,
        endMs: forged.endMs,
        onEntry: (e) => entries.push(e),
      },
      forged.objects,
      broken,
    );
    assert.ok(
      entries
        .map(formatEntry)
        .includes(
          `Digest file\t${s3(key)}\tINVALID: Unable to load PKCS #1 key with fingerprint ${FORGER.fingerprint}`,
        ),
    );
  });

  it('reports a checkpointed digest replaced by something unreadable as changed', async () => {
    const chain = buildChain();
    const { result } = await validate(chain);
    const checkpoint = result.newestValidDigest;
    assert.ok(checkpoint);
    chain.objects.put(BUCKET, checkpoint.key, Buffer.from('gone'), {});
    const { failures } = await validate(chain, { checkpoint });
    assert.equal(
      failures[0],
      `Digest file\t${s3(checkpoint.key)}\tINVALID: changed since the checkpoint was saved (its content or signature differs)`,
    );
  });

  it('names inserted files that are not even gzip', async () => {
    const chain = buildChain();
    const key = logKey(T0 + 1.5 * HOUR, 321);
    chain.objects.put(BUCKET, key, Buffer.from('plain'));
    const { failures } = await validate(chain);
    assert.deepEqual(failures, [`Log file\t${s3(key)}\tINVALID: not listed in any valid digest file`]);
  });

  it('reports a very long run of missing digests on one line past a thousand', async () => {
    const chain = buildChain();
    chain.objects.delete(BUCKET, chain.digestKeys[3] as string);
    chain.objects.delete(BUCKET, chain.digestKeys[2] as string);
    const { result, failures } = await validate(chain, { digestIntervalMs: 1000 });
    const digestFailures = failures.filter((l) => l.startsWith('Digest file'));
    assert.equal(digestFailures.length, 1 + 1000 + 1);
    assert.match(digestFailures.at(-1) as string, /INVALID: not found: 6199 more digests/);
    assert.equal(result.invalidDigests, 2 * 3600);
  });

  it('validates backfill digests with keys valid at their generation time', async () => {
    const chain = buildChain({ digests: 2 });
    const generatedMs = T0 + 40 * 24 * HOUR;
    const backfillSigner = newKey();
    const key = keyOfDigest(T0 + 2 * HOUR).replace(/\.json\.gz$/, '_backfill.json.gz');
    putDigest(
      chain.objects,
      key,
      { startMs: T0 + HOUR, endMs: T0 + 2 * HOUR, logFiles: [] },
      backfillSigner,
      {
        'backfill-generation-timestamp': new Date(generatedMs).toISOString(),
      },
    );
    const noTimestamp = keyOfDigest(T0 + HOUR).replace(/\.json\.gz$/, '_backfill.json.gz');
    putDigest(chain.objects, noTimestamp, { startMs: T0, endMs: T0 + HOUR, logFiles: [] }, backfillSigner);
    const keys = new StaticPublicKeySource([
      { fingerprint: KEY.fingerprint, pkcs1Der: KEY.der },
      {
        fingerprint: backfillSigner.fingerprint,
        pkcs1Der: backfillSigner.der,
        validFromMs: generatedMs - 60_000,
        validToMs: generatedMs + 60_000,
      },
    ]);
    const entries: ValidationEntry[] = [];
    const result = await validateLogs(
      {
        trailArn: ARN,
        bucket: BUCKET,
        prefix: PREFIX,
        startMs: T0,
        endMs: chain.endMs,
        onEntry: (e) => entries.push(e),
      },
      chain.objects,
      keys,
    );
    const lines = entries.map(formatEntry);
    assert.ok(lines.includes(`(backfill) Digest file\t${s3(key)}\tvalid`), lines.join('\n'));
    assert.ok(lines.includes(`(backfill) Digest file\t${s3(noTimestamp)}\tINVALID: invalid format`));
    assert.equal(result.validBackfillDigests, 1);
    assert.equal(result.invalidBackfillDigests, 1);
    assert.match(
      formatSummary(result),
      /\n1\/2 backfill digest files valid, 1\/2 backfill digest files INVALID\n/,
    );
  });

  it("leaves alone log files another trail's valid digests list in the shared folder", async () => {
    const chain = buildChain();
    const other = buildChain({ trail: 'other-trail', objects: chain.objects });
    assert.deepEqual((await validate(chain)).failures, []);

    const forged = buildChain();
    const stray = buildChain({ trail: 'other-trail', objects: forged.objects, signer: FORGER, digests: 1 });
    const { failures } = await validate(forged);
    assert.deepEqual(
      failures,
      (stray.logKeys[0] as string[]).map(
        (k) => `Log file\t${s3(k)}\tINVALID: not listed in any valid digest file`,
      ),
    );
    assert.equal(other.logKeys.length, 6);
  });

  it('fails before validating on a bad ARN, an inverted range or no public keys', async () => {
    const chain = buildChain({ digests: 1 });
    await assert.rejects(
      validate(chain, { trailArn: 'arn:aws:s3:::bucket' }),
      (e: unknown) => e instanceof ValidationError && e.code === 'InvalidTrailArn',
    );
    await assert.rejects(
      validate(chain, { startMs: chain.endMs + 1 }),
      (e: unknown) => e instanceof ValidationError && e.code === 'InvalidTimeRange',
    );
    await assert.rejects(
      validateLogs(
        { trailArn: ARN, bucket: BUCKET, startMs: T0, endMs: chain.endMs },
        chain.objects,
        new StaticPublicKeySource([]),
      ),
      (e: unknown) => e instanceof ValidationError && e.code === 'NoPublicKeys',
    );
  });
});
