/**
 * Buckets on S3 or S3-compatible storage (MinIO, Ceph, R2…) through the AWS SDK v3. With an
 * endpoint, requests use path-style addressing, which S3-compatible servers expect.
 *
 * The SDK is loaded on the first request, not on import: every `opentrail` command imports this
 * module, and most never touch S3 (loading the S3 client takes longer than validating a local
 * trail of a thousand log files).
 */
import type * as S3SdkModule from '@aws-sdk/client-s3';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import {
  ObjectStoreError,
  compareKeys,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from '../objects/object-store.ts';
import { LeanGetter } from './lean-get.ts';

type S3Sdk = typeof S3SdkModule;

let sdk: Promise<S3Sdk> | undefined;

/** The S3 client module, loaded once. */
export function loadS3Sdk(): Promise<S3Sdk> {
  return (sdk ??= import('@aws-sdk/client-s3'));
}

export interface S3ObjectStoreOptions {
  bucket: string;
  region: string;
  /** An S3-compatible endpoint; AWS S3 itself when absent. */
  endpoint?: string;
  credentials?: S3ClientConfig['credentials'];
  /** Test seam and connection sharing: a client made elsewhere. */
  client?: S3Client;
}

/** The HTTP status of a service's answer; undefined for failures without one (network, timeouts). */
function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;
  private client: S3Client | undefined;
  private ready: Promise<{ s3: S3Sdk; client: S3Client; lean: LeanGetter }> | undefined;
  private lean: LeanGetter | undefined;
  private closed = false;

  constructor(private readonly options: S3ObjectStoreOptions) {
    this.bucket = options.bucket;
    this.client = options.client;
  }

  /** The SDK and the client, made on first use, and the lean GETs that follow the client's lead. */
  private sdk(): Promise<{ s3: S3Sdk; client: S3Client; lean: LeanGetter }> {
    return (this.ready ??= loadS3Sdk().then((s3) => {
      if (this.closed) throw new ObjectStoreError('Unavailable', `Bucket '${this.bucket}': store closed.`);
      const { region, endpoint, credentials } = this.options;
      this.client ??= new s3.S3Client({
        region,
        ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
        ...(credentials ? { credentials } : {}),
        maxAttempts: 3,
      });
      this.lean = LeanGetter.of(this.client);
      return { s3, client: this.client, lean: this.lean };
    }));
  }

  /** Maps SDK failures onto the store's error codes; anything unexplained is Unavailable (retryable). */
  private translate(error: unknown, key?: string): never {
    const status = statusOf(error);
    const name = (error as { name?: string }).name;
    if (name === 'NoSuchBucket' || (status === 404 && key === undefined)) {
      throw new ObjectStoreError('NoSuchBucket', `Bucket '${this.bucket}' does not exist.`, { cause: error });
    }
    if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
      throw new ObjectStoreError('NoSuchKey', `No object '${key ?? ''}' in bucket '${this.bucket}'.`, {
        cause: error,
      });
    }
    if (status === 403 || name === 'AccessDenied') {
      throw new ObjectStoreError('AccessDenied', `Access to bucket '${this.bucket}' was denied.`, {
        cause: error,
      });
    }
    throw new ObjectStoreError(
      'Unavailable',
      `Bucket '${this.bucket}' is unavailable: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }

  async checkWritable(): Promise<void> {
    const { s3, client } = await this.sdk();
    try {
      await client.send(new s3.HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      this.translate(error);
    }
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<void> {
    const { s3, client } = await this.sdk();
    try {
      await client.send(
        new s3.PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ...(options.metadata ? { Metadata: options.metadata } : {}),
          ...(options.contentType ? { ContentType: options.contentType } : {}),
          ...(options.contentEncoding ? { ContentEncoding: options.contentEncoding } : {}),
        }),
      );
    } catch (error) {
      this.translate(error, key);
    }
  }

  async get(key: string): Promise<{ body: Buffer; info: ObjectInfo }> {
    const { s3, client } = await this.sdk();
    try {
      const out = await client.send(new s3.GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body = Buffer.from((await out.Body?.transformToByteArray()) ?? new Uint8Array());
      return {
        body,
        info: {
          key,
          sizeBytes: body.length,
          lastModifiedMs: out.LastModified?.getTime() ?? 0,
          metadata: out.Metadata ?? {},
          ...(out.ContentType ? { contentType: out.ContentType } : {}),
          ...(out.ContentEncoding ? { contentEncoding: out.ContentEncoding } : {}),
        },
      };
    } catch (error) {
      this.translate(error, key);
    }
  }

  /** Reads many objects fast (see lean-get.ts): a lean GET where the SDK has shown the way. */
  async read(key: string): Promise<Buffer | undefined> {
    const { s3, client, lean } = await this.sdk();
    const fast = await lean.get(this.bucket, key);
    if (fast !== undefined) return fast ?? undefined;
    try {
      const out = await client.send(new s3.GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return Buffer.from((await out.Body?.transformToByteArray()) ?? new Uint8Array());
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'NoSuchKey' || (statusOf(error) === 404 && name !== 'NoSuchBucket')) return undefined;
      this.translate(error, key);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const { s3, client } = await this.sdk();
    try {
      const out = await client.send(new s3.HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        key,
        sizeBytes: out.ContentLength ?? 0,
        lastModifiedMs: out.LastModified?.getTime() ?? 0,
        metadata: out.Metadata ?? {},
        ...(out.ContentType ? { contentType: out.ContentType } : {}),
        ...(out.ContentEncoding ? { contentEncoding: out.ContentEncoding } : {}),
      };
    } catch (error) {
      if (statusOf(error) === 404 || (error as { name?: string }).name === 'NotFound') return undefined;
      this.translate(error, key);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // AWS S3 lists in UTF-8 key order; some S3-compatible servers do not, so the listing is
    // gathered and ordered here (keys only: a million log files is tens of megabytes).
    const { s3, client } = await this.sdk();
    const found: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      let out;
      try {
        out = await client.send(
          new s3.ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
      } catch (error) {
        this.translate(error);
      }
      for (const o of out.Contents ?? []) {
        if (!o.Key) continue;
        // Listing carries no user metadata; callers that need it ask head().
        found.push({
          key: o.Key,
          sizeBytes: o.Size ?? 0,
          lastModifiedMs: o.LastModified?.getTime() ?? 0,
          metadata: {},
        });
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    found.sort((a, b) => compareKeys(a.key, b.key));
    yield* found;
  }

  async *listKeys(prefix: string): AsyncIterable<string> {
    for await (const info of this.list(prefix)) yield info.key;
  }

  async delete(key: string): Promise<void> {
    const { s3, client } = await this.sdk();
    try {
      await client.send(new s3.DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      this.translate(error, key);
    }
  }

  /** GETs answered without the SDK (see read()). */
  get leanReads(): number {
    return this.lean?.leanReads ?? 0;
  }

  close(): void {
    this.closed = true;
    this.lean?.destroy();
    this.client?.destroy();
  }
}
