/**
 * Digest files as a trail with log file validation delivers them: AWS's fields, hashes of the
 * delivered log files, signatures that verify with ListPublicKeys' keys, and the chain rules —
 * null previous fields at a chain start, empty digests for quiet periods, a final digest after
 * StopLogging, a new chain after StartLogging or re-enabled validation, nothing after DeleteTrail.
 */
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import {
  CreateTrailCommand,
  DeleteTrailCommand,
  GetTrailStatusCommand,
  ListPublicKeysCommand,
  StartLoggingCommand,
  StopLoggingCommand,
  UpdateTrailCommand,
  type CloudTrailClient,
} from '@aws-sdk/client-cloudtrail';
import { RecordClient } from '../src/cli/client.ts';
import {
  digestStringToSign,
  publicKeyFingerprint,
  sha256Hex,
  type DigestFile,
} from '../src/integrity/index.ts';
import { LocalDirObjectStore } from '../src/local/index.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { cloudTrailClient, syntheticRecord, waitFor } from './helpers/trails.ts';

const ACCOUNT = '777788889999';
const DIGEST_KEY =
  /^AWSLogs\/(\d{12})\/CloudTrail-Digest\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{12})_CloudTrail-Digest_([a-z0-9-]+)_(.+)_([a-z0-9-]+)_(\d{8}T\d{6}Z)\.json\.gz$/;

interface Delivered {
  key: string;
  digest: DigestFile;
  inflated: Buffer;
  signature: string;
  algorithm: string;
}

describe('digest files and their chains', () => {
  let server: TestServer;
  let ct: CloudTrailClient;
  let recorder: RecordClient;
  let bucket: LocalDirObjectStore;

  async function digests(trail: string): Promise<Delivered[]> {
    const out: Delivered[] = [];
    for await (const info of bucket.list('AWSLogs/')) {
      if (!info.key.includes('/CloudTrail-Digest/') || !info.key.includes(`_${trail}_`)) continue;
      const { body, info: head } = await bucket.get(info.key);
      const inflated = gunzipSync(body);
      out.push({
        key: info.key,
        digest: JSON.parse(inflated.toString('utf8')) as DigestFile,
        inflated,
        signature: head.metadata.signature ?? '',
        algorithm: head.metadata['signature-algorithm'] ?? '',
      });
    }
    return out.sort((a, b) => (a.digest.digestEndTime < b.digest.digestEndTime ? -1 : 1));
  }

  before(async () => {
    server = await startTestServer({
      accountId: ACCOUNT,
      deliveryIntervalSeconds: 1,
      digestIntervalSeconds: 2,
    });
    await LocalDirObjectStore.createBucket(join(server.dataDir, 'buckets'), 'digests');
    bucket = new LocalDirObjectStore(join(server.dataDir, 'buckets'), 'digests');
    ct = cloudTrailClient(server);
    recorder = await RecordClient.create({
      endpointUrl: server.url,
      dataDir: server.dataDir,
      region: 'us-east-1',
    });
  });
  after(async () => {
    ct.destroy();
    await server.dispose();
  });

  it('chains signed digests over every delivered log file, with empty digests for quiet periods', async () => {
    await ct.send(
      new CreateTrailCommand({ Name: 'chained', S3BucketName: 'digests', IsMultiRegionTrail: false }),
    );
    await ct.send(new StartLoggingCommand({ Name: 'chained' }));
    await recorder.send(
      `[${Array.from({ length: 40 }, (_, n) => syntheticRecord(ACCOUNT, 'us-east-1', { n })).join(',')}]`,
    );
    // Quiet: no API calls (each would be an event) while the digests come; reading the bucket is silent.
    const chain = await waitFor(
      'three digests, one of them for a quiet period',
      async () => {
        const all = await digests('chained');
        return all.length >= 3 && all.some((d) => d.digest.logFiles.length === 0) ? all : undefined;
      },
      60_000,
      250,
    );
    const keys = await ct.send(
      new ListPublicKeysCommand({ StartTime: new Date(Date.now() - 3600_000), EndTime: new Date() }),
    );
    const byFingerprint = new Map((keys.PublicKeyList ?? []).map((k) => [k.Fingerprint, k]));
    const logFilesSeen = new Set<string>();
    chain.forEach((d, i) => {
      const m = DIGEST_KEY.exec(d.key);
      assert.ok(m, `digest key ${d.key} does not match AWS's layout`);
      assert.equal(m[1], ACCOUNT);
      assert.equal(m[2], 'us-east-1');
      assert.equal(m[8], 'chained');
      assert.equal(m[9], 'us-east-1');
      assert.equal(d.digest.digestS3Object, d.key);
      assert.equal(d.digest.digestS3Bucket, 'digests');
      assert.equal(d.digest.awsAccountId, ACCOUNT);
      assert.equal(d.digest.digestSignatureAlgorithm, 'SHA256withRSA');
      assert.equal(d.algorithm, 'SHA256withRSA');
      assert.equal(m[10], d.digest.digestEndTime.replace(/[-:]/g, ''), 'name time is the digest end time');
      assert.deepEqual(Object.keys(d.digest), [
        'awsAccountId',
        'digestStartTime',
        'digestEndTime',
        'digestS3Bucket',
        'digestS3Object',
        'digestPublicKeyFingerprint',
        'digestSignatureAlgorithm',
        'newestEventTime',
        'oldestEventTime',
        'previousDigestS3Bucket',
        'previousDigestS3Object',
        'previousDigestHashValue',
        'previousDigestHashAlgorithm',
        'previousDigestSignature',
        'logFiles',
      ]);

      // The signature verifies with the listed public key of that fingerprint.
      const key = byFingerprint.get(d.digest.digestPublicKeyFingerprint);
      assert.ok(key?.Value, `no public key for fingerprint ${d.digest.digestPublicKeyFingerprint}`);
      assert.equal(publicKeyFingerprint(key.Value), key.Fingerprint);
      const publicKey = createPublicKey({ key: Buffer.from(key.Value), format: 'der', type: 'pkcs1' });
      assert.ok(
        verify(
          'sha256',
          Buffer.from(digestStringToSign(d.digest, d.inflated)),
          publicKey,
          Buffer.from(d.signature, 'hex'),
        ),
        `signature of ${d.key} does not verify`,
      );

      if (i === 0) {
        for (const field of [
          'previousDigestS3Bucket',
          'previousDigestS3Object',
          'previousDigestHashValue',
          'previousDigestHashAlgorithm',
          'previousDigestSignature',
        ] as const) {
          assert.equal(d.digest[field], null, `chain start has ${field}`);
        }
      } else {
        const prev = chain[i - 1] as Delivered;
        assert.equal(d.digest.previousDigestS3Object, prev.key);
        assert.equal(d.digest.previousDigestS3Bucket, 'digests');
        assert.equal(d.digest.previousDigestHashValue, sha256Hex(prev.inflated));
        assert.equal(d.digest.previousDigestHashAlgorithm, 'SHA-256');
        assert.equal(d.digest.previousDigestSignature, prev.signature);
        assert.equal(d.digest.digestStartTime, prev.digest.digestEndTime);
      }
      if (d.digest.logFiles.length === 0) {
        assert.equal(d.digest.newestEventTime, null);
        assert.equal(d.digest.oldestEventTime, null);
      }
      for (const f of d.digest.logFiles) logFilesSeen.add(f.s3Object);
    });
    assert.ok(
      chain.some((d) => d.digest.logFiles.length === 0),
      'a quiet period gives an empty digest',
    );

    // Every log file is listed once, with the SHA-256 of its uncompressed bytes.
    const logFiles: string[] = [];
    for await (const info of bucket.list('AWSLogs/'))
      if (info.key.includes('/CloudTrail/')) logFiles.push(info.key);
    assert.deepEqual([...logFilesSeen].sort(), logFiles.sort());
    for (const d of chain) {
      for (const f of d.digest.logFiles) {
        const { body } = await bucket.get(f.s3Object);
        assert.equal(f.hashValue, sha256Hex(gunzipSync(body)));
        assert.equal(f.hashAlgorithm, 'SHA-256');
        assert.ok(f.oldestEventTime <= f.newestEventTime);
      }
    }
    const status = await ct.send(new GetTrailStatusCommand({ Name: 'chained' }));
    assert.ok(status.LatestDigestDeliveryTime instanceof Date);
    assert.equal(status.LatestDigestDeliveryError, undefined);
  });

  it('ends the chain after StopLogging with the last log files, and starts a new one on StartLogging', async () => {
    await ct.send(new StopLoggingCommand({ Name: 'chained' }));
    const stopped = await waitFor('the final digest', async () => {
      const all = await digests('chained');
      const listed = new Set(all.flatMap((d) => d.digest.logFiles.map((f) => f.s3Object)));
      const files: string[] = [];
      let stopDelivered = false;
      for await (const info of bucket.list('AWSLogs/')) {
        if (!info.key.includes('/CloudTrail/')) continue;
        files.push(info.key);
        const text = gunzipSync((await bucket.get(info.key)).body).toString('utf8');
        if (text.includes('"eventName":"StopLogging"')) stopDelivered = true;
      }
      // The StopLogging call is the last event delivered, and the final digest lists its file.
      return stopDelivered && files.every((f) => listed.has(f)) ? all : undefined;
    });
    // Rounds of delivery and digests now: a stopped trail has nothing left to digest.
    await server.flush();
    assert.equal((await digests('chained')).length, stopped.length, 'no digests while logging is off');

    await ct.send(new StartLoggingCommand({ Name: 'chained' }));
    const restarted = await waitFor('a digest after restart', async () => {
      const all = await digests('chained');
      return all.length > stopped.length ? all : undefined;
    });
    const first = restarted[stopped.length] as Delivered;
    assert.equal(first.digest.previousDigestS3Object, null, 'a restarted trail starts a new chain');
    assert.equal(first.digest.previousDigestSignature, null);

    // Turning validation off stops digests; turning it on starts another chain.
    // The first round after it ends the chain (with a final digest of its undigested files);
    // rounds after that write nothing.
    await ct.send(new UpdateTrailCommand({ Name: 'chained', EnableLogFileValidation: false }));
    await server.flush();
    const off = (await digests('chained')).length;
    await server.flush();
    assert.equal((await digests('chained')).length, off, 'no digests while validation is off');
    await ct.send(new UpdateTrailCommand({ Name: 'chained', EnableLogFileValidation: true }));
    const again = await waitFor('a digest after re-enabling validation', async () => {
      const all = await digests('chained');
      return all.length > off ? all : undefined;
    });
    assert.equal((again[off] as Delivered).digest.previousDigestS3Object, null);

    await ct.send(new DeleteTrailCommand({ Name: 'chained' }));
    const deleted = (await digests('chained')).length;
    await server.flush();
    assert.equal((await digests('chained')).length, deleted, 'no digests after DeleteTrail');
  });
});
