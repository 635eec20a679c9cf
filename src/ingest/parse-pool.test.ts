import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../../test/helpers/server.ts';
import { assertRejectsServiceError } from '../../test/helpers/service-errors.ts';
import { INLINE_PARSE_BYTES, ParsePool } from './parse-pool.ts';

const defaults = { awsRegion: 'eu-west-1', recipientAccountId: '111122223333' };

function batch(records: number): Buffer {
  const list = Array.from({ length: records }, (_, i) => ({
    eventTime: '2026-01-01T00:00:00Z',
    eventSource: 'app.example.com',
    eventName: 'Do',
    eventID: `id-${i}`,
    requestParameters: { pad: 'x'.repeat(100) },
  }));
  return Buffer.from(JSON.stringify({ Records: list }));
}

describe('ParsePool', () => {
  const pool = new ParsePool(1);
  after(() => pool.close());

  it('parses a large batch in a worker exactly as in place', async () => {
    const body = batch(2000);
    assert.ok(body.length > INLINE_PARSE_BYTES);
    const inWorker = await pool.parse(body, defaults);
    const inPlace = await new ParsePool(0).parse(body, defaults);
    assert.equal(inWorker.length, 2000);
    assert.deepEqual(inWorker, inPlace);
    const first = inWorker[0];
    assert.ok(first?.ok);
    assert.equal(first.event.region, 'eu-west-1');
    assert.equal(first.event.accountId, '111122223333');
  });

  it('carries a whole-body error back as the same ServiceError', async () => {
    const body = Buffer.concat([batch(2000), Buffer.from('garbage')]);
    await assertRejectsServiceError(pool.parse(body, defaults), 'SerializationException');
    await assertRejectsServiceError(
      new ParsePool(0).parse(Buffer.from('{'), defaults),
      'SerializationException',
    );
  });

  it('keeps serving after a failure', async () => {
    assert.equal((await pool.parse(batch(1500), defaults)).length, 1500);
  });
});

/** The worker bundle bin/opentrail.js hands `opentrail serve` for the current sources. */
async function workerBundle(): Promise<URL> {
  const bundles = (await import(pathToFileURL(join(REPO_ROOT, 'bin', 'bundles.js')).href)) as {
    currentBundles(): Record<string, string> | undefined;
  };
  const path = bundles.currentBundles()?.['parse-worker'];
  assert.ok(path, 'bin/bundles.js could not build the parse worker');
  return pathToFileURL(path);
}

describe('ParsePool on the bundled parse worker', () => {
  it('parses a large batch exactly as in place, with no TypeScript loader in the worker', async () => {
    const pool = new ParsePool(1, await workerBundle());
    try {
      const body = batch(2000);
      assert.deepEqual(await pool.parse(body, defaults), await new ParsePool(0).parse(body, defaults));
      await assertRejectsServiceError(
        pool.parse(Buffer.concat([body, Buffer.from('x')]), defaults),
        'SerializationException',
      );
    } finally {
      await pool.close();
    }
  });
});
