import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digestInterval, formatInterval } from './digest-interval.ts';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

function ends(...minutes: number[]): { endMs: number }[] {
  return minutes.map((m) => ({ endMs: m * MINUTE_MS }));
}

describe('digestInterval()', () => {
  it("is AWS's hour when neither given nor seen", () => {
    assert.deepEqual(digestInterval([], undefined), { intervalMs: HOUR_MS, newestThresholdMs: HOUR_MS });
    assert.deepEqual(digestInterval(ends(60), undefined), {
      intervalMs: HOUR_MS,
      newestThresholdMs: HOUR_MS,
    });
  });

  it('is the interval given, for both the spacing and the newest-digest threshold', () => {
    assert.deepEqual(digestInterval(ends(0, 5, 10), 1000), { intervalMs: 1000, newestThresholdMs: 1000 });
  });

  it('is the median spacing of the listed end times, ignoring digests that end together', () => {
    assert.equal(digestInterval(ends(0, 5, 10, 10, 15, 75), undefined).intervalMs, 5 * MINUTE_MS);
    // The lower median of an even count.
    assert.equal(digestInterval(ends(0, 5, 15), undefined).intervalMs, 5 * MINUTE_MS);
  });

  it('allows the newest digest to be behind by the smallest spacing, between half and one interval', () => {
    assert.equal(digestInterval(ends(0, 60, 120), undefined).newestThresholdMs, HOUR_MS);
    assert.equal(digestInterval(ends(0, 40, 100, 160), undefined).newestThresholdMs, 40 * MINUTE_MS);
    assert.equal(digestInterval(ends(0, 10, 70, 130), undefined).newestThresholdMs, 30 * MINUTE_MS);
  });
});

describe('formatInterval()', () => {
  it('names whole hours, whole minutes, and seconds to a tenth', () => {
    assert.equal(formatInterval(HOUR_MS), '1h');
    assert.equal(formatInterval(2 * HOUR_MS), '2h');
    assert.equal(formatInterval(5 * MINUTE_MS), '5min');
    assert.equal(formatInterval(90 * MINUTE_MS), '90min');
    assert.equal(formatInterval(1000), '1s');
    assert.equal(formatInterval(2540), '2.5s');
  });
});
