/**
 * The recording side of the mixed-load benchmark, on a worker thread of its own so that its
 * signing and request building do not delay the lookup clients' event loop (and the reverse).
 * `senders` requests in flight, each a batch of 1–50 records (uniform), paced so that the
 * batches start at `rate` events/s (0: as fast as the server answers) for `seconds` seconds.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { RecordClient, resolveCredentials } from '../src/cli/client.ts';
import { SAMPLES } from '../test/helpers/server.ts';
import { percentile } from './shared.ts';

export interface RecorderOptions {
  url: string;
  dataDir: string;
  account: string;
  rate: number;
  seconds: number;
  senders: number;
}

export interface RecorderResult {
  recorded: number;
  requests: number;
  seconds: number;
  postP50Ms: number;
  postP99Ms: number;
}

/** Event sources the server reserves to itself: records naming them may be refused. */
const RESERVED_SOURCES = new Set(
  ['cloudtrail', 'iam', 'sts', 'kms', 'logs', 'monitoring', 'events'].map((s) => `${s}.amazonaws.com`),
);

/** The real sample records as text templates of the caller's account, each split around its eventID. */
function templates(account: string): [string, string][] {
  const dir = join(SAMPLES, 'invictus-ir-aws_dataset');
  const out: [string, string][] = [];
  for (const name of readdirSync(dir).sort()) {
    const records = (
      JSON.parse(readFileSync(join(dir, name), 'utf8')) as { Records: Record<string, unknown>[] }
    ).Records;
    for (const r of records) {
      if (RESERVED_SOURCES.has(r.eventSource as string)) continue;
      const text = JSON.stringify({
        ...r,
        recipientAccountId: account,
        awsRegion: 'us-east-1',
        eventTime: '@TIME@',
        eventID: '@ID@',
      });
      const [head, tail] = text.split('"@ID@"') as [string, string];
      out.push([head, tail]);
    }
  }
  return out;
}

async function run(options: RecorderOptions): Promise<RecorderResult> {
  const client = new RecordClient(options.url, 'us-east-1', await resolveCredentials(options.dataDir));
  const parts = templates(options.account);
  let template = 0;
  const body = (size: number): string => {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const records: string[] = [];
    for (let i = 0; i < size; i++) {
      const [head, tail] = parts[template++ % parts.length] as [string, string];
      records.push(`${head}"${randomUUID()}"${tail}`.replace('@TIME@', now));
    }
    return `{"Records":[${records.join(',')}]}`;
  };
  parentPort?.postMessage({ started: true });
  const started = performance.now();
  const endAt = started + options.seconds * 1000;
  let scheduled = 0;
  let recorded = 0;
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: options.senders }, async () => {
      for (;;) {
        const size = 1 + Math.floor(Math.random() * 50);
        if (options.rate > 0) {
          const due = started + (scheduled / options.rate) * 1000;
          scheduled += size;
          if (due >= endAt) return;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        // A server that falls behind the rate is measured over the same time, not the same events.
        if (performance.now() >= endAt) return;
        const text = body(size);
        const sent = performance.now();
        const response = await client.send(text);
        times.push(performance.now() - sent);
        if (response.failed.length > 0)
          throw new Error(`bench batch failed: ${JSON.stringify(response.failed[0])}`);
        recorded += response.successful.length;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  return {
    recorded,
    requests: times.length,
    seconds,
    postP50Ms: percentile(times, 50),
    postP99Ms: percentile(times, 99),
  };
}

if (parentPort) {
  const port = parentPort;
  run(workerData as RecorderOptions).then(
    (result) => port.postMessage({ result }),
    (error: unknown) => port.postMessage({ error: String((error as Error).stack ?? error) }),
  );
}
