/**
 * Buckets held in memory: the ObjectStore port with the semantics its contract pins (S3 key
 * order, whole-object replacement, NoSuchBucket for a bucket never created), for unit tests of
 * delivery and for tools that need no persistence. Nothing survives the process.
 */
import {
  ObjectStoreError,
  compareKeys,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from './object-store.ts';

interface MemoryObject {
  body: Buffer;
  info: ObjectInfo;
}

/** The buckets of one in-memory "account": a bucket created later is seen by stores made earlier. */
export class MemoryBuckets {
  private readonly buckets = new Map<string, Map<string, MemoryObject>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Creates a bucket; false when it already exists. */
  create(name: string): boolean {
    if (this.buckets.has(name)) return false;
    this.buckets.set(name, new Map());
    return true;
  }

  /** The store of a bucket, which need not exist yet (its calls then fail with NoSuchBucket). */
  store(name: string): MemoryObjectStore {
    return new MemoryObjectStore(name, this.buckets, this.now);
  }
}

export class MemoryObjectStore implements ObjectStore {
  constructor(
    readonly bucket: string,
    private readonly buckets: ReadonlyMap<string, Map<string, MemoryObject>>,
    private readonly now: () => number,
  ) {}

  private objects(): Map<string, MemoryObject> {
    const objects = this.buckets.get(this.bucket);
    if (!objects) throw new ObjectStoreError('NoSuchBucket', `The bucket ${this.bucket} does not exist`);
    return objects;
  }

  checkWritable(): Promise<void> {
    return new Promise((resolve) => {
      this.objects();
      resolve();
    });
  }

  put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<void> {
    return new Promise((resolve) => {
      const objects = this.objects();
      // S3's limit on key length (UTF-8 bytes).
      const size = Buffer.byteLength(key);
      if (size === 0 || size > 1024) {
        throw new ObjectStoreError('InvalidKey', `An object key must be 1 to 1024 bytes, got ${size}`);
      }
      objects.set(key, {
        body: Buffer.from(body),
        info: {
          key,
          sizeBytes: body.byteLength,
          lastModifiedMs: this.now(),
          metadata: { ...options.metadata },
          ...(options.contentType !== undefined ? { contentType: options.contentType } : {}),
          ...(options.contentEncoding !== undefined ? { contentEncoding: options.contentEncoding } : {}),
        },
      });
      resolve();
    });
  }

  get(key: string): Promise<{ body: Buffer; info: ObjectInfo }> {
    return new Promise((resolve) => {
      const object = this.objects().get(key);
      if (!object) throw new ObjectStoreError('NoSuchKey', `The key ${key} does not exist in ${this.bucket}`);
      resolve({
        body: Buffer.from(object.body),
        info: { ...object.info, metadata: { ...object.info.metadata } },
      });
    });
  }

  read(key: string): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const object = this.objects().get(key);
      resolve(object ? Buffer.from(object.body) : undefined);
    });
  }

  head(key: string): Promise<ObjectInfo | undefined> {
    return new Promise((resolve) => {
      const object = this.objects().get(key);
      resolve(object ? { ...object.info, metadata: { ...object.info.metadata } } : undefined);
    });
  }

  /** Keys under `prefix` in S3 order, read when listing starts. */
  private keysUnder(prefix: string): string[] {
    return [...this.objects().keys()].filter((k) => k.startsWith(prefix)).sort(compareKeys);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- an async generator is the port's shape
  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const objects = this.objects();
    for (const key of this.keysUnder(prefix)) {
      const object = objects.get(key);
      // As on S3, listed entries carry no user metadata.
      if (object)
        yield {
          key,
          sizeBytes: object.info.sizeBytes,
          lastModifiedMs: object.info.lastModifiedMs,
          metadata: {},
        };
    }
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- an async generator is the port's shape
  async *listKeys(prefix: string): AsyncIterable<string> {
    yield* this.keysUnder(prefix);
  }

  delete(key: string): Promise<void> {
    return new Promise((resolve) => {
      this.objects().delete(key);
      resolve();
    });
  }
}
