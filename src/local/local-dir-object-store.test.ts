import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { objectStoreContract } from '../objects/object-store.contract.ts';
import { ObjectStoreError } from '../objects/object-store.ts';
import { LocalDirObjectStore } from './local-dir-object-store.ts';

const NOBODY = 65534;

async function modeOf(path: string): Promise<string> {
  return `0${((await stat(path)).mode & 0o7777).toString(8)}`;
}

/** Runs checkWritable() in a child process with another user's rights; answers its error code or 'writable'. */
async function checkWritableAs(uid: number, root: string, bucket: string): Promise<string> {
  const module = new URL('./local-dir-object-store.ts', import.meta.url).href;
  const script = `
    const { LocalDirObjectStore } = await import(${JSON.stringify(module)});
    try { await new LocalDirObjectStore(${JSON.stringify(root)}, ${JSON.stringify(bucket)}).checkWritable(); console.log('writable'); }
    catch (e) { console.log(e.code); }`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    { uid, gid: uid, cwd: new URL('../..', import.meta.url).pathname, env: { PATH: process.env.PATH ?? '' } },
  );
  return stdout.trim();
}

describe('LocalDirObjectStore', () => {
  const roots: string[] = [];
  after(async () => {
    for (const r of roots) await rm(r, { recursive: true, force: true });
  });
  const newRoot = async (): Promise<string> => {
    const root = await mkdtemp(join(tmpdir(), 'opentrail-buckets-'));
    roots.push(root);
    return root;
  };

  objectStoreContract(async () => {
    const root = await newRoot();
    await LocalDirObjectStore.createBucket(root, 'audit-logs');
    return {
      store: new LocalDirObjectStore(root, 'audit-logs'),
      missing: new LocalDirObjectStore(root, 'not-created'),
    };
  });

  it('keeps objects at their natural paths and no temporary files behind', async () => {
    const root = await newRoot();
    assert.equal(await LocalDirObjectStore.createBucket(root, 'logs-1'), true);
    assert.equal(await LocalDirObjectStore.createBucket(root, 'logs-1'), false);
    const store = new LocalDirObjectStore(root, 'logs-1');
    await store.put('AWSLogs/1/f.json.gz', Buffer.from('x'));
    assert.deepEqual(await readdir(join(root, 'logs-1', 'AWSLogs', '1')), ['f.json.gz']);
    assert.deepEqual(await LocalDirObjectStore.listBuckets(root), ['logs-1']);
  });

  it('refuses bucket names S3 refuses and keys that would escape the bucket', async () => {
    const root = await newRoot();
    for (const bad of ['ab', 'Upper', 'a..b', '192.168.1.1', '-start', 'x'.repeat(64)]) {
      await assert.rejects(LocalDirObjectStore.createBucket(root, bad), ObjectStoreError, bad);
    }
    await LocalDirObjectStore.createBucket(root, 'safe-bucket');
    const store = new LocalDirObjectStore(root, 'safe-bucket');
    for (const key of ['../escape', 'a/../../b', '/abs', 'a//b', '']) {
      await assert.rejects(
        store.put(key, Buffer.from('x')),
        (e: unknown) => e instanceof ObjectStoreError && e.code === 'InvalidKey',
        key,
      );
    }
  });

  it('writes objects 0600 in 0700 directories under a loose umask', async () => {
    const root = join(await newRoot(), 'buckets');
    const previous = process.umask(0o022);
    try {
      await LocalDirObjectStore.createBucket(root, 'private-logs');
      await new LocalDirObjectStore(root, 'private-logs').put(
        'AWSLogs/1/CloudTrail/f.json.gz',
        Buffer.from('x'),
      );
    } finally {
      process.umask(previous);
    }
    for (const dir of [
      '.',
      'private-logs',
      'private-logs/AWSLogs',
      'private-logs/AWSLogs/1/CloudTrail',
      '.meta',
    ])
      assert.equal(await modeOf(join(root, dir)), '0700', dir);
    assert.equal(await modeOf(join(root, 'private-logs/AWSLogs/1/CloudTrail/f.json.gz')), '0600');
    assert.equal(await modeOf(join(root, '.meta/private-logs/AWSLogs/1/CloudTrail/f.json.gz.json')), '0600');
  });

  it('writes objects with a file mode looser than the umask when told to', async () => {
    const root = join(await newRoot(), 'buckets');
    const previous = process.umask(0o077);
    try {
      await LocalDirObjectStore.createBucket(root, 'shared-logs', { fileMode: 0o640 });
      await new LocalDirObjectStore(root, 'shared-logs', { fileMode: 0o640 }).put(
        'AWSLogs/1/f.json.gz',
        Buffer.from('x'),
      );
      // A bucket made without a mode (opentrail buckets create) takes the mode of the buckets directory.
      await LocalDirObjectStore.createBucket(root, 'later-logs');
    } finally {
      process.umask(previous);
    }
    for (const dir of ['.', 'shared-logs', 'shared-logs/AWSLogs/1', '.meta/shared-logs', 'later-logs'])
      assert.equal(await modeOf(join(root, dir)), '0750', dir);
    assert.equal(await modeOf(join(root, 'shared-logs/AWSLogs/1/f.json.gz')), '0640');
    assert.equal(await modeOf(join(root, '.meta/shared-logs/AWSLogs/1/f.json.gz.json')), '0640');
  });

  it('reports a bucket it cannot write as AccessDenied', async () => {
    const root = await newRoot();
    await LocalDirObjectStore.createBucket(root, 'read-only');
    await chmod(join(root, 'read-only'), 0o555);
    if (process.getuid?.() !== 0) {
      await assert.rejects(
        new LocalDirObjectStore(root, 'read-only').checkWritable(),
        (e: unknown) => e instanceof ObjectStoreError && e.code === 'AccessDenied',
      );
      return;
    }
    // Root writes anywhere (CI runs as root): the same check runs in a child process as nobody.
    await chmod(root, 0o755);
    assert.equal(await checkWritableAs(NOBODY, root, 'read-only'), 'AccessDenied');
    await chmod(join(root, 'read-only'), 0o777);
    assert.equal(await checkWritableAs(NOBODY, root, 'read-only'), 'writable');
  });
});
