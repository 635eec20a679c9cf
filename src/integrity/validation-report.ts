/**
 * What log file validation finds, as data, and the text the `validate` command prints for it.
 * Lines and the summary follow the AWS CLI's `cloudtrail validate-logs` output (awscli
 * customizations/cloudtrail/validation.py), so scripts written for it read ours; findings AWS
 * does not make get their own reason after the same `INVALID: ` marker.
 */

/** Why a digest file is invalid. */
export type DigestProblem =
  /** Absent; AWS reports the previous digest a chain names this way. */
  | 'not-found'
  | 'invalid-format'
  /** No `signature` or `signature-algorithm` metadata: the digest was not written by CloudTrail. */
  | 'signature-missing'
  | 'signature-failed'
  /** digestS3Bucket/digestS3Object differ from where the file is. */
  | 'moved'
  /** Signed by a key the region never had: a forged digest. */
  | 'public-key-not-found'
  | 'public-key-unreadable'
  | 'unsupported-algorithm'
  /** The next digest's previousDigestHashValue is not this digest's SHA-256 (AWS does not check). */
  | 'previous-hash-mismatch'
  /** The next digest's previousDigestSignature is not this digest's signature. */
  | 'previous-signature-mismatch'
  /** Bytes after the first gzip member (AWS ignores them). */
  | 'trailing-data'
  /** Not what the checkpoint recorded for this key. */
  | 'checkpoint-mismatch';

/** Why a log file is invalid. */
export type LogProblem =
  | 'not-found'
  | 'invalid-format'
  | 'hash-mismatch'
  | 'trailing-data'
  /** In the trail's log folder within the validated time, but in no valid digest: inserted. */
  | 'not-in-digest'
  /** Not listed in a digest at its key, but the content a digest lists for a missing key. */
  | 'moved';

export type ValidationEntry =
  | { kind: 'digest'; bucket: string; key: string; backfill: boolean; status: 'valid' }
  | {
      kind: 'digest';
      bucket: string;
      key: string;
      backfill: boolean;
      status: 'invalid';
      problem: DigestProblem;
      /** The text after `INVALID: `. */
      reason: string;
      /** The key was not read from a digest or a listing but worked out from the digest interval. */
      inferred?: boolean;
      /** Digests this line stands for, when one line reports a long run of missing ones (default 1). */
      count?: number;
    }
  | { kind: 'log'; bucket: string; key: string; status: 'valid' }
  | { kind: 'log'; bucket: string; key: string; status: 'invalid'; problem: LogProblem; reason: string }
  /** A chain starts over: logging or validation was off between these times (not a failure). */
  | { kind: 'gap'; backfill: boolean; fromMs: number; toMs: number };

export interface ValidationCounts {
  validDigests: number;
  invalidDigests: number;
  validBackfillDigests: number;
  invalidBackfillDigests: number;
  validLogs: number;
  invalidLogs: number;
}

export interface ValidationSummary extends ValidationCounts {
  startMs: number;
  endMs: number;
  /** The time the valid digests cover, clipped to the requested range. */
  foundStartMs?: number;
  foundEndMs?: number;
}

/** `2026-01-31T12:00:00Z`, the CLI's display format. */
export function displayTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function isFailure(entry: ValidationEntry): boolean {
  return entry.kind !== 'gap' && entry.status === 'invalid';
}

/** One line per entry, tab-separated as AWS prints them. */
export function formatEntry(entry: ValidationEntry): string {
  switch (entry.kind) {
    case 'gap':
      return (
        `${entry.backfill ? '(backfill) ' : ''}No log files were delivered by CloudTrail between ` +
        `${displayTime(entry.fromMs)} and ${displayTime(entry.toMs)}`
      );
    case 'digest':
      return (
        `${entry.backfill ? '(backfill) ' : ''}Digest file\ts3://${entry.bucket}/${entry.key}\t` +
        (entry.status === 'valid' ? 'valid' : `INVALID: ${entry.reason}`)
      );
    case 'log':
      return (
        `Log file\ts3://${entry.bucket}/${entry.key}\t` +
        (entry.status === 'valid' ? 'valid' : `INVALID: ${entry.reason}`)
      );
  }
}

export function formatStartup(trailArn: string, startMs: number, endMs: number): string {
  return `Validating log files for trail ${trailArn} between ${displayTime(startMs)} and ${displayTime(endMs)}\n\n`;
}

function ratio(valid: number, invalid: number, name: string): string {
  const total = valid + invalid;
  if (total === 0) return '';
  return (
    `\n${valid}/${total} ${name} files valid` +
    (invalid > 0 ? `, ${invalid}/${total} ${name} files INVALID` : '')
  );
}

/** The closing report, from `Results requested for` on, newlines placed as AWS places them. */
export function formatSummary(summary: ValidationSummary): string {
  let out = `Results requested for ${displayTime(summary.startMs)} to ${displayTime(summary.endMs)}\n`;
  const digests =
    summary.validDigests +
    summary.invalidDigests +
    summary.validBackfillDigests +
    summary.invalidBackfillDigests;
  if (digests === 0 && summary.validLogs + summary.invalidLogs === 0) return `${out}No digests found\n`;
  if (summary.foundStartMs === undefined || summary.foundEndMs === undefined)
    out += 'No valid digests found in range\n';
  else
    out += `Results found for ${displayTime(summary.foundStartMs)} to ${displayTime(summary.foundEndMs)}:\n`;
  out += ratio(summary.validDigests, summary.invalidDigests, 'digest');
  out += ratio(summary.validBackfillDigests, summary.invalidBackfillDigests, 'backfill digest');
  out += ratio(summary.validLogs, summary.invalidLogs, 'log');
  return `${out}\n`;
}

export function hasFailures(counts: ValidationCounts): boolean {
  return counts.invalidDigests + counts.invalidBackfillDigests + counts.invalidLogs > 0;
}
