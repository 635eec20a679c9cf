/**
 * Delivery under a crash: the server is SIGKILLed while events stream in and its trail delivers
 * many small log files every second. After each restart the trail resumes from its cursor; a
 * range it was writing when it died is replayed under the same file names. In the end every
 * acknowledged event is in the bucket exactly once.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { RecordClient, resolveCredentials } from '../src/cli/client.ts';
import { LocalDirObjectStore } from '../src/local/index.ts';
import { makeTempDir, spawnServer, type ChildServer } from './helpers/server.ts';
import { eventIdOf, readDelivered, syntheticRecord, waitFor } from './helpers/trails.ts';

const ACCOUNT = '444455556666';
const SERVER_ARGS = ['--account-id', ACCOUNT, '--delivery-interval', '1', '--log-file-max-bytes', '4096'];

async function clientsFor(
  server: ChildServer,
): Promise<{ cloudTrail: CloudTrailClient; recorder: RecordClient }> {
  const credentials = await resolveCredentials(server.dataDir);
  return {
    cloudTrail: new CloudTrailClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    }),
    recorder: await RecordClient.create({
      endpointUrl: server.url,
      dataDir: server.dataDir,
      region: 'us-east-1',
    }),
  };
}

/** Sends batches until the server dies; returns the IDs it acknowledged. */
async function loadUntilKilled(
  recorder: RecordClient,
  acked: Set<string>,
  killAfterMs: number,
  server: ChildServer,
): Promise<void> {
  let n = 0;
  const killer = sleep(killAfterMs).then(() => server.child.kill('SIGKILL'));
  for (;;) {
    const batch = Array.from({ length: 50 }, () =>
      syntheticRecord(ACCOUNT, n % 3 ? 'us-east-1' : 'ap-south-1', { n: n++ % 500 }),
    );
    try {
      const response = await recorder.send(`{"Records":[${batch.join(',')}]}`);
      response.successful.forEach((s) => acked.add(eventIdOf(batch[s.index] as string)));
    } catch {
      break; // the kill cut the connection
    }
  }
  await killer;
  await server.exited;
}

describe('trail delivery across kill -9', () => {
  let dataDir: string;
  let server: ChildServer | undefined;
  after(async () => {
    server?.child.kill('SIGKILL');
    await server?.exited;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('delivers every acknowledged event exactly once after repeated crashes', async () => {
    dataDir = await makeTempDir();
    await LocalDirObjectStore.createBucket(join(dataDir, 'buckets'), 'crash-audit');
    server = await spawnServer(dataDir, SERVER_ARGS);
    let clients = await clientsFor(server);
    await clients.cloudTrail.send(new CreateTrailCommand({ Name: 'crash', S3BucketName: 'crash-audit' }));
    await clients.cloudTrail.send(new StartLoggingCommand({ Name: 'crash' }));

    const acked = new Set<string>();
    for (const killAfterMs of [2500, 1800]) {
      await loadUntilKilled(clients.recorder, acked, killAfterMs, server);
      clients.cloudTrail.destroy();
      server = await spawnServer(dataDir, SERVER_ARGS);
      clients = await clientsFor(server);
    }
    assert.ok(acked.size > 500, `only ${acked.size} events were acknowledged`);

    const bucket = new LocalDirObjectStore(join(dataDir, 'buckets'), 'crash-audit');
    const files = await waitFor(
      'every acknowledged event delivered',
      async () => {
        const delivered = await readDelivered(bucket);
        const ids = new Set(delivered.flatMap((f) => f.records.map(eventIdOf)));
        return [...acked].every((id) => ids.has(id)) ? delivered : undefined;
      },
      60_000,
      500,
    );
    const counts = new Map<string, number>();
    for (const f of files)
      for (const r of f.records) counts.set(eventIdOf(r), (counts.get(eventIdOf(r)) ?? 0) + 1);
    const repeated = [...counts].filter(([, n]) => n > 1);
    assert.deepEqual(repeated, [], `${repeated.length} events were delivered more than once`);
    assert.ok(files.length > 20, `expected many small files, got ${files.length}`);
    clients.cloudTrail.destroy();
  });
});
