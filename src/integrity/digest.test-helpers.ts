/** Signed digest objects as CloudTrail stores them, for the tests of the parts that read them. */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  SIGNATURE_ALGORITHM,
  buildDigest,
  digestStringToSign,
  pkcs1Der,
  publicKeyFingerprint,
  serializeDigest,
  sha256Hex,
  type DigestContent,
  type DigestFile,
} from './digest-file.ts';
import type { TrailObject } from './trail-objects.ts';

export interface TestSigner {
  privateKey: KeyObject;
  publicKey: KeyObject;
  der: Buffer;
  fingerprint: string;
}

export function newSigner(): TestSigner {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = pkcs1Der(publicKey);
  return { privateKey, publicKey, der, fingerprint: publicKeyFingerprint(der) };
}

export const HOUR_MS = 3_600_000;
export const T0 = Date.UTC(2026, 0, 31, 0, 0, 0);

/** A digest of bucket `b` at key `k`, an hour from T0, listing one log file. */
export function digestContent(signer: TestSigner, overrides: Partial<DigestContent> = {}): DigestContent {
  return {
    accountId: '111122223333',
    startTimeMs: T0,
    endTimeMs: T0 + HOUR_MS,
    bucket: 'b',
    key: 'k',
    fingerprint: signer.fingerprint,
    logFiles: [
      {
        s3Bucket: 'b',
        s3Object: 'log-1.json.gz',
        hashValue: 'ab'.repeat(32),
        hashAlgorithm: 'SHA-256',
        newestEventTime: '2026-01-31T00:10:00Z',
        oldestEventTime: '2026-01-31T00:09:00Z',
      },
    ],
    ...overrides,
  };
}

export interface SignedDigest {
  object: TrailObject;
  digest: DigestFile;
  /** The uncompressed document. */
  body: Buffer;
  hashValue: string;
  signature: string;
}

/** The digest, signed by `signer` over its own fields, gzipped, with CloudTrail's metadata. */
export function signedDigest(
  content: DigestContent,
  signer: TestSigner,
  metadata: Record<string, string> = {},
): SignedDigest {
  const digest = buildDigest(content);
  const body = serializeDigest(digest);
  const signature = sign('sha256', Buffer.from(digestStringToSign(digest, body)), signer.privateKey).toString(
    'hex',
  );
  return {
    object: {
      body: gzipSync(body),
      metadata: { signature, 'signature-algorithm': SIGNATURE_ALGORITHM, ...metadata },
    },
    digest,
    body,
    hashValue: sha256Hex(body),
    signature,
  };
}
