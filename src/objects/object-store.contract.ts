/**
 * One contract, run unchanged against every ObjectStore adapter (STYLE: the same suite for
 * every backend). Each adapter's test file calls this with a factory for a fresh, empty bucket.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { it } from 'node:test';
import { ObjectStoreError, type ObjectStore } from './object-store.ts';

async function keysOf(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list(prefix)) keys.push(o.key);
  return keys;
}

function isCode(code: string) {
  return (e: unknown) => e instanceof ObjectStoreError && e.code === code;
}

export function objectStoreContract(make: () => Promise<{ store: ObjectStore; missing: ObjectStore }>): void {
  it('put() then get() and head() return the bytes, metadata and content headers', async () => {
    const { store } = await make();
    await store.checkWritable();
    const body = gzipSync('{"Records":[]}');
    const key =
      'AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/24/123456789012_CloudTrail_us-east-1_20261124T1200Z_abcdefghijklmnop.json.gz';
    await store.put(key, body, {
      metadata: { signature: 'deadbeef', 'signature-algorithm': 'SHA256withRSA' },
      contentType: 'application/json',
      contentEncoding: 'gzip',
    });
    const got = await store.get(key);
    assert.deepEqual(got.body, body);
    assert.equal(got.info.metadata.signature, 'deadbeef');
    assert.equal(got.info.metadata['signature-algorithm'], 'SHA256withRSA');
    const head = await store.head(key);
    assert.equal(head?.sizeBytes, body.length);
    assert.equal(head?.contentType, 'application/json');
    assert.equal(head?.contentEncoding, 'gzip');
    assert.equal(head?.metadata.signature, 'deadbeef');
    assert.ok((head?.lastModifiedMs ?? 0) > 0);
  });

  it('put() over an existing key replaces it whole', async () => {
    const { store } = await make();
    await store.put('a/b.json', Buffer.from('first'), { metadata: { v: '1' } });
    await store.put('a/b.json', Buffer.from('second'), { metadata: { v: '2' } });
    const got = await store.get('a/b.json');
    assert.equal(got.body.toString(), 'second');
    assert.equal(got.info.metadata.v, '2');
  });

  it('list() returns keys under a prefix in S3 key order, at any depth', async () => {
    const { store } = await make();
    for (const key of ['p/a-c', 'p/a/b', 'p/a/a', 'p/b', 'q/x', 'p0']) await store.put(key, Buffer.from(key));
    assert.deepEqual(await keysOf(store, 'p/'), ['p/a-c', 'p/a/a', 'p/a/b', 'p/b']);
    assert.deepEqual(await keysOf(store, 'p/a'), ['p/a-c', 'p/a/a', 'p/a/b']);
    assert.deepEqual(await keysOf(store, 'p'), ['p/a-c', 'p/a/a', 'p/a/b', 'p/b', 'p0']);
    assert.deepEqual(await keysOf(store, 'nothing/'), []);
    const sizes: number[] = [];
    for await (const o of store.list('q/')) sizes.push(o.sizeBytes);
    assert.deepEqual(sizes, [3]);
  });

  it('get() of a missing key fails with NoSuchKey and head() answers undefined', async () => {
    const { store } = await make();
    await assert.rejects(store.get('no/such/key'), isCode('NoSuchKey'));
    assert.equal(await store.head('no/such/key'), undefined);
  });

  it('read() returns the bytes alone, and undefined for a missing key', async () => {
    const { store } = await make();
    const body = gzipSync('{"Records":[]}');
    await store.put('r/log.json.gz', body, { metadata: { signature: 'beef' } });
    assert.deepEqual(await store.read('r/log.json.gz'), body);
    assert.equal(await store.read('r/missing.json.gz'), undefined);
    assert.equal(await store.read('r/log.json.gz/under-an-object'), undefined);
  });

  it('listKeys() returns the keys list() returns, in the same order', async () => {
    const { store } = await make();
    for (const key of ['k/b', 'k/a-c', 'k/a/b', 'k/\u00e9', 'k/\u{1f600}', 'k/\uffff', 'k0'])
      await store.put(key, Buffer.from(key));
    const keys: string[] = [];
    for await (const key of store.listKeys('k')) keys.push(key);
    assert.deepEqual(keys, await keysOf(store, 'k'));
    assert.deepEqual(keys, ['k/a-c', 'k/a/b', 'k/b', 'k/\u00e9', 'k/\uffff', 'k/\u{1f600}', 'k0']);
    const none: string[] = [];
    for await (const key of store.listKeys('nothing/')) none.push(key);
    assert.deepEqual(none, []);
  });

  it('delete() removes an object and is quiet about a missing one', async () => {
    const { store } = await make();
    await store.put('d/x', Buffer.from('x'));
    await store.delete('d/x');
    assert.equal(await store.head('d/x'), undefined);
    await store.delete('d/x');
  });

  it('a bucket that does not exist fails checkWritable() and put() with NoSuchBucket', async () => {
    const { missing } = await make();
    await assert.rejects(missing.checkWritable(), isCode('NoSuchBucket'));
    await assert.rejects(missing.put('k', Buffer.from('v')), isCode('NoSuchBucket'));
  });
}
