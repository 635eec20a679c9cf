/**
 * Durable recording throughput: events/s through POST /v1/records of a server in its own process,
 * next to a baseline measured in the same run — a bare Node loop that parses, gzips and appends
 * the same bytes to a file (with an fsync per batch, as the server commits per batch).
 */
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { RecordClient, resolveCredentials } from '../src/cli/client.ts';
import { RESERVED_EVENT_SOURCES } from '../src/events/index.ts';
import { INVICTUS_ACCOUNT, SAMPLES, spawnServer } from '../test/helpers/server.ts';

export interface RecordingResult {
  events: number;
  recordedPerSecond: number;
  baselinePerSecond: number;
  ratio: number;
  bytesPerEvent: number;
  /** The server's CPU time (user + system, all threads) per 1000 events: steadier than events/s on a shared machine. */
  serverCpuMsPer1000: number;
}

/** A process's CPU time (user + system, all threads) in ms, from /proc (Linux; NaN elsewhere). */
export function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /s, '')
      .split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/**
 * Real sample records, re-stamped with fresh IDs and the current time, as one request body per
 * batch. Records of sources OpenTrail writes itself are left out: dated now, they are refused.
 */
export function makeBatches(total: number, batchSize: number): string[] {
  const dir = join(SAMPLES, 'invictus-ir-aws_dataset');
  const templates: Record<string, unknown>[] = [];
  for (const name of readdirSync(dir)) {
    templates.push(
      ...(
        JSON.parse(readFileSync(join(dir, name), 'utf8')) as { Records: Record<string, unknown>[] }
      ).Records.filter((r) => !RESERVED_EVENT_SOURCES.includes(r.eventSource as string)),
    );
  }
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const bodies: string[] = [];
  for (let start = 0; start < total; start += batchSize) {
    const records: string[] = [];
    for (let i = start; i < Math.min(total, start + batchSize); i++) {
      const t = templates[i % templates.length] as Record<string, unknown>;
      records.push(JSON.stringify({ ...t, eventID: randomUUID(), eventTime: now }));
    }
    bodies.push(`{"Records":[${records.join(',')}]}`);
  }
  return bodies;
}

function baseline(bodies: string[]): number {
  const dir = mkdtempSync(join(tmpdir(), 'opentrail-baseline-'));
  const fd = openSync(join(dir, 'log.gz'), 'a');
  let events = 0;
  const started = performance.now();
  for (const body of bodies) {
    const parsed = JSON.parse(body) as { Records: unknown[] };
    events += parsed.Records.length;
    writeSync(fd, gzipSync(body));
    fsyncSync(fd);
  }
  const seconds = (performance.now() - started) / 1000;
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  return events / seconds;
}

/** What one recording run measured: events recorded, wall time, and the server's CPU time meanwhile. */
export interface RecordingRun {
  recorded: number;
  seconds: number;
  serverCpuMs: number;
}

/**
 * Sends `bodies` with `concurrency` requests in flight, after a warm-up batch that is not counted
 * (unless the caller warmed up itself: `warmUp: false`), and measures the wall time and the CPU
 * time of the server process `serverPid`.
 */
export async function recordAll(
  client: RecordClient,
  bodies: readonly string[],
  concurrency: number,
  serverPid: number,
  { warmUp = true }: { warmUp?: boolean } = {},
): Promise<RecordingRun> {
  // Warm up the connection pool and the server's JIT on a small batch not counted.
  if (warmUp) await client.send(makeBatches(500, 500)[0] as string);

  let next = 0;
  let recorded = 0;
  const cpuStartedMs = cpuMs(serverPid);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++] as string;
        const response = await client.send(body);
        if (response.failed.length > 0)
          throw new Error(`bench batch failed: ${JSON.stringify(response.failed[0])}`);
        recorded += response.successful.length;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { recorded, seconds, serverCpuMs: cpuMs(serverPid) - cpuStartedMs };
}

export async function benchRecording(options: {
  events: number;
  batchSize: number;
  concurrency: number;
}): Promise<RecordingResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'opentrail-bench-rec-'));
  // The samples' account: a caller records only its own account's events.
  const server = await spawnServer(dataDir, [
    '--account-id',
    INVICTUS_ACCOUNT,
    '--parse-workers',
    process.env.BENCH_PARSE_WORKERS ?? '1',
  ]);
  try {
    const client = new RecordClient(server.url, 'us-east-1', await resolveCredentials(dataDir));
    const bodies = makeBatches(options.events, options.batchSize);
    const bytes = bodies.reduce((n, b) => n + b.length, 0);

    const { recorded, seconds, serverCpuMs } = await recordAll(
      client,
      bodies,
      options.concurrency,
      server.child.pid as number,
    );
    const recordedPerSecond = recorded / seconds;
    const baselinePerSecond = baseline(bodies);
    return {
      events: recorded,
      recordedPerSecond,
      baselinePerSecond,
      ratio: recordedPerSecond / baselinePerSecond,
      bytesPerEvent: bytes / options.events,
      serverCpuMsPer1000: (serverCpuMs * 1000) / recorded,
    };
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}
