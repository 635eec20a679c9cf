import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { ObjectStoreError } from '../objects/object-store.ts';
import { objectStoreContract } from '../objects/object-store.contract.ts';
import { S3ObjectStore } from './s3-object-store.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

describe('S3ObjectStore against an S3-compatible server (s3rver)', () => {
  let dir: string;
  let server: S3rver;
  let endpoint: string;
  let n = 0;
  const clients: S3ObjectStore[] = [];
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opentrail-s3rver-'));
    server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    for (const c of clients) c.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  objectStoreContract(async () => {
    const bucket = `contract-${++n}`;
    const admin = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    admin.destroy();
    const store = new S3ObjectStore({ bucket, region: 'us-east-1', endpoint, credentials });
    const missing = new S3ObjectStore({ bucket: `missing-${n}`, region: 'us-east-1', endpoint, credentials });
    clients.push(store, missing);
    return { store, missing };
  });

  /** A bucket holding `keys`, each with random bytes, and a store reading it. */
  async function bucketWith(
    bucket: string,
    keys: string[],
  ): Promise<{ store: S3ObjectStore; admin: S3Client; bodies: Buffer[] }> {
    const admin = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    const bodies = keys.map(() => randomBytes(3000));
    for (const [i, key] of keys.entries())
      await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bodies[i] }));
    const store = new S3ObjectStore({ bucket, region: 'us-east-1', endpoint, credentials });
    clients.push(store);
    return { store, admin, bodies };
  }

  it('reads objects with lean GETs once the SDK has fetched one, byte for byte whatever the key', async () => {
    const keys = [
      'AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/24/first.json.gz',
      "odd keys/space +plus=equals&and~tilde!(paren)*star'quote.json.gz",
      'unicode/caf\u00e9/\u65e5\u672c/\u00fc.json.gz',
      'percent%41/not-decoded.json.gz',
    ];
    const { store, admin, bodies } = await bucketWith('lean-reads', keys);
    try {
      // The first read goes through the SDK, which shows where the bucket's requests go.
      assert.deepEqual(await store.read(keys[0] as string), bodies[0]);
      assert.equal(store.leanReads, 0);
      for (const [i, key] of keys.entries()) assert.deepEqual(await store.read(key), bodies[i], key);
      assert.equal(await store.read('AWSLogs/absent.json.gz'), undefined);
      assert.equal(store.leanReads, keys.length + 1);
    } finally {
      admin.destroy();
    }
  });

  it("signs lean GETs on S3's clock when this machine's is off, as the SDK has learnt it", async () => {
    const key = 'AWSLogs/skewed.json.gz';
    const { store, admin, bodies } = await bucketWith('lean-skewed', [key]);
    const now = Date.now.bind(Date);
    // This client's clock runs 20 minutes fast (s3rver keeps the true time with new Date()): S3
    // refuses requests more than 15 minutes off, the SDK corrects for it from the answer's Date.
    Date.now = () => now() + 20 * 60_000;
    try {
      assert.deepEqual(await store.read(key), bodies[0]);
      assert.deepEqual(await store.read(key), bodies[0]);
      assert.equal(store.leanReads, 1);
    } finally {
      Date.now = now;
      admin.destroy();
    }
  });

  it('leaves any other answer to the SDK, which explains it as before', async () => {
    const key = 'AWSLogs/vanishing.json.gz';
    const { store, admin, bodies } = await bucketWith('lean-vanishing', [key]);
    try {
      assert.deepEqual(await store.read(key), bodies[0]);
      assert.deepEqual(await store.read(key), bodies[0]);
      assert.equal(store.leanReads, 1);
      await admin.send(new DeleteObjectCommand({ Bucket: 'lean-vanishing', Key: key }));
      await admin.send(new DeleteBucketCommand({ Bucket: 'lean-vanishing' }));
      // S3 answers 404 NoSuchBucket: not a missing object, so the SDK asks again and says what it is.
      await assert.rejects(
        store.read(key),
        (error) => error instanceof ObjectStoreError && error.code === 'NoSuchBucket',
      );
      assert.equal(store.leanReads, 1);
    } finally {
      admin.destroy();
    }
  });
});
