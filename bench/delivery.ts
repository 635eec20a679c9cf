/**
 * Trail delivery, against a server in its own process writing to the embedded local bucket store:
 *
 * 1. Latency from a batch's acknowledgement (POST /v1/records answered: the events are durable)
 *    to the first directory listing of the bucket that shows them in a delivered log file, under
 *    a steady input paced by the wall clock, with a 1 s delivery interval.
 * 2. Throughput of a backlog: events are recorded while the trail logs but the interval is an
 *    hour, then the server restarts with a 1 s interval (delivery also runs once at startup) and
 *    the clock runs from its "listening" line until the bucket holds every event. Next to it, in
 *    the same run, a bare loop that cuts the same record texts into documents of the sizes the
 *    server wrote, gzips each as the server does and writes and fsyncs it.
 *
 * The bucket is watched by walking its directory every 50 ms; a file is visible from the first
 * walk that lists it. Files are decompressed only after the bucket has been quiet for 3 s, so the
 * watcher takes next to no CPU from the server while it delivers (both share the machine), and
 * their eventIDs are found by substring search (each sample record holds one `"eventID":"`).
 */
import { freshSampleRecords, inTempDir, percentile, stopServer } from './shared.ts';

import { open, readFile, readdir } from 'node:fs/promises';

import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { gunzipSync, gzip as gzipCallback } from 'node:zlib';
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { RecordClient, resolveCredentials } from '../src/cli/client.ts';
import { LocalDirObjectStore } from '../src/local/index.ts';
import { INVICTUS_ACCOUNT, spawnServer, type ChildServer } from '../test/helpers/server.ts';

const gzip = promisify(gzipCallback);
const BUCKET = 'bench';
const TRAIL = 'bench';
const ID_MARK = '"eventID":"';
const ID_LENGTH = 36;

export interface LatencyResult {
  events: number;
  offeredPerSecond: number;
  achievedPerSecond: number;
  batchSize: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Events never seen in the bucket before the wait ended. */
  missing: number;
  /** POST /v1/records round trip, for context: the latency above starts when it ends. */
  ackP99Ms: number;
  files: number;
}

export interface ThroughputResult {
  events: number;
  files: number;
  bytesPerEvent: number;
  /** Uncompressed bytes of the log files the server wrote. */
  deliveredBytes: number;
  deliveredSeconds: number;
  /** From spawning the restarted server to its "listening" line (not counted above). */
  startupSeconds: number;
  deliveredPerSecond: number;
  deliveredMBPerSecond: number;
  baselinePerSecond: number;
  baselineMBPerSecond: number;
  ratio: number;
}

function bodyOf(texts: string[]): string {
  return `{"Records":[${texts.join(',')}]}`;
}

interface DeliveredFile {
  /** performance.now() when the first listing that showed the file was read. */
  listedMs: number;
  uncompressedBytes: number;
  /** Every eventID in the file, the server's own API events included. */
  ids: string[];
}

/**
 * Lists the bucket every 50 ms and notes when each log file first appears. Files are read only
 * once no new file has appeared for a while (delivery writes a backlog in back-to-back rounds),
 * so decompressing them does not take CPU from the server while it delivers.
 */
class BucketWatcher {
  private readonly listed = new Map<string, number>();
  private readonly unread: string[] = [];
  private lastNewMs = performance.now();
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly dir: string) {}

  start(): void {
    this.running ??= (async () => {
      while (!this.stopping) {
        const started = performance.now();
        await this.list();
        await sleep(Math.max(0, 50 - (performance.now() - started)));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  get files(): number {
    return this.listed.size;
  }

  async list(): Promise<void> {
    const found: string[] = [];
    await this.walk(this.dir, found);
    const listedMs = performance.now();
    for (const path of found) {
      this.listed.set(path, listedMs);
      this.unread.push(path);
      this.lastNewMs = listedMs;
    }
  }

  /** Decompresses the files not read yet and finds their eventIDs. */
  async read(): Promise<DeliveredFile[]> {
    const files: DeliveredFile[] = [];
    for (const path of this.unread.splice(0)) {
      const text = gunzipSync(await readFile(path));
      const ids: string[] = [];
      for (let at = text.indexOf(ID_MARK); at >= 0; at = text.indexOf(ID_MARK, at + ID_MARK.length)) {
        ids.push(text.toString('latin1', at + ID_MARK.length, at + ID_MARK.length + ID_LENGTH));
      }
      files.push({ listedMs: this.listed.get(path) as number, uncompressedBytes: text.length, ids });
    }
    return files;
  }

  /**
   * Waits for a spell of `quietMs` without new files, reads what arrived, and repeats until
   * `take` says everything is there (true) or `timeoutMs` passes (false).
   */
  async settle(
    take: (files: DeliveredFile[]) => boolean,
    quietMs: number,
    timeoutMs: number,
  ): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (performance.now() - this.lastNewMs >= quietMs && take(await this.read())) return true;
      if (performance.now() > deadline) return false;
      await sleep(50);
    }
  }

  private async walk(dir: string, out: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      // Digest files (trails validate log files by default) live under CloudTrail-Digest/.
      if (entry.isDirectory()) {
        if (entry.name !== 'CloudTrail-Digest') await this.walk(path, out);
      }
      // Puts write `<key>.<hex>.partial` and rename it into place: only whole objects count.
      else if (entry.name.endsWith('.json.gz') && !this.listed.has(path)) out.push(path);
    }
  }
}

async function startTrail(server: ChildServer): Promise<void> {
  await LocalDirObjectStore.createBucket(join(server.dataDir, 'buckets'), BUCKET);
  const client = new CloudTrailClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: await resolveCredentials(server.dataDir),
  });
  try {
    // OpenTrail's defaults: all regions, global service events, log file validation.
    await client.send(new CreateTrailCommand({ Name: TRAIL, S3BucketName: BUCKET }));
    await client.send(new StartLoggingCommand({ Name: TRAIL }));
  } finally {
    client.destroy();
  }
}

async function sendAll(client: RecordClient, body: string): Promise<number> {
  const response = await client.send(body);
  if (response.failed.length > 0)
    throw new Error(`bench batch failed: ${JSON.stringify(response.failed[0])}`);
  return response.successful.length;
}

export async function benchDeliveryLatency(options: {
  eventsPerSecond: number;
  seconds: number;
  batchSize: number;
}): Promise<LatencyResult> {
  return inTempDir('opentrail-bench-delivery-', (dataDir) => measureLatency(dataDir, options));
}

async function measureLatency(
  dataDir: string,
  options: { eventsPerSecond: number; seconds: number; batchSize: number },
): Promise<LatencyResult> {
  const server = await spawnServer(dataDir, ['--delivery-interval', '1', '--account-id', INVICTUS_ACCOUNT]);
  try {
    await startTrail(server);
    const client = new RecordClient(server.url, 'us-east-1', await resolveCredentials(dataDir));
    const batches = Math.max(1, Math.round((options.eventsPerSecond * options.seconds) / options.batchSize));
    const { ids, texts } = freshSampleRecords(batches * options.batchSize);
    const bodies: string[] = [];
    for (let b = 0; b < batches; b++) {
      bodies.push(bodyOf(texts.slice(b * options.batchSize, (b + 1) * options.batchSize)));
    }
    const indexOf = new Map(ids.map((id, i) => [id, i]));
    const ackMs = new Float64Array(batches).fill(NaN);
    const sentMs = new Float64Array(batches).fill(NaN);
    const visibleMs = new Float64Array(ids.length).fill(NaN);
    let visible = 0;
    const take = (files: DeliveredFile[]): boolean => {
      for (const file of files) {
        for (const id of file.ids) {
          const i = indexOf.get(id);
          if (i !== undefined && Number.isNaN(visibleMs[i])) {
            visibleMs[i] = file.listedMs;
            visible++;
          }
        }
      }
      return visible === ids.length;
    };

    // Warm up the connection pool and the server's JIT on a small batch not counted.
    await sendAll(client, bodyOf(freshSampleRecords(options.batchSize).texts));

    const watcher = new BucketWatcher(join(dataDir, 'buckets', BUCKET));
    watcher.start();
    const periodMs = (options.batchSize / options.eventsPerSecond) * 1000;
    const started = performance.now();
    try {
      const pending: Promise<void>[] = [];
      for (let b = 0; b < batches; b++) {
        // Paced by the wall clock: a slow answer does not hold back the next batch.
        await sleep(Math.max(0, started + b * periodMs - performance.now()));
        sentMs[b] = performance.now();
        pending.push(
          sendAll(client, bodies[b] as string).then(() => {
            ackMs[b] = performance.now();
          }),
        );
      }
      await Promise.all(pending);
      // Three quiet intervals before reading: files are read only after the last one was listed.
      await watcher.settle(take, 3000, 30_000);
    } finally {
      await watcher.stop();
    }
    const lastAckMs = Math.max(...ackMs);

    const latencies = Float64Array.from(ids.keys(), (i) => {
      const batch = Math.floor(i / options.batchSize);
      return (visibleMs[i] as number) - (ackMs[batch] as number);
    })
      .filter((ms) => !Number.isNaN(ms))
      .sort();
    const acks = Float64Array.from(ackMs, (ms, b) => ms - (sentMs[b] as number)).sort();
    return {
      events: ids.length,
      offeredPerSecond: options.eventsPerSecond,
      achievedPerSecond: ids.length / ((lastAckMs - started) / 1000),
      batchSize: options.batchSize,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies[latencies.length - 1] ?? NaN,
      missing: ids.length - visible,
      ackP99Ms: percentile(acks, 99),
      files: watcher.files,
    };
  } finally {
    await stopServer(server);
  }
}

/** Gzips (zlib's default level, as the server's promisified zlib.gzip) and writes+fsyncs each document. */
async function baseline(
  texts: string[],
  fileSizes: number[],
  dir: string,
): Promise<{ seconds: number; bytes: number }> {
  let bytes = 0;
  let next = 0;
  const started = performance.now();
  for (const [n, size] of fileSizes.entries()) {
    const document = Buffer.from(bodyOf(texts.slice(next, next + size)));
    next += size;
    bytes += document.length;
    const handle = await open(join(dir, `${n}.json.gz`), 'w', 0o640);
    try {
      await handle.writeFile(await gzip(document));
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
  return { seconds: (performance.now() - started) / 1000, bytes };
}

export async function benchDeliveryThroughput(options: { events: number }): Promise<ThroughputResult> {
  return inTempDir('opentrail-bench-delivery-', (dataDir) => measureThroughput(dataDir, options));
}

async function measureThroughput(dataDir: string, options: { events: number }): Promise<ThroughputResult> {
  const args = ['--account-id', INVICTUS_ACCOUNT];
  let server = await spawnServer(dataDir, ['--delivery-interval', '3600', ...args]);
  try {
    await startTrail(server);
    // The backlog: recorded while the trail logs, with no round due for an hour.
    const { ids, texts } = freshSampleRecords(options.events);
    const client = new RecordClient(server.url, 'us-east-1', await resolveCredentials(dataDir));
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < texts.length) {
          const start = next;
          next += 1000;
          await sendAll(client, bodyOf(texts.slice(start, start + 1000)));
        }
      }),
    );
    await stopServer(server);

    const watcher = new BucketWatcher(join(dataDir, 'buckets', BUCKET));
    const pending = new Set(ids);
    const fileSizes: number[] = [];
    let deliveredBytes = 0;
    let doneMs = 0;
    const take = (files: DeliveredFile[]): boolean => {
      for (const file of files) {
        // The baseline's documents hold as many of the bench's events as each file did.
        const ours = file.ids.filter((id) => pending.delete(id)).length;
        if (ours === 0) continue;
        fileSizes.push(ours);
        deliveredBytes += file.uncompressedBytes;
        doneMs = Math.max(doneMs, file.listedMs);
      }
      return pending.size === 0;
    };

    const spawnedMs = performance.now();
    server = await spawnServer(dataDir, ['--delivery-interval', '1', ...args]);
    const listeningMs = performance.now();
    watcher.start();
    try {
      if (!(await watcher.settle(take, 3000, 600_000))) {
        throw new Error(`${pending.size} of ${options.events} events not delivered in 600 s`);
      }
    } finally {
      await watcher.stop();
    }
    await stopServer(server);

    const deliveredSeconds = (doneMs - listeningMs) / 1000;
    const base = await inTempDir('opentrail-bench-delivery-baseline-', (dir) =>
      baseline(texts, fileSizes, dir),
    );
    const deliveredPerSecond = options.events / deliveredSeconds;
    const baselinePerSecond = options.events / base.seconds;
    return {
      events: options.events,
      files: fileSizes.length,
      bytesPerEvent: texts.reduce((n, t) => n + t.length, 0) / options.events,
      deliveredBytes,
      deliveredSeconds,
      startupSeconds: (listeningMs - spawnedMs) / 1000,
      deliveredPerSecond,
      deliveredMBPerSecond: deliveredBytes / 1e6 / deliveredSeconds,
      baselinePerSecond,
      baselineMBPerSecond: base.bytes / 1e6 / base.seconds,
      ratio: deliveredPerSecond / baselinePerSecond,
    };
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) await stopServer(server);
  }
}
