/** What the benchmarks share: temporary directories, percentiles, sample records, stopping a server. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLES, type ChildServer } from '../test/helpers/server.ts';

/** Runs `run` with a fresh temporary directory and removes it afterwards, whatever happens. */
export async function inTempDir<T>(prefix: string, run: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    return await run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Real sample records (account 123837392027, us-east-1, all management events) with fresh IDs, stamped now. */
export function freshSampleRecords(total: number): { ids: string[]; texts: string[] } {
  const dir = join(SAMPLES, 'invictus-ir-aws_dataset');
  const templates: Record<string, unknown>[] = [];
  for (const name of readdirSync(dir).sort()) {
    templates.push(
      ...(JSON.parse(readFileSync(join(dir, name), 'utf8')) as { Records: Record<string, unknown>[] })
        .Records,
    );
  }
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const ids: string[] = [];
  const texts: string[] = [];
  for (let i = 0; i < total; i++) {
    const id = randomUUID();
    ids.push(id);
    texts.push(JSON.stringify({ ...templates[i % templates.length], eventID: id, eventTime: now }));
  }
  return { ids, texts };
}

/** Stops a spawned server (if it still runs) and waits for it to exit. */
export async function stopServer(server: ChildServer): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGTERM');
  await server.exited;
}
