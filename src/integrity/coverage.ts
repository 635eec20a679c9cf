/**
 * Log files in the chain's folder that no valid digest lists. AWS's validator checks only the
 * files digests list, so a file inserted into the folder, or a listed one moved to another key,
 * passes its check unseen; we list the folder over the time the digests (present, missing or
 * expected) cover and name each such file: moved when its content is what a digest lists for a
 * missing key, else not in any digest. Keys come from bucket listings: attacker-controlled input.
 */
import type { ListedLogFile, ReadDigest } from './digest-reader.ts';
import type { LogFileDigest } from './log-file-digest.ts';
import {
  datePrefixes,
  digestFolder,
  digestKeyPattern,
  logFolder,
  logKeyPattern,
  nameTimeMs,
  type ChainLocation,
} from './trail-layout.ts';
import type { ValidationEntry } from './validation-report.ts';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
/** Log file names carry the delivery minute; a file this near a digest's edge may be in the next one. */
const COVERAGE_SLACK_MS = MINUTE_MS;

/** How coverage reads the chain's bucket. */
export interface CoverageReads {
  /** Keys that start with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<string>;
  /** The log files the digest at `key` lists, or undefined when its signature does not hold. */
  listedBy(key: string, backfill: boolean): Promise<readonly ListedLogFile[] | undefined>;
}

/** What the chain walk learnt that bounds the search: built up as digests and log files are checked. */
export class LogCoverage {
  /** Log files listed by digests whose signature holds: `bucket \0 key`. */
  private readonly listed = new Set<string>();
  /** Listed log files that were not found, by the hash the digest gives them. */
  private readonly missing = new Map<string, ListedLogFile>();
  private oldestTrusted: { startMs: number; hasPrevious: boolean } | undefined;
  private newestKnownEndMs: number | undefined;
  private expecting = false;

  constructor(
    private readonly location: ChainLocation,
    /** The bucket whose log folder is searched. */
    private readonly bucket: string,
  ) {}

  /** A digest whose signature holds lists `file`. */
  addListed(file: ListedLogFile): void {
    this.listed.add(`${file.s3Bucket}\u0000${file.s3Object}`);
  }

  /** A listed log file is not where its digest says. */
  addMissing(file: ListedLogFile): void {
    this.missing.set(file.hashValue, file);
  }

  /** A digest of the chain (not backfill) whose signature holds. */
  addTrusted(digest: ReadDigest): void {
    if (!this.oldestTrusted || digest.startMs < this.oldestTrusted.startMs)
      this.oldestTrusted = { startMs: digest.startMs, hasPrevious: digest.previous !== undefined };
  }

  /** A digest of the chain ends at `endMs`, whether present, missing or expected. */
  addKnownEnd(endMs: number): void {
    this.newestKnownEndMs = Math.max(this.newestKnownEndMs ?? -Infinity, endMs);
  }

  /** The chain's newest digest is known from outside the bucket (a checkpoint, GetTrailStatus). */
  setExpecting(): void {
    this.expecting = true;
  }

  /**
   * Keys in the chain's log folder, delivered within [startMs, endMs], that no valid digest lists.
   * A chain's first digest bounds the search below: before it, validation may have been off. Near
   * the newest digest's end a file may still be due for the next digest, so that edge keeps a
   * margin of a quarter interval (2 minutes at least).
   */
  async uncovered(
    startMs: number,
    endMs: number,
    intervalMs: number,
    reads: CoverageReads,
  ): Promise<string[]> {
    let lowerMs: number;
    if (this.oldestTrusted)
      lowerMs = this.oldestTrusted.hasPrevious ? startMs : Math.max(startMs, this.oldestTrusted.startMs);
    else if (this.newestKnownEndMs !== undefined && this.expecting) lowerMs = startMs;
    else return [];
    const marginMs = Math.min(intervalMs, Math.max(2 * MINUTE_MS, intervalMs / 4));
    const upperMs = Math.min(endMs, (this.newestKnownEndMs ?? -Infinity) - marginMs);
    if (upperMs <= lowerMs) return [];
    const pattern = logKeyPattern(this.location);
    const found: string[] = [];
    for (const prefix of datePrefixes(logFolder(this.location), lowerMs, upperMs)) {
      for await (const key of reads.list(prefix)) {
        if (this.listed.has(`${this.bucket}\u0000${key}`)) continue;
        const m = pattern.exec(key);
        if (m) {
          const deliveredMs = nameTimeMs(m[1] as string);
          if (deliveredMs < lowerMs + COVERAGE_SLACK_MS || deliveredMs + MINUTE_MS > upperMs) continue;
        }
        found.push(key);
      }
    }
    if (found.length === 0) return found;
    // Trails sharing a bucket and prefix share the log folder (file names do not name the
    // trail): files another trail's valid digests list are that trail's, not inserted.
    const others = await this.otherTrailsFiles(lowerMs, upperMs, intervalMs, reads);
    return found.filter((key) => !others.has(key));
  }

  /** Log files listed by other trails' digests of the same account and region whose signatures hold. */
  private async otherTrailsFiles(
    lowerMs: number,
    upperMs: number,
    intervalMs: number,
    reads: CoverageReads,
  ): Promise<Set<string>> {
    const ours = digestKeyPattern(this.location);
    const anyTrail = digestKeyPattern(this.location, true);
    const files = new Set<string>();
    // A file is in a digest ending after it was delivered, up to an interval (and AWS's hour) later.
    const toMs = upperMs + Math.max(intervalMs, HOUR_MS) * 2;
    for (const prefix of datePrefixes(digestFolder(this.location), lowerMs, toMs)) {
      for await (const key of reads.list(prefix)) {
        const m = anyTrail.exec(key);
        if (!m || ours.test(key)) continue;
        const endMs = nameTimeMs(m[1] as string);
        if (endMs < lowerMs || endMs > toMs) continue;
        const listed = await reads.listedBy(key, m[2] !== undefined);
        for (const f of listed ?? []) if (f.s3Bucket === this.bucket) files.add(f.s3Object);
      }
    }
    return files;
  }

  /** The finding for an uncovered key, from its content as `digestLogFile()` read it. */
  finding(key: string, content: LogFileDigest): ValidationEntry {
    const at = { kind: 'log', bucket: this.bucket, key, status: 'invalid' } as const;
    const original = content.kind === 'read' ? this.missing.get(content.sha256Hex) : undefined;
    if (original) {
      return { ...at, problem: 'moved', reason: `moved from s3://${original.s3Bucket}/${original.s3Object}` };
    }
    return { ...at, problem: 'not-in-digest', reason: 'not listed in any valid digest file' };
  }
}
