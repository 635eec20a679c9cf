/**
 * Embedded buckets: `<root>/<bucket>/<key>` holds each object at its natural path (so other tools
 * can read the logs in place); `<root>/.meta/<bucket>/<key>.json` holds its metadata. Writes go to
 * a temporary file, are fsynced and renamed into place, then the directory is fsynced: an object
 * is either absent or whole after a crash.
 *
 * Objects are 0600 and directories 0700 unless `fileMode` says otherwise (`--bucket-mode`, for
 * other tools that read the logs in place); modes looser than the umask are set explicitly.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_BUCKET_FILE_MODE } from '../config.ts';
import { directoryModeFor } from './data-dir.ts';
import {
  ObjectStoreError,
  bucketNameProblem,
  compareKeys,
  keyProblem,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from '../objects/object-store.ts';

interface StoredMeta {
  metadata: Record<string, string>;
  contentType?: string;
  contentEncoding?: string;
}

export interface LocalBucketOptions {
  /** Mode of object files (default 0600); their directories get search (x) wherever read is granted. */
  fileMode?: number;
}

/** `mkdir -p` with `mode` on every directory it creates, whatever the umask. */
async function makeDirs(dir: string, mode: number): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode });
  // The umask (077 in the server) may have taken bits that `mode` grants to others.
  if (first === undefined || (mode & 0o077) === 0) return;
  const top = resolve(first);
  for (let d = resolve(dir); d.length >= top.length; d = dirname(d)) {
    await chmod(d, mode);
    if (d === top) break;
  }
}

async function writeDurably(path: string, body: Uint8Array, fileMode: number): Promise<void> {
  await makeDirs(dirname(path), directoryModeFor(fileMode));
  const temp = `${path}.${randomBytes(6).toString('hex')}.partial`;
  const handle = await open(temp, 'wx', fileMode);
  try {
    if ((fileMode & 0o077) !== 0) await handle.chmod(fileMode);
    await handle.writeFile(body);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * An object's bytes from its file, or undefined when there is none. Synchronous: an asynchronous
 * read of a file takes four trips through libuv's thread pool (open, fstat, read, close), each
 * costing the calling thread more than the whole read of a small file from the page cache:
 * validating 2,110 log files of ~2 KB took 130 ms of main thread time with fs.readFile, 20 ms with
 * readFileSync. Log and digest files are small.
 */
export function readObjectFile(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
    throw error;
  }
}

export class LocalDirObjectStore implements ObjectStore {
  private readonly dir: string;
  private readonly metaDir: string;
  private readonly fileMode: number;

  constructor(
    private readonly root: string,
    readonly bucket: string,
    options: LocalBucketOptions = {},
  ) {
    this.fileMode = options.fileMode ?? DEFAULT_BUCKET_FILE_MODE;
    const problem = bucketNameProblem(bucket);
    if (problem) throw new ObjectStoreError('NoSuchBucket', `Bucket name '${bucket}' ${problem}.`);
    this.dir = join(root, bucket);
    this.metaDir = join(root, '.meta', bucket);
  }

  /**
   * Creates a bucket under `root`; fails if its name breaks S3's rules. Returns false if it
   * existed. Without `fileMode` the bucket's directory takes the mode of `root`, which the server
   * sets after `--bucket-mode` at start (so `opentrail buckets create` follows it).
   */
  static async createBucket(
    root: string,
    bucket: string,
    options: LocalBucketOptions = {},
  ): Promise<boolean> {
    const problem = bucketNameProblem(bucket);
    if (problem) throw new ObjectStoreError('InvalidKey', `Bucket name '${bucket}' ${problem}.`);
    await makeDirs(root, directoryModeFor(options.fileMode ?? DEFAULT_BUCKET_FILE_MODE));
    const mode =
      options.fileMode !== undefined ? directoryModeFor(options.fileMode) : (await stat(root)).mode & 0o777;
    try {
      await mkdir(join(root, bucket), { mode });
      if ((mode & 0o077) !== 0) await chmod(join(root, bucket), mode);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }

  static async listBuckets(root: string): Promise<string[]> {
    try {
      const entries = await readdir(root, { withFileTypes: true });
      return entries
        .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
        .map((e) => e.name)
        .sort();
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
  }

  private pathOf(key: string): string {
    const problem = keyProblem(key);
    if (problem) throw new ObjectStoreError('InvalidKey', `Object key '${key}' ${problem}.`);
    // keyProblem() leaves no empty, '.' or '..' segment: nothing for join() to normalise.
    return `${this.dir}/${key}`;
  }

  /**
   * Where the object at `key` lives, for readers elsewhere (worker threads) that read it with
   * readObjectFile(); undefined for a key the store cannot hold.
   */
  filePathOf(key: string): string | undefined {
    return keyProblem(key) === undefined ? `${this.dir}/${key}` : undefined;
  }

  async checkWritable(): Promise<void> {
    try {
      const info = await stat(this.dir);
      if (!info.isDirectory())
        throw new ObjectStoreError('NoSuchBucket', `Bucket '${this.bucket}' does not exist.`);
    } catch (error) {
      if (error instanceof ObjectStoreError) throw error;
      if (isMissing(error))
        throw new ObjectStoreError('NoSuchBucket', `Bucket '${this.bucket}' does not exist.`);
      throw new ObjectStoreError(
        'Unavailable',
        `Bucket '${this.bucket}' cannot be read: ${(error as Error).message}`,
      );
    }
    const probe = join(this.dir, `.opentrail-write-check-${randomBytes(4).toString('hex')}`);
    try {
      const handle = await open(probe, 'w');
      await handle.close();
      await rm(probe, { force: true });
    } catch (error) {
      throw new ObjectStoreError(
        'AccessDenied',
        `Bucket '${this.bucket}' is not writable: ${(error as Error).message}`,
      );
    }
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<void> {
    const path = this.pathOf(key);
    try {
      await stat(this.dir);
    } catch (error) {
      if (isMissing(error))
        throw new ObjectStoreError('NoSuchBucket', `Bucket '${this.bucket}' does not exist.`);
      throw error;
    }
    const meta: StoredMeta = {
      metadata: Object.fromEntries(
        Object.entries(options.metadata ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
      ),
      ...(options.contentType ? { contentType: options.contentType } : {}),
      ...(options.contentEncoding ? { contentEncoding: options.contentEncoding } : {}),
    };
    // Metadata first: an object never appears without the metadata it was written with.
    await writeDurably(join(this.metaDir, `${key}.json`), Buffer.from(JSON.stringify(meta)), this.fileMode);
    await writeDurably(path, body, this.fileMode);
  }

  private async infoOf(key: string, sizeBytes: number, mtimeMs: number): Promise<ObjectInfo> {
    let meta: StoredMeta = { metadata: {} };
    try {
      meta = JSON.parse(await readFile(join(this.metaDir, `${key}.json`), 'utf8')) as StoredMeta;
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    return {
      key,
      sizeBytes,
      lastModifiedMs: Math.floor(mtimeMs),
      metadata: meta.metadata,
      ...(meta.contentType ? { contentType: meta.contentType } : {}),
      ...(meta.contentEncoding ? { contentEncoding: meta.contentEncoding } : {}),
    };
  }

  async get(key: string): Promise<{ body: Buffer; info: ObjectInfo }> {
    const path = this.pathOf(key);
    try {
      const [body, info] = await Promise.all([readFile(path), stat(path)]);
      if (!info.isFile())
        throw new ObjectStoreError('NoSuchKey', `No object '${key}' in bucket '${this.bucket}'.`);
      return { body, info: await this.infoOf(key, body.length, info.mtimeMs) };
    } catch (error) {
      if (error instanceof ObjectStoreError) throw error;
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'EISDIR') {
        throw new ObjectStoreError('NoSuchKey', `No object '${key}' in bucket '${this.bucket}'.`);
      }
      throw error;
    }
  }

  /** Reads synchronously (see readObjectFile). */
  // eslint-disable-next-line @typescript-eslint/require-await -- the port is asynchronous
  async read(key: string): Promise<Buffer | undefined> {
    return readObjectFile(this.pathOf(key));
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const path = this.pathOf(key);
    try {
      const info = await stat(path);
      return info.isFile() ? await this.infoOf(key, info.size, info.mtimeMs) : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const keys = await this.keysUnder(prefix);
    const infos = [];
    for (const key of keys) {
      try {
        const info = await stat(join(this.dir, key));
        infos.push({ key, sizeBytes: info.size, lastModifiedMs: Math.floor(info.mtimeMs) });
      } catch (error) {
        // Deleted since the directory was read: not there any more.
        if (!isMissing(error)) throw error;
      }
    }
    // Listing carries no user metadata (as on S3); callers that need it ask head().
    for (const info of infos) yield { ...info, metadata: {} };
  }

  async *listKeys(prefix: string): AsyncIterable<string> {
    yield* await this.keysUnder(prefix);
  }

  /** Keys of the objects under `prefix`, in S3 order: directory entries only, no stat per file. */
  private async keysUnder(prefix: string): Promise<string[]> {
    // Start at the deepest directory the prefix names, collect keys, then order them as S3 does.
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash + 1);
    const keys: string[] = [];
    const walk = async (relative: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(join(this.dir, relative), { withFileTypes: true });
      } catch (error) {
        if (isMissing(error)) return;
        throw error;
      }
      for (const entry of entries) {
        const key = relative + entry.name;
        if (entry.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(`${key}/`);
        } else if (
          entry.isFile() &&
          key.startsWith(prefix) &&
          !entry.name.endsWith('.partial') &&
          !entry.name.startsWith('.opentrail-write-check-')
        ) {
          keys.push(key);
        }
      }
    };
    await walk(base);
    return keys.sort(compareKeys);
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
    await rm(join(this.metaDir, `${key}.json`), { force: true });
  }
}
