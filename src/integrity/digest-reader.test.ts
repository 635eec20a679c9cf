import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { buildDigest, serializeDigest } from './digest-file.ts';
import { readDigestFile } from './digest-reader.ts';
import { HOUR_MS, T0, digestContent, newSigner } from './digest.test-helpers.ts';

const SIGNER = newSigner();
const LINKED = buildDigest(
  digestContent(SIGNER, {
    previous: { bucket: 'old', key: 'prev.json.gz', hashValue: 'cd'.repeat(32), signature: 'ef'.repeat(256) },
  }),
);

function gzipJson(value: unknown): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(value)));
}

function read(value: unknown): string {
  return readDigestFile(gzipJson(value)).kind;
}

describe('readDigestFile()', () => {
  it('reads the fields validation uses from a digest buildDigest() wrote', () => {
    const body = serializeDigest(LINKED);
    const result = readDigestFile(gzipSync(body));
    assert.equal(result.kind, 'read');
    assert.ok(result.kind === 'read');
    assert.deepEqual(result.uncompressed, body);
    assert.equal(result.trailingBytes, 0);
    assert.deepEqual(result.digest, {
      digestStartTime: '2026-01-31T00:00:00Z',
      digestEndTime: '2026-01-31T01:00:00Z',
      digestS3Bucket: 'b',
      digestS3Object: 'k',
      digestPublicKeyFingerprint: SIGNER.fingerprint,
      previousDigestSignature: 'ef'.repeat(256),
      startMs: T0,
      endMs: T0 + HOUR_MS,
      previous: {
        bucket: 'old',
        key: 'prev.json.gz',
        hashValue: 'cd'.repeat(32),
        signature: 'ef'.repeat(256),
      },
      logFiles: [{ s3Bucket: 'b', s3Object: 'log-1.json.gz', hashValue: 'ab'.repeat(32) }],
    });
  });

  it('gives a chain start no previous link and a null previousDigestSignature', () => {
    const result = readDigestFile(gzipSync(serializeDigest(buildDigest(digestContent(SIGNER)))));
    assert.ok(result.kind === 'read');
    assert.equal(result.digest.previous, undefined);
    assert.equal(result.digest.previousDigestSignature, null);
  });

  it('follows a link only when both the previous bucket and key are given (AWS), hash or no hash', () => {
    const noBucket = readDigestFile(gzipJson({ ...LINKED, previousDigestS3Bucket: null }));
    assert.ok(noBucket.kind === 'read');
    assert.equal(noBucket.digest.previous, undefined);
    const noHash = readDigestFile(gzipJson({ ...LINKED, previousDigestHashValue: null }));
    assert.ok(noHash.kind === 'read');
    assert.equal(noHash.digest.previous?.hashValue, null);
    const { previousDigestHashValue: _omitted, ...withoutHash } = LINKED;
    const absentHash = readDigestFile(gzipJson(withoutHash));
    assert.ok(absentHash.kind === 'read');
    assert.equal(absentHash.digest.previous?.hashValue, null);
  });

  it('reads a digest without logFiles as listing none', () => {
    const { logFiles: _omitted, ...withoutLogs } = LINKED;
    const result = readDigestFile(gzipJson(withoutLogs));
    assert.ok(result.kind === 'read');
    assert.deepEqual(result.digest.logFiles, []);
  });

  it('reads the first gzip member and counts the bytes after it', () => {
    const body = serializeDigest(LINKED);
    const result = readDigestFile(Buffer.concat([gzipSync(body), Buffer.from('junk')]));
    assert.ok(result.kind === 'read');
    assert.deepEqual(result.uncompressed, body);
    assert.equal(result.trailingBytes, 4);
  });

  it('finds bytes that are not one gzip member of UTF-8 JSON unreadable', () => {
    assert.equal(readDigestFile(serializeDigest(LINKED)).kind, 'unreadable');
    assert.equal(readDigestFile(gzipSync(Buffer.from('{"digestS3Bucket":'))).kind, 'unreadable');
    const latin1 = Buffer.concat([
      Buffer.from('{"digestS3Bucket":"'),
      Buffer.from([0xff]),
      Buffer.from('"}'),
    ]);
    assert.equal(readDigestFile(gzipSync(latin1)).kind, 'unreadable');
  });

  it('finds JSON that is not a digest object malformed', () => {
    for (const value of [null, 7, 'digest', [LINKED]])
      assert.equal(read(value), 'malformed', JSON.stringify(value));
  });

  it('finds a digest malformed when a required field is missing or of the wrong type', () => {
    for (const field of [
      'digestPublicKeyFingerprint',
      'digestS3Bucket',
      'digestS3Object',
      'digestEndTime',
      'digestStartTime',
    ] as const) {
      const { [field]: _omitted, ...without } = LINKED;
      assert.equal(read(without), 'malformed', `without ${field}`);
      assert.equal(read({ ...LINKED, [field]: 1 }), 'malformed', `${field} a number`);
    }
    // AWS requires previousDigestSignature to be present even when null.
    const { previousDigestSignature: _omitted, ...unsigned } = LINKED;
    assert.equal(read(unsigned), 'malformed');
    for (const field of [
      'previousDigestSignature',
      'previousDigestS3Bucket',
      'previousDigestS3Object',
      'previousDigestHashValue',
    ]) {
      assert.equal(read({ ...LINKED, [field]: 1 }), 'malformed', `${field} a number`);
    }
  });

  it('finds a digest malformed when its times are not times', () => {
    assert.equal(read({ ...LINKED, digestStartTime: 'yesterday' }), 'malformed');
    assert.equal(read({ ...LINKED, digestEndTime: '' }), 'malformed');
  });

  it('finds a digest malformed when logFiles is not a list of log file entries', () => {
    const [file] = LINKED.logFiles;
    assert.equal(read({ ...LINKED, logFiles: {} }), 'malformed');
    assert.equal(read({ ...LINKED, logFiles: [null] }), 'malformed');
    assert.equal(read({ ...LINKED, logFiles: ['log-1.json.gz'] }), 'malformed');
    for (const field of ['s3Bucket', 's3Object', 'hashValue'])
      assert.equal(read({ ...LINKED, logFiles: [{ ...file, [field]: 1 }] }), 'malformed', field);
  });
});
