/**
 * Log file integrity validation: AWS's `aws cloudtrail validate-logs` traversal (awscli
 * customizations/cloudtrail/validation.py) over two ports, so it runs on local buckets,
 * S3-compatible buckets and AWS S3 alike. Like AWS it walks a chain's digests newest to oldest by
 * previousDigestS3Object, checks each digest's fields, location, key and SHA256withRSA signature,
 * then every log file it lists against its SHA-256; where a link is missing or invalid it carries
 * on from the next older digest in the bucket listing.
 *
 * Beyond AWS it also checks:
 * - previousDigestHashValue / previousDigestSignature against the digest the link leads to;
 * - the newest digest, against GetTrailStatus's LatestDigestDeliveryTime or a user-kept checkpoint,
 *   so deleting the newest digests or a whole chain shows;
 * - every digest of a run of deleted ones, named from the digest interval (AWS names only the first);
 * - log files in the trail's folder that no valid digest lists (inserted), and moved ones (the
 *   content a digest lists for a missing key, found under another key);
 * - bytes after the first gzip member of a log or digest file (AWS inflates the first and stops).
 *
 * Digests, metadata and listings are attacker-controlled input: every field is checked before use.
 *
 * This file is the traversal, reading through the ports; each check is a part of its own:
 * digest-reader.ts parses a digest, digest-signature.ts and digest-key-ring.ts verify it, chain.ts
 * walks the chain, expectations.ts and coverage.ts are the checks beyond AWS, ordered-pool.ts reads
 * log files in parallel and reports them in chain order.
 */
import type { DigestCheckpoint } from './checkpoint.ts';
import {
  walkChain,
  type ChainStep,
  type DigestCandidate,
  type DigestFinding,
  type LoadedDigest,
} from './chain.ts';
import { LogCoverage } from './coverage.ts';
import { digestInterval } from './digest-interval.ts';
import { DigestKeyRing } from './digest-key-ring.ts';
import type { ListedLogFile } from './digest-reader.ts';
import { verifyDigest, type TrustedDigest } from './digest-signature.ts';
import { checkpointProblem, expectDigests } from './expectations.ts';
import { checkListedLogFile, digestLogFile, type LogFileDigest } from './log-file-digest.ts';
import { OrderedPool } from './ordered-pool.ts';
import {
  datePrefixes,
  digestFolder,
  digestKeyPattern,
  floorToSecond,
  nameTimeMs,
  parseTrailArn,
  type ChainLocation,
} from './trail-layout.ts';
import type { PublicKeySource, TrailObjectReader } from './trail-objects.ts';
import { displayTime, type ValidationEntry, type ValidationSummary } from './validation-report.ts';

export type ValidationErrorCode = 'InvalidTrailArn' | 'InvalidTimeRange' | 'NoPublicKeys';

/** Validation could not run at all (as opposed to finding invalid files). */
export class ValidationError extends Error {
  constructor(
    readonly code: ValidationErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ValidationError';
  }
}

export interface ValidateLogsOptions {
  trailArn: string;
  /** The bucket holding the digests (the trail's S3BucketName, or --s3-bucket). */
  bucket: string;
  prefix?: string | undefined;
  /** The account whose files are validated; the trail's account by default (org trails: a member). */
  accountId?: string | undefined;
  /** Set for organization trails: files lie under AWSLogs/<org-id>/<account>/. */
  organizationId?: string | undefined;
  /** The region whose digests are validated (AWS: the CLI's region); the trail's home region by default. */
  region?: string | undefined;
  startMs: number;
  endMs: number;
  /** GetTrailStatus LatestDigestDeliveryTime: a digest ending at about this time must exist. */
  latestDigestDeliveryMs?: number | undefined;
  /** The newest valid digest of this chain as a previous run saw it: it must still be there, unchanged. */
  checkpoint?: DigestCheckpoint | undefined;
  /** The digest interval (AWS: one hour); worked out from the listed digests when not given. */
  digestIntervalMs?: number | undefined;
  /** Log files read at once. */
  concurrency?: number | undefined;
  /** Each finding, in output order. */
  onEntry?: (entry: ValidationEntry) => void;
  onProgress?: (progress: ValidationProgress) => void;
}

export interface ValidationProgress {
  /** Files checked so far. */
  done: number;
  /** Files known so far to need checking (grows as digests are read). */
  total: number;
}

export interface ValidationResult extends ValidationSummary {
  /** The newest digest that was valid in every respect: what a checkpoint records. */
  newestValidDigest?: DigestCheckpoint;
}

/** Validates one chain (trail, account, region) between `startMs` and `endMs`. */
export function validateLogs(
  options: ValidateLogsOptions,
  objects: TrailObjectReader,
  keys: PublicKeySource,
): Promise<ValidationResult> {
  return new LogValidation(options, objects, keys).run();
}

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

class LogValidation {
  private readonly location: ChainLocation;
  private readonly bucket: string;
  private readonly startMs: number;
  private readonly endMs: number;
  /** AWS lists digests named up to an hour after the end time: logs near the end spill over. */
  private readonly windowEndMs: number;
  private intervalMs = HOUR_MS;

  private readonly keys: DigestKeyRing;
  private readonly coverage: LogCoverage;
  /** Findings in output order; log files read in parallel. */
  private readonly output: OrderedPool<ValidationEntry>;

  private readonly summary: ValidationResult;
  private readonly progress: ValidationProgress = { done: 0, total: 0 };
  private readonly reportedDigests = new Set<string>();
  private newestValid: { endMs: number; checkpoint: DigestCheckpoint } | undefined;

  constructor(
    private readonly options: ValidateLogsOptions,
    private readonly objects: TrailObjectReader,
    keySource: PublicKeySource,
  ) {
    const arn = parseTrailArn(options.trailArn);
    if (!arn) throw new ValidationError('InvalidTrailArn', `Invalid trail ARN provided: ${options.trailArn}`);
    if (options.startMs > options.endMs) {
      throw new ValidationError(
        'InvalidTimeRange',
        'Invalid time range specified: start-time must occur before end-time',
      );
    }
    this.location = {
      prefix: options.prefix || undefined,
      organizationId: options.organizationId || undefined,
      accountId: options.accountId ?? arn.accountId,
      region: options.region ?? arn.region,
      trailName: arn.name,
      trailHomeRegion: arn.region,
    };
    this.bucket = options.bucket;
    this.startMs = options.startMs;
    this.endMs = options.endMs;
    this.windowEndMs = options.endMs + HOUR_MS;
    this.keys = new DigestKeyRing(keySource, this.location.region);
    this.coverage = new LogCoverage(this.location, this.bucket);
    const concurrency = Math.max(1, options.concurrency ?? 8);
    // Waits when too many reads are ahead of the output.
    this.output = new OrderedPool(concurrency, concurrency * 4, (entry) => this.record(entry));
    this.summary = {
      startMs: options.startMs,
      endMs: options.endMs,
      validDigests: 0,
      invalidDigests: 0,
      validBackfillDigests: 0,
      invalidBackfillDigests: 0,
      validLogs: 0,
      invalidLogs: 0,
    };
  }

  async run(): Promise<ValidationResult> {
    const listing = await this.listDigests(this.bucket);
    const keysStartMs = this.startMs;
    const keysEndMs = this.endMs + 2 * HOUR_MS;
    if ((await this.keys.load(keysStartMs, keysEndMs)) === 0) {
      throw new ValidationError(
        'NoPublicKeys',
        `No public keys found between ${displayTime(keysStartMs)} and ${displayTime(keysEndMs)}`,
      );
    }
    const interval = digestInterval(listing.standard, this.options.digestIntervalMs);
    this.intervalMs = interval.intervalMs;
    this.progress.total = listing.standard.length + listing.backfill.length;

    const { checkpoint } = this.options;
    if (checkpoint) {
      const object = await this.objects.get(checkpoint.bucket, checkpoint.key);
      const found = checkpointProblem(object, checkpoint);
      if (found) await this.emitDigestInvalid(checkpoint.bucket, checkpoint.key, false, found);
    }
    const expected = expectDigests(listing.standard, {
      location: this.location,
      bucket: this.bucket,
      startMs: this.startMs,
      windowEndMs: this.windowEndMs,
      checkpoint,
      latestDigestDeliveryMs: this.options.latestDigestDeliveryMs,
      newestThresholdMs: interval.newestThresholdMs,
    });
    if (expected.expecting) this.coverage.setExpecting();

    await this.walk(expected.candidates, false);
    await this.walk(listing.backfill, true);
    await this.output.flush();
    await this.checkCoverage();
    await this.output.flush();
    if (this.newestValid) this.summary.newestValidDigest = this.newestValid.checkpoint;
    return this.summary;
  }

  private async listDigests(
    bucket: string,
  ): Promise<{ standard: DigestCandidate[]; backfill: DigestCandidate[] }> {
    const pattern = digestKeyPattern(this.location);
    const fromMs = floorToSecond(this.startMs);
    const toMs = floorToSecond(this.windowEndMs);
    const standard: DigestCandidate[] = [];
    const backfill: DigestCandidate[] = [];
    // AWS starts its listing a minute before the start time.
    for (const prefix of datePrefixes(
      digestFolder(this.location),
      this.startMs - MINUTE_MS,
      this.windowEndMs,
    )) {
      for await (const key of this.objects.list(bucket, prefix)) {
        const m = pattern.exec(key);
        if (!m) continue;
        const endMs = nameTimeMs(m[1] as string);
        if (endMs < fromMs || endMs > toMs) continue;
        (m[2] ? backfill : standard).push({ key, endMs });
      }
    }
    const byTime = (a: DigestCandidate, b: DigestCandidate): number =>
      a.endMs - b.endMs || (a.key < b.key ? -1 : 1);
    return { standard: standard.sort(byTime), backfill: backfill.sort(byTime) };
  }

  private async loadDigest(bucket: string, key: string, backfill: boolean): Promise<LoadedDigest> {
    const object = await this.objects.get(bucket, key);
    if (!object) return { kind: 'missing' };
    return verifyDigest(object, { bucket, key, backfill }, this.keys);
  }

  private async walk(listed: DigestCandidate[], backfill: boolean): Promise<void> {
    const steps = walkChain(listed, {
      location: this.location,
      bucket: this.bucket,
      backfill,
      startMs: this.startMs,
      intervalMs: this.intervalMs,
      load: (bucket, key) => this.loadDigest(bucket, key, backfill),
      list: async (bucket) => {
        const relisted = await this.listDigests(bucket);
        return backfill ? relisted.backfill : relisted.standard;
      },
    });
    for await (const step of steps) await this.take(step, backfill);
  }

  private async take(step: ChainStep, backfill: boolean): Promise<void> {
    switch (step.kind) {
      case 'inferred':
        this.coverage.addKnownEnd(step.endMs);
        this.progress.total++;
        return this.emitDigestInvalid(step.bucket, step.key, false, step.finding);
      case 'inferred-rest':
        return this.emitDigestInvalid(step.bucket, step.key, false, step.finding);
      case 'untrusted':
        if (!backfill) this.coverage.addKnownEnd(step.candidate.endMs);
        return this.emitDigestInvalid(step.bucket, step.candidate.key, backfill, step.finding);
      case 'trusted': {
        const { bucket, candidate, trusted, finding } = step;
        if (!backfill) this.coverage.addKnownEnd(candidate.endMs);
        if (finding) await this.emitDigestInvalid(bucket, candidate.key, backfill, finding);
        else
          await this.output.push({ kind: 'digest', bucket, key: candidate.key, backfill, status: 'valid' });
        this.trackTrusted(bucket, candidate.key, trusted, backfill, finding === undefined);
        for (const file of trusted.digest.logFiles) {
          this.coverage.addListed(file);
          this.progress.total++;
          await this.output.run(() => this.checkLog(file));
        }
        return;
      }
      case 'gap':
        return this.output.push({ kind: 'gap', backfill, fromMs: step.fromMs, toMs: step.toMs });
    }
  }

  private trackTrusted(
    bucket: string,
    key: string,
    trusted: TrustedDigest,
    backfill: boolean,
    valid: boolean,
  ): void {
    const { digest } = trusted;
    const foundStart = Math.max(digest.startMs, this.startMs);
    const foundEnd = Math.min(digest.endMs, this.endMs);
    if (this.summary.foundStartMs === undefined || foundStart < this.summary.foundStartMs)
      this.summary.foundStartMs = foundStart;
    if (this.summary.foundEndMs === undefined || foundEnd > this.summary.foundEndMs)
      this.summary.foundEndMs = foundEnd;
    if (backfill) return;
    this.coverage.addTrusted(digest);
    if (valid && (!this.newestValid || digest.endMs > this.newestValid.endMs)) {
      this.newestValid = {
        endMs: digest.endMs,
        checkpoint: {
          bucket,
          key,
          digestEndTime: digest.digestEndTime,
          hashValue: trusted.hashValue,
          signature: trusted.signature,
        },
      };
    }
  }

  private async readLogFile(bucket: string, key: string): Promise<LogFileDigest> {
    if (this.objects.digestLogFile) return this.objects.digestLogFile(bucket, key);
    return digestLogFile(await this.objects.getBody(bucket, key));
  }

  private async checkLog(file: ListedLogFile): Promise<ValidationEntry> {
    const content = await this.readLogFile(file.s3Bucket, file.s3Object);
    if (content.kind === 'missing') this.coverage.addMissing(file);
    return checkListedLogFile(file, content);
  }

  private async checkCoverage(): Promise<void> {
    const uncovered = await this.coverage.uncovered(this.startMs, this.endMs, this.intervalMs, {
      list: (prefix) => this.objects.list(this.bucket, prefix),
      listedBy: async (key, backfill) => {
        const loaded = await this.loadDigest(this.bucket, key, backfill);
        return loaded.kind === 'trusted' ? loaded.digest.logFiles : undefined;
      },
    });
    for (const key of uncovered) {
      this.progress.total++;
      await this.output.run(async () => this.coverage.finding(key, await this.readLogFile(this.bucket, key)));
    }
  }

  private async emitDigestInvalid(
    bucket: string,
    key: string,
    backfill: boolean,
    found: DigestFinding,
  ): Promise<void> {
    // One finding per digest: the checkpoint, the newest-digest check and the chain may name the same one.
    const id = `${bucket}/${key}`;
    if (this.reportedDigests.has(id)) return;
    this.reportedDigests.add(id);
    await this.output.push({
      kind: 'digest',
      bucket,
      key,
      backfill,
      status: 'invalid',
      problem: found.problem,
      reason: found.reason,
      ...(found.inferred ? { inferred: true } : {}),
      ...(found.count !== undefined ? { count: found.count } : {}),
    });
  }

  private record(entry: ValidationEntry): void {
    const s = this.summary;
    switch (entry.kind) {
      case 'digest':
        if (entry.backfill) {
          if (entry.status === 'valid') s.validBackfillDigests++;
          else s.invalidBackfillDigests++;
        } else if (entry.status === 'valid') s.validDigests++;
        else s.invalidDigests += entry.count ?? 1;
        this.progress.done++;
        break;
      case 'log':
        if (entry.status === 'valid') s.validLogs++;
        else s.invalidLogs++;
        this.progress.done++;
        break;
      case 'gap':
        break;
    }
    this.progress.total = Math.max(this.progress.total, this.progress.done);
    this.options.onEntry?.(entry);
    this.options.onProgress?.({ ...this.progress });
  }
}
