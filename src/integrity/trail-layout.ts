/**
 * Where a trail's digest and log files lie in its bucket, and what their names say, as AWS lays
 * them out (CloudTrail User Guide, "Finding your CloudTrail log files"; digestKey() in
 * digest-file.ts writes the same names). Names come from bucket listings: parsing never trusts them
 * beyond the patterns here.
 */
import { digestKey } from './digest-file.ts';

export interface ChainLocation {
  prefix?: string | undefined;
  organizationId?: string | undefined;
  accountId: string;
  /** The region whose files the chain covers. */
  region: string;
  trailName: string;
  trailHomeRegion: string;
}

export interface TrailArnParts {
  partition: string;
  region: string;
  accountId: string;
  name: string;
}

/** `arn:aws:cloudtrail:us-east-1:123456789012:trail/name`; undefined when it is not a trail ARN (AWS's pattern). */
export function parseTrailArn(arn: string): TrailArnParts | undefined {
  const m = /^arn:([^:]+):cloudtrail:([^:]+):(\d{12}):trail\/(.+)$/.exec(arn);
  if (!m) return undefined;
  const [, partition, region, accountId, path] = m as unknown as [string, string, string, string, string];
  return { partition, region, accountId, name: path.split('/').at(-1) as string };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}

function accountRoot(location: ChainLocation): string {
  const prefix = location.prefix ? `${location.prefix}/` : '';
  const org = location.organizationId ? `${location.organizationId}/` : '';
  return `${prefix}AWSLogs/${org}${location.accountId}`;
}

/** `[prefix/]AWSLogs/[org-id/]<account>/CloudTrail-Digest/<region>/` */
export function digestFolder(location: ChainLocation): string {
  return `${accountRoot(location)}/CloudTrail-Digest/${location.region}/`;
}

/** `[prefix/]AWSLogs/[org-id/]<account>/CloudTrail/<region>/` */
export function logFolder(location: ChainLocation): string {
  return `${accountRoot(location)}/CloudTrail/${location.region}/`;
}

/**
 * Digest keys of this trail's chain (AWS's pattern: other trails may share the folder), backfill
 * included; with `anyTrail`, those of every trail in the folder. Group 1 is the end time.
 */
export function digestKeyPattern(location: ChainLocation, anyTrail = false): RegExp {
  const a = escapeRegExp(location.accountId);
  const r = escapeRegExp(location.region);
  const trail = anyTrail
    ? '.+'
    : `${escapeRegExp(location.trailName)}_${escapeRegExp(location.trailHomeRegion)}`;
  return new RegExp(
    `^${escapeRegExp(digestFolder(location))}\\d+/\\d+/\\d+/${a}_CloudTrail-Digest_${r}_${trail}_` +
      `(\\d{8}T\\d{6}Z)(_backfill)?\\.json\\.gz$`,
  );
}

/** The key of the chain's digest ending at `endTimeMs`, as digestKey() names it. */
export function chainDigestKey(location: ChainLocation, endTimeMs: number): string {
  return digestKey({
    ...(location.prefix ? { s3KeyPrefix: location.prefix } : {}),
    ...(location.organizationId ? { organizationId: location.organizationId } : {}),
    accountId: location.accountId,
    region: location.region,
    trailName: location.trailName,
    trailHomeRegion: location.trailHomeRegion,
    endTimeMs,
  });
}

/** Log file keys of the chain's account and region; group 1 is the delivery minute. */
export function logKeyPattern(location: ChainLocation): RegExp {
  const a = escapeRegExp(location.accountId);
  const r = escapeRegExp(location.region);
  return new RegExp(
    `^${escapeRegExp(logFolder(location))}\\d{4}/\\d{2}/\\d{2}/${a}_CloudTrail_${r}_(\\d{8}T\\d{4}Z)_[A-Za-z0-9]{16}\\.json\\.gz$`,
  );
}

/** Digest names and the times in digests are to the second. */
export function floorToSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** `20260131T120000Z` or `20260131T1200Z` as epoch ms (UTC). */
export function nameTimeMs(stamp: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})?Z$/.exec(stamp);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s] = m;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
}

/**
 * The end time a digest key's name gives (the time before `.json.gz`, backfill or not), NaN when
 * it has none: previousDigestS3Object is read from a digest, so this is attacker-controlled input.
 */
export function digestNameEndMs(key: string): number {
  return nameTimeMs(/_(\d{8}T\d{6}Z)(?:_backfill)?\.json\.gz$/.exec(key)?.[1] ?? '');
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

const DAY_MS = 86_400_000;

/**
 * Prefixes under `folder` that hold every `YYYY/MM/DD/` folder from `fromMs` to `toMs`: one per
 * day for short ranges, per month or year for long ones, so a validation lists little.
 */
export function datePrefixes(folder: string, fromMs: number, toMs: number): string[] {
  const from = new Date(Math.min(fromMs, toMs));
  const to = new Date(toMs);
  const days = Math.floor(toMs / DAY_MS) - Math.floor(fromMs / DAY_MS) + 1;
  const months =
    (to.getUTCFullYear() - from.getUTCFullYear()) * 12 + (to.getUTCMonth() - from.getUTCMonth()) + 1;
  const out: string[] = [];
  if (days <= 62) {
    for (
      let t = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
      t <= toMs;
      t += DAY_MS
    ) {
      const d = new Date(t);
      out.push(`${folder}${pad(d.getUTCFullYear(), 4)}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/`);
    }
  } else if (months <= 60) {
    for (let i = 0; i < months; i++) {
      const d = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + i, 1));
      out.push(`${folder}${pad(d.getUTCFullYear(), 4)}/${pad(d.getUTCMonth() + 1)}/`);
    }
  } else {
    for (let y = from.getUTCFullYear(); y <= to.getUTCFullYear(); y++) out.push(`${folder}${pad(y, 4)}/`);
  }
  return out;
}
