import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partitionOf } from './arn.ts';
import { REGIONS_BY_PARTITION, isKnownRegion } from './regions.ts';

describe('known Regions', () => {
  it('knows the commercial, China, GovCloud and isolated Regions', () => {
    for (const region of [
      'us-east-1',
      'eu-west-1',
      'ap-southeast-7',
      'cn-north-1',
      'us-gov-west-1',
      'us-isob-east-1',
    ]) {
      assert.ok(isKnownRegion(region), region);
    }
  });

  it('refuses Regions that do not exist and pseudo-Regions', () => {
    for (const region of ['zz-fake-9', 'us-east-123', 'xx-east-1', 'aws-global', '', 'US-EAST-1']) {
      assert.equal(isKnownRegion(region), false, region);
    }
  });

  it('lists each Region under the partition its name resolves to', () => {
    for (const [partition, regions] of Object.entries(REGIONS_BY_PARTITION)) {
      for (const region of regions) assert.equal(partitionOf(region), partition, region);
    }
  });
});
