/**
 * The CloudTrail log files an import reads from a bucket. As on AWS, only log files under the
 * `CloudTrail/` prefixes are read (not digests or Insights), and a file that cannot be read or is
 * not a log file is an outcome naming why, so the import records it and goes on with the rest.
 */
import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
import type { ObjectStore } from '../objects/object-store.ts';

const gunzip = promisify(gunzipCallback);

/** Whether a key is a CloudTrail log file AWS's import reads (under a CloudTrail/ prefix). */
export function isImportableLogFile(key: string): boolean {
  return /(^|\/)CloudTrail\//.test(key) && /\.json(\.gz)?$/.test(key);
}

/** The prefix a key sits directly under, up to and including its last '/'. */
export function directoryOf(key: string): string {
  return key.slice(0, key.lastIndexOf('/') + 1);
}

/** The importable log files under `prefix`, in the order the bucket lists them. */
export async function listLogFiles(bucket: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of bucket.listKeys(prefix)) if (isImportableLogFile(key)) keys.push(key);
  return keys;
}

/** A log file's text, or the failure entry's error type and cause. */
export type LogFileRead =
  | { ok: true; key: string; text: string }
  | { ok: false; key: string; errorType: 'GetObjectFailed' | 'InvalidLogFile'; error: unknown };

/** Reads and decompresses one log file (bucket content: checked, never trusted to be one). */
export async function readLogFile(bucket: ObjectStore, key: string): Promise<LogFileRead> {
  let bytes: Buffer | undefined;
  try {
    bytes = await bucket.read(key);
    if (!bytes) {
      return {
        ok: false,
        key,
        errorType: 'GetObjectFailed',
        error: new Error('The object no longer exists.'),
      };
    }
  } catch (error) {
    return { ok: false, key, errorType: 'GetObjectFailed', error };
  }
  try {
    const raw = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? await gunzip(bytes) : bytes;
    const text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    if (!/^\s*\{\s*"Records"\s*:\s*\[/.test(text)) {
      return {
        ok: false,
        key,
        errorType: 'InvalidLogFile',
        error: new Error('Not a CloudTrail log file: expected {"Records":[...]}.'),
      };
    }
    return { ok: true, key, text };
  } catch (error) {
    return { ok: false, key, errorType: 'InvalidLogFile', error };
  }
}

/**
 * Reads log files ahead of the import's writer, in key order. At most `ahead` files are being
 * read or read and not yet taken, so a writer slower than the bucket holds no more than that many
 * in memory. (A plain concurrency limit would bound the reads in flight but not the files waiting
 * for the writer.) Reads left when the writer stops taking finish and are dropped.
 */
export class LogFileReadAhead {
  private nextKey = 0;
  private readonly reading: Promise<LogFileRead>[] = [];

  constructor(
    private readonly bucket: ObjectStore,
    private readonly keys: readonly string[],
    private readonly ahead: number,
  ) {
    this.fill();
  }

  /** Whether every file has been taken. */
  get done(): boolean {
    return this.reading.length === 0;
  }

  /** The next file in key order, once read; taking it makes room for the next read. */
  async take(): Promise<LogFileRead | undefined> {
    const file = await this.reading.shift();
    this.fill();
    return file;
  }

  private fill(): void {
    while (this.reading.length < this.ahead && this.nextKey < this.keys.length) {
      this.reading.push(readLogFile(this.bucket, this.keys[this.nextKey++] ?? ''));
    }
  }
}
