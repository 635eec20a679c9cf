/**
 * What validation learns from a log file's bytes: the SHA-256 of its first gzip member's inflated
 * content (what a digest's `hashValue` is over) and what follows that member. Pure, so that it
 * runs wherever the bytes are: on the validating thread or in a worker that read them.
 */
import { sha256Hex } from './digest-file.ts';
import { inflateGzipMember } from './gzip-member.ts';

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
