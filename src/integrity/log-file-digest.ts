/**
 * What validation learns from a log file's bytes: the SHA-256 of its first gzip member's inflated
 * content (what a digest's `hashValue` is over) and what follows that member, and what that says
 * of a file a digest lists. Pure, so that it runs wherever the bytes are: on the validating thread
 * or in a worker that read them.
 */
import { sha256Hex } from './digest-file.ts';
import type { ListedLogFile } from './digest-reader.ts';
import { inflateGzipMember } from './gzip-member.ts';
import type { ValidationEntry } from './validation-report.ts';

export type LogFileDigest =
  | { kind: 'missing' }
  /** Not one well-formed gzip member (AWS: invalid format). */
  | { kind: 'invalid-format' }
  | { kind: 'read'; sha256Hex: string; trailingBytes: number };

/** `body` undefined: the bucket has nothing at the log file's key. Parses attacker-controlled input. */
export function digestLogFile(body: Uint8Array | undefined): LogFileDigest {
  if (body === undefined) return { kind: 'missing' };
  let member;
  try {
    member = inflateGzipMember(body);
  } catch {
    return { kind: 'invalid-format' };
  }
  return { kind: 'read', sha256Hex: sha256Hex(member.data), trailingBytes: member.trailingBytes };
}

/** The finding for a log file a digest lists, from what digestLogFile() read at its key. */
export function checkListedLogFile(file: ListedLogFile, content: LogFileDigest): ValidationEntry {
  const at = { kind: 'log', bucket: file.s3Bucket, key: file.s3Object } as const;
  switch (content.kind) {
    case 'missing':
      return { ...at, status: 'invalid', problem: 'not-found', reason: 'not found' };
    case 'invalid-format':
      return { ...at, status: 'invalid', problem: 'invalid-format', reason: 'invalid format' };
    case 'read':
      break;
  }
  if (content.sha256Hex !== file.hashValue)
    return { ...at, status: 'invalid', problem: 'hash-mismatch', reason: "hash value doesn't match" };
  if (content.trailingBytes > 0) {
    return {
      ...at,
      status: 'invalid',
      problem: 'trailing-data',
      reason: `${content.trailingBytes} bytes of data after the end of the gzip stream`,
    };
  }
  return { ...at, status: 'valid' };
}
