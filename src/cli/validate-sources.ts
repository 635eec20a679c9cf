/**
 * Where `opentrail validate` reads from: buckets under `<data-dir>/buckets` when the bucket is
 * there, S3 (AWS or an S3-compatible endpoint) otherwise; public keys from CloudTrail's
 * ListPublicKeys (OpenTrail or AWS).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ListPublicKeysCommand, type CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DigestPublicKey, PublicKeySource, TrailObject, TrailObjectReader } from '../integrity/index.ts';
import {
  LocalDirObjectStore,
  ObjectStoreError,
  S3ObjectStore,
  bucketNameProblem,
  loadS3Sdk,
  type ObjectStore,
} from '../objects/index.ts';

export interface BucketReaderOptions {
  /** `<data-dir>/buckets`. */
  bucketsDir: string;
  /** Region for S3 requests (AWS S3 redirects to the bucket's own region). */
  region: string;
  /** An S3-compatible server for buckets that are not local. */
  s3Endpoint?: string | undefined;
}

export class BucketReader implements TrailObjectReader {
  private readonly stores = new Map<string, Promise<ObjectStore>>();
  private s3: S3Client | undefined;

  constructor(private readonly options: BucketReaderOptions) {}

  /** Whether the bucket is read from the local directory. */
  async isLocal(bucket: string): Promise<boolean> {
    return (await this.storeFor(bucket)) instanceof LocalDirObjectStore;
  }

  private storeFor(bucket: string): Promise<ObjectStore> {
    let store = this.stores.get(bucket);
    if (!store) {
      store = this.openStore(bucket);
      this.stores.set(bucket, store);
    }
    return store;
  }

  private async openStore(bucket: string): Promise<ObjectStore> {
    if (bucketNameProblem(bucket) === undefined) {
      try {
        if ((await stat(join(this.options.bucketsDir, bucket))).isDirectory())
          return new LocalDirObjectStore(this.options.bucketsDir, bucket);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    // Loaded only here: a trail in a local bucket is validated without the S3 client.
    const { S3Client } = await loadS3Sdk();
    this.s3 ??= new S3Client({
      region: this.options.region,
      ...(this.options.s3Endpoint ? { endpoint: this.options.s3Endpoint, forcePathStyle: true } : {}),
      followRegionRedirects: true,
      maxAttempts: 3,
    });
    return new S3ObjectStore({ bucket, region: this.options.region, client: this.s3 });
  }

  async get(bucket: string, key: string): Promise<TrailObject | undefined> {
    const store = await this.storeFor(bucket);
    try {
      const { body, info } = await store.get(key);
      return { body, metadata: info.metadata };
    } catch (error) {
      // A key the local store cannot hold (e.g. '..' segments, named by a digest) is not there either.
      if (error instanceof ObjectStoreError && (error.code === 'NoSuchKey' || error.code === 'InvalidKey'))
        return undefined;
      throw error;
    }
  }

  async getBody(bucket: string, key: string): Promise<Uint8Array | undefined> {
    const store = await this.storeFor(bucket);
    try {
      return await store.read(key);
    } catch (error) {
      if (error instanceof ObjectStoreError && error.code === 'InvalidKey') return undefined;
      throw error;
    }
  }

  async *list(bucket: string, prefix: string): AsyncIterable<string> {
    const store = await this.storeFor(bucket);
    yield* store.listKeys(prefix);
  }

  close(): void {
    this.s3?.destroy();
  }
}

/** ListPublicKeys, paged, through a CloudTrail client per region. */
export class CloudTrailPublicKeySource implements PublicKeySource {
  constructor(private readonly clientFor: (region: string) => CloudTrailClient) {}

  async publicKeys(region: string, startMs: number, endMs: number): Promise<readonly DigestPublicKey[]> {
    const client = this.clientFor(region);
    const keys: DigestPublicKey[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListPublicKeysCommand({
          StartTime: new Date(startMs),
          EndTime: new Date(endMs),
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const k of page.PublicKeyList ?? []) {
        if (k.Value && k.Fingerprint) keys.push({ fingerprint: k.Fingerprint, pkcs1Der: k.Value });
      }
      token = page.NextToken;
    } while (token);
    return keys;
  }
}
