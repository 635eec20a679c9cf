/**
 * Whether a digest file is one CloudTrail signed for where it lies: its signature metadata, its
 * own location fields, its public key and its SHA256withRSA signature, checked in the order AWS's
 * validator checks them (awscli customizations/cloudtrail/validation.py), so the reason given for
 * a digest failing more than one check is the one AWS gives. The object's bytes and metadata are
 * attacker-controlled input; keys come in through {@link DigestKeys}.
 */
import { verify, type KeyObject } from 'node:crypto';
import { SIGNATURE_ALGORITHM, digestStringToSign, sha256Hex } from './digest-file.ts';
import { readDigestFile, type ReadDigest } from './digest-reader.ts';
import type { TrailObject } from './trail-objects.ts';
import type { DigestProblem } from './validation-report.ts';

export type DigestVerdict = { kind: 'untrusted'; problem: DigestProblem; reason: string } | TrustedDigest;

/** A digest whose signature holds: its content is what CloudTrail wrote. */
export interface TrustedDigest {
  kind: 'trusted';
  digest: ReadDigest;
  /** SHA-256 hex of the inflated digest: what the next digest's previousDigestHashValue should be. */
  hashValue: string;
  /** The `signature` metadata (hex): what the next digest's previousDigestSignature should be. */
  signature: string;
  /** Bytes after the first gzip member, which the signature does not cover. */
  trailingBytes: number;
}

export type KeyLookup = { kind: 'found'; key: KeyObject } | { kind: 'not-found' } | { kind: 'unreadable' };

/** The public keys a digest may be signed with. */
export interface DigestKeys {
  /** The region the keys are of, named when a fingerprint is not among them. */
  readonly region: string;
  /** The key with `fingerprint`; a backfill digest's is also sought around its generation time. */
  find(fingerprint: string, generationMs: number | undefined): Promise<KeyLookup>;
}

/** Where the digest was read from: a digest names its own bucket and key, and must lie there. */
export interface DigestPlace {
  bucket: string;
  key: string;
  /** Backfill digests carry the time they were generated, to find their key by. */
  backfill: boolean;
}

const INVALID_FORMAT = { kind: 'untrusted', problem: 'invalid-format', reason: 'invalid format' } as const;

export async function verifyDigest(
  object: TrailObject,
  place: DigestPlace,
  keys: DigestKeys,
): Promise<DigestVerdict> {
  const read = readDigestFile(object.body);
  if (read.kind === 'unreadable') return INVALID_FORMAT;
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
  if (place.backfill) {
    generationMs = Date.parse(object.metadata['backfill-generation-timestamp'] ?? '');
    if (Number.isNaN(generationMs)) return INVALID_FORMAT;
  }
  if (read.kind === 'malformed') return INVALID_FORMAT;
  const { digest } = read;
  if (digest.digestS3Bucket !== place.bucket || digest.digestS3Object !== place.key) {
    return { kind: 'untrusted', problem: 'moved', reason: 'has been moved from its original location' };
  }
  if (algorithm !== SIGNATURE_ALGORITHM) {
    return {
      kind: 'untrusted',
      problem: 'unsupported-algorithm',
      reason: `unsupported signature algorithm ${algorithm} (expected ${SIGNATURE_ALGORITHM})`,
    };
  }
  const fingerprint = digest.digestPublicKeyFingerprint;
  const key = await keys.find(fingerprint, generationMs);
  switch (key.kind) {
    case 'not-found':
      return {
        kind: 'untrusted',
        problem: 'public-key-not-found',
        reason: `public key not found in region ${keys.region} for fingerprint ${fingerprint}`,
      };
    case 'unreadable':
      return {
        kind: 'untrusted',
        problem: 'public-key-unreadable',
        reason: `Unable to load PKCS #1 key with fingerprint ${fingerprint}`,
      };
    case 'found':
      break;
  }
  if (!verifySignature(key.key, digestStringToSign(digest, read.uncompressed), signature)) {
    return { kind: 'untrusted', problem: 'signature-failed', reason: 'signature verification failed' };
  }
  return {
    kind: 'trusted',
    digest,
    hashValue: sha256Hex(read.uncompressed),
    signature,
    trailingBytes: read.trailingBytes,
  };
}

/** SHA256withRSA over `data`; false for a signature that is not even hex. */
export function verifySignature(key: KeyObject, data: string, signatureHex: string): boolean {
  if (signatureHex.length === 0 || signatureHex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(signatureHex))
    return false;
  try {
    return verify('sha256', Buffer.from(data), key, Buffer.from(signatureHex, 'hex'));
  } catch {
    return false;
  }
}
