/**
 * Where trails put log files and digests: a bucket. Two adapters: a local directory (the
 * embedded default) and S3-compatible storage through the AWS SDK. A put resolves only once the
 * object is durable, because delivery advances its cursor after that.
 */

export interface ObjectInfo {
  key: string;
  sizeBytes: number;
  lastModifiedMs: number;
  /** User metadata (S3 x-amz-meta-*), names lower case; digests carry their signature here. */
  metadata: Record<string, string>;
  contentType?: string;
  contentEncoding?: string;
}

export interface PutOptions {
  metadata?: Record<string, string>;
  contentType?: string;
  contentEncoding?: string;
}

export interface ObjectStore {
  readonly bucket: string;
  /** Fails with ObjectStoreError NoSuchBucket / AccessDenied / Unavailable when the bucket cannot take objects. */
  checkWritable(): Promise<void>;
  put(key: string, body: Uint8Array, options?: PutOptions): Promise<void>;
  /** Fails with ObjectStoreError NoSuchKey when absent. */
  get(key: string): Promise<{ body: Buffer; info: ObjectInfo }>;
  /**
   * The object's bytes alone, or undefined when absent: no metadata, size or time, so it can cost
   * less than get() (the local store keeps metadata in a file of its own). For reading many log
   * files, as validation does.
   */
  read(key: string): Promise<Buffer | undefined>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /**
   * Objects whose key starts with `prefix`, in key order (UTF-8 byte order, as S3 lists them).
   * Listed entries carry no user metadata, as on S3: head() has it.
   */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** The keys list() returns, in the same order, without what it takes to learn sizes and times. */
  listKeys(prefix: string): AsyncIterable<string>;
  delete(key: string): Promise<void>;
}

export type ObjectStoreErrorCode =
  'NoSuchBucket' | 'NoSuchKey' | 'AccessDenied' | 'InvalidKey' | 'Unavailable';

export class ObjectStoreError extends Error {
  constructor(
    readonly code: ObjectStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ObjectStoreError';
  }
}

/**
 * S3's bucket naming rules (general purpose buckets): 3-63 characters of lower-case letters,
 * digits, dots and hyphens, beginning and ending with a letter or digit, not shaped like an IP
 * address, no adjacent dots.
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long';
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) {
    return 'may hold only lower-case letters, digits, dots and hyphens, and must begin and end with a letter or digit';
  }
  if (name.includes('..')) return 'must not hold two adjacent dots';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'must not be formatted as an IP address';
  return undefined;
}

/** Keys the local store can hold as paths: no empty, '.' or '..' segments, no NUL, at most 1024 bytes. */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0 || Buffer.byteLength(key) > 1024) return 'must be 1 to 1024 bytes';
  if (key.includes('\0')) return 'must not contain NUL';
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..')
      return `must not have an empty, '.' or '..' path segment`;
  }
  return undefined;
}

export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
