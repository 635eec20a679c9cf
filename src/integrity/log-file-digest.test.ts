import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { sha256Hex } from './digest-file.ts';
import { checkListedLogFile, digestLogFile } from './log-file-digest.ts';

const TEXT = Buffer.from('{"Records":[{"eventName":"ListBuckets"}]}');

describe('digestLogFile()', () => {
  it("hashes a log file's inflated content", () => {
    assert.deepEqual(digestLogFile(gzipSync(TEXT)), {
      kind: 'read',
      sha256Hex: sha256Hex(TEXT),
      trailingBytes: 0,
    });
  });

  it('counts the bytes after the first gzip member and hashes that member alone', () => {
    const body = Buffer.concat([gzipSync(TEXT), gzipSync(Buffer.from('{"Records":[]}'))]);
    const digest = digestLogFile(body);
    assert.equal(digest.kind, 'read');
    assert.equal(digest.kind === 'read' && digest.sha256Hex, sha256Hex(TEXT));
    assert.ok(digest.kind === 'read' && digest.trailingBytes > 0);
  });

  it('tells a missing file from one that is not gzip', () => {
    assert.deepEqual(digestLogFile(undefined), { kind: 'missing' });
    assert.deepEqual(digestLogFile(TEXT), { kind: 'invalid-format' });
    const corrupt = gzipSync(TEXT);
    corrupt.writeUInt8((corrupt.at(-6) as number) ^ 0xff, corrupt.length - 6);
    assert.deepEqual(digestLogFile(corrupt), { kind: 'invalid-format' });
  });
});

describe('checkListedLogFile()', () => {
  const file = { s3Bucket: 'b', s3Object: 'k', hashValue: sha256Hex(TEXT) };
  const at = { kind: 'log', bucket: 'b', key: 'k' } as const;

  it('finds a file valid whose content hashes to what the digest lists', () => {
    assert.deepEqual(checkListedLogFile(file, digestLogFile(gzipSync(TEXT))), { ...at, status: 'valid' });
  });

  it('names a missing, unreadable, changed or appended-to file with the reason AWS gives, or ours', () => {
    const cases = [
      [digestLogFile(undefined), 'not-found', 'not found'],
      [digestLogFile(TEXT), 'invalid-format', 'invalid format'],
      [digestLogFile(gzipSync(Buffer.from('{}'))), 'hash-mismatch', "hash value doesn't match"],
      [
        { kind: 'read', sha256Hex: sha256Hex(TEXT), trailingBytes: 20 },
        'trailing-data',
        '20 bytes of data after the end of the gzip stream',
      ],
    ] as const;
    for (const [content, problem, reason] of cases)
      assert.deepEqual(checkListedLogFile(file, content), { ...at, status: 'invalid', problem, reason });
  });
});
