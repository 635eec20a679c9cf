import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogCoverage, type CoverageReads } from './coverage.ts';
import { digestTime } from './digest-file.ts';
import type { ListedLogFile, ReadDigest } from './digest-reader.ts';
import { chainDigestKey, type ChainLocation } from './trail-layout.ts';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const T0 = Date.UTC(2026, 0, 31, 0, 0, 0);
const LOCATION: ChainLocation = {
  prefix: 'p',
  accountId: '111122223333',
  region: 'us-east-1',
  trailName: 'audit',
  trailHomeRegion: 'us-east-1',
};

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** A log file key of the chain, delivered at `ms` (to the minute). */
function logKey(ms: number, n = 0): string {
  const d = new Date(ms);
  const day = `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}`;
  const stamp = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}Z`;
  return `p/AWSLogs/111122223333/CloudTrail/us-east-1/${day}/111122223333_CloudTrail_us-east-1_${stamp}_UNIQUE${String(n).padStart(10, '0')}.json.gz`;
}

function digest(startMs: number, endMs: number, chainStart = false): ReadDigest {
  return {
    digestStartTime: digestTime(startMs),
    digestEndTime: digestTime(endMs),
    digestS3Bucket: 'b',
    digestS3Object: chainDigestKey(LOCATION, endMs),
    digestPublicKeyFingerprint: 'f'.repeat(32),
    previousDigestSignature: chainStart ? null : 'ab',
    startMs,
    endMs,
    logFiles: [],
    ...(chainStart ? {} : { previous: { bucket: 'b', key: 'k', hashValue: 'h', signature: 'ab' } }),
  };
}

/** Reads over a bucket holding `keys`; `listedBy` gives what `digests` holds for a key. */
function readsOf(
  keys: string[],
  digests: Record<string, readonly ListedLogFile[] | undefined> = {},
): CoverageReads & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    // eslint-disable-next-line @typescript-eslint/require-await -- an async generator is the port's shape
    async *list(prefix) {
      yield* keys.filter((k) => k.startsWith(prefix)).sort();
    },
    listedBy: (key) => {
      asked.push(key);
      return Promise.resolve(digests[key]);
    },
  };
}

/** Coverage after a chain of hourly digests from T0 to T0 + `hours` h, the oldest a chain start or not. */
function covered(hours: number, chainStart = true): LogCoverage {
  const coverage = new LogCoverage(LOCATION, 'b');
  for (let h = 0; h < hours; h++) {
    coverage.addTrusted(digest(T0 + h * HOUR_MS, T0 + (h + 1) * HOUR_MS, chainStart && h === 0));
    coverage.addKnownEnd(T0 + (h + 1) * HOUR_MS);
  }
  return coverage;
}

describe('LogCoverage', () => {
  it('looks nowhere when no digest was trusted and nothing was expected', async () => {
    const reads = readsOf([logKey(T0 + 30 * MINUTE_MS)]);
    const coverage = new LogCoverage(LOCATION, 'b');
    assert.deepEqual(await coverage.uncovered(T0, T0 + 2 * HOUR_MS, HOUR_MS, reads), []);
    coverage.addKnownEnd(T0 + 2 * HOUR_MS);
    assert.deepEqual(await coverage.uncovered(T0, T0 + 2 * HOUR_MS, HOUR_MS, reads), []);
  });

  it('looks nowhere when no digest end is known, even with a trusted one', async () => {
    const coverage = new LogCoverage(LOCATION, 'b');
    coverage.addTrusted(digest(T0, T0 + HOUR_MS, true));
    const reads = readsOf([logKey(T0 + 30 * MINUTE_MS)]);
    assert.deepEqual(await coverage.uncovered(T0, T0 + 2 * HOUR_MS, HOUR_MS, reads), []);
  });

  it('names the files no valid digest lists, and passes over those one does', async () => {
    const listed = logKey(T0 + 10 * MINUTE_MS, 1);
    const inserted = logKey(T0 + 20 * MINUTE_MS, 2);
    const coverage = covered(2);
    coverage.addListed({ s3Bucket: 'b', s3Object: listed, hashValue: 'h' });
    coverage.addListed({ s3Bucket: 'other', s3Object: inserted, hashValue: 'h' });
    const reads = readsOf([listed, inserted]);
    assert.deepEqual(await coverage.uncovered(T0, T0 + 2 * HOUR_MS, HOUR_MS, reads), [inserted]);
  });

  it("starts at a chain's first digest, or at the start time when the chain goes on before it", async () => {
    const early = logKey(T0 + 90 * MINUTE_MS);
    for (const chainStart of [true, false]) {
      const coverage = new LogCoverage(LOCATION, 'b');
      coverage.addTrusted(digest(T0 + 3 * HOUR_MS, T0 + 4 * HOUR_MS, false));
      coverage.addTrusted(digest(T0 + 2 * HOUR_MS, T0 + 3 * HOUR_MS, chainStart));
      coverage.addKnownEnd(T0 + 4 * HOUR_MS);
      const found = await coverage.uncovered(T0, T0 + 4 * HOUR_MS, HOUR_MS, readsOf([early]));
      assert.deepEqual(found, chainStart ? [] : [early], `chain start: ${chainStart}`);
    }
  });

  it('searches from the start time when only expected digests are known', async () => {
    const key = logKey(T0 + 30 * MINUTE_MS);
    const coverage = new LogCoverage(LOCATION, 'b');
    coverage.setExpecting();
    coverage.addKnownEnd(T0 + 2 * HOUR_MS);
    assert.deepEqual(await coverage.uncovered(T0, T0 + 2 * HOUR_MS, HOUR_MS, readsOf([key])), [key]);
  });

  it('leaves files within a minute of the first digest start, or a margin of the newest end, to other digests', async () => {
    const coverage = covered(2);
    const endMs = T0 + 2 * HOUR_MS;
    // A quarter of the hour: files delivered in the last 15 minutes may be in the next digest.
    const keys = [
      logKey(T0, 1),
      logKey(T0 + MINUTE_MS, 2),
      logKey(endMs - 16 * MINUTE_MS, 3),
      logKey(endMs - 15 * MINUTE_MS, 4),
    ];
    assert.deepEqual(await coverage.uncovered(T0, endMs, HOUR_MS, readsOf(keys)), [keys[1], keys[2]]);
  });

  it('keeps a margin of at least 2 minutes, and no more than the interval', async () => {
    const coverage = new LogCoverage(LOCATION, 'b');
    coverage.addTrusted(digest(T0, T0 + 5 * MINUTE_MS, true));
    coverage.addKnownEnd(T0 + 10 * MINUTE_MS);
    const keys = [logKey(T0 + 7 * MINUTE_MS, 1), logKey(T0 + 8 * MINUTE_MS, 2)];
    assert.deepEqual(await coverage.uncovered(T0, T0 + HOUR_MS, 5 * MINUTE_MS, readsOf(keys)), [keys[0]]);
    assert.deepEqual(await coverage.uncovered(T0, T0 + HOUR_MS, MINUTE_MS, readsOf(keys)), keys);
  });

  it('looks nowhere when the margin leaves no time', async () => {
    const coverage = covered(1);
    assert.deepEqual(await coverage.uncovered(T0 + 50 * MINUTE_MS, T0 + HOUR_MS, HOUR_MS, readsOf([])), []);
  });

  it('names any other object in the log folder, whatever its name', async () => {
    const stray = 'p/AWSLogs/111122223333/CloudTrail/us-east-1/2026/01/31/notes.txt';
    assert.deepEqual(await covered(2).uncovered(T0, T0 + 2 * HOUR_MS, HOUR_MS, readsOf([stray])), [stray]);
  });

  it("passes over files other trails' trusted digests of the folder list, in this bucket", async () => {
    const theirs = logKey(T0 + 20 * MINUTE_MS, 1);
    const elsewhere = logKey(T0 + 30 * MINUTE_MS, 2);
    const forged = logKey(T0 + 40 * MINUTE_MS, 3);
    const other = { ...LOCATION, trailName: 'other' };
    const otherDigest = chainDigestKey(other, T0 + HOUR_MS);
    const forgedDigest = chainDigestKey(other, T0 + 2 * HOUR_MS).replace(/\.json\.gz$/, '_backfill.json.gz');
    const tooLate = chainDigestKey(other, T0 + 9 * HOUR_MS);
    const ours = chainDigestKey(LOCATION, T0 + HOUR_MS);
    const reads = readsOf([theirs, elsewhere, forged, otherDigest, forgedDigest, tooLate, ours], {
      [otherDigest]: [
        { s3Bucket: 'b', s3Object: theirs, hashValue: 'h' },
        { s3Bucket: 'x', s3Object: elsewhere, hashValue: 'h' },
      ],
    });
    const found = await covered(2).uncovered(T0, T0 + 2 * HOUR_MS, HOUR_MS, reads);
    assert.deepEqual(found, [elsewhere, forged]);
    assert.deepEqual(reads.asked, [otherDigest, forgedDigest]);
  });

  it('reads no digests when nothing is uncovered', async () => {
    const reads = readsOf([chainDigestKey({ ...LOCATION, trailName: 'other' }, T0 + HOUR_MS)]);
    assert.deepEqual(await covered(2).uncovered(T0, T0 + 2 * HOUR_MS, HOUR_MS, reads), []);
    assert.deepEqual(reads.asked, []);
  });

  it('finds an uncovered file moved when its content is what a digest lists for a missing key', () => {
    const coverage = covered(1);
    coverage.addMissing({ s3Bucket: 'b', s3Object: 'from', hashValue: 'h1' });
    assert.deepEqual(coverage.finding('to', { kind: 'read', sha256Hex: 'h1', trailingBytes: 0 }), {
      kind: 'log',
      bucket: 'b',
      key: 'to',
      status: 'invalid',
      problem: 'moved',
      reason: 'moved from s3://b/from',
    });
    for (const content of [
      { kind: 'read', sha256Hex: 'h2', trailingBytes: 0 },
      { kind: 'invalid-format' },
      { kind: 'missing' },
    ] as const) {
      assert.deepEqual(coverage.finding('to', content), {
        kind: 'log',
        bucket: 'b',
        key: 'to',
        status: 'invalid',
        problem: 'not-in-digest',
        reason: 'not listed in any valid digest file',
      });
    }
  });
});
