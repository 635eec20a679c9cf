import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as zlib from 'node:zlib';
import { GzipFormatError, crc32, inflateGzipMember } from './gzip-member.ts';

const TEXT = Buffer.from('{"Records":[{"eventID":"1"}]}');

describe('inflateGzipMember()', () => {
  it('inflates one member and counts no trailing bytes', () => {
    const { data, trailingBytes } = inflateGzipMember(zlib.gzipSync(TEXT));
    assert.deepEqual(data, TEXT);
    assert.equal(trailingBytes, 0);
  });

  it('inflates only the first of two members and counts the second as trailing', () => {
    const second = zlib.gzipSync(Buffer.from('more'));
    const { data, trailingBytes } = inflateGzipMember(Buffer.concat([zlib.gzipSync(TEXT), second]));
    assert.deepEqual(data, TEXT);
    assert.equal(trailingBytes, second.length);
  });

  it('skips optional header fields (FEXTRA, FNAME, FCOMMENT, FHCRC)', () => {
    const plain = zlib.gzipSync(TEXT);
    const extra = Buffer.from([4, 0, 1, 2, 3, 4]);
    const header = Buffer.from(plain.subarray(0, 10));
    header[3] = 0x02 | 0x04 | 0x08 | 0x10;
    const withFields = Buffer.concat([
      header,
      extra,
      Buffer.from('name\0comment\0'),
      Buffer.from([0, 0]),
      plain.subarray(10),
    ]);
    assert.deepEqual(inflateGzipMember(withFields).data, TEXT);
  });

  it('rejects data that is not gzip, truncated, or fails its CRC-32 or length', () => {
    const good = zlib.gzipSync(TEXT);
    const badCrc = Buffer.from(good);
    badCrc[good.length - 8] = (good[good.length - 8] as number) ^ 0xff;
    const badLength = Buffer.from(good);
    badLength[good.length - 1] = (good[good.length - 1] as number) ^ 0xff;
    const badMethod = Buffer.from(good);
    badMethod[2] = 7;
    for (const [name, bytes] of [
      ['plain text', TEXT],
      ['empty', Buffer.alloc(0)],
      ['no trailer', good.subarray(0, good.length - 4)],
      ['cut deflate data', good.subarray(0, 14)],
      ['bad CRC-32', badCrc],
      ['bad length', badLength],
      ['unknown method', badMethod],
      ['header cut in FEXTRA', Buffer.from([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 3, 9])],
    ] as const) {
      assert.throws(() => inflateGzipMember(bytes), GzipFormatError, name);
    }
  });

  it('stops at the output limit', () => {
    assert.throws(() => inflateGzipMember(zlib.gzipSync(Buffer.alloc(4096)), 1024), GzipFormatError);
  });
});

describe('crc32()', () => {
  it('matches zlib', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
    assert.equal(crc32(TEXT), zlib.crc32(TEXT));
  });
});
