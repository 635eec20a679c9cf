/**
 * `opentrail validate`: log file integrity validation of a trail, with the options and output of
 * `aws cloudtrail validate-logs` and more checks (see integrity/validator.ts). Talks to OpenTrail
 * (credentials from `<data-dir>`) or to AWS (`--endpoint-url aws`, standard credential chain).
 */
import { statSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { DEFAULT_DATA_DIR } from '../../config.ts';
import { readOrganizations } from '../../local/index.ts';
import {
  CheckpointError,
  PublicKeyListError,
  StaticPublicKeySource,
  ValidationError,
  checkpointChainId,
  emptyCheckpointFile,
  formatEntry,
  formatStartup,
  formatSummary,
  hasFailures,
  isFailure,
  parseCheckpointFile,
  parsePublicKeyList,
  parseTrailArn,
  serializeCheckpointFile,
  validateLogs,
  withCheckpoint,
  type CheckpointFile,
  type ValidationEntry,
} from '../../integrity/index.ts';
import { DEFAULT_ENDPOINT } from '../client-command.ts';
import { resolveCredentials } from '../credentials.ts';
import { LogDigestPool } from '../log-digest-pool.ts';
import { parsePositive, parseTimestamp } from '../option-parsers.ts';
import {
  BucketReader,
  JsonTrailApi,
  PrefetchedPublicKeys,
  SdkTrailApi,
  type TrailApi,
  type TrailDescription,
} from '../validate-sources.ts';

/** Exit codes: AWS's validate-logs returns 1 when a file is invalid; the AWS CLI exits 255 on errors. */
const EXIT_INVALID = 1;
const EXIT_ERROR = 255;

/** Log files in flight by default (see --concurrency). */
const S3_CONCURRENCY = 64;
const LOCAL_CONCURRENCY = 256;

interface ValidateOptions {
  trailArn: string;
  startTime: Date;
  endTime?: Date;
  s3Bucket?: string;
  s3Prefix?: string;
  accountId?: string;
  organizationId?: string;
  region?: string;
  verbose?: boolean;
  checkpoint?: string;
  publicKeys?: string;
  endpointUrl: string;
  dataDir: string;
  s3Endpoint?: string;
  digestInterval?: number;
  concurrency?: number;
}

/** `aws`, or an AWS endpoint: the default credential chain instead of OpenTrail's data directory. */
function isAwsEndpoint(endpointUrl: string): boolean {
  if (endpointUrl === 'aws') return true;
  try {
    return /(^|\.)amazonaws\.com(\.cn)?$|(^|\.)api\.aws$/.test(new URL(endpointUrl).hostname);
  } catch {
    return false;
  }
}

/** Problems that stop validation before any file is judged. */
class SetupError extends Error {}

export interface ValidateCommandOptions {
  /**
   * A module that serves log digests on a worker thread (log-digest-pool.ts): the bundle that
   * bin/opentrail.js runs. Without it local log files are read and hashed on the main thread.
   */
  logDigestWorker?: URL | undefined;
}

export function registerValidate(program: Command, commandOptions: ValidateCommandOptions = {}): void {
  program
    .command('validate')
    .description(
      "validate a trail's log files against its signed digest files (aws cloudtrail validate-logs, with more checks)",
    )
    .requiredOption('--trail-arn <arn>', 'the trail to validate')
    .requiredOption(
      '--start-time <time>',
      'validate log files delivered on or after this time (ISO 8601 or epoch seconds)',
      parseTimestamp,
    )
    .option('--end-time <time>', 'and on or before this time (default: now)', parseTimestamp)
    .option(
      '--s3-bucket <bucket>',
      "the bucket holding the digests (default: the trail's, from DescribeTrails)",
    )
    .option('--s3-prefix <prefix>', "the key prefix of the digests (default: the trail's)")
    .option(
      '--account-id <id>',
      "the account whose files to validate (default: the trail's; required for organization trails)",
    )
    .option(
      '--organization-id <id>',
      'organization trails: the organization (default: read from OpenTrail; required for AWS)',
    )
    .option('--region <region>', "the region whose digests to validate (default: the trail's home region)")
    .option('--verbose', 'list every file, valid or not')
    .option(
      '--checkpoint <file>',
      'check the newest digest against FILE, and record it there after a valid run',
    )
    .option(
      '--public-keys <file>',
      'public keys saved from ListPublicKeys (aws cloudtrail list-public-keys) instead of calling it',
    )
    .option('--endpoint-url <url>', 'the OpenTrail server, or "aws" for AWS CloudTrail', DEFAULT_ENDPOINT)
    .option('--data-dir <dir>', 'OpenTrail data directory: credentials and local buckets', DEFAULT_DATA_DIR)
    .option('--s3-endpoint <url>', 'S3-compatible server for buckets that are not under <data-dir>/buckets')
    .option(
      '--digest-interval <seconds>',
      'digest interval (default: worked out from the digests)',
      parsePositive,
    )
    // S3 answers a GET in tens of milliseconds, so reads in flight bound the rate: through a proxy
    // adding 20 ms to s3rver, 2,109 log files took 2.2 s with 32, 1.6 s with 64 and 128 (s3rver's
    // own limit), with the lean GETs of aws/lean-get.ts.
    // Local files go to worker threads in batches: 32 at once kept them waiting on the main thread
    // (2,110 files: 200 ms with 32, 110 ms with 256).
    .option('--concurrency <n>', 'log files read at once (default: 64, local buckets 256)', parsePositive)
    .action(async (opts: ValidateOptions) => {
      try {
        process.exitCode = await runValidate(opts, commandOptions);
      } catch (error) {
        if (
          error instanceof SetupError ||
          error instanceof ValidationError ||
          error instanceof CheckpointError ||
          error instanceof PublicKeyListError
        ) {
          process.stderr.write(`opentrail validate: ${error.message}\n`);
          process.exitCode = EXIT_ERROR;
          return;
        }
        throw error;
      }
    });
}

async function readCheckpointFile(path: string): Promise<CheckpointFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyCheckpointFile();
    throw error;
  }
  try {
    return parseCheckpointFile(text);
  } catch (error) {
    throw new CheckpointError(`${path}: ${(error as Error).message}`);
  }
}

async function writeFileAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, text, { mode: 0o600 });
  await rename(temp, path);
}

/** Worker threads for local buckets, started before the CloudTrail calls so that they are ready after them. */
function startPool(opts: ValidateOptions, script: URL | undefined): LogDigestPool | undefined {
  if (!script) return undefined;
  try {
    if (!statSync(join(opts.dataDir, 'buckets')).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  return new LogDigestPool(script, Math.min(4, availableParallelism()));
}

async function runValidate(opts: ValidateOptions, commandOptions: ValidateCommandOptions): Promise<number> {
  const arn = parseTrailArn(opts.trailArn);
  if (!arn) throw new SetupError(`Invalid trail ARN provided: ${opts.trailArn}`);
  const startMs = opts.startTime.getTime();
  const endMs = (opts.endTime ?? new Date()).getTime();
  if (startMs > endMs)
    throw new SetupError('Invalid time range specified: start-time must occur before end-time');

  const aws = isAwsEndpoint(opts.endpointUrl);
  // AWS through its SDK; an OpenTrail server through a lean client, with its data directory's key.
  const api: TrailApi = aws
    ? await SdkTrailApi.create(opts.endpointUrl === 'aws' ? undefined : opts.endpointUrl)
    : new JsonTrailApi(opts.endpointUrl, await resolveCredentials(opts.dataDir));
  const region = opts.region ?? arn.region;
  const pool = startPool(opts, commandOptions.logDigestWorker);
  const reader = new BucketReader({
    bucketsDir: join(opts.dataDir, 'buckets'),
    region,
    s3Endpoint: opts.s3Endpoint,
    pool,
  });
  try {
    // The calls go out together; their answers are looked at in AWS's order.
    const described = opts.s3Bucket ? undefined : settle(api.describeTrail(arn.region, opts.trailArn));
    const status = settle(api.latestDigestDeliveryMs(arn.region, opts.trailArn));
    // The validator asks for the keys of [start, end + 2 h] (integrity/validator.ts), as AWS does.
    const keys = opts.publicKeys
      ? new StaticPublicKeySource(parsePublicKeyList(await readFile(opts.publicKeys, 'utf8')))
      : new PrefetchedPublicKeys(api, { region, startMs, endMs: endMs + 2 * 3_600_000 });

    // As AWS: the trail's bucket and prefix from DescribeTrails unless --s3-bucket is given.
    let bucket = opts.s3Bucket;
    let prefix = opts.s3Prefix;
    let trail: TrailDescription | undefined;
    if (described) {
      trail = unwrap(await described);
      if (!trail?.s3BucketName) throw new SetupError(`A trail could not be found for ${opts.trailArn}`);
      bucket = trail.s3BucketName;
      prefix = trail.s3KeyPrefix;
    }
    if (bucket === undefined) throw new SetupError(`A trail could not be found for ${opts.trailArn}`);
    let organizationId = opts.organizationId;
    if (trail?.isOrganizationTrail) {
      if (!opts.accountId)
        throw new SetupError("Missing required parameter for organization trail: '--account-id'");
      if (!organizationId) {
        if (aws)
          throw new SetupError(
            "Missing required parameter for organization trail on AWS: '--organization-id'",
          );
        organizationId = (await readOrganizations(opts.dataDir)).find(
          (o) => o.managementAccountId === arn.accountId,
        )?.id;
        if (!organizationId)
          throw new SetupError(
            `No organization with management account ${arn.accountId}: give --organization-id`,
          );
      }
    }
    const accountId = opts.accountId ?? arn.accountId;

    // The newest digest to expect; without it a deleted newest digest goes unseen (as with AWS).
    let latestDigestDeliveryMs: number | undefined;
    const statusOutcome = await status;
    if (statusOutcome.ok) latestDigestDeliveryMs = statusOutcome.value;
    else
      process.stderr.write(
        `opentrail validate: GetTrailStatus failed (${(statusOutcome.error as Error).message}); the newest digest is checked only against --checkpoint\n`,
      );

    const chainId = checkpointChainId(opts.trailArn, accountId, region);
    const checkpointFile = opts.checkpoint ? await readCheckpointFile(opts.checkpoint) : undefined;
    const checkpoint = checkpointFile?.chains[chainId];

    const out = await StatusOutput.create(Boolean(opts.verbose));
    out.write(formatStartup(opts.trailArn, startMs, endMs));
    let result;
    try {
      result = await validateLogs(
        {
          trailArn: opts.trailArn,
          bucket,
          prefix,
          accountId,
          organizationId,
          region,
          startMs,
          endMs,
          latestDigestDeliveryMs,
          checkpoint,
          digestIntervalMs: opts.digestInterval !== undefined ? opts.digestInterval * 1000 : undefined,
          concurrency:
            opts.concurrency ?? (pool && (await reader.isLocal(bucket)) ? LOCAL_CONCURRENCY : S3_CONCURRENCY),
          onEntry: (entry) => out.entry(entry),
          onProgress: (p) => out.progress(p.done, p.total),
        },
        reader,
        keys,
      );
    } finally {
      out.stop();
    }
    out.summary(formatSummary(result));

    const failed = hasFailures(result);
    if (opts.checkpoint && checkpointFile) {
      if (failed) {
        process.stderr.write(`Checkpoint ${opts.checkpoint} not updated: invalid files were found\n`);
      } else if (result.newestValidDigest) {
        await writeFileAtomically(
          opts.checkpoint,
          serializeCheckpointFile(withCheckpoint(checkpointFile, chainId, result.newestValidDigest)),
        );
        process.stdout.write(
          `Checkpoint ${opts.checkpoint}: newest valid digest s3://${result.newestValidDigest.bucket}/${result.newestValidDigest.key}\n`,
        );
      }
    }
    return failed ? EXIT_INVALID : 0;
  } finally {
    reader.close();
    api.close();
    pool?.close();
  }
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A call's outcome as data, so that it can wait its turn without counting as unhandled. */
function settle<T>(promise: Promise<T>): Promise<Outcome<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

/**
 * Lines as AWS writes them: failures and gaps to stderr set off by blank lines, valid files to
 * stdout with --verbose. A progress bar on a terminal's stderr when not listing every file.
 * Stdout is written in blocks (a line per write was 2,000 system calls for a 2,000-file trail),
 * flushed before anything goes to stderr so that the two keep their order on a terminal.
 */
class StatusOutput {
  private lastDoubleSpaced = true;
  private barShown = false;
  private pending = '';

  private constructor(
    private readonly verbose: boolean,
    private readonly bar: SingleBar | undefined,
  ) {}

  static async create(verbose: boolean): Promise<StatusOutput> {
    if (verbose || !process.stderr.isTTY) return new StatusOutput(verbose, undefined);
    // Loaded only for a terminal: most runs that matter for speed are scripted.
    const { SingleBar } = await import('cli-progress');
    const bar = new SingleBar({
      format: 'validating [{bar}] {value}/{total} files',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    });
    return new StatusOutput(verbose, bar);
  }

  write(text: string): void {
    this.pending += text;
    if (this.pending.length >= 1 << 16) this.flush();
  }

  private flush(): void {
    if (this.pending === '') return;
    process.stdout.write(this.pending);
    this.pending = '';
  }

  entry(entry: ValidationEntry): void {
    if (isFailure(entry) || entry.kind === 'gap') {
      const line = formatEntry(entry);
      this.flush();
      // Clear the bar's line, write, draw the bar again below.
      if (this.barShown) process.stderr.write('\r\x1b[2K');
      process.stderr.write(this.lastDoubleSpaced ? `${line}\n\n` : `\n${line}\n\n`);
      this.lastDoubleSpaced = true;
      if (this.barShown) this.bar?.render();
    } else if (this.verbose) {
      this.lastDoubleSpaced = false;
      this.write(`${formatEntry(entry)}\n`);
    }
  }

  progress(done: number, total: number): void {
    if (!this.bar) return;
    if (!this.barShown) {
      this.bar.start(total, done);
      this.barShown = true;
      return;
    }
    this.bar.setTotal(total);
    this.bar.update(done);
  }

  /** Ends the bar and writes what is pending (validation may have stopped with an error). */
  stop(): void {
    if (this.barShown) this.bar?.stop();
    this.flush();
  }

  summary(text: string): void {
    this.write(this.lastDoubleSpaced ? text : `\n${text}`);
    this.flush();
  }
}
