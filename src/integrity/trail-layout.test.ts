import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digestKey } from './digest-file.ts';
import {
  chainDigestKey,
  datePrefixes,
  digestKeyPattern,
  digestNameEndMs,
  floorToSecond,
  logKeyPattern,
  nameTimeMs,
  parseTrailArn,
} from './trail-layout.ts';

const LOCATION = {
  prefix: 'p',
  organizationId: 'o-abcdefghij',
  accountId: '111122223333',
  region: 'eu-west-1',
  trailName: 'org.trail',
  trailHomeRegion: 'us-east-1',
};

describe('trail layout', () => {
  it('parseTrailArn() reads region, account and name, and refuses other ARNs', () => {
    assert.deepEqual(parseTrailArn('arn:aws-cn:cloudtrail:cn-north-1:111122223333:trail/a/b'), {
      partition: 'aws-cn',
      region: 'cn-north-1',
      accountId: '111122223333',
      name: 'b',
    });
    assert.equal(parseTrailArn('arn:aws:cloudtrail:us-east-1:1111:trail/a'), undefined);
    assert.equal(parseTrailArn('audit'), undefined);
  });

  it('digestKeyPattern() matches the keys digestKey() writes, for this trail only', () => {
    const key = digestKey({ ...LOCATION, s3KeyPrefix: 'p', endTimeMs: Date.UTC(2026, 0, 31, 12, 0, 5) });
    const m = digestKeyPattern(LOCATION).exec(key);
    assert.equal(m?.[1], '20260131T120005Z');
    assert.equal(nameTimeMs(m?.[1] as string), Date.UTC(2026, 0, 31, 12, 0, 5));
    assert.equal(digestKeyPattern({ ...LOCATION, trailName: 'orgXtrail' }).test(key), false);
    assert.ok(Number.isNaN(nameTimeMs('yesterday')));
  });

  it("chainDigestKey() names the chain's digest as digestKey() does, with or without prefix and organization", () => {
    const endTimeMs = Date.UTC(2026, 0, 31, 12, 0, 5);
    assert.equal(
      chainDigestKey(LOCATION, endTimeMs),
      digestKey({ ...LOCATION, s3KeyPrefix: 'p', endTimeMs }),
    );
    const { prefix: _prefix, organizationId: _organization, ...bare } = LOCATION;
    assert.equal(chainDigestKey(bare, endTimeMs), digestKey({ ...bare, endTimeMs }));
  });

  it('digestNameEndMs() reads the end time of digest and backfill digest names, NaN without one', () => {
    const endTimeMs = Date.UTC(2026, 0, 31, 12, 0, 5);
    const key = chainDigestKey(LOCATION, endTimeMs);
    assert.equal(digestNameEndMs(key), endTimeMs);
    assert.equal(digestNameEndMs(key.replace(/\.json\.gz$/, '_backfill.json.gz')), endTimeMs);
    assert.ok(Number.isNaN(digestNameEndMs('p/AWSLogs/digest.json.gz')));
    assert.ok(Number.isNaN(digestNameEndMs(`${key}.bak`)));
  });

  it('floorToSecond() drops the milliseconds', () => {
    assert.equal(floorToSecond(Date.UTC(2026, 0, 31, 12, 0, 5) + 999), Date.UTC(2026, 0, 31, 12, 0, 5));
  });

  it('logKeyPattern() matches AWS log file names and gives the delivery minute', () => {
    const key =
      'p/AWSLogs/o-abcdefghij/111122223333/CloudTrail/eu-west-1/2026/01/31/' +
      '111122223333_CloudTrail_eu-west-1_20260131T1205Z_AbCdEfGh12345678.json.gz';
    assert.equal(nameTimeMs(logKeyPattern(LOCATION).exec(key)?.[1] as string), Date.UTC(2026, 0, 31, 12, 5));
    assert.equal(logKeyPattern(LOCATION).test(key.replace('eu-west-1_', 'us-east-1_')), false);
  });

  it('datePrefixes() lists days, months or years as the range grows', () => {
    const day = Date.UTC(2026, 0, 30, 23);
    assert.deepEqual(datePrefixes('f/', day, day + 2 * 3_600_000), ['f/2026/01/30/', 'f/2026/01/31/']);
    assert.deepEqual(datePrefixes('f/', Date.UTC(2025, 10, 15), Date.UTC(2026, 1, 1)), [
      'f/2025/11/',
      'f/2025/12/',
      'f/2026/01/',
      'f/2026/02/',
    ]);
    assert.deepEqual(datePrefixes('f/', Date.UTC(2019, 5, 1), Date.UTC(2026, 0, 1)), [
      'f/2019/',
      'f/2020/',
      'f/2021/',
      'f/2022/',
      'f/2023/',
      'f/2024/',
      'f/2025/',
      'f/2026/',
    ]);
  });
});
