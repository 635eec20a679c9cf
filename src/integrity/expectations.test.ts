import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { DigestCandidate } from './chain.ts';
import type { DigestCheckpoint } from './checkpoint.ts';
import { sha256Hex } from './digest-file.ts';
import { checkpointProblem, expectDigests, type ExpectationSources } from './expectations.ts';
import { chainDigestKey, type ChainLocation } from './trail-layout.ts';
import type { TrailObject } from './trail-objects.ts';

const HOUR_MS = 3_600_000;
const T0 = Date.UTC(2026, 0, 31, 0, 0, 0);
const LOCATION: ChainLocation = {
  accountId: '111122223333',
  region: 'us-east-1',
  trailName: 'audit',
  trailHomeRegion: 'us-east-1',
};
const SOURCES: ExpectationSources = {
  location: LOCATION,
  bucket: 'b',
  startMs: T0,
  windowEndMs: T0 + 7 * HOUR_MS,
  newestThresholdMs: HOUR_MS,
};

function listed(...hours: number[]): DigestCandidate[] {
  return hours.map((h) => ({ key: chainDigestKey(LOCATION, T0 + h * HOUR_MS), endMs: T0 + h * HOUR_MS }));
}

function checkpointAt(hour: number, overrides: Partial<DigestCheckpoint> = {}): DigestCheckpoint {
  return {
    bucket: 'b',
    key: chainDigestKey(LOCATION, T0 + hour * HOUR_MS),
    digestEndTime: new Date(T0 + hour * HOUR_MS).toISOString().replace(/\.000Z$/, 'Z'),
    hashValue: 'h',
    signature: 's',
    ...overrides,
  };
}

describe('expectDigests()', () => {
  it('expects nothing beyond the listing without a checkpoint or a LatestDigestDeliveryTime', () => {
    const digests = listed(1, 2);
    assert.deepEqual(expectDigests(digests, SOURCES), { candidates: digests, expecting: false });
  });

  it("adds the checkpoint's digest where its end time puts it, when the listing lacks it", () => {
    const { candidates, expecting } = expectDigests(listed(1, 3), {
      ...SOURCES,
      checkpoint: checkpointAt(2),
    });
    assert.equal(expecting, true);
    assert.deepEqual(candidates[1], {
      key: chainDigestKey(LOCATION, T0 + 2 * HOUR_MS),
      endMs: T0 + 2 * HOUR_MS,
      missingNote: 'the newest valid digest when the checkpoint was saved',
    });
    assert.equal(candidates.length, 3);
    assert.deepEqual(
      expectDigests(listed(1, 2), { ...SOURCES, checkpoint: checkpointAt(2) }).candidates,
      listed(1, 2),
    );
  });

  it('expects a checkpoint of another bucket, trail or time than validated, but does not walk it', () => {
    for (const checkpoint of [
      checkpointAt(2, { bucket: 'other' }),
      checkpointAt(2, { key: chainDigestKey({ ...LOCATION, trailName: 'other' }, T0 + 2 * HOUR_MS) }),
      checkpointAt(9),
      checkpointAt(-1),
    ]) {
      assert.deepEqual(expectDigests(listed(1), { ...SOURCES, checkpoint }), {
        candidates: listed(1),
        expecting: true,
      });
    }
  });

  it('adds a digest at LatestDigestDeliveryTime when the newest listed one ends too long before', () => {
    const latestMs = T0 + 4 * HOUR_MS + 1500;
    const { candidates, expecting } = expectDigests(listed(1, 2), {
      ...SOURCES,
      latestDigestDeliveryMs: latestMs,
    });
    assert.equal(expecting, true);
    assert.deepEqual(candidates.at(-1), {
      key: chainDigestKey(LOCATION, T0 + 4 * HOUR_MS + 1000),
      endMs: T0 + 4 * HOUR_MS + 1000,
      inferred: true,
      missingNote:
        'GetTrailStatus reports a digest delivered at 2026-01-31T04:00:01Z, ' +
        'the newest present ends at 2026-01-31T02:00:00Z; name inferred',
    });
  });

  it('adds nothing when the newest listed digest ends within the threshold of LatestDigestDeliveryTime', () => {
    const latestDigestDeliveryMs = T0 + 2 * HOUR_MS + 59 * 60_000;
    assert.deepEqual(expectDigests(listed(1, 2), { ...SOURCES, latestDigestDeliveryMs }), {
      candidates: listed(1, 2),
      expecting: true,
    });
  });

  it("expects the home region's newest digest when none is listed, another region's only when one is", () => {
    const latestDigestDeliveryMs = T0 + 3 * HOUR_MS;
    const home = expectDigests([], { ...SOURCES, latestDigestDeliveryMs });
    assert.match(home.candidates[0]?.missingNote ?? '', /, none is present; name inferred$/);
    const elsewhere = { ...SOURCES, location: { ...LOCATION, region: 'eu-west-1' }, latestDigestDeliveryMs };
    assert.deepEqual(expectDigests([], elsewhere), { candidates: [], expecting: false });
    assert.equal(expectDigests(listed(1), elsewhere).candidates.length, 2);
  });

  it('ignores a LatestDigestDeliveryTime outside the validated time', () => {
    for (const latestDigestDeliveryMs of [T0 - 1, T0 + 7 * HOUR_MS + 1]) {
      assert.deepEqual(expectDigests(listed(1), { ...SOURCES, latestDigestDeliveryMs }), {
        candidates: listed(1),
        expecting: false,
      });
    }
  });
});

describe('checkpointProblem()', () => {
  const body = Buffer.from('{"digest":true}');
  const checkpoint = checkpointAt(2, { hashValue: sha256Hex(body), signature: 'ab' });

  it('finds nothing wrong with the digest the checkpoint recorded, appended bytes aside', () => {
    assert.equal(
      checkpointProblem({ body: gzipSync(body), metadata: { signature: 'ab' } }, checkpoint),
      undefined,
    );
    const appended = Buffer.concat([gzipSync(body), Buffer.from('x')]);
    assert.equal(checkpointProblem({ body: appended, metadata: { signature: 'ab' } }, checkpoint), undefined);
  });

  it('names a missing checkpointed digest not found', () => {
    assert.deepEqual(checkpointProblem(undefined, checkpoint), {
      problem: 'not-found',
      reason: 'not found (the newest valid digest when the checkpoint was saved)',
    });
  });

  it('names one whose content, signature or gzip differs changed', () => {
    const changed = {
      problem: 'checkpoint-mismatch',
      reason: 'changed since the checkpoint was saved (its content or signature differs)',
    };
    const objects: TrailObject[] = [
      { body: gzipSync(Buffer.from('{}')), metadata: { signature: 'ab' } },
      { body: gzipSync(body), metadata: { signature: 'cd' } },
      { body: gzipSync(body), metadata: {} },
      { body, metadata: { signature: 'ab' } },
    ];
    for (const object of objects) assert.deepEqual(checkpointProblem(object, checkpoint), changed);
  });
});
