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
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { DigestCheckpoint } from './checkpoint.ts';
import { SIGNATURE_ALGORITHM, digestKey, digestStringToSign, sha256Hex } from './digest-file.ts';
import { inflateGzipMember } from './gzip-member.ts';
import { digestLogFile, type LogFileDigest } from './log-file-digest.ts';
import {
  datePrefixes,
  digestFolder,
  digestKeyPattern,
  logFolder,
  logKeyPattern,
  nameTimeMs,
  parseTrailArn,
  type ChainLocation,
} from './trail-layout.ts';
import type { DigestPublicKey, PublicKeySource, TrailObjectReader } from './trail-objects.ts';
import {
  displayTime,
  type DigestProblem,
  type ValidationEntry,
  type ValidationSummary,
} from './validation-report.ts';

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
/** Log file names carry the delivery minute; a file this near a digest's edge may be in the next one. */
const COVERAGE_SLACK_MS = MINUTE_MS;
/** Inferred missing digests named one by one per gap; beyond this, one line for the rest. */
const MAX_INFERRED_PER_GAP = 1000;

interface Candidate {
  key: string;
  /** From the key's name (the digest's end time). */
  endMs: number;
  /** Said after `not found` when the digest is absent: how the validator knew it should exist. */
  missingNote?: string;
  /** The name was worked out, not read. */
  inferred?: boolean;
}

interface LogRef {
  s3Bucket: string;
  s3Object: string;
  hashValue: string;
}

interface Digest {
  startMs: number;
  endMs: number;
  digestEndTime: string;
  fingerprint: string;
  previous?: { bucket: string; key: string; hashValue: string | null; signature: string | null };
  logFiles: LogRef[];
}

type Loaded =
  | { kind: 'missing' }
  | { kind: 'untrusted'; problem: DigestProblem; reason: string }
  | { kind: 'trusted'; digest: Digest; hashValue: string; signature: string; trailingBytes: number };

/** What the digest that named the current one as its previous recorded about it. */
interface Link {
  bucket: string;
  key: string;
  hashValue: string | null;
  signature: string | null;
}

function floorToSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function optionalString(value: unknown): value is string | null | undefined {
  return value === undefined || value === null || typeof value === 'string';
}

/** The digest's fields, or undefined when any is missing or of the wrong type (AWS: invalid format). */
function readDigest(json: unknown): Digest | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const d = json as Record<string, unknown>;
  // AWS's required keys; previousDigestSignature must be present even when null.
  if (
    !isString(d.digestPublicKeyFingerprint) ||
    !isString(d.digestS3Bucket) ||
    !isString(d.digestS3Object) ||
    !isString(d.digestEndTime) ||
    !isString(d.digestStartTime) ||
    !('previousDigestSignature' in d) ||
    !optionalString(d.previousDigestSignature) ||
    !optionalString(d.previousDigestS3Bucket) ||
    !optionalString(d.previousDigestS3Object) ||
    !optionalString(d.previousDigestHashValue)
  ) {
    return undefined;
  }
  const startMs = Date.parse(d.digestStartTime);
  const endMs = Date.parse(d.digestEndTime);
  if (Number.isNaN(startMs) || Number.isNaN(endMs)) return undefined;
  const rawLogs = d.logFiles ?? [];
  if (!Array.isArray(rawLogs)) return undefined;
  const logFiles: LogRef[] = [];
  for (const entry of rawLogs as unknown[]) {
    const f = entry as Record<string, unknown> | null;
    if (
      typeof f !== 'object' ||
      f === null ||
      !isString(f.s3Bucket) ||
      !isString(f.s3Object) ||
      !isString(f.hashValue)
    )
      return undefined;
    logFiles.push({ s3Bucket: f.s3Bucket, s3Object: f.s3Object, hashValue: f.hashValue });
  }
  const digest: Digest = {
    startMs,
    endMs,
    digestEndTime: d.digestEndTime,
    fingerprint: d.digestPublicKeyFingerprint,
    logFiles,
  };
  // AWS: a chain continues only when both the previous bucket and key are given.
  if (isString(d.previousDigestS3Bucket) && isString(d.previousDigestS3Object)) {
    digest.previous = {
      bucket: d.previousDigestS3Bucket,
      key: d.previousDigestS3Object,
      hashValue: d.previousDigestHashValue ?? null,
      signature: d.previousDigestSignature ?? null,
    };
  }
  return digest;
}

function verifySignature(key: KeyObject, data: string, signatureHex: string): boolean {
  if (signatureHex.length === 0 || signatureHex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(signatureHex))
    return false;
  try {
    return verify('sha256', Buffer.from(data), key, Buffer.from(signatureHex, 'hex'));
  } catch {
    return false;
  }
}

/** Median and smallest spacing between consecutive digest end times. */
function spacingOf(candidates: readonly Candidate[]): { median?: number; min?: number } {
  const gaps: number[] = [];
  for (let i = 1; i < candidates.length; i++) {
    const gap = (candidates[i] as Candidate).endMs - (candidates[i - 1] as Candidate).endMs;
    if (gap > 0) gaps.push(gap);
  }
  if (gaps.length === 0) return {};
  gaps.sort((a, b) => a - b);
  return { median: gaps[Math.floor((gaps.length - 1) / 2)], min: gaps[0] };
}

function formatInterval(ms: number): string {
  if (ms % HOUR_MS === 0) return `${ms / HOUR_MS}h`;
  if (ms % MINUTE_MS === 0) return `${ms / MINUTE_MS}min`;
  return `${Math.round(ms / 100) / 10}s`;
}

class LogValidation {
  private readonly location: ChainLocation;
  private readonly bucket: string;
  private readonly startMs: number;
  private readonly endMs: number;
  /** AWS lists digests named up to an hour after the end time: logs near the end spill over. */
  private readonly windowEndMs: number;
  private readonly concurrency: number;
  private cadenceMs = HOUR_MS;
  private newestThresholdMs = HOUR_MS;

  private readonly publicKeys = new Map<string, DigestPublicKey>();
  private readonly keyObjects = new Map<string, KeyObject>();

  private readonly summary: ValidationResult;
  private readonly progress: ValidationProgress = { done: 0, total: 0 };
  private readonly slots: Promise<ValidationEntry[]>[] = [];
  private readonly reportedDigests = new Set<string>();
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  /** Log files listed by digests whose signature holds: `bucket \0 key`. */
  private readonly covered = new Set<string>();
  /** Listed log files that were not found, by the hash the digest gives them. */
  private readonly missingLogs = new Map<string, LogRef>();
  private oldestTrusted: { startMs: number; hasPrevious: boolean } | undefined;
  private newestKnownEndMs: number | undefined;
  private newestValid: { endMs: number; checkpoint: DigestCheckpoint } | undefined;
  private expectations = false;

  constructor(
    private readonly options: ValidateLogsOptions,
    private readonly objects: TrailObjectReader,
    private readonly keySource: PublicKeySource,
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
    this.concurrency = Math.max(1, options.concurrency ?? 8);
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
    const keys = await this.keySource.publicKeys(this.location.region, keysStartMs, keysEndMs);
    if (keys.length === 0) {
      throw new ValidationError(
        'NoPublicKeys',
        `No public keys found between ${displayTime(keysStartMs)} and ${displayTime(keysEndMs)}`,
      );
    }
    for (const k of keys) this.publicKeys.set(k.fingerprint, k);

    const spacing = spacingOf(listing.standard);
    this.cadenceMs = this.options.digestIntervalMs ?? spacing.median ?? HOUR_MS;
    // A newer digest ends at least one interval after the last; allow less than an interval of
    // delivery delay between a digest's end time and its LatestDigestDeliveryTime.
    this.newestThresholdMs =
      this.options.digestIntervalMs ??
      Math.max(this.cadenceMs / 2, Math.min(this.cadenceMs, spacing.min ?? this.cadenceMs));
    this.progress.total = listing.standard.length + listing.backfill.length;

    const standard = await this.withExpectations(listing.standard);
    await this.traverse(standard, false);
    await this.traverse(listing.backfill, true);
    await this.drain(0);
    await this.checkCoverage();
    await this.drain(0);
    if (this.newestValid) this.summary.newestValidDigest = this.newestValid.checkpoint;
    return this.summary;
  }

  // ---- listing ----

  private async listDigests(bucket: string): Promise<{ standard: Candidate[]; backfill: Candidate[] }> {
    const pattern = digestKeyPattern(this.location);
    const fromMs = floorToSecond(this.startMs);
    const toMs = floorToSecond(this.windowEndMs);
    const standard: Candidate[] = [];
    const backfill: Candidate[] = [];
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
    const byTime = (a: Candidate, b: Candidate): number => a.endMs - b.endMs || (a.key < b.key ? -1 : 1);
    return { standard: standard.sort(byTime), backfill: backfill.sort(byTime) };
  }

  /** Adds the digests that must exist though the listing may not show them: the checkpoint's and the newest. */
  private async withExpectations(listed: Candidate[]): Promise<Candidate[]> {
    const stack = [...listed];
    const checkpoint = this.options.checkpoint;
    if (checkpoint) {
      this.expectations = true;
      await this.checkCheckpoint(checkpoint);
      const endMs = Date.parse(checkpoint.digestEndTime);
      const inWindow =
        checkpoint.bucket === this.bucket &&
        digestKeyPattern(this.location).test(checkpoint.key) &&
        endMs >= floorToSecond(this.startMs) &&
        endMs <= this.windowEndMs;
      if (inWindow && !stack.some((c) => c.key === checkpoint.key)) {
        stack.push({
          key: checkpoint.key,
          endMs,
          missingNote: 'the newest valid digest when the checkpoint was saved',
        });
        stack.sort((a, b) => a.endMs - b.endMs);
      }
    }
    const latestMs = this.options.latestDigestDeliveryMs;
    // A chain outside the home region exists only once that region had files: expect its newest
    // digest only when some digest of it is known.
    const chainKnown = this.location.region === this.location.trailHomeRegion || stack.length > 0;
    if (latestMs !== undefined && latestMs >= this.startMs && latestMs <= this.windowEndMs && chainKnown) {
      this.expectations = true;
      const top = stack.at(-1);
      if (!top || latestMs - top.endMs >= this.newestThresholdMs) {
        const endMs = floorToSecond(latestMs);
        stack.push({
          key: digestKey({ ...this.locationForKeys(), endTimeMs: endMs }),
          endMs,
          inferred: true,
          missingNote:
            `GetTrailStatus reports a digest delivered at ${displayTime(latestMs)}` +
            (top ? `, the newest present ends at ${displayTime(top.endMs)}` : ', none is present') +
            '; name inferred',
        });
      }
    }
    return stack;
  }

  private locationForKeys(): Parameters<typeof digestKey>[0] {
    const l = this.location;
    return {
      ...(l.prefix ? { s3KeyPrefix: l.prefix } : {}),
      ...(l.organizationId ? { organizationId: l.organizationId } : {}),
      accountId: l.accountId,
      region: l.region,
      trailName: l.trailName,
      trailHomeRegion: l.trailHomeRegion,
      endTimeMs: 0,
    };
  }

  private async checkCheckpoint(checkpoint: DigestCheckpoint): Promise<void> {
    const object = await this.objects.get(checkpoint.bucket, checkpoint.key);
    if (!object) {
      await this.emitDigestInvalid(checkpoint.bucket, checkpoint.key, false, {
        problem: 'not-found',
        reason: 'not found (the newest valid digest when the checkpoint was saved)',
      });
      return;
    }
    let hashValue: string | undefined;
    try {
      hashValue = sha256Hex(inflateGzipMember(object.body).data);
    } catch {
      hashValue = undefined;
    }
    if (hashValue !== checkpoint.hashValue || object.metadata.signature !== checkpoint.signature) {
      await this.emitDigestInvalid(checkpoint.bucket, checkpoint.key, false, {
        problem: 'checkpoint-mismatch',
        reason: 'changed since the checkpoint was saved (its content or signature differs)',
      });
    }
  }

  // ---- the chain ----

  /** AWS's traversal: newest first, by previous links, falling back on the listing. */
  private async traverse(listed: Candidate[], backfill: boolean): Promise<void> {
    let stack = [...listed];
    let bucket = this.bucket;
    let current = stack.pop();
    let lastStartMs = current?.endMs ?? -Infinity;
    let link: Link | undefined;
    /** The last missing or invalid digest: the next one from the listing may leave a gap after it. */
    let broken: { candidate: Candidate; link: Link | undefined } | undefined;

    while (current && this.startMs <= lastStartMs) {
      if (!backfill) this.newestKnownEndMs = Math.max(this.newestKnownEndMs ?? -Infinity, current.endMs);
      const loaded = await this.loadDigest(bucket, current.key, backfill);
      if (broken) {
        // Re-linked: the content the chain expects is here, under another name.
        const relinked = loaded.kind === 'trusted' && broken.link?.hashValue === loaded.hashValue;
        if (!relinked && !backfill) await this.inferMissing(bucket, current, broken.candidate);
        broken = undefined;
      }

      if (loaded.kind !== 'trusted') {
        await this.emitDigestInvalid(
          bucket,
          current.key,
          backfill,
          loaded.kind === 'missing'
            ? {
                problem: 'not-found',
                reason: current.missingNote ? `not found (${current.missingNote})` : 'not found',
                ...(current.inferred ? { inferred: true } : {}),
              }
            : loaded,
        );
        broken = { candidate: current, link };
        link = undefined;
        current = this.nextListed(stack, current.endMs);
        continue;
      }

      const { digest } = loaded;
      const problem = this.chainProblem(loaded, link);
      if (problem) await this.emitDigestInvalid(bucket, current.key, backfill, problem);
      else await this.emit([{ kind: 'digest', bucket, key: current.key, backfill, status: 'valid' }]);
      this.trackTrusted(bucket, current.key, loaded, backfill, problem === undefined);
      for (const ref of digest.logFiles) {
        this.covered.add(`${ref.s3Bucket}\u0000${ref.s3Object}`);
        this.progress.total++;
        await this.emit(this.limited(() => this.checkLog(ref)).then((entry) => [entry]));
      }

      lastStartMs = digest.startMs;
      const previous = digest.previous;
      if (!previous) {
        // The chain starts here (logging or validation was off before): AWS reports a gap when
        // an older digest exists.
        link = undefined;
        const next = this.nextListed(stack, current.endMs);
        if (next) await this.emit([{ kind: 'gap', backfill, fromMs: next.endMs, toMs: lastStartMs }]);
        current = next;
        continue;
      }
      link = { bucket, key: current.key, hashValue: previous.hashValue, signature: previous.signature };
      if (previous.bucket !== bucket) {
        bucket = previous.bucket;
        const relisted = await this.listDigests(bucket);
        stack = backfill ? relisted.backfill : relisted.standard;
      }
      const endMs = nameTimeMs(/_(\d{8}T\d{6}Z)(?:_backfill)?\.json\.gz$/.exec(previous.key)?.[1] ?? '');
      current = { key: previous.key, endMs: Number.isNaN(endMs) ? digest.startMs : endMs };
    }
  }

  /** AWS: the next listed digest named before `beforeMs`, dropping newer ones from the stack. */
  private nextListed(stack: Candidate[], beforeMs: number): Candidate | undefined {
    for (let next = stack.pop(); next; next = stack.pop()) if (next.endMs < beforeMs) return next;
    return undefined;
  }

  /** The digests that should lie between `older` and `newer` by the digest interval, named by it. */
  private async inferMissing(bucket: string, older: Candidate, newer: Candidate): Promise<void> {
    const spanMs = newer.endMs - older.endMs;
    const count = Math.round(spanMs / this.cadenceMs) - 1;
    if (count < 1) return;
    const note =
      `missing between ${displayTime(older.endMs)} and ${displayTime(newer.endMs)}; ` +
      `name inferred from the ${formatInterval(this.cadenceMs)} digest interval`;
    for (let i = count; i >= 1 && i > count - MAX_INFERRED_PER_GAP; i--) {
      const endMs = floorToSecond(older.endMs + (i * spanMs) / (count + 1));
      this.newestKnownEndMs = Math.max(this.newestKnownEndMs ?? -Infinity, endMs);
      this.progress.total++;
      await this.emitDigestInvalid(
        bucket,
        digestKey({ ...this.locationForKeys(), endTimeMs: endMs }),
        false,
        {
          problem: 'not-found',
          reason: `not found (${note})`,
          inferred: true,
        },
      );
    }
    if (count > MAX_INFERRED_PER_GAP) {
      const rest = count - MAX_INFERRED_PER_GAP;
      await this.emitDigestInvalid(bucket, digestFolder(this.location), false, {
        problem: 'not-found',
        reason: `not found: ${rest} more digests (${note})`,
        inferred: true,
        count: rest,
      });
    }
  }

  /** Problems of a digest whose signature holds: its link from the next digest, appended bytes. */
  private chainProblem(
    loaded: Extract<Loaded, { kind: 'trusted' }>,
    link: Link | undefined,
  ): { problem: DigestProblem; reason: string } | undefined {
    if (link && link.hashValue !== null && link.hashValue !== loaded.hashValue) {
      return {
        problem: 'previous-hash-mismatch',
        reason: `hash value doesn't match the previousDigestHashValue in s3://${link.bucket}/${link.key}`,
      };
    }
    if (link && link.signature !== null && link.signature !== loaded.signature) {
      return {
        problem: 'previous-signature-mismatch',
        reason: `signature doesn't match the previousDigestSignature in s3://${link.bucket}/${link.key}`,
      };
    }
    if (loaded.trailingBytes > 0) {
      return {
        problem: 'trailing-data',
        reason: `${loaded.trailingBytes} bytes of data after the end of the gzip stream`,
      };
    }
    return undefined;
  }

  private trackTrusted(
    bucket: string,
    key: string,
    loaded: Extract<Loaded, { kind: 'trusted' }>,
    backfill: boolean,
    valid: boolean,
  ): void {
    const { digest } = loaded;
    const foundStart = Math.max(digest.startMs, this.startMs);
    const foundEnd = Math.min(digest.endMs, this.endMs);
    if (this.summary.foundStartMs === undefined || foundStart < this.summary.foundStartMs)
      this.summary.foundStartMs = foundStart;
    if (this.summary.foundEndMs === undefined || foundEnd > this.summary.foundEndMs)
      this.summary.foundEndMs = foundEnd;
    if (backfill) return;
    if (!this.oldestTrusted || digest.startMs < this.oldestTrusted.startMs)
      this.oldestTrusted = { startMs: digest.startMs, hasPrevious: digest.previous !== undefined };
    if (valid && (!this.newestValid || digest.endMs > this.newestValid.endMs)) {
      this.newestValid = {
        endMs: digest.endMs,
        checkpoint: {
          bucket,
          key,
          digestEndTime: digest.digestEndTime,
          hashValue: loaded.hashValue,
          signature: loaded.signature,
        },
      };
    }
  }

  // ---- one digest ----

  private async loadDigest(bucket: string, key: string, backfill: boolean): Promise<Loaded> {
    const object = await this.objects.get(bucket, key);
    if (!object) return { kind: 'missing' };
    const invalidFormat = { kind: 'untrusted', problem: 'invalid-format', reason: 'invalid format' } as const;
    let inflated;
    let json: unknown;
    try {
      inflated = inflateGzipMember(object.body);
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(inflated.data));
    } catch {
      return invalidFormat;
    }
    // AWS reads the signature metadata before looking at the digest's fields.
    const signature = object.metadata.signature;
    const algorithm = object.metadata['signature-algorithm'];
    if (signature === undefined || algorithm === undefined) {
      return {
        kind: 'untrusted',
        problem: 'signature-missing',
        reason: 'signature verification failed (no signature metadata)',
      };
    }
    let generationMs: number | undefined;
    if (backfill) {
      generationMs = Date.parse(object.metadata['backfill-generation-timestamp'] ?? '');
      if (Number.isNaN(generationMs)) return invalidFormat;
    }
    const digest = readDigest(json);
    if (!digest) return invalidFormat;
    const d = json as {
      digestS3Bucket: string;
      digestS3Object: string;
      digestEndTime: string;
      previousDigestSignature: string | null;
    };
    if (d.digestS3Bucket !== bucket || d.digestS3Object !== key) {
      return { kind: 'untrusted', problem: 'moved', reason: 'has been moved from its original location' };
    }
    if (algorithm !== SIGNATURE_ALGORITHM) {
      return {
        kind: 'untrusted',
        problem: 'unsupported-algorithm',
        reason: `unsupported signature algorithm ${algorithm} (expected ${SIGNATURE_ALGORITHM})`,
      };
    }
    const publicKey = await this.publicKeyFor(digest.fingerprint, generationMs);
    if (!publicKey) {
      return {
        kind: 'untrusted',
        problem: 'public-key-not-found',
        reason: `public key not found in region ${this.location.region} for fingerprint ${digest.fingerprint}`,
      };
    }
    let keyObject = this.keyObjects.get(digest.fingerprint);
    if (!keyObject) {
      try {
        keyObject = createPublicKey({ key: Buffer.from(publicKey.pkcs1Der), format: 'der', type: 'pkcs1' });
      } catch {
        return {
          kind: 'untrusted',
          problem: 'public-key-unreadable',
          reason: `Unable to load PKCS #1 key with fingerprint ${digest.fingerprint}`,
        };
      }
      this.keyObjects.set(digest.fingerprint, keyObject);
    }
    if (!verifySignature(keyObject, digestStringToSign(d, inflated.data), signature)) {
      return { kind: 'untrusted', problem: 'signature-failed', reason: 'signature verification failed' };
    }
    return {
      kind: 'trusted',
      digest,
      hashValue: sha256Hex(inflated.data),
      signature,
      trailingBytes: inflated.trailingBytes,
    };
  }

  /** AWS loads keys for the whole range up front; a backfill digest's key is sought around its generation time. */
  private async publicKeyFor(
    fingerprint: string,
    generationMs: number | undefined,
  ): Promise<DigestPublicKey | undefined> {
    const known = this.publicKeys.get(fingerprint);
    if (known || generationMs === undefined) return known;
    for (const k of await this.keySource.publicKeys(
      this.location.region,
      generationMs - HOUR_MS,
      generationMs + HOUR_MS,
    ))
      this.publicKeys.set(k.fingerprint, k);
    return this.publicKeys.get(fingerprint);
  }

  // ---- log files ----

  private async digestOf(bucket: string, key: string): Promise<LogFileDigest> {
    if (this.objects.digestLogFile) return this.objects.digestLogFile(bucket, key);
    return digestLogFile(await this.objects.getBody(bucket, key));
  }

  private async checkLog(ref: LogRef): Promise<ValidationEntry> {
    const at = { kind: 'log', bucket: ref.s3Bucket, key: ref.s3Object } as const;
    const digest = await this.digestOf(ref.s3Bucket, ref.s3Object);
    switch (digest.kind) {
      case 'missing':
        this.missingLogs.set(ref.hashValue, ref);
        return { ...at, status: 'invalid', problem: 'not-found', reason: 'not found' };
      case 'invalid-format':
        return { ...at, status: 'invalid', problem: 'invalid-format', reason: 'invalid format' };
      case 'read':
        break;
    }
    if (digest.sha256Hex !== ref.hashValue)
      return { ...at, status: 'invalid', problem: 'hash-mismatch', reason: "hash value doesn't match" };
    if (digest.trailingBytes > 0) {
      return {
        ...at,
        status: 'invalid',
        problem: 'trailing-data',
        reason: `${digest.trailingBytes} bytes of data after the end of the gzip stream`,
      };
    }
    return { ...at, status: 'valid' };
  }

  /**
   * Log files of the chain's folder that no valid digest lists, within the time the digests
   * (present, missing or expected) cover. A chain's first digest bounds it below: before it,
   * validation may have been off. Near the newest digest's end a file may still be due for the
   * next digest, so that edge keeps a margin of a quarter interval (2 minutes at least).
   */
  private async checkCoverage(): Promise<void> {
    let lowerMs: number;
    if (this.oldestTrusted)
      lowerMs = this.oldestTrusted.hasPrevious
        ? this.startMs
        : Math.max(this.startMs, this.oldestTrusted.startMs);
    else if (this.newestKnownEndMs !== undefined && this.expectations) lowerMs = this.startMs;
    else return;
    const marginMs = Math.min(this.cadenceMs, Math.max(2 * MINUTE_MS, this.cadenceMs / 4));
    const upperMs = Math.min(this.endMs, (this.newestKnownEndMs ?? -Infinity) - marginMs);
    if (upperMs <= lowerMs) return;
    const pattern = logKeyPattern(this.location);
    let found: string[] = [];
    for (const prefix of datePrefixes(logFolder(this.location), lowerMs, upperMs)) {
      for await (const key of this.objects.list(this.bucket, prefix)) {
        if (this.covered.has(`${this.bucket}\u0000${key}`)) continue;
        const m = pattern.exec(key);
        if (m) {
          const deliveredMs = nameTimeMs(m[1] as string);
          if (deliveredMs < lowerMs + COVERAGE_SLACK_MS || deliveredMs + MINUTE_MS > upperMs) continue;
        }
        found.push(key);
      }
    }
    if (found.length > 0) {
      // Trails sharing a bucket and prefix share the log folder (file names do not name the
      // trail): files another trail's valid digests list are that trail's, not inserted.
      const others = await this.otherTrailsFiles(lowerMs, upperMs);
      found = found.filter((key) => !others.has(key));
    }
    for (const key of found) {
      this.progress.total++;
      await this.emit(this.limited(() => this.checkUncovered(key)).then((entry) => [entry]));
    }
  }

  /** Log files listed by other trails' digests of the same account and region whose signatures hold. */
  private async otherTrailsFiles(lowerMs: number, upperMs: number): Promise<Set<string>> {
    const ours = digestKeyPattern(this.location);
    const anyTrail = digestKeyPattern(this.location, true);
    const files = new Set<string>();
    // A file is in a digest ending after it was delivered, up to an interval (and AWS's hour) later.
    const toMs = upperMs + Math.max(this.cadenceMs, HOUR_MS) * 2;
    for (const prefix of datePrefixes(digestFolder(this.location), lowerMs, toMs)) {
      for await (const key of this.objects.list(this.bucket, prefix)) {
        const m = anyTrail.exec(key);
        if (!m || ours.test(key)) continue;
        const endMs = nameTimeMs(m[1] as string);
        if (endMs < lowerMs || endMs > toMs) continue;
        const loaded = await this.loadDigest(this.bucket, key, m[2] !== undefined);
        if (loaded.kind !== 'trusted') continue;
        for (const f of loaded.digest.logFiles) if (f.s3Bucket === this.bucket) files.add(f.s3Object);
      }
    }
    return files;
  }

  private async checkUncovered(key: string): Promise<ValidationEntry> {
    const at = { kind: 'log', bucket: this.bucket, key, status: 'invalid' } as const;
    const digest = await this.digestOf(this.bucket, key);
    const original = digest.kind === 'read' ? this.missingLogs.get(digest.sha256Hex) : undefined;
    if (original) {
      return { ...at, problem: 'moved', reason: `moved from s3://${original.s3Bucket}/${original.s3Object}` };
    }
    return { ...at, problem: 'not-in-digest', reason: 'not listed in any valid digest file' };
  }

  // ---- output in order, reads in parallel ----

  private async limited<T>(task: () => Promise<T>): Promise<T> {
    while (this.active >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  /** Queues entries for output in order; waits when too many reads are ahead of the output. */
  private async emit(entries: ValidationEntry[] | Promise<ValidationEntry[]>): Promise<void> {
    const slot = Promise.resolve(entries);
    // Awaited in order by drain(); until then a failure must not count as unhandled.
    slot.catch(() => undefined);
    this.slots.push(slot);
    await this.drain(this.concurrency * 4);
  }

  private async emitDigestInvalid(
    bucket: string,
    key: string,
    backfill: boolean,
    found: { problem: DigestProblem; reason: string; inferred?: boolean; count?: number },
  ): Promise<void> {
    // One finding per digest: the checkpoint, the newest-digest check and the chain may name the same one.
    const id = `${bucket}/${key}`;
    if (this.reportedDigests.has(id)) return;
    this.reportedDigests.add(id);
    await this.emit([
      {
        kind: 'digest',
        bucket,
        key,
        backfill,
        status: 'invalid',
        problem: found.problem,
        reason: found.reason,
        ...(found.inferred ? { inferred: true } : {}),
        ...(found.count !== undefined ? { count: found.count } : {}),
      },
    ]);
  }

  private async drain(keep: number): Promise<void> {
    while (this.slots.length > keep) {
      const entries = await (this.slots.shift() as Promise<ValidationEntry[]>);
      for (const entry of entries) this.record(entry);
    }
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
