import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import {
  SigningKeyRing,
  digestStringToSign,
  digestTime,
  sha256Hex,
  type DigestFile,
  type SigningKeyRecord,
  type SigningKeyStore,
} from '../integrity/index.ts';
import type { Trail } from '../trails/index.ts';
import {
  createTrail,
  fixture,
  logFiles,
  logger,
  record,
  startLogging,
  stopLogging,
  type Fixture,
} from './delivery-fixtures.test-helpers.ts';
import { DigestDelivery } from './digest-delivery.ts';
import { MemoryDigestJournal } from './memory-digest-journal.ts';
import { DEFAULT_DELIVERY_OPTIONS, TrailDelivery } from './trail-delivery.ts';

const INTERVAL_MS = 60_000;

/** Signing keys kept in an array, sealed as they are. */
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

interface Delivered {
  key: string;
  digest: DigestFile;
  inflated: Buffer;
  signature: string;
}

interface Setup {
  f: Fixture;
  trail: Trail;
  journal: MemoryDigestJournal;
  keys: SigningKeyRing;
  delivery: TrailDelivery;
  digests: DigestDelivery;
  /** The digests in the trail's bucket, oldest first. */
  delivered: () => Promise<Delivered[]>;
}

async function setUp(options: { bucketExists?: boolean } = {}): Promise<Setup> {
  const f = await fixture();
  if (options.bucketExists ?? true) f.buckets.create('logs');
  const journal = new MemoryDigestJournal();
  const keys = new SigningKeyRing(
    new ArrayKeyStore(),
    { seal: (text) => text, open: (text) => text },
    { rotationDays: 30, now: f.now },
  );
  const bucket = (name: string): ReturnType<Fixture['buckets']['store']> => f.buckets.store(name);
  const delivery = new TrailDelivery(
    { events: f.events, trails: f.trails, bucket, journal, logger, now: f.now },
    DEFAULT_DELIVERY_OPTIONS,
  );
  const digests = new DigestDelivery(
    { events: f.events, trails: f.trails, journal, keys, bucket, logger, now: f.now },
    { intervalMs: INTERVAL_MS, checkEveryMs: 1000 },
  );
  const trail = await createTrail(f, 'main');
  await startLogging(f, trail.arn);
  const delivered = async (): Promise<Delivered[]> => {
    const store = f.buckets.store('logs');
    const out: Delivered[] = [];
    for await (const key of store.listKeys('')) {
      if (!key.includes('/CloudTrail-Digest/')) continue;
      const { body, info } = await store.get(key);
      const inflated = gunzipSync(body);
      out.push({
        key,
        digest: JSON.parse(inflated.toString('utf8')) as DigestFile,
        inflated,
        signature: info.metadata.signature ?? '',
      });
    }
    return out.sort((a, b) => (a.digest.digestEndTime < b.digest.digestEndTime ? -1 : 1));
  };
  return { f, trail, journal, keys, delivery, digests, delivered };
}

describe('DigestDelivery', () => {
  it('writes nothing before the digest interval, then one signed digest of every file delivered', async () => {
    const { f, trail, keys, delivery, digests, delivered } = await setUp();
    const startMs = f.clock.ms;
    await f.events.append([record('a'), record('b')]);
    await delivery.runOnce();
    const [file] = await logFiles(f);
    assert.ok(file);

    f.clock.ms = startMs + INTERVAL_MS - 1;
    await digests.runOnce();
    assert.deepEqual(await delivered(), [], 'no digest is due yet');

    f.clock.ms = startMs + INTERVAL_MS;
    await digests.runOnce();
    const [first, ...more] = await delivered();
    assert.ok(first);
    assert.deepEqual(more, []);
    const { body } = await f.buckets.store('logs').get(file.key);
    assert.deepEqual(first.digest.logFiles, [
      {
        s3Bucket: 'logs',
        s3Object: file.key,
        hashValue: sha256Hex(gunzipSync(body)),
        hashAlgorithm: 'SHA-256',
        newestEventTime: digestTime(startMs - 60_000),
        oldestEventTime: digestTime(startMs - 60_000),
      },
    ]);
    assert.equal(first.digest.digestStartTime, digestTime(startMs));
    assert.equal(first.digest.digestEndTime, digestTime(startMs + INTERVAL_MS));
    assert.equal(first.digest.previousDigestSignature, null);
    assert.equal(first.digest.previousDigestS3Object, null);
    const [publicKey] = await keys.publicKeys('us-east-1', 0, Number.MAX_SAFE_INTEGER);
    assert.equal(first.digest.digestPublicKeyFingerprint, publicKey?.fingerprint);
    assert.ok(
      verify(
        'sha256',
        Buffer.from(digestStringToSign(first.digest, first.inflated)),
        createPublicKey({ key: publicKey?.publicKeyDer ?? Buffer.alloc(0), format: 'der', type: 'pkcs1' }),
        Buffer.from(first.signature, 'hex'),
      ),
      'the signature verifies with the listed public key',
    );
    assert.equal(f.trails.get(trail.arn)?.status.latestDigestDeliveryTimeMs, f.clock.ms);

    await digests.runOnce();
    assert.equal((await delivered()).length, 1, 'the next digest waits for the next interval');
  });

  it('chains an empty digest for a quiet interval to the previous one', async () => {
    const { f, digests, delivered } = await setUp();
    const startMs = f.clock.ms;
    f.clock.ms = startMs + INTERVAL_MS;
    await digests.runOnce();
    f.clock.ms = startMs + 2 * INTERVAL_MS;
    await digests.runOnce();
    const [first, second] = await delivered();
    assert.ok(first && second);
    assert.deepEqual(second.digest.logFiles, []);
    assert.equal(second.digest.newestEventTime, null);
    assert.equal(second.digest.digestStartTime, first.digest.digestEndTime);
    assert.equal(second.digest.previousDigestS3Object, first.key);
    assert.equal(second.digest.previousDigestHashValue, sha256Hex(first.inflated));
    assert.equal(second.digest.previousDigestSignature, first.signature);
  });

  it('ends the chain after StopLogging with a final digest of the last files, and StartLogging starts a new one', async () => {
    const { f, trail, delivery, digests, delivered } = await setUp();
    const startMs = f.clock.ms;
    f.clock.ms = startMs + INTERVAL_MS;
    await digests.runOnce();
    await f.events.append([record('last')]);
    await stopLogging(f, trail.arn);
    f.clock.ms += 1000;
    await digests.runOnce();
    assert.equal((await delivered()).length, 1, 'no final digest before the last files are delivered');

    await delivery.runOnce();
    await digests.runOnce();
    const chain = await delivered();
    assert.equal(chain.length, 2);
    const [lastFile] = await logFiles(f);
    assert.deepEqual(
      chain[1]?.digest.logFiles.map((l) => l.s3Object),
      [lastFile?.key],
      'the final digest lists the last file, before the interval is up',
    );

    f.clock.ms += 10 * INTERVAL_MS;
    await delivery.runOnce();
    await digests.runOnce();
    assert.equal((await delivered()).length, 2, 'no digests while logging is off');

    await startLogging(f, trail.arn);
    f.clock.ms += INTERVAL_MS;
    await digests.runOnce();
    const restarted = (await delivered())[2];
    assert.ok(restarted);
    assert.equal(restarted.digest.previousDigestS3Object, null, 'a restarted trail starts a new chain');
  });

  it('records a failed put in the trail status and retries at the next check with the same end time', async () => {
    const { f, trail, digests, delivered } = await setUp({ bucketExists: false });
    const startMs = f.clock.ms;
    f.clock.ms = startMs + INTERVAL_MS;
    await digests.runOnce();
    assert.equal(f.trails.get(trail.arn)?.status.latestDigestDeliveryError, 'NoSuchBucket');

    f.buckets.create('logs');
    f.clock.ms += 1000;
    await digests.runOnce();
    const [digest] = await delivered();
    assert.equal(digest?.digest.digestEndTime, digestTime(startMs + INTERVAL_MS), 'the planned end');
    const status = f.trails.get(trail.arn)?.status;
    assert.equal(status?.latestDigestDeliveryError, undefined);
    assert.equal(status?.latestDigestDeliveryTimeMs, f.clock.ms);
  });

  it('runTrail() with force digests before the interval is up', async () => {
    const { f, trail, digests, delivered } = await setUp();
    f.clock.ms += 5000;
    await digests.runTrail(trail.arn);
    assert.deepEqual(await delivered(), []);
    await digests.runTrail(trail.arn, true);
    assert.equal((await delivered()).length, 1);
  });

  it('forget() drops the journal of a deleted trail, and no digest follows', async () => {
    const { f, trail, journal, delivery, digests, delivered } = await setUp();
    await f.events.append([record('a')]);
    await delivery.runOnce();
    f.clock.ms += INTERVAL_MS;
    await digests.runOnce();
    await f.trails.delete(trail.arn);
    await delivery.forget(trail.arn);
    await digests.forget(trail.arn);
    assert.equal(await journal.state(trail.arn), undefined);
    assert.deepEqual(await journal.chains(trail.arn), []);
    f.clock.ms += INTERVAL_MS;
    await digests.flush();
    assert.equal((await delivered()).length, 1);
  });
});
