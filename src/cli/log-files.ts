/**
 * Reading CloudTrail log files as AWS delivers them (`*.json.gz`, or `*.json` once unpacked) and
 * cutting them into recording batches that carry each record's original text unchanged.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { splitRecordSpans } from '../events/index.ts';

/** Records per request and bytes per request the CLI sends (the server accepts up to 10,000 / 64 MiB). */
export const BATCH_RECORDS = 2000;
export const BATCH_BYTES = 8 * 1024 * 1024;

export async function findLogFiles(path: string): Promise<string[]> {
  const info = await stat(path);
  if (info.isFile()) return [path];
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && /\.json(\.gz)?$/.test(entry.name)) found.push(full);
    }
  };
  await walk(path);
  return found;
}

export function decodeLogFile(bytes: Buffer): string {
  // gzip magic number: AWS log files are gzip whatever their name says.
  const raw = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  return new TextDecoder('utf-8', { fatal: true }).decode(raw);
}

export async function readLogFile(path: string): Promise<string> {
  return decodeLogFile(await readFile(path));
}

/** Cuts a log file's text into request bodies `{"Records":[...]}` made of the original record texts. */
export function batchBodies(text: string): { bodies: string[]; records: number } {
  const parsed: unknown = JSON.parse(text);
  const split = splitRecordSpans(text, parsed);
  if (!split)
    throw new Error(
      'not a CloudTrail log file: expected {"Records":[...]}, an array of records, or one record',
    );
  const bodies: string[] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const span of split.spans) {
    const record = text.slice(span.start, span.end);
    if (current.length > 0 && (current.length >= BATCH_RECORDS || bytes + record.length > BATCH_BYTES)) {
      bodies.push(`{"Records":[${current.join(',')}]}`);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += record.length + 1;
  }
  if (current.length > 0) bodies.push(`{"Records":[${current.join(',')}]}`);
  return { bodies, records: split.spans.length };
}
