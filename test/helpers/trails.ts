/** Helpers for trail tests: SDK clients, waiting, and reading delivered log files back. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { splitRecordSpans } from '../../src/events/index.ts';
import type { ObjectStore } from '../../src/objects/index.ts';
import { SAMPLES } from './server.ts';

export function cloudTrailClient(
  server: { url: string; accessKeyId: string; secretAccessKey: string },
  region = 'us-east-1',
): CloudTrailClient {
  return new CloudTrailClient({
    endpoint: server.url,
    region,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    maxAttempts: 1,
  });
}

/** The error a call that must fail fails with (the test fails if it succeeds). */
export async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { name: string; message: string };
  }
  assert.fail('expected the call to fail');
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error instanceof Error ? error : new Error(String(error));
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const LOG_FILE_KEY =
  /^(?:(.+)\/)?AWSLogs\/(?:(o-[a-z0-9]{10,32})\/)?(\d{12})\/CloudTrail\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8}T\d{4}Z)_([A-Za-z0-9]{16})\.json\.gz$/;

export interface DeliveredFile {
  key: string;
  prefix: string | undefined;
  organizationId: string | undefined;
  accountId: string;
  region: string;
  /** Each record's text exactly as it stands in the file. */
  records: string[];
}

/** Reads every log file under `prefix`, checking it is one gzip stream holding one {"Records":[...]} document. */
export async function readDelivered(store: ObjectStore, prefix = ''): Promise<DeliveredFile[]> {
  const files: DeliveredFile[] = [];
  for await (const info of store.list(prefix)) {
    if (!info.key.endsWith('.json.gz') || info.key.includes('CloudTrail-Digest')) continue;
    const m = LOG_FILE_KEY.exec(info.key);
    if (!m) throw new Error(`key does not match AWS's log file layout: ${info.key}`);
    const [, keyPrefix, org, account, region, y, mo, d, nameAccount, nameRegion, stamp] = m;
    if (nameAccount !== account || nameRegion !== region)
      throw new Error(`folder and name disagree: ${info.key}`);
    if (stamp?.slice(0, 8) !== `${y}${mo}${d}`)
      throw new Error(`date folder and stamp disagree: ${info.key}`);
    const { body } = await store.get(info.key);
    const text = gunzipSync(body).toString('utf8');
    // One document: a second gzip member would append a second {"Records":...} and break the parse.
    const parsed: unknown = JSON.parse(text);
    const split = splitRecordSpans(text, parsed);
    if (split?.shape !== 'records-object') throw new Error(`not a {"Records":[...]} document: ${info.key}`);
    files.push({
      key: info.key,
      prefix: keyPrefix,
      organizationId: org,
      accountId: account as string,
      region: region as string,
      records: split.spans.map((s) => text.slice(s.start, s.end)),
    });
  }
  return files;
}

export function eventIdOf(recordText: string): string {
  return (JSON.parse(recordText) as { eventID: string }).eventID;
}

/** The real invictus-ir records (account 123837392027) with their original texts, keyed by eventID. */
export async function invictusRecords(): Promise<Map<string, string>> {
  const dir = join(SAMPLES, 'invictus-ir-aws_dataset');
  const out = new Map<string, string>();
  for (const name of (await readdir(dir)).filter((n) => n.endsWith('.json')).sort()) {
    const text = await readFile(join(dir, name), 'utf8');
    const split = splitRecordSpans(text, JSON.parse(text));
    for (const span of split?.spans ?? []) {
      const raw = text.slice(span.start, span.end);
      out.set(eventIdOf(raw), raw);
    }
  }
  return out;
}

const T0 = Math.floor((Date.now() - 10 * 60 * 1000) / 1000) * 1000;

/** A management event record (raw JSON text) in the given account and region. */
export function syntheticRecord(
  accountId: string,
  region: string,
  options: {
    eventSource?: string;
    eventName?: string;
    readOnly?: boolean;
    eventCategory?: string;
    n?: number;
  } = {},
): string {
  const n = options.n ?? 0;
  return JSON.stringify({
    eventVersion: '1.11',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLEEXAMPLE',
      arn: `arn:aws:iam::${accountId}:user/alice`,
      accountId,
      accessKeyId: 'AKIAEXAMPLEEXAMPLE',
      userName: 'alice',
    },
    eventTime: new Date(T0 + n * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: options.eventSource ?? 'ec2.amazonaws.com',
    eventName: options.eventName ?? 'RunInstances',
    awsRegion: region,
    sourceIPAddress: '198.51.100.7',
    userAgent: 'opentrail-test',
    requestParameters: { n },
    responseElements: null,
    requestID: randomUUID(),
    eventID: randomUUID(),
    readOnly: options.readOnly ?? false,
    eventType: 'AwsApiCall',
    managementEvent: (options.eventCategory ?? 'Management') === 'Management',
    recipientAccountId: accountId,
    eventCategory: options.eventCategory ?? 'Management',
  });
}
