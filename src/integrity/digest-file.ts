/**
 * CloudTrail digest files (AWS CloudTrail User Guide, "CloudTrail digest file structure"): one per
 * trail, account and region per digest interval, listing every log file delivered in the interval
 * with the SHA-256 of its uncompressed bytes, chained to the previous digest by its hash and
 * signature. The signature (SHA256withRSA, hex) goes in the object's `signature` metadata and
 * signs `digestEndTime \n bucket/key \n sha256hex(uncompressed digest) \n previousDigestSignature`
 * ('null' at a chain start), as AWS's own validator (aws-cli validate-logs) rebuilds it.
 */
import { KeyObject, createHash, createPublicKey } from 'node:crypto';

export const SIGNATURE_ALGORITHM = 'SHA256withRSA';
export const HASH_ALGORITHM = 'SHA-256';

export interface DigestLogFile {
  s3Bucket: string;
  s3Object: string;
  hashValue: string;
  hashAlgorithm: string;
  newestEventTime: string;
  oldestEventTime: string;
}

/** Every field of an AWS digest file, in AWS's order. */
export interface DigestFile {
  awsAccountId: string;
  digestStartTime: string;
  digestEndTime: string;
  digestS3Bucket: string;
  digestS3Object: string;
  digestPublicKeyFingerprint: string;
  digestSignatureAlgorithm: string;
  newestEventTime: string | null;
  oldestEventTime: string | null;
  previousDigestS3Bucket: string | null;
  previousDigestS3Object: string | null;
  previousDigestHashValue: string | null;
  previousDigestHashAlgorithm: string | null;
  previousDigestSignature: string | null;
  logFiles: DigestLogFile[];
}

/** The link to the previous digest of a chain; absent at a chain start. */
export interface PreviousDigest {
  bucket: string;
  key: string;
  /** SHA-256 hex of the previous digest's uncompressed bytes. */
  hashValue: string;
  /** Hex signature of the previous digest. */
  signature: string;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `2026-01-31T12:00:00Z`: the times inside digests, to the second. */
export function digestTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `20260131T120000Z`: the time in a digest file's name. */
export function digestNameTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`
  );
}

export interface DigestLocation {
  s3KeyPrefix?: string;
  organizationId?: string;
  accountId: string;
  /** The region whose log files the digest covers. */
  region: string;
  trailName: string;
  trailHomeRegion: string;
  endTimeMs: number;
}

/**
 * `[prefix/]AWSLogs/[org-id/]<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/<account>_CloudTrail-Digest_<region>_<trail>_<home-region>_<YYYYMMDDTHHmmssZ>.json.gz`
 */
export function digestKey(location: DigestLocation): string {
  const d = new Date(location.endTimeMs);
  const folder = `${pad(d.getUTCFullYear(), 4)}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}`;
  const root = location.organizationId
    ? `AWSLogs/${location.organizationId}/${location.accountId}`
    : `AWSLogs/${location.accountId}`;
  const prefix = location.s3KeyPrefix ? `${location.s3KeyPrefix}/` : '';
  return (
    `${prefix}${root}/CloudTrail-Digest/${location.region}/${folder}/` +
    `${location.accountId}_CloudTrail-Digest_${location.region}_${location.trailName}_${location.trailHomeRegion}_` +
    `${digestNameTime(location.endTimeMs)}.json.gz`
  );
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface DigestContent {
  accountId: string;
  startTimeMs: number;
  endTimeMs: number;
  bucket: string;
  key: string;
  fingerprint: string;
  logFiles: DigestLogFile[];
  previous?: PreviousDigest;
}

/** Builds the digest document, with null previous fields at a chain start and null event times when empty. */
export function buildDigest(content: DigestContent): DigestFile {
  const newest = content.logFiles.map((f) => f.newestEventTime).sort();
  const oldest = content.logFiles.map((f) => f.oldestEventTime).sort();
  const previous = content.previous;
  return {
    awsAccountId: content.accountId,
    digestStartTime: digestTime(content.startTimeMs),
    digestEndTime: digestTime(content.endTimeMs),
    digestS3Bucket: content.bucket,
    digestS3Object: content.key,
    digestPublicKeyFingerprint: content.fingerprint,
    digestSignatureAlgorithm: SIGNATURE_ALGORITHM,
    newestEventTime: newest.length > 0 ? (newest[newest.length - 1] as string) : null,
    oldestEventTime: oldest.length > 0 ? (oldest[0] as string) : null,
    previousDigestS3Bucket: previous?.bucket ?? null,
    previousDigestS3Object: previous?.key ?? null,
    previousDigestHashValue: previous?.hashValue ?? null,
    previousDigestHashAlgorithm: previous ? HASH_ALGORITHM : null,
    previousDigestSignature: previous?.signature ?? null,
    logFiles: content.logFiles,
  };
}

export function serializeDigest(digest: DigestFile): Buffer {
  return Buffer.from(JSON.stringify(digest));
}

/** The string AWS signs, rebuilt from the digest's own fields and its uncompressed bytes. */
export function digestStringToSign(
  digest: Pick<DigestFile, 'digestEndTime' | 'digestS3Bucket' | 'digestS3Object' | 'previousDigestSignature'>,
  uncompressed: Uint8Array,
): string {
  return [
    digest.digestEndTime,
    `${digest.digestS3Bucket}/${digest.digestS3Object}`,
    sha256Hex(uncompressed),
    digest.previousDigestSignature ?? 'null',
  ].join('\n');
}

/**
 * A public key's fingerprint as ListPublicKeys and digestPublicKeyFingerprint show it: the MD5 of
 * the key's PKCS#1 DER bytes, in hex (32 characters).
 */
export function publicKeyFingerprint(pkcs1Der: Uint8Array): string {
  return createHash('md5').update(pkcs1Der).digest('hex');
}

/** PKCS#1 DER bytes of an RSA public key given in any form node:crypto reads (PEM, SPKI DER, KeyObject). */
export function pkcs1Der(publicKey: Parameters<typeof createPublicKey>[0]): Buffer {
  const key =
    publicKey instanceof KeyObject && publicKey.type === 'public' ? publicKey : createPublicKey(publicKey);
  return key.export({ type: 'pkcs1', format: 'der' });
}
