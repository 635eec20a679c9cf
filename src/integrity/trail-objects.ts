/**
 * The two ports log file validation reads through, so the same validator checks embedded local
 * buckets, S3-compatible buckets and AWS S3, with keys from OpenTrail, AWS or a file.
 */
import type { LogFileDigest } from './log-file-digest.ts';

export interface TrailObject {
  body: Uint8Array;
  /** User metadata (S3 x-amz-meta-*), names lower case: digests carry `signature` here. */
  metadata: Readonly<Record<string, string>>;
}

/** Reads the objects of trail buckets: digest files and log files. */
export interface TrailObjectReader {
  /** The object, or undefined when the bucket has nothing at that key. */
  get(bucket: string, key: string): Promise<TrailObject | undefined>;
  /**
   * The object's bytes without its metadata, or undefined when the bucket has nothing at that key:
   * log files carry nothing in metadata that validation reads, and a store may read them for less.
   */
  getBody(bucket: string, key: string): Promise<Uint8Array | undefined>;
  /**
   * Optional: what `digestLogFile(await getBody(bucket, key))` gives, worked out where the reader
   * likes (e.g. on worker threads beside the files). Without it the validator reads and hashes.
   */
  digestLogFile?(bucket: string, key: string): Promise<LogFileDigest>;
  /** Keys that start with `prefix`, in key order (UTF-8 byte order, as S3 lists them). */
  list(bucket: string, prefix: string): AsyncIterable<string>;
}

export interface DigestPublicKey {
  fingerprint: string;
  /** The RSA public key, PKCS#1 DER (ListPublicKeys' Value, base64-decoded). */
  pkcs1Der: Uint8Array;
}

/** Where digest signing keys come from: CloudTrail's ListPublicKeys, or a saved copy of its output. */
export interface PublicKeySource {
  /** The region's public keys valid at some moment of [startMs, endMs]. */
  publicKeys(region: string, startMs: number, endMs: number): Promise<readonly DigestPublicKey[]>;
}
