import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DataDirError, dataDirMode, directoryModeFor, prepareDataDir } from './data-dir.ts';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
const LOOSE_DIRS = [
  '.',
  'buckets',
  'buckets/audit-logs',
  'buckets/audit-logs/AWSLogs',
  'buckets/audit-logs/AWSLogs/123456789012',
  'buckets/.meta',
  'buckets/.meta/audit-logs',
  'opentrail.duckdb.tmp',
];

async function modeOf(path: string): Promise<string> {
  return `0${((await stat(path)).mode & 0o7777).toString(8)}`;
}

describe('prepareDataDir()', () => {
  const roots: string[] = [];
  after(async () => {
    for (const r of roots) await rm(r, { recursive: true, force: true });
  });
  const newRoot = async (): Promise<string> => {
    const root = await mkdtemp(join(tmpdir(), 'opentrail-data-dir-'));
    roots.push(root);
    return root;
  };

  /** A data directory as an earlier version left it under umask 022: 0755 directories, 0644 files. */
  const looseDataDir = async (): Promise<string> => {
    const dir = join(await newRoot(), 'data');
    await mkdir(join(dir, 'buckets', 'audit-logs', 'AWSLogs', '123456789012'), { recursive: true });
    await mkdir(join(dir, 'buckets', '.meta', 'audit-logs'), { recursive: true });
    await mkdir(join(dir, 'opentrail.duckdb.tmp'));
    for (const file of [
      'opentrail.duckdb',
      'opentrail.duckdb.wal',
      'organizations.json',
      'config',
      'opentrail.duckdb.tmp/spill-1.block',
      'buckets/audit-logs/AWSLogs/123456789012/f.json.gz',
      'buckets/.meta/audit-logs/f.json.gz.json',
    ]) {
      await writeFile(join(dir, file), 'x', { mode: 0o644 });
      await chmod(join(dir, file), 0o644);
    }
    for (const d of LOOSE_DIRS) await chmod(join(dir, d), 0o755);
    return dir;
  };

  it('creates a missing data directory 0700', async () => {
    const dir = join(await newRoot(), 'a', 'b');
    assert.deepEqual(await prepareDataDir(dir), { changedModes: 0 });
    assert.equal(await modeOf(dir), '0700');
  });

  it('tightens a 0755 data directory to 0700 and every file in it to 0600', async () => {
    const dir = await looseDataDir();
    const { changedModes } = await prepareDataDir(dir);
    assert.equal(changedModes, LOOSE_DIRS.length + 7);
    for (const d of LOOSE_DIRS) assert.equal(await modeOf(join(dir, d)), '0700', d);
    for (const f of [
      'opentrail.duckdb',
      'opentrail.duckdb.wal',
      'organizations.json',
      'config',
      'opentrail.duckdb.tmp/spill-1.block',
      'buckets/audit-logs/AWSLogs/123456789012/f.json.gz',
      'buckets/.meta/audit-logs/f.json.gz.json',
    ])
      assert.equal(await modeOf(join(dir, f)), '0600', f);
    // A second start finds nothing to change.
    assert.deepEqual(await prepareDataDir(dir), { changedModes: 0 });
  });

  it('opens the buckets, and only them, to readers a bucket mode names', async () => {
    const dir = await looseDataDir();
    await prepareDataDir(dir, { bucketFileMode: 0o640 });
    assert.equal(await modeOf(dir), '0710', 'the group may search the data directory, not list it');
    assert.equal(await modeOf(join(dir, 'buckets', 'audit-logs', 'AWSLogs')), '0750');
    assert.equal(await modeOf(join(dir, 'buckets/audit-logs/AWSLogs/123456789012/f.json.gz')), '0640');
    assert.equal(await modeOf(join(dir, 'opentrail.duckdb')), '0600');
    assert.equal(await modeOf(join(dir, 'opentrail.duckdb.tmp')), '0700');
    // And back to owner only when the option goes.
    await prepareDataDir(dir);
    assert.equal(await modeOf(dir), '0700');
    assert.equal(await modeOf(join(dir, 'buckets/audit-logs/AWSLogs/123456789012/f.json.gz')), '0600');
  });

  it('leaves what a symbolic link points to as it is', async () => {
    const root = await newRoot();
    const outside = join(root, 'outside.txt');
    await writeFile(outside, 'x');
    await chmod(outside, 0o644);
    const dir = join(root, 'data');
    await mkdir(dir);
    await symlink(outside, join(dir, 'link'));
    await prepareDataDir(dir);
    assert.equal(await modeOf(outside), '0644');
  });

  it('refuses a data directory owned by another user, naming its owner and path', async () => {
    let dir: string;
    let owner: number;
    if (isRoot) {
      dir = join(await newRoot(), 'theirs');
      await mkdir(dir, { mode: 0o755 });
      await chown(dir, NOBODY, NOBODY);
      owner = NOBODY;
    } else {
      dir = tmpdir(); // owned by root
      owner = (await stat(dir)).uid;
    }
    const before = await modeOf(dir);
    await assert.rejects(
      prepareDataDir(dir),
      (e: unknown) =>
        e instanceof DataDirError &&
        e.message.includes(`data directory ${dir} is owned by uid ${owner}`) &&
        e.message.includes(`uid ${process.getuid?.()}`),
    );
    assert.equal(await modeOf(dir), before, 'nothing changed');
  });

  it('refuses a data directory path that is a file', async () => {
    const file = join(await newRoot(), 'file');
    await writeFile(file, 'x');
    await assert.rejects(prepareDataDir(file), DataDirError);
  });

  it('gives directories search wherever their files may be read', () => {
    assert.equal(directoryModeFor(0o600), 0o700);
    assert.equal(directoryModeFor(0o640), 0o750);
    assert.equal(directoryModeFor(0o644), 0o755);
    assert.equal(dataDirMode(0o600), 0o700);
    assert.equal(dataDirMode(0o640), 0o710);
    assert.equal(dataDirMode(0o644), 0o711);
  });
});
