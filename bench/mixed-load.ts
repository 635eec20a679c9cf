/**
 * LookupEvents under concurrent load: p50/p99 of `lookupClients` AWS SDK clients looking up at
 * once while a load generator (a worker thread, see mixed-load-recorder.ts) records at
 * `recordRate` events/s, next to the serial figure (one client, no recording) of the same run; the
 * server's resident memory idle before the load, at its peak and `idleSeconds` after the load;
 * and the recording rate achieved with and without the lookups. The history is seeded as for the
 * lookup benchmark (bench/lookup.ts), and the recorded events land in the same account and Region
 * the lookups read, so they are among what the lookups find.
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { resolveCredentials } from '../src/cli/client.ts';
import { spawnServer, type ChildServer } from '../test/helpers/server.ts';
import { lookupCases, seed, type LookupCase } from './lookup.ts';
import type { RecorderOptions, RecorderResult } from './mixed-load-recorder.ts';
import { inTempDir, percentile, stopServer } from './shared.ts';

const ACCOUNT = '123456789012';

export interface MixedLoadOptions {
  events: number;
  lookupClients: number;
  recordRate: number;
  recordSenders: number;
  loadSeconds: number;
  idleSeconds: number;
  serialRequests: number;
  /** More `opentrail serve` options (BENCH_MIXED_SERVER_ARGS), to measure other settings. */
  serverArgs: string[];
}

export interface LookupFigures {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface MixedLoadResult {
  events: number;
  seedSeconds: number;
  serial: LookupFigures;
  concurrent: LookupFigures;
  recordingAlone: RecorderResult;
  recordingWithLookups: RecorderResult;
  rssIdleMB: number;
  rssPeakMB: number;
  rssAfterMB: number;
}

/** The server's resident set size in MB, from /proc (Linux). */
function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function figures(times: number[]): LookupFigures {
  times.sort((a, b) => a - b);
  return {
    requests: times.length,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
    maxMs: times[times.length - 1] ?? NaN,
  };
}

/** Runs the load generator; `onStart` is called once it sends its first batch. */
function record(options: RecorderOptions, onStart: () => void = () => undefined): Promise<RecorderResult> {
  // Workers do not inherit tsx's hooks: the worker registers them before loading the recorder.
  const entry = JSON.stringify(new URL('./mixed-load-recorder.ts', import.meta.url).href);
  const worker = new Worker(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${entry}); });`,
    { eval: true, workerData: options },
  );
  return new Promise((resolve, reject) => {
    worker.on('message', (m: { started?: boolean; result?: RecorderResult; error?: string }) => {
      if (m.started) return onStart();
      void worker.terminate();
      if (m.result) resolve(m.result);
      else reject(new Error(m.error));
    });
    worker.once('error', reject);
  });
}

/** One lookup client: goes round the cases until `until()` says stop, timing each call. */
async function lookupLoop(
  client: CloudTrailClient,
  cases: LookupCase[],
  first: number,
  until: (n: number) => boolean,
  times: number[],
): Promise<void> {
  for (let n = first; !until(n); n++) {
    const [, key, valueOf] = cases[n % cases.length] as LookupCase;
    const value = valueOf(Math.floor(n / cases.length));
    const started = performance.now();
    await client.send(
      new LookupEventsCommand(
        key ? { LookupAttributes: [{ AttributeKey: key, AttributeValue: value }] } : {},
      ),
    );
    times.push(performance.now() - started);
  }
}

async function measure(server: ChildServer, options: MixedLoadOptions, seedSeconds: number) {
  const pid = server.child.pid as number;
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMB(pid))), 200);
  const credentials = await resolveCredentials(server.dataDir);
  const clients = Array.from(
    { length: options.lookupClients },
    () => new CloudTrailClient({ endpoint: server.url, region: 'us-east-1', credentials }),
  );
  const cases = lookupCases(options.events);
  const recorder: RecorderOptions = {
    url: server.url,
    dataDir: server.dataDir,
    account: ACCOUNT,
    rate: options.recordRate,
    seconds: options.loadSeconds,
    senders: options.recordSenders,
  };
  try {
    // Warm-up, not counted: each case once on every client, and a short burst of recording.
    await Promise.all(clients.map((c, i) => lookupLoop(c, cases, i, (n) => n >= i + cases.length, [])));
    await record({ ...recorder, seconds: 2 });
    await new Promise((r) => setTimeout(r, 3000));
    const rssIdleMB = rssMB(pid);
    peak = rssIdleMB;

    const serialTimes: number[] = [];
    await lookupLoop(
      clients[0] as CloudTrailClient,
      cases,
      0,
      (n) => n >= options.serialRequests,
      serialTimes,
    );

    const recordingAlone = await record(recorder);

    let stop = false;
    const concurrentTimes: number[] = [];
    let lookups: Promise<void>[] = [];
    const recordingWithLookups = await record(recorder, () => {
      lookups = clients.map((c, i) => lookupLoop(c, cases, i * 7, () => stop, concurrentTimes));
    });
    stop = true;
    await Promise.all(lookups);

    await new Promise((r) => setTimeout(r, options.idleSeconds * 1000));
    const rssAfterMB = rssMB(pid);
    return {
      events: options.events,
      seedSeconds,
      serial: figures(serialTimes),
      concurrent: figures(concurrentTimes),
      recordingAlone,
      recordingWithLookups,
      rssIdleMB,
      rssPeakMB: peak,
      rssAfterMB,
    };
  } finally {
    clearInterval(sampler);
    for (const c of clients) c.destroy();
  }
}

export async function benchMixedLoad(options: MixedLoadOptions): Promise<MixedLoadResult> {
  return inTempDir('opentrail-bench-mixed-', async (dataDir) => {
    const seedStarted = performance.now();
    await seed(dataDir, options.events, Date.now());
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    const server = await spawnServer(dataDir, ['--account-id', ACCOUNT, ...options.serverArgs]);
    try {
      return await measure(server, options, seedSeconds);
    } finally {
      await stopServer(server);
    }
  });
}
