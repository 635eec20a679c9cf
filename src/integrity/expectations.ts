/**
 * Digests that must exist though the bucket listing may not show them. AWS's validator trusts the
 * listing to say which digest is newest, so deleting the newest digests, or a whole chain, goes
 * unseen; we also expect the digest a user-kept checkpoint names (there, and unchanged) and one
 * ending at about GetTrailStatus's LatestDigestDeliveryTime.
 */
import type { DigestCandidate, DigestFinding } from './chain.ts';
import type { DigestCheckpoint } from './checkpoint.ts';
import { sha256Hex } from './digest-file.ts';
import { inflateGzipMember } from './gzip-member.ts';
import { chainDigestKey, digestKeyPattern, floorToSecond, type ChainLocation } from './trail-layout.ts';
import type { TrailObject } from './trail-objects.ts';
import { displayTime } from './validation-report.ts';

export interface ExpectationSources {
  location: ChainLocation;
  /** The bucket the chain's digests are listed in. */
  bucket: string;
  startMs: number;
  /** The newest digest end time validated (AWS: an hour past the end time). */
  windowEndMs: number;
  checkpoint?: DigestCheckpoint | undefined;
  latestDigestDeliveryMs?: number | undefined;
  /** How much older than LatestDigestDeliveryTime the newest digest present may end. */
  newestThresholdMs: number;
}

export interface ExpectedDigests {
  /** The listed digests and the expected ones, oldest first. */
  candidates: DigestCandidate[];
  /** Some expectation was in force: the chain's newest digest is known from outside the bucket. */
  expecting: boolean;
}

/** Adds the digests that must exist to the listed ones (oldest first): the checkpoint's and the newest. */
export function expectDigests(
  listed: readonly DigestCandidate[],
  sources: ExpectationSources,
): ExpectedDigests {
  const candidates = [...listed];
  let expecting = false;
  const { checkpoint, location } = sources;
  if (checkpoint) {
    expecting = true;
    const endMs = Date.parse(checkpoint.digestEndTime);
    const inWindow =
      checkpoint.bucket === sources.bucket &&
      digestKeyPattern(location).test(checkpoint.key) &&
      endMs >= floorToSecond(sources.startMs) &&
      endMs <= sources.windowEndMs;
    if (inWindow && !candidates.some((c) => c.key === checkpoint.key)) {
      candidates.push({
        key: checkpoint.key,
        endMs,
        missingNote: 'the newest valid digest when the checkpoint was saved',
      });
      candidates.sort((a, b) => a.endMs - b.endMs);
    }
  }
  const latestMs = sources.latestDigestDeliveryMs;
  // A chain outside the home region exists only once that region had files: expect its newest
  // digest only when some digest of it is known.
  const chainKnown = location.region === location.trailHomeRegion || candidates.length > 0;
  if (
    latestMs !== undefined &&
    latestMs >= sources.startMs &&
    latestMs <= sources.windowEndMs &&
    chainKnown
  ) {
    expecting = true;
    const top = candidates.at(-1);
    if (!top || latestMs - top.endMs >= sources.newestThresholdMs) {
      const endMs = floorToSecond(latestMs);
      candidates.push({
        key: chainDigestKey(location, endMs),
        endMs,
        inferred: true,
        missingNote:
          `GetTrailStatus reports a digest delivered at ${displayTime(latestMs)}` +
          (top ? `, the newest present ends at ${displayTime(top.endMs)}` : ', none is present') +
          '; name inferred',
      });
    }
  }
  return { candidates, expecting };
}

/**
 * What is wrong with the checkpointed digest as it is now in the bucket (`object` undefined: not
 * there), or undefined when it is what the checkpoint recorded. Compares bytes only: the digest is
 * validated as any other by the chain walk.
 */
export function checkpointProblem(
  object: TrailObject | undefined,
  checkpoint: DigestCheckpoint,
): DigestFinding | undefined {
  if (!object) {
    return {
      problem: 'not-found',
      reason: 'not found (the newest valid digest when the checkpoint was saved)',
    };
  }
  let hashValue: string | undefined;
  try {
    hashValue = sha256Hex(inflateGzipMember(object.body).data);
  } catch {
    hashValue = undefined;
  }
  if (hashValue !== checkpoint.hashValue || object.metadata.signature !== checkpoint.signature) {
    return {
      problem: 'checkpoint-mismatch',
      reason: 'changed since the checkpoint was saved (its content or signature differs)',
    };
  }
  return undefined;
}
