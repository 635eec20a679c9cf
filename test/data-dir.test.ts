/**
 * The data directory holds Event history, the master key and the admin credentials: the server
 * keeps it for its own user alone, whatever modes it found, and refuses another user's directory.
 */
import assert from 'node:assert/strict';
import { chmod, chown, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CreateTrailCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { ConfigError, validateConfig } from '../src/config.ts';
import { LocalDirObjectStore } from '../src/local/index.ts';
import { BIN, makeTempDir, startTestServer, type TestServer } from './helpers/server.ts';
import { cloudTrailClient } from './helpers/trails.ts';
import { run } from './helpers/run.ts';

const NOBODY = 65534;

async function modeOf(path: string): Promise<string> {
  return `0${((await stat(path)).mode & 0o7777).toString(8)}`;
}

/** Every path under `dir` (itself included, as '.') with its mode. */
async function modesUnder(dir: string): Promise<Map<string, string>> {
  const out = new Map([['.', await modeOf(dir)]]);
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() && !entry.isDirectory()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(path.slice(dir.length + 1), await modeOf(path));
  }
  return out;
}

/** Starts a server on `dataDir`, makes a trail deliver one log file to a local bucket, and stops. */
async function deliverOnce(dataDir: string, bucketFileMode?: number): Promise<void> {
  const server: TestServer = await startTestServer({
    dataDir,
    ...(bucketFileMode !== undefined ? { bucketFileMode } : {}),
  });
  const client = cloudTrailClient(server);
  try {
    await LocalDirObjectStore.createBucket(join(dataDir, 'buckets'), 'audit-logs');
    await client.send(new CreateTrailCommand({ Name: 'modes', S3BucketName: 'audit-logs' }));
    await client.send(new StartLoggingCommand({ Name: 'modes' }));
    await client.send(new CreateTrailCommand({ Name: 'modes-2', S3BucketName: 'audit-logs' }));
    await server.flush();
    // The WAL holds these calls' audit records until a checkpoint: it exists while the server runs.
    assert.equal(await modeOf(join(dataDir, 'opentrail.duckdb.wal')), '0600');
  } finally {
    client.destroy();
    await server.close();
  }
}

describe('data directory ownership and modes', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const newDataDir = async (): Promise<string> => {
    const dir = await makeTempDir('opentrail-modes-');
    dirs.push(dir);
    return dir;
  };

  it('keeps a data directory that was 0755 at 0700, and every file in it at 0600', async () => {
    const dataDir = await newDataDir();
    await chmod(dataDir, 0o755);
    await writeFile(join(dataDir, 'organizations.json'), '{"organizations": []}\n', { mode: 0o644 });
    await mkdir(join(dataDir, 'buckets', 'old-logs', 'AWSLogs'), { recursive: true, mode: 0o755 });
    await writeFile(join(dataDir, 'buckets', 'old-logs', 'AWSLogs', 'old.json.gz'), 'x', { mode: 0o644 });
    await deliverOnce(dataDir);

    const modes = await modesUnder(dataDir);
    for (const name of [
      'opentrail.duckdb',
      'master.key',
      'credentials',
      'config',
      'organizations.json',
      'buckets/old-logs/AWSLogs/old.json.gz',
    ])
      assert.equal(modes.get(name), '0600', name);
    const delivered = [...modes.keys()].filter(
      (p) => p.startsWith('buckets/audit-logs/') && p.endsWith('.json.gz'),
    );
    assert.ok(delivered.length > 0, 'the trail delivered a log file');
    for (const [path, mode] of modes) {
      const isDir = (await stat(join(dataDir, path))).isDirectory();
      assert.equal(mode, isDir ? '0700' : '0600', path);
    }
  });

  it('opens bucket files to the group with bucket mode 0640, and nothing else', async () => {
    const dataDir = await newDataDir();
    await deliverOnce(dataDir, 0o640);
    const modes = await modesUnder(dataDir);
    assert.equal(modes.get('.'), '0710', 'the group may search the data directory, not list it');
    for (const [path, mode] of modes) {
      if (path === '.') continue;
      const isDir = (await stat(join(dataDir, path))).isDirectory();
      const inBuckets = path.startsWith('buckets');
      assert.equal(mode, isDir ? (inBuckets ? '0750' : '0700') : inBuckets ? '0640' : '0600', path);
    }
    assert.ok([...modes.keys()].some((p) => p.startsWith('buckets/audit-logs/') && p.endsWith('.json.gz')));
  });

  it('refuses to start on a data directory owned by another user', async (t) => {
    if (process.getuid?.() !== 0) {
      t.skip('needs root to give a directory to another user (CI runs as root)');
      return;
    }
    const dataDir = await newDataDir();
    await chown(dataDir, NOBODY, NOBODY);
    await assert.rejects(startTestServer({ dataDir }), /is owned by uid 65534, not by uid 0/);
    assert.deepEqual(await readdir(dataDir), [], 'nothing was written into it');
    const served = await run(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir]);
    assert.notEqual(served.code, 0);
    assert.match(served.stderr, new RegExp(`data directory ${dataDir} is owned by uid 65534`));
  });

  it('accepts only bucket modes that keep others from writing', () => {
    for (const mode of [0o600, 0o640, 0o604, 0o644])
      assert.equal(validateConfig({ bucketFileMode: mode }).bucketFileMode, mode);
    for (const mode of [0o755, 0o660, 0o400, 0o666, 0o700])
      assert.throws(() => validateConfig({ bucketFileMode: mode }), ConfigError, mode.toString(8));
  });
});
