/**
 * How often a chain has a digest. CloudTrail writes one an hour; OpenTrail's interval is
 * configurable, so unless the user gives it the validator works it out from the end times the
 * bucket listing shows. Missing digests are named from it, and the newest digest is expected from
 * it.
 */

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

export interface DigestInterval {
  /** The time between consecutive digests' end times. */
  intervalMs: number;
  /** How much older than LatestDigestDeliveryTime the newest digest present may end. */
  newestThresholdMs: number;
}

/** Median and smallest spacing between consecutive end times (sorted oldest first). */
function spacingOf(listed: readonly { endMs: number }[]): { median?: number; min?: number } {
  const gaps: number[] = [];
  for (let i = 1; i < listed.length; i++) {
    const gap = (listed[i] as { endMs: number }).endMs - (listed[i - 1] as { endMs: number }).endMs;
    if (gap > 0) gaps.push(gap);
  }
  if (gaps.length === 0) return {};
  gaps.sort((a, b) => a - b);
  return { median: gaps[Math.floor((gaps.length - 1) / 2)], min: gaps[0] };
}

/** The interval given, or the median spacing of the listed digests, or AWS's hour. */
export function digestInterval(
  listed: readonly { endMs: number }[],
  givenMs: number | undefined,
): DigestInterval {
  const spacing = spacingOf(listed);
  const intervalMs = givenMs ?? spacing.median ?? HOUR_MS;
  // A newer digest ends at least one interval after the last; allow less than an interval of
  // delivery delay between a digest's end time and its LatestDigestDeliveryTime.
  const newestThresholdMs =
    givenMs ?? Math.max(intervalMs / 2, Math.min(intervalMs, spacing.min ?? intervalMs));
  return { intervalMs, newestThresholdMs };
}

/** `1h`, `5min`, `2.5s`: an interval as the validator's findings name it. */
export function formatInterval(ms: number): string {
  if (ms % HOUR_MS === 0) return `${ms / HOUR_MS}h`;
  if (ms % MINUTE_MS === 0) return `${ms / MINUTE_MS}min`;
  return `${Math.round(ms / 100) / 10}s`;
}
