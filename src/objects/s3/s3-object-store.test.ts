import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { objectStoreContract } from '../object-store.contract.ts';
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
});
