import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertServiceError } from '../../test/helpers/service-errors.ts';
import { parseTrailRef, trailArn, validateTrailName } from './trail-names.ts';

const ACCOUNT = '123456789012';

describe('trailArn()', () => {
  it('builds arn:aws:cloudtrail:<region>:<account>:trail/<name> in the commercial partition', () => {
    assert.equal(
      trailArn('us-east-2', ACCOUNT, 'MyTrail'),
      `arn:aws:cloudtrail:us-east-2:${ACCOUNT}:trail/MyTrail`,
    );
  });

  it('takes the partition from the region', () => {
    const cases: Array<[string, string]> = [
      ['cn-north-1', 'aws-cn'],
      ['us-gov-west-1', 'aws-us-gov'],
      ['us-iso-east-1', 'aws-iso'],
      ['us-isob-east-1', 'aws-iso-b'],
      ['us-isof-south-1', 'aws-iso-f'],
      ['eu-isoe-west-1', 'aws-iso-e'],
      ['eusc-de-east-1', 'aws-eusc'],
      ['eu-west-1', 'aws'],
    ];
    for (const [region, partition] of cases) {
      assert.equal(
        trailArn(region, ACCOUNT, 't1'),
        `arn:${partition}:cloudtrail:${region}:${ACCOUNT}:trail/t1`,
      );
    }
  });
});

describe('validateTrailName()', () => {
  it('accepts names that keep every rule', () => {
    for (const name of ['abc', 'My-Trail_1.prod', 'a'.repeat(128), '1.2.3', '1.2.3.4.5', 'a.b-c_d']) {
      assert.doesNotThrow(() => validateTrailName(name), name);
    }
  });

  it('refuses a blank name with AWS wording', () => {
    assertServiceError(
      () => validateTrailName(''),
      'InvalidTrailNameException',
      'Trail name cannot be blank!',
    );
  });

  it('refuses names shorter than 3 or longer than 128 characters, giving the length', () => {
    assertServiceError(
      () => validateTrailName('ab'),
      'InvalidTrailNameException',
      'Trail name too short. Minimum allowed length: 3 characters. Specified name length: 2 characters.',
    );
    assertServiceError(
      () => validateTrailName('a'.repeat(129)),
      'InvalidTrailNameException',
      'Trail name too long. Maximum allowed length: 128 characters. Specified name length: 129 characters.',
    );
  });

  it('refuses characters other than ASCII letters, digits, period, underscore and dash', () => {
    for (const name of ['my trail', 'my#trail', 'trail/x', 'träil', 'a:b:c']) {
      assertServiceError(
        () => validateTrailName(name),
        'InvalidTrailNameException',
        /can only contain uppercase letters/,
      );
    }
  });

  it('refuses names that do not begin or end with a letter or digit', () => {
    assertServiceError(
      () => validateTrailName('-trail'),
      'InvalidTrailNameException',
      'Trail name must starts with a letter or number.',
    );
    assertServiceError(() => validateTrailName('_trail'), 'InvalidTrailNameException', /must starts/);
    assertServiceError(
      () => validateTrailName('trail.'),
      'InvalidTrailNameException',
      'Trail name must ends with a letter or number.',
    );
  });

  it('refuses adjacent periods, underscores or dashes in any combination', () => {
    for (const name of ['my--namespace', 'my-_namespace', 'a..b', 'a._b', 'a_-b']) {
      assertServiceError(
        () => validateTrailName(name),
        'InvalidTrailNameException',
        /cannot have adjacent periods/,
      );
    }
  });

  it('refuses names formatted as an IPv4 address', () => {
    assertServiceError(
      () => validateTrailName('192.168.5.4'),
      'InvalidTrailNameException',
      'Trail names must not be formatted as an IP address.',
    );
  });
});

describe('parseTrailRef()', () => {
  it('returns a plain name as the name, with no ARN', () => {
    assert.deepEqual(parseTrailRef('MyTrail'), { name: 'MyTrail' });
  });

  it('applies the trail-name rules to a plain name', () => {
    assertServiceError(() => parseTrailRef('x'), 'InvalidTrailNameException', /too short/);
    assertServiceError(() => parseTrailRef(''), 'InvalidTrailNameException', 'Trail name cannot be blank!');
  });

  it('splits a trail ARN into name, region, account and partition', () => {
    assert.deepEqual(parseTrailRef(`arn:aws:cloudtrail:us-east-2:${ACCOUNT}:trail/MyTrail`), {
      name: 'MyTrail',
      arn: { region: 'us-east-2', accountId: ACCOUNT, partition: 'aws' },
    });
    assert.deepEqual(parseTrailRef(`arn:aws-us-gov:cloudtrail:us-gov-west-1:${ACCOUNT}:trail/t-1`).arn, {
      region: 'us-gov-west-1',
      accountId: ACCOUNT,
      partition: 'aws-us-gov',
    });
  });

  it('refuses malformed trail ARNs with CloudTrailARNInvalidException', () => {
    const bad = [
      'arn:aws:cloudtrail:us-east-1',
      `arn:aws:cloudtrail:us-east-1:${ACCOUNT}`,
      `arn:AWS:cloudtrail:us-east-1:${ACCOUNT}:trail/t1x`,
      `arn:aws:s3:us-east-1:${ACCOUNT}:trail/t1x`,
      `arn:aws:cloudtrail:useast1:${ACCOUNT}:trail/t1x`,
      'arn:aws:cloudtrail:us-east-1:1234:trail/t1x',
      `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:eventdatastore/abc`,
      `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/`,
      `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/a:b`,
      `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/my--trail`,
    ];
    for (const value of bad) {
      assertServiceError(() => parseTrailRef(value), 'CloudTrailARNInvalidException', /^Invalid trail ARN: /);
    }
  });
});

describe('trailArn() and parseTrailRef()', () => {
  it('read back the ARN of a trail in every partition', () => {
    const cases: Array<[string, string]> = [
      ['us-east-1', 'aws'],
      ['cn-north-1', 'aws-cn'],
      ['us-gov-west-1', 'aws-us-gov'],
      ['us-isob-east-1', 'aws-iso-b'],
      ['eusc-de-east-1', 'aws-eusc'],
    ];
    for (const [region, partition] of cases) {
      assert.deepEqual(parseTrailRef(trailArn(region, ACCOUNT, 'MyTrail')), {
        name: 'MyTrail',
        arn: { region, accountId: ACCOUNT, partition },
      });
    }
  });
});
