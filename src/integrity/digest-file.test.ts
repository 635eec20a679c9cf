import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  buildDigest,
  digestKey,
  digestNameTime,
  digestStringToSign,
  pkcs1Der,
  publicKeyFingerprint,
  serializeDigest,
  sha256Hex,
} from './digest-file.ts';

describe('publicKeyFingerprint()', () => {
  it('is the MD5 of the PKCS#1 DER key, as in the AWS CLI documentation example of list-public-keys', () => {
    // aws-cli awscli/examples/cloudtrail/list-public-keys.rst: Value and Fingerprint of a real key.
    const value =
      'MIIBCgKCAQEAlSS3cl92HDycr/MTj0moOhas8habjrraXw+KzlWF0axSI2tcF+3iJ9BKQAVSKxGwxwu3m0wG3J+kUl1xboEcEPHYoIYMbgfSw7KGnuDKwkLzsQWhUJ0cIbOHASox1vv/5fNXkrHhGbDCHeVXm804c83nvHUEFYThr1PfyP/8HwrCtR3FX5OANtQCP61C1nJtSSkC8JSQUOrIP4CuwJjc+4WGDk+BGH5m9iuiAKkipEHWmUl8/P7XpfpWQuk4h8g3pXZOrNXr08lbh4d39svj7UqdhvOXoBISp9t/EXYuePGEtBdrKD9Dz+VHwyUPtBQvYr9BnkF88qBnaPNhS44rzwIDAQAB';
    assert.equal(publicKeyFingerprint(Buffer.from(value, 'base64')), '7f3f401420072e50a65a141430817ab3');
  });

  it('reads the PKCS#1 DER of a generated key whichever form it comes in', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const der = pkcs1Der(publicKey);
    assert.deepEqual(pkcs1Der(publicKey.export({ type: 'spki', format: 'pem' })), der);
    assert.equal(der[0], 0x30);
  });
});

describe('digestKey()', () => {
  it('lays digests out as AWS does, with the end time to the second in the name', () => {
    const endTimeMs = Date.UTC(2026, 0, 31, 23, 59, 7);
    assert.equal(digestNameTime(endTimeMs), '20260131T235907Z');
    assert.equal(
      digestKey({
        accountId: '111122223333',
        region: 'eu-west-1',
        trailName: 't',
        trailHomeRegion: 'us-east-1',
        endTimeMs,
      }),
      'AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2026/01/31/111122223333_CloudTrail-Digest_eu-west-1_t_us-east-1_20260131T235907Z.json.gz',
    );
    assert.equal(
      digestKey({
        s3KeyPrefix: 'p/q',
        organizationId: 'o-abcdefghij',
        accountId: '111122223333',
        region: 'us-east-1',
        trailName: 't',
        trailHomeRegion: 'us-east-1',
        endTimeMs,
      }),
      'p/q/AWSLogs/o-abcdefghij/111122223333/CloudTrail-Digest/us-east-1/2026/01/31/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20260131T235907Z.json.gz',
    );
  });
});

describe('buildDigest() and digestStringToSign()', () => {
  const base = {
    accountId: '111122223333',
    startTimeMs: Date.UTC(2026, 0, 1, 0, 0, 0),
    endTimeMs: Date.UTC(2026, 0, 1, 1, 0, 0),
    bucket: 'b',
    key: 'k.json.gz',
    fingerprint: 'f'.repeat(32),
  };

  it('starts a chain with null previous fields, and an empty digest has null event times', () => {
    const d = buildDigest({ ...base, logFiles: [] });
    assert.equal(d.previousDigestSignature, null);
    assert.equal(d.previousDigestHashAlgorithm, null);
    assert.equal(d.newestEventTime, null);
    assert.deepEqual(d.logFiles, []);
    assert.equal(d.digestStartTime, '2026-01-01T00:00:00Z');
    // AWS's validator signs 'null' for a missing previous signature.
    assert.match(digestStringToSign(d, serializeDigest(d)), /\nnull$/);
  });

  it('links to the previous digest and spans the newest and oldest event times of its files', () => {
    const files = [
      {
        s3Bucket: 'b',
        s3Object: 'l1',
        hashValue: 'h1',
        hashAlgorithm: 'SHA-256',
        newestEventTime: '2026-01-01T00:30:00Z',
        oldestEventTime: '2025-12-31T23:00:00Z',
      },
      {
        s3Bucket: 'b',
        s3Object: 'l2',
        hashValue: 'h2',
        hashAlgorithm: 'SHA-256',
        newestEventTime: '2026-01-01T00:50:00Z',
        oldestEventTime: '2026-01-01T00:10:00Z',
      },
    ];
    const d = buildDigest({
      ...base,
      logFiles: files,
      previous: { bucket: 'b', key: 'prev', hashValue: 'ab', signature: 'cd' },
    });
    assert.equal(d.newestEventTime, '2026-01-01T00:50:00Z');
    assert.equal(d.oldestEventTime, '2025-12-31T23:00:00Z');
    assert.equal(d.previousDigestHashAlgorithm, 'SHA-256');
    const body = serializeDigest(d);
    assert.equal(digestStringToSign(d, body), `2026-01-01T01:00:00Z\nb/k.json.gz\n${sha256Hex(body)}\ncd`);
  });
});
