import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { REPO_ROOT } from '../../test/helpers/server.ts';
import { LogDigestPool } from './log-digest-pool.ts';

/** The worker bundle bin/opentrail.js hands `opentrail validate` for the current sources. */
async function workerBundle(): Promise<URL> {
  const bundles = (await import(pathToFileURL(join(REPO_ROOT, 'bin', 'bundles.js')).href)) as {
    currentBundles(): Record<string, string> | undefined;
  };
  const path = bundles.currentBundles()?.['log-digest-worker'];
  assert.ok(path, 'bin/bundles.js could not build the log digest worker');
  return pathToFileURL(path);
}

describe('LogDigestPool on the bundled log digest worker', () => {
  let dir: string;
  const content = Buffer.from('{"Records":[{"eventName":"ListBuckets"}]}');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opentrail-pool-'));
    await writeFile(join(dir, 'good.json.gz'), gzipSync(content));
    await writeFile(join(dir, 'trailing.json.gz'), Buffer.concat([gzipSync(content), Buffer.from('xyz')]));
    await writeFile(join(dir, 'not-gzip.json.gz'), content);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads, inflates and hashes files on its workers, and says which are missing or malformed', async () => {
    const pool = new LogDigestPool(await workerBundle(), 2);
    try {
      const names = ['good.json.gz', 'trailing.json.gz', 'not-gzip.json.gz', 'absent.json.gz'];
      // More files than a batch, so that both workers get some.
      const paths = Array.from({ length: 200 }, (_, i) => join(dir, names[i % names.length] as string));
      const digests = await Promise.all(paths.map((path) => pool.digest(path)));
      const sha256Hex = createHash('sha256').update(content).digest('hex');
      for (const [i, digest] of digests.entries()) {
        const expected = [
          { kind: 'read', sha256Hex, trailingBytes: 0 },
          { kind: 'read', sha256Hex, trailingBytes: 3 },
          { kind: 'invalid-format' },
          { kind: 'missing' },
        ][i % names.length];
        assert.deepEqual(digest, expected, paths[i]);
      }
      // Every file went to a worker: none died and none fell back to the main thread.
      assert.deepEqual(pool.stats(), { workers: 2, workerFiles: paths.length });
    } finally {
      pool.close();
    }
  });
});
