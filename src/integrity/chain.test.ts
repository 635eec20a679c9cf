import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  walkChain,
  type ChainStep,
  type ChainWalk,
  type DigestCandidate,
  type LoadedDigest,
} from './chain.ts';
import { digestTime } from './digest-file.ts';
import type { TrustedDigest } from './digest-signature.ts';
import { chainDigestKey, digestNameEndMs, type ChainLocation } from './trail-layout.ts';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const T0 = Date.UTC(2026, 0, 31, 0, 0, 0);
const LOCATION: ChainLocation = {
  accountId: '111122223333',
  region: 'us-east-1',
  trailName: 'audit',
  trailHomeRegion: 'us-east-1',
};

function keyAt(endMs: number, backfill = false): string {
  const key = chainDigestKey(LOCATION, endMs);
  return backfill ? key.replace(/\.json\.gz$/, '_backfill.json.gz') : key;
}

interface Stored {
  bucket: string;
  loaded: LoadedDigest;
}

/** Hourly digests `i` = 0.. ending at T0 + (i + 1) h, each linked to the one before; none stored yet. */
function trusted(
  i: number,
  options: { bucket?: string; previousBucket?: string; chainStart?: boolean; previousKey?: string } = {},
): TrustedDigest {
  const startMs = T0 + i * HOUR_MS;
  const bucket = options.bucket ?? 'b';
  return {
    kind: 'trusted',
    hashValue: `hash-${i}`,
    signature: `signature-${i}`,
    trailingBytes: 0,
    digest: {
      digestStartTime: digestTime(startMs),
      digestEndTime: digestTime(startMs + HOUR_MS),
      digestS3Bucket: bucket,
      digestS3Object: keyAt(startMs + HOUR_MS),
      digestPublicKeyFingerprint: 'f'.repeat(32),
      previousDigestSignature: i === 0 || options.chainStart ? null : `signature-${i - 1}`,
      startMs,
      endMs: startMs + HOUR_MS,
      logFiles: [],
      ...(i === 0 || options.chainStart
        ? {}
        : {
            previous: {
              bucket: options.previousBucket ?? bucket,
              key: options.previousKey ?? keyAt(startMs),
              hashValue: `hash-${i - 1}`,
              signature: `signature-${i - 1}`,
            },
          }),
    },
  };
}

class Bucket {
  readonly stored = new Map<string, Stored>();
  readonly loads: string[] = [];
  readonly lists: string[] = [];

  put(loaded: TrustedDigest, bucket = 'b', key = loaded.digest.digestS3Object): this {
    this.stored.set(`${bucket}/${key}`, { bucket, loaded });
    return this;
  }

  /** The stored digests of `bucket` as a listing shows them, oldest first. */
  listing(bucket = 'b'): DigestCandidate[] {
    return [...this.stored.entries()]
      .filter(([, s]) => s.bucket === bucket)
      .map(([id]) => {
        const key = id.slice(bucket.length + 1);
        return { key, endMs: digestNameEndMs(key) };
      })
      .sort((a, b) => a.endMs - b.endMs);
  }

  walk(options: Partial<ChainWalk> = {}): ChainWalk {
    return {
      location: LOCATION,
      bucket: 'b',
      backfill: false,
      startMs: T0,
      intervalMs: HOUR_MS,
      load: (bucket, key) => {
        this.loads.push(`${bucket}/${key}`);
        return Promise.resolve(this.stored.get(`${bucket}/${key}`)?.loaded ?? { kind: 'missing' });
      },
      list: (bucket) => {
        this.lists.push(bucket);
        return Promise.resolve(this.listing(bucket));
      },
      ...options,
    };
  }
}

function chainOf(count: number): Bucket {
  const bucket = new Bucket();
  for (let i = 0; i < count; i++) bucket.put(trusted(i));
  return bucket;
}

async function steps(listed: DigestCandidate[], walk: ChainWalk): Promise<ChainStep[]> {
  const out: ChainStep[] = [];
  for await (const step of walkChain(listed, walk)) out.push(step);
  return out;
}

/** One line per step: its kind, key (shortened to its end time, HHMM) and finding. */
function describeSteps(list: ChainStep[]): string[] {
  const hour = (key: string): string => /T(\d{4})\d{2}Z/.exec(key)?.[1] ?? key;
  return list.map((s) => {
    switch (s.kind) {
      case 'gap':
        return `gap ${digestTime(s.fromMs)} ${digestTime(s.toMs)}`;
      case 'trusted':
        return `trusted ${s.bucket} ${hour(s.candidate.key)}${s.finding ? ` ${s.finding.problem}` : ''}`;
      case 'untrusted':
        return `untrusted ${s.bucket} ${hour(s.candidate.key)} ${s.finding.reason}`;
      case 'inferred':
        return `inferred ${hour(s.key)} ${digestTime(s.endMs)}`;
      case 'inferred-rest':
        return `inferred-rest ${s.key} ${s.finding.count} ${s.finding.reason}`;
    }
  });
}

describe('walkChain()', () => {
  it('walks from the newest listed digest to older ones by their previous links', async () => {
    const bucket = chainOf(3);
    const listed = bucket.listing();
    assert.deepEqual(describeSteps(await steps(listed, bucket.walk())), [
      'trusted b 0300',
      'trusted b 0200',
      'trusted b 0100',
    ]);
    assert.deepEqual(
      bucket.loads,
      [3, 2, 1].map((h) => `b/${keyAt(T0 + h * HOUR_MS)}`),
    );
  });

  it('stops after the digest that starts at or before the start time', async () => {
    const bucket = chainOf(5);
    const out = await steps(bucket.listing(), bucket.walk({ startMs: T0 + 2.5 * HOUR_MS }));
    assert.deepEqual(describeSteps(out), ['trusted b 0500', 'trusted b 0400', 'trusted b 0300']);
  });

  it('yields nothing for an empty listing', async () => {
    assert.deepEqual(await steps([], new Bucket().walk()), []);
  });

  it('carries on from the next older listed digest past a missing one, naming those between', async () => {
    const bucket = chainOf(6);
    for (const h of [4, 3]) bucket.stored.delete(`b/${keyAt(T0 + h * HOUR_MS)}`);
    const out = await steps(bucket.listing(), bucket.walk());
    assert.deepEqual(describeSteps(out), [
      'trusted b 0600',
      'trusted b 0500',
      'untrusted b 0400 not found',
      'inferred 0300 2026-01-31T03:00:00Z',
      'trusted b 0200',
      'trusted b 0100',
    ]);
    const inferred = out[3];
    assert.ok(inferred?.kind === 'inferred');
    assert.deepEqual(inferred.finding, {
      problem: 'not-found',
      reason:
        'not found (missing between 2026-01-31T02:00:00Z and 2026-01-31T04:00:00Z; ' +
        'name inferred from the 1h digest interval)',
      inferred: true,
    });
    assert.equal(inferred.key, keyAt(T0 + 3 * HOUR_MS));
  });

  it('passes on the finding of an untrusted digest and the note and mark of an expected one', async () => {
    const bucket = chainOf(2);
    const listed: DigestCandidate[] = [
      ...bucket.listing(),
      { key: keyAt(T0 + 3 * HOUR_MS), endMs: T0 + 3 * HOUR_MS, missingNote: 'expected', inferred: true },
    ];
    bucket.stored.set(`b/${keyAt(T0 + 2 * HOUR_MS)}`, {
      bucket: 'b',
      loaded: { kind: 'untrusted', problem: 'signature-failed', reason: 'signature verification failed' },
    });
    const out = await steps(listed, bucket.walk());
    assert.deepEqual(
      out.slice(0, 2).map((s) => s.kind === 'untrusted' && s.finding),
      [
        { problem: 'not-found', reason: 'not found (expected)', inferred: true },
        { problem: 'signature-failed', reason: 'signature verification failed' },
      ],
    );
    assert.deepEqual(describeSteps(out.slice(2)), ['trusted b 0100']);
  });

  it('names nothing missing when the next listed digest is the content a broken link expected', async () => {
    // Digest 1 renamed: the link from digest 2 leads nowhere, the listing shows it 30 minutes early.
    const renamed = keyAt(T0 + 1.5 * HOUR_MS);
    const relinked = chainOf(3);
    relinked.stored.delete(`b/${keyAt(T0 + 2 * HOUR_MS)}`);
    relinked.put(trusted(1), 'b', renamed);
    const walk = { intervalMs: 10 * MINUTE_MS };
    assert.deepEqual(describeSteps(await steps(relinked.listing(), relinked.walk(walk))), [
      'trusted b 0300',
      'untrusted b 0200 not found',
      'trusted b 0130',
      'trusted b 0100',
    ]);

    const replaced = chainOf(3);
    replaced.stored.delete(`b/${keyAt(T0 + 2 * HOUR_MS)}`);
    replaced.put({ ...trusted(1), hashValue: 'other' }, 'b', renamed);
    assert.deepEqual(describeSteps(await steps(replaced.listing(), replaced.walk(walk))), [
      'trusted b 0300',
      'untrusted b 0200 not found',
      'inferred 0150 2026-01-31T01:50:00Z',
      'inferred 0140 2026-01-31T01:40:00Z',
      'trusted b 0130',
      'trusted b 0100',
    ]);
  });

  it('names no missing digests on a backfill walk', async () => {
    const bucket = new Bucket();
    bucket.put(trusted(4), 'b', keyAt(T0 + 5 * HOUR_MS, true));
    bucket.put(trusted(0), 'b', keyAt(T0 + HOUR_MS, true));
    const listed = [
      { key: keyAt(T0 + HOUR_MS, true), endMs: T0 + HOUR_MS },
      { key: keyAt(T0 + 5 * HOUR_MS, true), endMs: T0 + 5 * HOUR_MS },
    ];
    const out = await steps(listed, bucket.walk({ backfill: true }));
    assert.deepEqual(
      out.map((s) => s.kind),
      ['trusted', 'untrusted', 'trusted'],
    );
  });

  it('names a long run of missing digests one by one up to a thousand, then on one line', async () => {
    const bucket = chainOf(2);
    bucket.put(trusted(5, { previousKey: keyAt(T0 + 5 * HOUR_MS) }));
    const out = await steps(bucket.listing(), bucket.walk({ intervalMs: 1000 }));
    const inferred = out.flatMap((s) => (s.kind === 'inferred' ? [s.endMs] : []));
    assert.equal(inferred.length, 1000);
    assert.equal(inferred[0], T0 + 5 * HOUR_MS - 1000);
    assert.equal(inferred.at(-1), T0 + 5 * HOUR_MS - 1000 * 1000);
    const rest = out.find((s) => s.kind === 'inferred-rest');
    assert.ok(rest?.kind === 'inferred-rest');
    assert.equal(rest.key, 'AWSLogs/111122223333/CloudTrail-Digest/us-east-1/');
    assert.equal(rest.finding.count, 3 * 3600 - 1 - 1000);
    assert.equal(rest.finding.inferred, true);
    assert.match(
      rest.finding.reason,
      /^not found: 9799 more digests \(missing between .* 1s digest interval\)$/,
    );
    assert.deepEqual(describeSteps(out.slice(-2)), ['trusted b 0200', 'trusted b 0100']);
  });

  it('reports a gap where a chain starts over and an older digest is listed', async () => {
    const bucket = chainOf(4);
    bucket.put(trusted(2, { chainStart: true }));
    assert.deepEqual(describeSteps(await steps(bucket.listing(), bucket.walk())), [
      'trusted b 0400',
      'trusted b 0300',
      'gap 2026-01-31T02:00:00Z 2026-01-31T02:00:00Z',
      'trusted b 0200',
      'trusted b 0100',
    ]);
    const alone = chainOf(1);
    assert.deepEqual(describeSteps(await steps(alone.listing(), alone.walk())), ['trusted b 0100']);
  });

  it('follows a link into another bucket and carries on from its listing there', async () => {
    const bucket = chainOf(0);
    bucket.put(trusted(3)).put(trusted(2, { previousBucket: 'old' }));
    bucket.put(trusted(1, { bucket: 'old' }), 'old').put(trusted(0, { bucket: 'old' }), 'old');
    bucket.stored.delete(`old/${keyAt(T0 + 2 * HOUR_MS)}`);
    const out = await steps(bucket.listing(), bucket.walk());
    assert.deepEqual(describeSteps(out), [
      'trusted b 0400',
      'trusted b 0300',
      'untrusted old 0200 not found',
      'trusted old 0100',
    ]);
    assert.deepEqual(bucket.lists, ['old']);
  });

  it("dates a linked digest whose key has no time by its successor's start", async () => {
    const bucket = chainOf(0);
    bucket.put(trusted(2, { previousKey: 'renamed.json.gz' }));
    const out = await steps(bucket.listing(), bucket.walk());
    assert.equal(out[1]?.kind === 'untrusted' && out[1].candidate.endMs, T0 + 2 * HOUR_MS);
    assert.equal(out[1]?.kind === 'untrusted' && out[1].candidate.key, 'renamed.json.gz');
  });

  it('names a digest whose hash or signature is not what the next digest recorded, or has bytes appended', async () => {
    const bucket = chainOf(4);
    const two = trusted(1);
    bucket.put({ ...two, hashValue: 'other' });
    bucket.put({ ...trusted(2), signature: 'other' });
    bucket.put({ ...trusted(0), trailingBytes: 9 });
    const out = await steps(bucket.listing(), bucket.walk());
    assert.deepEqual(
      out.map((s) => (s.kind === 'trusted' ? s.finding?.reason : s.kind)),
      [
        undefined,
        `signature doesn't match the previousDigestSignature in s3://b/${keyAt(T0 + 4 * HOUR_MS)}`,
        `hash value doesn't match the previousDigestHashValue in s3://b/${keyAt(T0 + 3 * HOUR_MS)}`,
        '9 bytes of data after the end of the gzip stream',
      ],
    );
  });

  it('checks no hash or signature a link leaves null', async () => {
    const bucket = chainOf(2);
    const newest = trusted(1);
    assert.ok(newest.digest.previous);
    newest.digest.previous = { ...newest.digest.previous, hashValue: null, signature: null };
    bucket.put(newest);
    bucket.put({ ...trusted(0), hashValue: 'other', signature: 'other' });
    const out = await steps(bucket.listing(), bucket.walk());
    assert.deepEqual(
      out.map((s) => s.kind === 'trusted' && s.finding),
      [undefined, undefined],
    );
  });
});
