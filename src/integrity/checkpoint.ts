/**
 * Checkpoints: the newest valid digest of each chain as a successful validation saw it, kept by
 * the user outside the bucket. AWS's validator trusts the bucket to say which digest is newest, so
 * deleting the newest digests (or a whole chain) goes unseen; a checkpoint names a digest that
 * must still be there, unchanged, on every later run.
 */

export interface DigestCheckpoint {
  bucket: string;
  key: string;
  /** The digest's digestEndTime, as written in it. */
  digestEndTime: string;
  /** SHA-256 hex of the inflated digest. */
  hashValue: string;
  /** The digest's `signature` metadata (hex). */
  signature: string;
}

export interface CheckpointFile {
  version: 1;
  /** By chain: see {@link checkpointChainId}. */
  chains: Record<string, DigestCheckpoint>;
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

/** One digest chain: a trail's digests for one account and one region. */
export function checkpointChainId(trailArn: string, accountId: string, region: string): string {
  return `${trailArn} ${accountId} ${region}`;
}

export function emptyCheckpointFile(): CheckpointFile {
  return { version: 1, chains: {} };
}

const FIELDS = ['bucket', 'key', 'digestEndTime', 'hashValue', 'signature'] as const;

/** Reads a checkpoint file (user-kept text: every field is checked). */
export function parseCheckpointFile(text: string): CheckpointFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(`not JSON: ${(error as Error).message}`);
  }
  const file = parsed as { version?: unknown; chains?: unknown } | null;
  if (
    file?.version !== 1 ||
    typeof file.chains !== 'object' ||
    file.chains === null ||
    Array.isArray(file.chains)
  )
    throw new CheckpointError('expected {"version": 1, "chains": {...}} as opentrail validate writes it');
  const chains: Record<string, DigestCheckpoint> = {};
  for (const [id, value] of Object.entries(file.chains)) {
    const entry = value as Record<string, unknown> | null;
    for (const field of FIELDS) {
      if (typeof entry?.[field] !== 'string' || entry[field] === '')
        throw new CheckpointError(`chain "${id}": ${field} must be a non-empty string`);
    }
    if (Number.isNaN(Date.parse(entry?.digestEndTime as string)))
      throw new CheckpointError(`chain "${id}": digestEndTime is not a time`);
    const e = entry as unknown as DigestCheckpoint;
    chains[id] = {
      bucket: e.bucket,
      key: e.key,
      digestEndTime: e.digestEndTime,
      hashValue: e.hashValue,
      signature: e.signature,
    };
  }
  return { version: 1, chains };
}

/** The file with `checkpoint` recorded for the chain, unless the chain already has a newer one. */
export function withCheckpoint(
  file: CheckpointFile,
  chainId: string,
  checkpoint: DigestCheckpoint,
): CheckpointFile {
  const current = file.chains[chainId];
  if (current && Date.parse(current.digestEndTime) > Date.parse(checkpoint.digestEndTime)) return file;
  return { version: 1, chains: { ...file.chains, [chainId]: checkpoint } };
}

export function serializeCheckpointFile(file: CheckpointFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}
