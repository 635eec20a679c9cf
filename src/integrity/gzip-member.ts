/**
 * Strict reading of one gzip member (RFC 1952), for log and digest files. AWS's validator inflates
 * only the first member and ignores whatever follows it, so a second gzip stream or other bytes
 * appended to a delivered file pass its check unseen; this reader reports them. Parses
 * attacker-controlled input: every length is checked before use and inflation is capped.
 */
import * as zlib from 'node:zlib';

export interface GzipMember {
  /** The inflated bytes of the first member. */
  data: Buffer;
  /** Bytes after the first member's trailer (0 for a well-formed single-member file). */
  trailingBytes: number;
}

export class GzipFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GzipFormatError';
  }
}

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

// zlib.crc32 arrived in Node 20.15; package.json allows 20.11.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 as gzip's trailer holds it (IEEE 802.3 polynomial), in JavaScript. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function headerLength(bytes: Uint8Array): number {
  if (bytes.length < 10 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) throw new GzipFormatError('not gzip data');
  if (bytes[2] !== 8) throw new GzipFormatError('unknown gzip compression method');
  const flags = bytes[3] as number;
  let at = 10;
  if (flags & FEXTRA) {
    if (bytes.length < at + 2) throw new GzipFormatError('truncated gzip header');
    at += 2 + ((bytes[at] as number) | ((bytes[at + 1] as number) << 8));
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (flags & flag) {
      while (at < bytes.length && bytes[at] !== 0) at++;
      at++;
    }
  }
  if (flags & FHCRC) at += 2;
  if (at > bytes.length) throw new GzipFormatError('truncated gzip header');
  return at;
}

/** Inflates the first gzip member of `bytes`, checking its CRC-32 and length, and counts what follows it. */
export function inflateGzipMember(bytes: Uint8Array, maxOutputBytes = 1 << 30): GzipMember {
  const start = headerLength(bytes);
  const input = Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.length - start);
  let data: Buffer;
  let consumed: number;
  try {
    const result = zlib.inflateRawSync(input, { info: true, maxOutputLength: maxOutputBytes }) as unknown as {
      buffer: Buffer;
      engine: { bytesWritten: number };
    };
    data = result.buffer;
    consumed = result.engine.bytesWritten;
  } catch (error) {
    throw new GzipFormatError(`cannot inflate: ${(error as Error).message}`);
  }
  const trailer = start + consumed;
  if (bytes.length < trailer + 8) throw new GzipFormatError('truncated gzip trailer');
  const view = new DataView(bytes.buffer, bytes.byteOffset + trailer, 8);
  if (view.getUint32(0, true) !== (nativeCrc32 ?? crc32)(data))
    throw new GzipFormatError('gzip CRC-32 does not match');
  if (view.getUint32(4, true) !== data.length % 2 ** 32)
    throw new GzipFormatError('gzip length does not match');
  return { data, trailingBytes: bytes.length - trailer - 8 };
}
