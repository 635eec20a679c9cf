/**
 * Lake query results saved to S3 (StartQuery DeliveryS3Uri), laid out and signed as the CloudTrail
 * User Guide describes them ("Validate CloudTrail Lake saved query results", "CloudTrail sign file
 * structure", "Custom implementations of CloudTrail query result file integrity validation"):
 *
 *   [prefix/]AWSLogs/<account>/CloudTrail-Lake/Query/<yyyy>/<mm>/<dd>/<query-id>/result_<n>.csv.gz
 *   [prefix/]AWSLogs/<account>/CloudTrail-Lake/Query/<yyyy>/<mm>/<dd>/<query-id>/result_sign.json
 *
 * The sign file lists each result file with the SHA-256 of its compressed bytes and signs the
 * space-separated list of those hashes (SHA256withRSA, hex) with the region's digest signing key,
 * whose fingerprint ListPublicKeys returns — what `aws cloudtrail verify-query-results` checks.
 *
 * Where AWS leaves the format open, these are OpenTrail's choices: the date in the path is the
 * UTC day the query was started; a result file is CSV (RFC 4180 quoting, `\n` line ends, a null
 * as an empty field) that opens with one `# Execution Time: …` comment line, as AWS's own files
 * do, then the header row; a new file starts after `maxFileBytes` of CSV, each with the comment
 * line and the header again; a result without rows is one file with just those two lines.
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { ServiceError } from '../errors.ts';
import { HASH_ALGORITHM, SIGNATURE_ALGORITHM, sha256Hex, type ActiveSigningKey } from '../integrity/index.ts';
import { ObjectStoreError, bucketNameProblem, type ObjectStore } from '../objects/index.ts';
import type { QueryRecord } from './lake-store.ts';

const gzip = promisify(gzipCallback);

export type QueryDeliveryStatus = NonNullable<QueryRecord['deliveryStatus']>;

/** Where a query's results go: DeliveryS3Uri as given, its bucket, and its key prefix without slashes at the end. */
export interface DeliveryTarget {
  uri: string;
  bucket: string;
  prefix: string;
}

export const SIGN_FILE_NAME = 'result_sign.json';
export const SIGN_FILE_VERSION = '1.0';

/** The service model: DeliveryS3Uri is at most 1024 characters. */
const MAX_URI_CHARS = 1024;
/** The service model's pattern for the bucket part: s3://[a-z0-9][\.\-a-z0-9]{1,61}[a-z0-9](/.*)? */
const MODEL_BUCKET = /^[a-z0-9][.\-a-z0-9]{1,61}[a-z0-9]$/;
/** S3's limit on a key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;
/** The longest key this module writes under a prefix, for checking a prefix leaves room for it. */
const LONGEST_SUFFIX = `/AWSLogs/000000000000/CloudTrail-Lake/Query/0000/00/00/${'0'.repeat(36)}/result_99999999.csv.gz`;

/**
 * Parses DeliveryS3Uri (caller input): `s3://bucket` or `s3://bucket/prefix`. A bucket AWS would not
 * accept is InvalidS3BucketNameException; a prefix no object key can start with (empty, '.' or
 * '..' segments, NUL, too long for the keys under it) is InvalidS3PrefixException.
 */
export function parseDeliveryS3Uri(uri: string): DeliveryTarget {
  if (uri.length > MAX_URI_CHARS) {
    throw new ServiceError(
      'InvalidParameterException',
      `DeliveryS3Uri has ${uri.length} characters; it must have at most ${MAX_URI_CHARS}.`,
    );
  }
  if (!uri.startsWith('s3://')) {
    throw new ServiceError(
      'InvalidParameterException',
      `DeliveryS3Uri ${JSON.stringify(uri.slice(0, 100))} is not valid; expected s3://bucket-name/optional-prefix.`,
    );
  }
  const rest = uri.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const problem = MODEL_BUCKET.test(bucket)
    ? bucketNameProblem(bucket)
    : 'must be 3 to 63 lower-case letters, digits, dots and hyphens, beginning and ending with a letter or digit';
  if (problem !== undefined) {
    throw new ServiceError(
      'InvalidS3BucketNameException',
      `The bucket ${JSON.stringify(bucket.slice(0, 100))} in DeliveryS3Uri is not valid: it ${problem}.`,
    );
  }
  const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
  if (prefix !== '') {
    const bad = prefix.includes('\0') || prefix.split('/').some((s) => s === '' || s === '.' || s === '..');
    if (bad) {
      throw new ServiceError(
        'InvalidS3PrefixException',
        `The prefix ${JSON.stringify(prefix.slice(0, 100))} in DeliveryS3Uri must not start with '/', hold '//', NUL, or '.' or '..' segments.`,
      );
    }
    if (Buffer.byteLength(prefix) + LONGEST_SUFFIX.length > MAX_KEY_BYTES) {
      throw new ServiceError(
        'InvalidS3PrefixException',
        `The prefix in DeliveryS3Uri is ${Buffer.byteLength(prefix)} bytes; with the result file names under it, keys would pass S3's ${MAX_KEY_BYTES}-byte limit.`,
      );
    }
  }
  return { uri, bucket, prefix };
}

/**
 * StartQuery fails as AWS documents when the results could not be delivered: a missing bucket is
 * S3BucketDoesNotExistException, one that refuses writes InsufficientS3BucketPolicyException.
 */
export async function checkDeliveryBucket(store: ObjectStore): Promise<void> {
  try {
    await store.checkWritable();
  } catch (error) {
    if (error instanceof ObjectStoreError && error.code === 'NoSuchBucket') {
      throw new ServiceError('S3BucketDoesNotExistException', `S3 bucket ${store.bucket} does not exist.`);
    }
    if (error instanceof ObjectStoreError) {
      throw new ServiceError(
        'InsufficientS3BucketPolicyException',
        `Incorrect S3 bucket policy is detected for bucket: ${store.bucket} (${error.message})`,
      );
    }
    throw error;
  }
}

function twoDigits(n: number): string {
  return String(n).padStart(2, '0');
}

/** `[prefix/]AWSLogs/<account>/CloudTrail-Lake/Query/<yyyy>/<mm>/<dd>/<query-id>/`, the day in UTC. */
export function deliveryKeyPrefix(
  target: Pick<DeliveryTarget, 'prefix'>,
  query: Pick<QueryRecord, 'id' | 'accountId' | 'createdMs'>,
): string {
  const day = new Date(query.createdMs);
  const date = `${day.getUTCFullYear()}/${twoDigits(day.getUTCMonth() + 1)}/${twoDigits(day.getUTCDate())}`;
  return `${target.prefix === '' ? '' : `${target.prefix}/`}AWSLogs/${query.accountId}/CloudTrail-Lake/Query/${date}/${query.id}/`;
}

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break; null is empty. */
export function csvField(value: string | null): string {
  if (value === null) return '';
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvLine(values: readonly (string | null)[]): string {
  return `${values.map(csvField).join(',')}\n`;
}

/** `# Execution Time: 2022-05-24T21:51:51.723000Z`, the comment line a result file opens with. */
export function executionTimeLine(executedMs: number): string {
  return `# Execution Time: ${new Date(executedMs).toISOString().replace('Z', '000Z')}\n`;
}

export interface SignFileEntry {
  fileHashValue: string;
  fileName: string;
}

/** result_sign.json, fields in the order of AWS's sample. */
export interface SignFile {
  version: string;
  region: string;
  files: SignFileEntry[];
  hashAlgorithm: string;
  signatureAlgorithm: string;
  queryCompleteTime: string;
  hashSignature: string;
  publicKeyFingerprint: string;
}

/** The data signing string: each file's hash, in the order the sign file lists them, separated by a space. */
export function signFileStringToSign(files: readonly Pick<SignFileEntry, 'fileHashValue'>[]): string {
  return files.map((f) => f.fileHashValue).join(' ');
}

/** The rows of a finished query, read page by page from where they persist. */
export interface QueryResultsSource {
  columns: readonly string[];
  totalRows: number;
  read(offset: number, limit: number): Promise<(string | null)[][]>;
}

export interface QueryDeliveryDeps {
  bucket: (name: string) => ObjectStore;
  /** The region's signing key (SigningKeyRing). */
  keys: { current(region: string): Promise<ActiveSigningKey> };
  now: () => number;
}

export interface QueryDeliveryOptions {
  /** CSV bytes (uncompressed) after which the next row starts a new result file. */
  maxFileBytes: number;
  /** Rows read from the result store at a time. */
  pageRows: number;
  /** Waits before each retry of a put that failed with a transient error; its length is the retry count. */
  retryDelaysMs: readonly number[];
}

export const DEFAULT_QUERY_DELIVERY_OPTIONS: QueryDeliveryOptions = {
  maxFileBytes: 64 * 1024 * 1024,
  pageRows: 5000,
  retryDelaysMs: [500, 2000, 8000],
};

/** What became of a delivery: the keys written, or the DeliveryStatus that says why not. */
export type DeliveryOutcome =
  | { status: 'SUCCESS'; keys: string[]; signFile: SignFile }
  | {
      status: Exclude<QueryDeliveryStatus, 'SUCCESS' | 'PENDING' | 'CANCELLED' | 'UNKNOWN'>;
      message: string;
    }
  /** Stopped by the signal (OpenTrail shutting down) before it finished; deliver again later. */
  | { status: 'PENDING'; message: string };

export interface DeliveredQuery {
  id: string;
  accountId: string;
  region: string;
  createdMs: number;
  /** When the query's results were produced: the result files' `# Execution Time`. */
  executedMs: number;
}

function failureOf(error: unknown, signing: boolean): DeliveryOutcome {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ObjectStoreError && error.code === 'NoSuchBucket') {
    return { status: 'RESOURCE_NOT_FOUND', message };
  }
  if (error instanceof ObjectStoreError && error.code === 'AccessDenied') {
    return { status: signing ? 'ACCESS_DENIED_SIGNING_FILE' : 'ACCESS_DENIED', message };
  }
  return { status: signing ? 'FAILED_SIGNING_FILE' : 'FAILED', message };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Writes a finished query's result files, then its sign file, and reports the outcome as data.
 * Names depend only on the query, so delivering again (after a restart) overwrites. Result files
 * go first: a sign file in the bucket means every file it lists is there.
 */
export async function deliverQueryResults(
  deps: QueryDeliveryDeps,
  query: DeliveredQuery,
  target: DeliveryTarget,
  source: QueryResultsSource,
  options: QueryDeliveryOptions,
  signal?: AbortSignal,
): Promise<DeliveryOutcome> {
  const interrupted: DeliveryOutcome = { status: 'PENDING', message: 'Delivery was interrupted.' };
  const bucket = deps.bucket(target.bucket);
  const base = deliveryKeyPrefix(target, query);

  const put = async (key: string, body: Uint8Array, contentType: string): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        await bucket.put(key, body, { contentType });
        return;
      } catch (error) {
        const delay = options.retryDelaysMs[attempt];
        const transient = error instanceof ObjectStoreError && error.code === 'Unavailable';
        if (!transient || delay === undefined || signal?.aborted) throw error;
        await sleep(delay, signal);
      }
    }
  };

  const head = executionTimeLine(query.executedMs) + csvLine(source.columns.map((c, i) => c || `_col${i}`));
  const files: SignFileEntry[] = [];
  const keys: string[] = [];
  let parts: string[] = [head];
  let size = Buffer.byteLength(head);
  let rowsInFile = 0;
  const flush = async (): Promise<void> => {
    const body = await gzip(Buffer.from(parts.join('')));
    const fileName = `result_${files.length + 1}.csv.gz`;
    await put(base + fileName, body, 'application/x-gzip');
    files.push({ fileHashValue: sha256Hex(body), fileName });
    keys.push(base + fileName);
    parts = [head];
    size = Buffer.byteLength(head);
    rowsInFile = 0;
  };

  try {
    for (let offset = 0; offset < source.totalRows;) {
      if (signal?.aborted) return interrupted;
      const rows = await source.read(offset, Math.min(options.pageRows, source.totalRows - offset));
      if (rows.length === 0) break;
      offset += rows.length;
      for (const row of rows) {
        const line = csvLine(row);
        parts.push(line);
        size += Buffer.byteLength(line);
        rowsInFile++;
        if (size >= options.maxFileBytes) await flush();
      }
    }
    if (rowsInFile > 0 || files.length === 0) await flush();
  } catch (error) {
    if (signal?.aborted) return interrupted;
    return failureOf(error, false);
  }

  if (signal?.aborted) return interrupted;
  try {
    const key = await deps.keys.current(query.region);
    // The key in use is valid from before now; the next whole second is within its window, so
    // ListPublicKeys over queryCompleteTime (a time to the second, as AWS writes it) returns it.
    const completeTime = new Date(Math.ceil(deps.now() / 1000) * 1000)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const signFile: SignFile = {
      version: SIGN_FILE_VERSION,
      region: query.region,
      files,
      hashAlgorithm: HASH_ALGORITHM,
      signatureAlgorithm: SIGNATURE_ALGORITHM,
      queryCompleteTime: completeTime,
      hashSignature: key.sign(signFileStringToSign(files)),
      publicKeyFingerprint: key.fingerprint,
    };
    await put(base + SIGN_FILE_NAME, Buffer.from(JSON.stringify(signFile, null, 2)), 'application/json');
    keys.push(base + SIGN_FILE_NAME);
    return { status: 'SUCCESS', keys, signFile };
  } catch (error) {
    if (signal?.aborted) return interrupted;
    return failureOf(error, true);
  }
}
