import type { PreviousDigest } from '../integrity/index.ts';

/** A log file a trail delivered, as its next digest lists it. */
export interface JournalFile {
  trailArn: string;
  accountId: string;
  region: string;
  bucket: string;
  key: string;
  /** SHA-256 hex of the uncompressed file. */
  sha256: string;
  oldestEventMs: number;
  newestEventMs: number;
  deliveredAtMs: number;
}

export interface JournalEntry extends JournalFile {
  id: bigint;
}

/** One digest chain: a trail's digests for one account and region. */
export interface DigestChain {
  trailArn: string;
  accountId: string;
  region: string;
  /** The next digest's digestStartTime. */
  startMs: number;
  previous?: PreviousDigest;
}

/** A trail's digest progress; a round's end is planned before any digest is written. */
export interface DigestState {
  trailArn: string;
  digestedThroughId: bigint;
  lastEndMs?: number;
  planned?: { endMs: number; throughId: bigint };
}

/**
 * What digests are made from: the log files each trail delivered (recorded before its cursor
 * moves, idempotent by key) and each trail's chains. Implementations commit a round's chains and
 * state in one transaction.
 */
export interface DigestJournal {
  recordFiles(files: readonly JournalFile[]): Promise<void>;
  filesThrough(trailArn: string, afterId: bigint, throughId: bigint): Promise<JournalEntry[]>;
  maxFileId(trailArn: string): Promise<bigint>;
  state(trailArn: string): Promise<DigestState | undefined>;
  chains(trailArn: string): Promise<DigestChain[]>;
  plan(trailArn: string, planned: { endMs: number; throughId: bigint }): Promise<void>;
  /** Saves the round's chains, clears the plan, and forgets digested files. */
  commitRound(state: DigestState, chains: readonly DigestChain[]): Promise<void>;
  /** Ends every chain of a trail: the next digest starts a new chain (null previous fields). */
  endChains(trailArn: string): Promise<void>;
  deleteTrail(trailArn: string): Promise<void>;
}
