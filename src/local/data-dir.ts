/**
 * The data directory's ownership and modes, checked and set at every start. The directory holds
 * Event history (`opentrail.duckdb` and its WAL), the master key and the admin credentials: no
 * other local user may read any of it, whatever modes an older version, a copy or a restore left
 * behind. The server also runs with umask 077 (main.ts), so what DuckDB creates later (the WAL
 * after each checkpoint, spill files) is 0600 as well.
 *
 * Embedded buckets (`<data-dir>/buckets`) may be opened to a group or to everyone for reading
 * (`--bucket-mode 0640` or `0644`: log files other tools read in place); the data directory then
 * grants those users search (x) and nothing else, so they reach the buckets by path but cannot
 * list the data directory, and every other file in it stays 0600.
 */
import { chmodSync, lstatSync, readdirSync, statSync, type Dirent, type Stats } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_BUCKET_FILE_MODE } from '../config.ts';

/** Files of the data directory outside the buckets. */
export const DATA_FILE_MODE = 0o600;
/** Directories of the data directory outside the buckets. */
export const DATA_SUBDIR_MODE = 0o700;
/** Where the embedded buckets live, relative to the data directory. */
export const BUCKETS_DIR = 'buckets';

export class DataDirError extends Error {}

/** A directory's mode for files of `fileMode`: search (x) wherever read is granted. */
export function directoryModeFor(fileMode: number): number {
  return fileMode | ((fileMode & 0o444) >> 2);
}

/** The data directory's own mode: 0700, plus search for whoever may read the buckets. */
export function dataDirMode(bucketFileMode: number): number {
  return DATA_SUBDIR_MODE | ((bucketFileMode & 0o044) >> 2);
}

function octal(mode: number): string {
  return `0${mode.toString(8)}`;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

export interface PreparedDataDir {
  /** Entries whose mode was changed (0 once the directory has been prepared before). */
  changedModes: number;
}

/**
 * Creates the data directory if it is missing, refuses one owned by another user, and sets the
 * modes of the directory and of everything in it: 0700 directories and 0600 files, the buckets
 * after `bucketFileMode`. With `localBuckets` the buckets directory is made too, so that a
 * bucket `opentrail buckets create` adds takes its mode. Symbolic links are not followed (what
 * they point to is not ours to change). Synchronous calls: one `lstatSync` costs a microsecond or
 * two where a promise-based `stat` costs a round trip through libuv's thread pool.
 */
export async function prepareDataDir(
  path: string,
  options: { bucketFileMode?: number; localBuckets?: boolean } = {},
): Promise<PreparedDataDir> {
  // Config validation holds it to the owner's rw plus read for others at most (--bucket-mode).
  const bucketFileMode = options.bucketFileMode ?? DEFAULT_BUCKET_FILE_MODE;
  try {
    await mkdir(path, { recursive: true, mode: DATA_SUBDIR_MODE });
  } catch (error) {
    throw new DataDirError(`cannot create data directory ${path}: ${(error as Error).message}`);
  }
  const info = statSync(path);
  if (!info.isDirectory()) throw new DataDirError(`data directory ${path} is not a directory`);
  // Another user's directory: its files would end up with two owners, and neither could then run
  // the server on it alone. Root is held to this too: a root-owned server on a user's data
  // directory would leave files that user can no longer open.
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) {
    throw new DataDirError(
      `data directory ${path} is owned by uid ${info.uid}, not by uid ${uid} that runs OpenTrail; ` +
        `run the server as uid ${info.uid}, or give the directory to this user (chown -R ${uid} ${path})`,
    );
  }
  // Windows has no POSIX modes to set (chmod only toggles read-only there).
  if (process.platform === 'win32') return { changedModes: 0 };

  let changedModes = 0;
  /** Sets `mode` unless the entry has it; true if it did not. */
  const setMode = (entry: string, stats: Stats, mode: number): boolean => {
    if ((stats.mode & 0o7777) === mode) return false;
    try {
      chmodSync(entry, mode);
    } catch (error) {
      if (isMissing(error)) return false;
      throw new DataDirError(
        `cannot set mode ${octal(mode)} on ${entry} (owned by uid ${stats.uid}): ${(error as Error).message}`,
      );
    }
    changedModes++;
    return true;
  };
  const entriesOf = (dir: string): Dirent[] => {
    try {
      return readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
  };
  /**
   * Sets the modes under `dir`. With `gated` (the buckets, which hold a file per delivery) the
   * files of a directory are stat'ed only when the directory's own mode was wrong: what an older
   * version or a copy left has loose directories (their files are then all set), while this
   * server writes every object with its mode (LocalDirObjectStore), so a directory that has its
   * mode holds files that have theirs. That keeps a start on 100,000 log files at about 50 ms
   * of directory reads instead of 0.5 s of stats.
   */
  const walk = (dir: string, dirMode: number, fileMode: number, files: boolean, gated: boolean): void => {
    for (const entry of entriesOf(dir)) {
      if (!entry.isDirectory() && !(entry.isFile() && files)) continue; // links, sockets: left alone
      const child = join(dir, entry.name);
      // Gone since the directory was read (a CLI command replacing a file): nothing to set.
      const stats = lstatSync(child, { throwIfNoEntry: false });
      if (!stats) continue;
      if (entry.isDirectory()) {
        const changed = setMode(child, stats, dirMode);
        walk(child, dirMode, fileMode, changed || !gated, gated);
      } else {
        setMode(child, stats, fileMode);
      }
    }
  };

  setMode(path, info, dataDirMode(bucketFileMode));
  if (options.localBuckets) {
    const buckets = join(path, BUCKETS_DIR);
    const mode = directoryModeFor(bucketFileMode);
    // The umask may take the bits the mode grants others: set them on the directory made here.
    if ((await mkdir(buckets, { recursive: true, mode })) !== undefined) chmodSync(buckets, mode);
  }
  for (const entry of entriesOf(path)) {
    if (!entry.isDirectory() && !entry.isFile()) continue;
    const child = join(path, entry.name);
    const stats = lstatSync(child, { throwIfNoEntry: false });
    if (!stats) continue;
    if (entry.isFile()) {
      setMode(child, stats, DATA_FILE_MODE);
    } else if (entry.name === BUCKETS_DIR) {
      const dirMode = directoryModeFor(bucketFileMode);
      walk(child, dirMode, bucketFileMode, setMode(child, stats, dirMode), true);
    } else {
      setMode(child, stats, DATA_SUBDIR_MODE);
      walk(child, DATA_SUBDIR_MODE, DATA_FILE_MODE, true, false);
    }
  }
  return { changedModes };
}
