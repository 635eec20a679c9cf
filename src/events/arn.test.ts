import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatArn, isAccountId, isRegionName, parseArn, partitionOf } from './arn.ts';
import { userArn } from '../iam/index.ts';
import { channelArn, eventDataStoreArn } from '../query/index.ts';
import { kmsKeyArn, snsTopicArn, trailArn } from '../trails/index.ts';

const ACCOUNT = '123456789012';

describe('partitionOf()', () => {
  it('gives each Region the partition AWS puts it in', () => {
    const cases: Array<[string, string]> = [
      ['us-east-1', 'aws'],
      ['eu-west-1', 'aws'],
      ['ap-southeast-7', 'aws'],
      ['il-central-1', 'aws'],
      ['mx-central-1', 'aws'],
      ['cn-north-1', 'aws-cn'],
      ['cn-northwest-1', 'aws-cn'],
      ['us-gov-west-1', 'aws-us-gov'],
      ['us-gov-east-1', 'aws-us-gov'],
      ['us-iso-east-1', 'aws-iso'],
      ['us-isob-east-1', 'aws-iso-b'],
      ['us-isof-south-1', 'aws-iso-f'],
      ['eu-isoe-west-1', 'aws-iso-e'],
      ['eusc-de-east-1', 'aws-eusc'],
    ];
    for (const [region, partition] of cases) assert.equal(partitionOf(region), partition, region);
  });

  it('gives the global pseudo-Regions their own partition', () => {
    assert.equal(partitionOf('aws-global'), 'aws');
    assert.equal(partitionOf('aws-cn-global'), 'aws-cn');
    assert.equal(partitionOf('aws-iso-b-global'), 'aws-iso-b');
  });

  it('falls back to aws for a Region no partition claims', () => {
    for (const region of ['', 'local', 'xx-east-1', 'us-isoz-east-1', 'us-east']) {
      assert.equal(partitionOf(region), 'aws', region);
    }
  });
});

describe('formatArn()', () => {
  it('takes the partition from the Region when none is given', () => {
    assert.equal(
      formatArn({ service: 'cloudtrail', region: 'us-isob-east-1', accountId: ACCOUNT, resource: 'trail/t' }),
      `arn:aws-iso-b:cloudtrail:us-isob-east-1:${ACCOUNT}:trail/t`,
    );
  });

  it('uses a given partition, and leaves Region and account empty when they are', () => {
    assert.equal(
      formatArn({ partition: 'aws-cn', service: 'iam', region: '', accountId: ACCOUNT, resource: 'user/a' }),
      `arn:aws-cn:iam::${ACCOUNT}:user/a`,
    );
    assert.equal(
      formatArn({ partition: 'aws', service: 's3', region: '', accountId: '', resource: 'bucket/key' }),
      'arn:aws:s3:::bucket/key',
    );
  });
});

describe('parseArn()', () => {
  it('splits an ARN into its parts, keeping colons and slashes in the resource', () => {
    assert.deepEqual(parseArn(`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:CloudTrail/logs:*`), {
      partition: 'aws',
      service: 'logs',
      region: 'us-east-1',
      accountId: ACCOUNT,
      resource: 'log-group:CloudTrail/logs:*',
    });
    assert.deepEqual(parseArn(`arn:aws-iso-b:iam::${ACCOUNT}:role/r`), {
      partition: 'aws-iso-b',
      service: 'iam',
      region: '',
      accountId: ACCOUNT,
      resource: 'role/r',
    });
  });

  it('returns formatArn() parts unchanged', () => {
    const parts = {
      partition: 'aws-us-gov',
      service: 'sns',
      region: 'us-gov-west-1',
      accountId: ACCOUNT,
      resource: 't',
    };
    assert.deepEqual(parseArn(formatArn(parts)), parts);
  });

  it('refuses values with fewer than six parts, another prefix or a partition other than aws[-word]*', () => {
    for (const value of [
      'arn:aws:sns:us-east-1',
      `arn:aws:sns:us-east-1:${ACCOUNT}`,
      `urn:aws:sns:us-east-1:${ACCOUNT}:t`,
      `arn:AWS:sns:us-east-1:${ACCOUNT}:t`,
      `arn:awsx:sns:us-east-1:${ACCOUNT}:t`,
      `arn:aws-:sns:us-east-1:${ACCOUNT}:t`,
      `arn::sns:us-east-1:${ACCOUNT}:t`,
    ]) {
      assert.equal(parseArn(value), undefined, value);
    }
  });
});

describe('isRegionName() and isAccountId()', () => {
  it('accept Region-shaped names and twelve-digit account IDs only', () => {
    for (const region of ['us-east-1', 'us-gov-west-1', 'eusc-de-east-1', 'ap-southeast-12']) {
      assert.ok(isRegionName(region), region);
    }
    for (const region of ['', 'useast1', 'us-east', 'US-EAST-1', 'us-east-123', 'u-east-1']) {
      assert.ok(!isRegionName(region), region);
    }
    assert.ok(isAccountId(ACCOUNT));
    for (const id of ['', '12345678901', '1234567890123', '12345678901a']) assert.ok(!isAccountId(id), id);
  });
});

describe('ARN builders', () => {
  it('put an event data store and a channel in us-isob-east-1 in the aws-iso-b partition', () => {
    assert.equal(
      eventDataStoreArn('us-isob-east-1', ACCOUNT, 'eds-1'),
      `arn:aws-iso-b:cloudtrail:us-isob-east-1:${ACCOUNT}:eventdatastore/eds-1`,
    );
    assert.equal(
      channelArn('us-isob-east-1', ACCOUNT, 'ch-1'),
      `arn:aws-iso-b:cloudtrail:us-isob-east-1:${ACCOUNT}:channel/ch-1`,
    );
  });

  it('agree with partitionOf() for trails, topics, keys, stores, channels and callers in every partition', () => {
    const key = '12345678-1234-1234-1234-123456789012';
    for (const region of ['us-east-1', 'cn-north-1', 'us-gov-west-1', 'us-iso-east-1', 'us-isob-east-1']) {
      const partition = partitionOf(region);
      const arns = [
        trailArn(region, ACCOUNT, 't1'),
        snsTopicArn('topic', region, ACCOUNT),
        kmsKeyArn(key, region, ACCOUNT),
        eventDataStoreArn(region, ACCOUNT, 'eds-1'),
        channelArn(region, ACCOUNT, 'ch-1'),
        userArn(ACCOUNT, 'alice', region),
      ];
      for (const arn of arns) assert.equal(parseArn(arn)?.partition, partition, arn);
    }
  });
});
