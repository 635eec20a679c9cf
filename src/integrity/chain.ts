/**
 * Walking one digest chain as AWS's validator does (awscli customizations/cloudtrail/validation.py):
 * from the newest digest to older ones by previousDigestS3Object, and where a digest is missing or
 * invalid, on from the next older digest in the bucket listing, down to the start time. Beyond AWS
 * the walk checks previousDigestHashValue and previousDigestSignature against the digest a link
 * leads to, and names every digest of a run of deleted ones from the digest interval (AWS names
 * only the first).
 *
 * The walk yields what it finds, step by step, and reads digests only through the loader it is
 * given. Keys named by links were read from digests: attacker-controlled input.
 */
import { formatInterval } from './digest-interval.ts';
import type { DigestVerdict, TrustedDigest } from './digest-signature.ts';
import {
  chainDigestKey,
  digestFolder,
  digestNameEndMs,
  floorToSecond,
  type ChainLocation,
} from './trail-layout.ts';
import { displayTime, type DigestProblem } from './validation-report.ts';

/** Inferred missing digests named one by one per gap; beyond this, one line for the rest. */
const MAX_INFERRED_PER_GAP = 1000;

/** A digest the walk may visit: listed in the bucket, named by a link, or expected. */
export interface DigestCandidate {
  key: string;
  /** From the key's name (the digest's end time). */
  endMs: number;
  /** Said after `not found` when the digest is absent: how the validator knew it should exist. */
  missingNote?: string;
  /** The name was worked out, not read. */
  inferred?: boolean;
}

export type LoadedDigest = { kind: 'missing' } | DigestVerdict;

/** What is wrong with a digest, as a finding names it. */
export interface DigestFinding {
  problem: DigestProblem;
  reason: string;
  inferred?: boolean;
  /** Digests the finding stands for, when one line reports a long run of missing ones (default 1). */
  count?: number;
}

export type ChainStep =
  /** A visited digest that is missing or whose signature does not hold. */
  | { kind: 'untrusted'; bucket: string; candidate: DigestCandidate; finding: DigestFinding }
  /** A visited digest whose signature holds; `finding` is what is still wrong with it. */
  | {
      kind: 'trusted';
      bucket: string;
      candidate: DigestCandidate;
      trusted: TrustedDigest;
      finding: DigestFinding | undefined;
    }
  /** A digest the interval says lies between two visited ones, missing from both listing and links. */
  | { kind: 'inferred'; bucket: string; key: string; endMs: number; finding: DigestFinding }
  /** The missing digests of a run beyond those named one by one; `key` is the chain's digest folder. */
  | { kind: 'inferred-rest'; bucket: string; key: string; finding: DigestFinding }
  /** The chain starts over: logging or validation was off between these times (not a failure). */
  | { kind: 'gap'; fromMs: number; toMs: number };

export interface ChainWalk {
  location: ChainLocation;
  /** The bucket the listing is of; a link may lead into another. */
  bucket: string;
  backfill: boolean;
  /** Digests older than the one that starts at or before this are not visited. */
  startMs: number;
  /** The digest interval, that missing digests are named by. */
  intervalMs: number;
  load(bucket: string, key: string): Promise<LoadedDigest>;
  /** The chain's digests listed in `bucket`, oldest first: where a link leads into another bucket. */
  list(bucket: string): Promise<DigestCandidate[]>;
}

/** What the digest that named the current one as its previous recorded about it, and where it lies. */
interface Link {
  bucket: string;
  key: string;
  hashValue: string | null;
  signature: string | null;
}

/** `listed`: the chain's digests in `walk.bucket`, oldest first. */
export async function* walkChain(
  listed: readonly DigestCandidate[],
  walk: ChainWalk,
): AsyncGenerator<ChainStep, void, undefined> {
  let stack = [...listed];
  let bucket = walk.bucket;
  let current = stack.pop();
  let lastStartMs = current?.endMs ?? -Infinity;
  let link: Link | undefined;
  /** The last missing or invalid digest: the next one from the listing may leave a gap after it. */
  let broken: { candidate: DigestCandidate; link: Link | undefined } | undefined;

  while (current && walk.startMs <= lastStartMs) {
    const loaded = await walk.load(bucket, current.key);
    if (broken) {
      // Re-linked: the content the chain expects is here, under another name.
      const relinked = loaded.kind === 'trusted' && broken.link?.hashValue === loaded.hashValue;
      if (!relinked && !walk.backfill) yield* inferMissing(walk, bucket, current, broken.candidate);
      broken = undefined;
    }

    if (loaded.kind !== 'trusted') {
      const finding: DigestFinding =
        loaded.kind === 'missing'
          ? {
              problem: 'not-found',
              reason: current.missingNote ? `not found (${current.missingNote})` : 'not found',
              ...(current.inferred ? { inferred: true } : {}),
            }
          : { problem: loaded.problem, reason: loaded.reason };
      yield { kind: 'untrusted', bucket, candidate: current, finding };
      broken = { candidate: current, link };
      link = undefined;
      current = nextListed(stack, current.endMs);
      continue;
    }

    const { digest } = loaded;
    yield {
      kind: 'trusted',
      bucket,
      candidate: current,
      trusted: loaded,
      finding: chainProblem(loaded, link),
    };

    lastStartMs = digest.startMs;
    const previous = digest.previous;
    if (!previous) {
      // The chain starts here (logging or validation was off before): AWS reports a gap when
      // an older digest exists.
      link = undefined;
      const next = nextListed(stack, current.endMs);
      if (next) yield { kind: 'gap', fromMs: next.endMs, toMs: lastStartMs };
      current = next;
      continue;
    }
    link = { bucket, key: current.key, hashValue: previous.hashValue, signature: previous.signature };
    if (previous.bucket !== bucket) {
      bucket = previous.bucket;
      stack = await walk.list(bucket);
    }
    const endMs = digestNameEndMs(previous.key);
    current = { key: previous.key, endMs: Number.isNaN(endMs) ? digest.startMs : endMs };
  }
}

/** AWS: the next listed digest named before `beforeMs`, dropping newer ones from the stack. */
function nextListed(stack: DigestCandidate[], beforeMs: number): DigestCandidate | undefined {
  for (let next = stack.pop(); next; next = stack.pop()) if (next.endMs < beforeMs) return next;
  return undefined;
}

/** The digests that should lie between `older` and `newer` by the digest interval, named by it. */
function* inferMissing(
  walk: ChainWalk,
  bucket: string,
  older: DigestCandidate,
  newer: DigestCandidate,
): Generator<ChainStep, void, undefined> {
  const spanMs = newer.endMs - older.endMs;
  const count = Math.round(spanMs / walk.intervalMs) - 1;
  if (count < 1) return;
  const note =
    `missing between ${displayTime(older.endMs)} and ${displayTime(newer.endMs)}; ` +
    `name inferred from the ${formatInterval(walk.intervalMs)} digest interval`;
  for (let i = count; i >= 1 && i > count - MAX_INFERRED_PER_GAP; i--) {
    const endMs = floorToSecond(older.endMs + (i * spanMs) / (count + 1));
    yield {
      kind: 'inferred',
      bucket,
      key: chainDigestKey(walk.location, endMs),
      endMs,
      finding: { problem: 'not-found', reason: `not found (${note})`, inferred: true },
    };
  }
  if (count > MAX_INFERRED_PER_GAP) {
    const rest = count - MAX_INFERRED_PER_GAP;
    yield {
      kind: 'inferred-rest',
      bucket,
      key: digestFolder(walk.location),
      finding: {
        problem: 'not-found',
        reason: `not found: ${rest} more digests (${note})`,
        inferred: true,
        count: rest,
      },
    };
  }
}

/** Problems of a digest whose signature holds: its link from the next digest, appended bytes. */
function chainProblem(trusted: TrustedDigest, link: Link | undefined): DigestFinding | undefined {
  if (link && link.hashValue !== null && link.hashValue !== trusted.hashValue) {
    return {
      problem: 'previous-hash-mismatch',
      reason: `hash value doesn't match the previousDigestHashValue in s3://${link.bucket}/${link.key}`,
    };
  }
  if (link && link.signature !== null && link.signature !== trusted.signature) {
    return {
      problem: 'previous-signature-mismatch',
      reason: `signature doesn't match the previousDigestSignature in s3://${link.bucket}/${link.key}`,
    };
  }
  if (trusted.trailingBytes > 0) {
    return {
      problem: 'trailing-data',
      reason: `${trusted.trailingBytes} bytes of data after the end of the gzip stream`,
    };
  }
  return undefined;
}
