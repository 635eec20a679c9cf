/**
 * Buckets on S3 or S3-compatible storage (MinIO, Ceph, R2…) through the AWS SDK v3. With an
 * endpoint, requests use path-style addressing, which S3-compatible servers expect.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import {
  ObjectStoreError,
  compareKeys,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from '../object-store.ts';

export interface S3ObjectStoreOptions {
  bucket: string;
  region: string;
  /** An S3-compatible endpoint; AWS S3 itself when absent. */
  endpoint?: string;
  credentials?: S3ClientConfig['credentials'];
  /** Test seam and connection sharing: a client made elsewhere. */
  client?: S3Client;
}

function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;
  private readonly client: S3Client;

  constructor(options: S3ObjectStoreOptions) {
    this.bucket = options.bucket;
    this.client =
      options.client ??
      new S3Client({
        region: options.region,
        ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
        maxAttempts: 3,
      });
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
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      this.translate(error);
    }
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
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
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
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

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
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
    const found: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      let out;
      try {
        out = await this.client.send(
          new ListObjectsV2Command({
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

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      this.translate(error, key);
    }
  }

  close(): void {
    this.client.destroy();
  }
}
