/**
 * Reading a digest file's bytes: the document digest-file.ts writes (AWS CloudTrail User Guide,
 * "CloudTrail digest file structure"). Digests come from a bucket that whoever can write to it
 * may change, so this parses attacker-controlled input: the first gzip member only (what follows
 * it is counted, not read), strict UTF-8, and every field's type checked before use.
 */
import type { DigestFile, DigestLogFile } from './digest-file.ts';
import { inflateGzipMember } from './gzip-member.ts';

/** What a digest says of one log file: validation reads nothing else of the entry. */
export type ListedLogFile = Pick<DigestLogFile, 's3Bucket' | 's3Object' | 'hashValue'>;

/** What the previous digest of a chain is, as the digest that follows it records. */
export interface DigestLink {
  bucket: string;
  key: string;
  hashValue: string | null;
  signature: string | null;
}

/** A digest's fields that validation uses, each of the type the format gives it. */
export interface ReadDigest extends Pick<
  DigestFile,
  | 'digestStartTime'
  | 'digestEndTime'
  | 'digestS3Bucket'
  | 'digestS3Object'
  | 'digestPublicKeyFingerprint'
  | 'previousDigestSignature'
> {
  startMs: number;
  endMs: number;
  /** Absent at a chain start. */
  previous?: DigestLink;
  logFiles: ListedLogFile[];
}

export type DigestRead =
  /** Not one gzip member holding UTF-8 JSON (AWS: invalid format). */
  | { kind: 'unreadable' }
  /** JSON, but a field is missing or of the wrong type (AWS: invalid format). */
  | { kind: 'malformed' }
  | {
      kind: 'read';
      digest: ReadDigest;
      /** The inflated first gzip member: what the signature and the next digest's hash are over. */
      uncompressed: Buffer;
      /** Bytes after the first gzip member. */
      trailingBytes: number;
    };

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function optionalString(value: unknown): value is string | null | undefined {
  return value === undefined || value === null || typeof value === 'string';
}

/**
 * Reads a digest file as stored (gzip). The two ways of failing are told apart because AWS looks
 * at the signature metadata between them: unreadable bytes are invalid before a missing signature,
 * a malformed document after it.
 */
export function readDigestFile(body: Uint8Array): DigestRead {
  let member;
  let json: unknown;
  try {
    member = inflateGzipMember(body);
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(member.data));
  } catch {
    return { kind: 'unreadable' };
  }
  const digest = readDigestFields(json);
  if (!digest) return { kind: 'malformed' };
  return { kind: 'read', digest, uncompressed: member.data, trailingBytes: member.trailingBytes };
}

function readDigestFields(json: unknown): ReadDigest | undefined {
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
  const logFiles: ListedLogFile[] = [];
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
  const digest: ReadDigest = {
    digestStartTime: d.digestStartTime,
    digestEndTime: d.digestEndTime,
    digestS3Bucket: d.digestS3Bucket,
    digestS3Object: d.digestS3Object,
    digestPublicKeyFingerprint: d.digestPublicKeyFingerprint,
    previousDigestSignature: d.previousDigestSignature ?? null,
    startMs,
    endMs,
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
