/**
 * `opentrail validate`: log file integrity validation of a trail, with the options and output of
 * `aws cloudtrail validate-logs` and more checks (see integrity/validator.ts). Talks to OpenTrail
 * (credentials from `<data-dir>`) or to AWS (`--endpoint-url aws`, standard credential chain).
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetTrailStatusCommand,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import { SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_DATA_DIR } from '../config.ts';
import { readOrganizations } from '../iam/index.ts';
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
  type PublicKeySource,
  type ValidationEntry,
} from '../integrity/index.ts';
import { resolveCredentials } from './client.ts';
import { BucketReader, CloudTrailPublicKeySource } from './validate-sources.ts';

/** Exit codes: AWS's validate-logs returns 1 when a file is invalid; the AWS CLI exits 255 on errors. */
const EXIT_INVALID = 1;
const EXIT_ERROR = 255;

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
  concurrency: number;
}

function time(value: string): Date {
  const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (Number.isNaN(ms))
    throw new InvalidArgumentError('expected ISO 8601 (2026-01-31T12:00:00Z) or epoch seconds');
  return new Date(ms);
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
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

export function addValidateCommand(program: Command, defaultEndpoint: string): void {
  program
    .command('validate')
    .description(
      "validate a trail's log files against its signed digest files (aws cloudtrail validate-logs, with more checks)",
    )
    .requiredOption('--trail-arn <arn>', 'the trail to validate')
    .requiredOption(
      '--start-time <time>',
      'validate log files delivered on or after this time (ISO 8601 or epoch seconds)',
      time,
    )
    .option('--end-time <time>', 'and on or before this time (default: now)', time)
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
    .option('--endpoint-url <url>', 'the OpenTrail server, or "aws" for AWS CloudTrail', defaultEndpoint)
    .option('--data-dir <dir>', 'OpenTrail data directory: credentials and local buckets', DEFAULT_DATA_DIR)
    .option('--s3-endpoint <url>', 'S3-compatible server for buckets that are not under <data-dir>/buckets')
    .option('--digest-interval <seconds>', 'digest interval (default: worked out from the digests)', positive)
    // S3 answers a GET in tens of milliseconds, so reads in flight bound the rate: through a proxy
    // adding 20 ms to s3rver, 2,110 log files took 10.6 s with 8, 6.8 s with 32, 6.0 s with 64.
    .option('--concurrency <n>', 'log files read at once', positive, 32)
    .action(async (opts: ValidateOptions) => {
      try {
        process.exitCode = await runValidate(opts);
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

async function runValidate(opts: ValidateOptions): Promise<number> {
  const arn = parseTrailArn(opts.trailArn);
  if (!arn) throw new SetupError(`Invalid trail ARN provided: ${opts.trailArn}`);
  const startMs = opts.startTime.getTime();
  const endMs = (opts.endTime ?? new Date()).getTime();
  if (startMs > endMs)
    throw new SetupError('Invalid time range specified: start-time must occur before end-time');

  const aws = isAwsEndpoint(opts.endpointUrl);
  const credentials = aws ? undefined : await resolveCredentials(opts.dataDir);
  const clients = new Map<string, CloudTrailClient>();
  const cloudTrail = (region: string): CloudTrailClient => {
    let client = clients.get(region);
    if (!client) {
      client = new CloudTrailClient({
        region,
        ...(opts.endpointUrl !== 'aws' ? { endpoint: opts.endpointUrl } : {}),
        ...(credentials ? { credentials } : {}),
        maxAttempts: 3,
      });
      clients.set(region, client);
    }
    return client;
  };
  const region = opts.region ?? arn.region;
  const reader = new BucketReader({
    bucketsDir: join(opts.dataDir, 'buckets'),
    region,
    s3Endpoint: opts.s3Endpoint,
  });
  try {
    // As AWS: the trail's bucket and prefix from DescribeTrails unless --s3-bucket is given.
    let bucket = opts.s3Bucket;
    let prefix = opts.s3Prefix;
    let trail: Trail | undefined;
    if (!bucket) {
      const out = await cloudTrail(arn.region).send(
        new DescribeTrailsCommand({ trailNameList: [opts.trailArn], includeShadowTrails: true }),
      );
      trail = out.trailList?.find((t) => t.TrailARN === opts.trailArn);
      if (!trail?.S3BucketName) throw new SetupError(`A trail could not be found for ${opts.trailArn}`);
      bucket = trail.S3BucketName;
      prefix = trail.S3KeyPrefix;
    }
    let organizationId = opts.organizationId;
    if (trail?.IsOrganizationTrail) {
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
    try {
      const status = await cloudTrail(arn.region).send(new GetTrailStatusCommand({ Name: opts.trailArn }));
      latestDigestDeliveryMs = status.LatestDigestDeliveryTime?.getTime();
    } catch (error) {
      process.stderr.write(
        `opentrail validate: GetTrailStatus failed (${(error as Error).message}); the newest digest is checked only against --checkpoint\n`,
      );
    }

    const chainId = checkpointChainId(opts.trailArn, accountId, region);
    const checkpointFile = opts.checkpoint ? await readCheckpointFile(opts.checkpoint) : undefined;
    const checkpoint = checkpointFile?.chains[chainId];

    const keys: PublicKeySource = opts.publicKeys
      ? new StaticPublicKeySource(parsePublicKeyList(await readFile(opts.publicKeys, 'utf8')))
      : new CloudTrailPublicKeySource(cloudTrail);

    process.stdout.write(formatStartup(opts.trailArn, startMs, endMs));
    const out = new StatusOutput(Boolean(opts.verbose));
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
          concurrency: opts.concurrency,
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
    for (const client of clients.values()) client.destroy();
  }
}

/**
 * Lines as AWS writes them: failures and gaps to stderr set off by blank lines, valid files to
 * stdout with --verbose. A progress bar on a terminal's stderr when not listing every file.
 */
class StatusOutput {
  private lastDoubleSpaced = true;
  private readonly bar: SingleBar | undefined;
  private barShown = false;

  constructor(private readonly verbose: boolean) {
    if (!verbose && process.stderr.isTTY) {
      this.bar = new SingleBar({
        format: 'validating [{bar}] {value}/{total} files',
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
      });
    }
  }

  entry(entry: ValidationEntry): void {
    const line = formatEntry(entry);
    if (isFailure(entry) || entry.kind === 'gap') {
      // Clear the bar's line, write, draw the bar again below.
      if (this.barShown) process.stderr.write('\r\x1b[2K');
      process.stderr.write(this.lastDoubleSpaced ? `${line}\n\n` : `\n${line}\n\n`);
      this.lastDoubleSpaced = true;
      if (this.barShown) this.bar?.render();
    } else if (this.verbose) {
      this.lastDoubleSpaced = false;
      process.stdout.write(`${line}\n`);
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

  stop(): void {
    if (this.barShown) this.bar?.stop();
  }

  summary(text: string): void {
    if (!this.lastDoubleSpaced) process.stdout.write('\n');
    process.stdout.write(text);
  }
}
