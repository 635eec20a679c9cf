import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceError } from '../errors.ts';
import {
  MAX_TAGS_PER_RESOURCE,
  MAX_TRAILS_PER_REGION,
  kmsKeyArn,
  maximumTrailsExceeded,
  mergeTags,
  parseTagsList,
  parseTrailRef,
  removeTags,
  snsTopicArn,
  trailAlreadyExists,
  trailArn,
  trailNotFound,
  validateCloudWatchLogs,
  validateKmsKeyId,
  validateMultiRegionGlobalEvents,
  validateS3BucketName,
  validateS3KeyPrefix,
  validateSnsTopicName,
  validateTrailName,
  type Tag,
} from './trail-rules.ts';

/** Asserts `fn` throws a ServiceError with `code` (and, when given, a message matching `message`). */
function assertServiceError(fn: () => unknown, code: string, message?: string | RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ServiceError, `expected a ServiceError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.fault, 'client');
    if (typeof message === 'string') assert.equal(error.message, message);
    else if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}

const ACCOUNT = '123456789012';
const GROUP = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:CloudTrail/logs:*`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/CloudTrail_CloudWatchLogs_Role`;

describe('constants', () => {
  it('match the documented CloudTrail quotas', () => {
    assert.equal(MAX_TRAILS_PER_REGION, 5);
    assert.equal(MAX_TAGS_PER_RESOURCE, 50);
  });
});

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

describe('error builders', () => {
  it('trailNotFound() words the error as AWS does', () => {
    const error = trailNotFound(`arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/myTrail2`, ACCOUNT);
    assert.equal(error.code, 'TrailNotFoundException');
    assert.equal(
      error.message,
      `Unknown trail: arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/myTrail2 for the user: ${ACCOUNT}`,
    );
  });

  it('trailAlreadyExists() words the error as AWS does', () => {
    const error = trailAlreadyExists('cloudtrail', ACCOUNT);
    assert.equal(error.code, 'TrailAlreadyExistsException');
    assert.equal(error.message, `Trail cloudtrail already exists for customer: ${ACCOUNT}`);
  });

  it('maximumTrailsExceeded() words the error as AWS does', () => {
    const error = maximumTrailsExceeded(ACCOUNT, 'us-west-2');
    assert.equal(error.code, 'MaximumNumberOfTrailsExceededException');
    assert.equal(error.message, `User: ${ACCOUNT} already has 5 trails in us-west-2.`);
  });
});

describe('validateMultiRegionGlobalEvents()', () => {
  it('refuses a multi-Region trail without global service events', () => {
    assertServiceError(
      () => validateMultiRegionGlobalEvents(true, false),
      'InvalidParameterCombinationException',
      'Multi-Region trail must include global service events.',
    );
  });

  it('accepts every other combination', () => {
    assert.doesNotThrow(() => validateMultiRegionGlobalEvents(true, true));
    assert.doesNotThrow(() => validateMultiRegionGlobalEvents(false, false));
    assert.doesNotThrow(() => validateMultiRegionGlobalEvents(false, true));
  });
});

describe('validateS3KeyPrefix()', () => {
  it('accepts empty and up to 200 characters, counting characters not bytes', () => {
    assert.doesNotThrow(() => validateS3KeyPrefix(''));
    assert.doesNotThrow(() => validateS3KeyPrefix('a'.repeat(200)));
    assert.doesNotThrow(() => validateS3KeyPrefix('é'.repeat(200)));
    assert.doesNotThrow(() => validateS3KeyPrefix('logs/prod'));
  });

  it('refuses empty, . and .. path segments, which would make keys with // or dot folders', () => {
    for (const prefix of ['/logs', 'logs/', 'a//b', 'a/./b', '../up']) {
      assertServiceError(
        () => validateS3KeyPrefix(prefix),
        'InvalidS3PrefixException',
        /must not start or end/,
      );
    }
  });

  it('refuses more than 200 characters', () => {
    assertServiceError(
      () => validateS3KeyPrefix('a'.repeat(201)),
      'InvalidS3PrefixException',
      /201 characters given, at most 200/,
    );
  });

  it('refuses a NUL character', () => {
    assertServiceError(() => validateS3KeyPrefix('a\0b'), 'InvalidS3PrefixException', /NUL/);
  });
});

describe('validateS3BucketName()', () => {
  it('accepts valid bucket names', () => {
    for (const name of ['my-bucket', 'amzn-s3-demo-bucket', 'logs.example.com', 'a1b']) {
      assert.doesNotThrow(() => validateS3BucketName(name), name);
    }
  });

  it('refuses names that break the S3 rules, saying which', () => {
    assertServiceError(
      () => validateS3BucketName('ab'),
      'InvalidS3BucketNameException',
      /3 to 63 characters/,
    );
    assertServiceError(
      () => validateS3BucketName('My_Bucket'),
      'InvalidS3BucketNameException',
      /lower-case letters/,
    );
    assertServiceError(
      () => validateS3BucketName('my..bucket'),
      'InvalidS3BucketNameException',
      /adjacent dots/,
    );
    assertServiceError(
      () => validateS3BucketName('192.168.5.4'),
      'InvalidS3BucketNameException',
      /IP address/,
    );
    assertServiceError(
      () => validateS3BucketName(''),
      'InvalidS3BucketNameException',
      /^Bucket name "" is not valid/,
    );
  });

  it('refuses a dash next to a period, as CloudTrail requires', () => {
    assertServiceError(
      () => validateS3BucketName('my-.bucket'),
      'InvalidS3BucketNameException',
      /dash next to a period/,
    );
    assertServiceError(
      () => validateS3BucketName('my.-bucket'),
      'InvalidS3BucketNameException',
      /dash next to a period/,
    );
  });
});

describe('validateSnsTopicName()', () => {
  it('accepts topic names and topic ARNs', () => {
    for (const value of [
      'MyTopic',
      'my_topic-1',
      'a'.repeat(256),
      `arn:aws:sns:us-east-2:${ACCOUNT}:MyTopic`,
    ]) {
      assert.doesNotThrow(() => validateSnsTopicName(value), value);
    }
  });

  it('refuses names that are empty, too long or hold other characters', () => {
    assertServiceError(() => validateSnsTopicName(''), 'InvalidSnsTopicNameException', /1 to 256 characters/);
    assertServiceError(
      () => validateSnsTopicName('a'.repeat(257)),
      'InvalidSnsTopicNameException',
      /1 to 256 characters/,
    );
    assertServiceError(
      () => validateSnsTopicName('my.topic'),
      'InvalidSnsTopicNameException',
      /ASCII letters, digits/,
    );
    assertServiceError(
      () => validateSnsTopicName('topic.fifo'),
      'InvalidSnsTopicNameException',
      /ASCII letters, digits/,
    );
  });

  it('refuses ARNs of another shape or service', () => {
    for (const value of [
      'arn:aws:sns:us-east-2',
      `arn:aws:sqs:us-east-2:${ACCOUNT}:MyTopic`,
      `arn:aws:sns:nowhere:${ACCOUNT}:MyTopic`,
      'arn:aws:sns:us-east-2:12:MyTopic',
    ]) {
      assertServiceError(
        () => validateSnsTopicName(value),
        'InvalidSnsTopicNameException',
        /is not a topic ARN/,
      );
    }
  });

  it('refuses a topic ARN whose topic name is not valid', () => {
    assertServiceError(
      () => validateSnsTopicName(`arn:aws:sns:us-east-2:${ACCOUNT}:bad:name`),
      'InvalidSnsTopicNameException',
      /has a topic name that may hold only/,
    );
  });
});

describe('snsTopicArn()', () => {
  it('places a topic name in the given region and account', () => {
    assert.equal(snsTopicArn('MyTopic', 'us-east-2', ACCOUNT), `arn:aws:sns:us-east-2:${ACCOUNT}:MyTopic`);
    assert.equal(snsTopicArn('t', 'cn-north-1', ACCOUNT), `arn:aws-cn:sns:cn-north-1:${ACCOUNT}:t`);
  });

  it('returns a topic ARN unchanged', () => {
    const arn = `arn:aws:sns:eu-west-1:${ACCOUNT}:Other`;
    assert.equal(snsTopicArn(arn, 'us-east-2', '999999999999'), arn);
  });
});

describe('validateKmsKeyId()', () => {
  it('accepts key IDs, multi-Region key IDs, key ARNs, alias names and alias ARNs', () => {
    for (const value of [
      '12345678-1234-1234-1234-123456789012',
      'ABCDEF01-1234-1234-1234-123456789012',
      'mrk-1234abcd12ab34cd56ef1234567890ab',
      `arn:aws:kms:us-east-2:${ACCOUNT}:key/12345678-1234-1234-1234-123456789012`,
      'alias/MyAliasName',
      'alias/team/cloudtrail_key-1',
      `arn:aws:kms:us-east-2:${ACCOUNT}:alias/MyAliasName`,
    ]) {
      assert.doesNotThrow(() => validateKmsKeyId(value), value);
    }
  });

  it('refuses anything else with InvalidKmsKeyIdException', () => {
    for (const value of [
      '',
      'not-a-key',
      '12345678-1234-1234-1234-12345678901',
      'alias/',
      'alias/bad name',
      `alias/${'a'.repeat(251)}`,
      `arn:aws:kms:us-east-2:${ACCOUNT}`,
      `arn:aws:s3:us-east-2:${ACCOUNT}:key/12345678-1234-1234-1234-123456789012`,
      `arn:aws:kms:nowhere:${ACCOUNT}:key/12345678-1234-1234-1234-123456789012`,
      'arn:aws:kms:us-east-2:12:key/12345678-1234-1234-1234-123456789012',
      `arn:aws:kms:us-east-2:${ACCOUNT}:key/not-a-uuid`,
      `arn:aws:kms:us-east-2:${ACCOUNT}:grant/abc`,
    ]) {
      assertServiceError(
        () => validateKmsKeyId(value),
        'InvalidKmsKeyIdException',
        /is not valid: expected a key ID/,
      );
    }
  });
});

describe('kmsKeyArn()', () => {
  it('turns a key ID into a key ARN in the given region and account', () => {
    assert.equal(
      kmsKeyArn('12345678-1234-1234-1234-123456789012', 'us-east-2', ACCOUNT),
      `arn:aws:kms:us-east-2:${ACCOUNT}:key/12345678-1234-1234-1234-123456789012`,
    );
  });

  it('turns an alias name into an alias ARN', () => {
    assert.equal(
      kmsKeyArn('alias/MyAlias', 'us-gov-east-1', ACCOUNT),
      `arn:aws-us-gov:kms:us-gov-east-1:${ACCOUNT}:alias/MyAlias`,
    );
  });

  it('returns key and alias ARNs unchanged', () => {
    const key = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/mrk-1234abcd12ab34cd56ef1234567890ab`;
    const alias = `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/x`;
    assert.equal(kmsKeyArn(key, 'us-east-2', ACCOUNT), key);
    assert.equal(kmsKeyArn(alias, 'us-east-2', ACCOUNT), alias);
  });

  it('refuses values that are not KMS keys', () => {
    assertServiceError(() => kmsKeyArn('nope', 'us-east-2', ACCOUNT), 'InvalidKmsKeyIdException');
  });
});

describe('validateCloudWatchLogs()', () => {
  it('accepts neither, both empty, or a valid pair', () => {
    assert.doesNotThrow(() => validateCloudWatchLogs());
    assert.doesNotThrow(() => validateCloudWatchLogs('', ''));
    assert.doesNotThrow(() => validateCloudWatchLogs(GROUP, ROLE));
    assert.doesNotThrow(() =>
      validateCloudWatchLogs(GROUP, ROLE, { region: 'us-east-1', accountId: ACCOUNT }),
    );
    assert.doesNotThrow(() =>
      validateCloudWatchLogs(GROUP, `arn:aws:iam::${ACCOUNT}:role/service-role/team/CT-Role`),
    );
  });

  it('refuses a log group without a role, as AWS words it', () => {
    assertServiceError(
      () => validateCloudWatchLogs(GROUP),
      'InvalidCloudWatchLogsRoleArnException',
      'You must specify a role ARN as well as a log group.',
    );
    assertServiceError(() => validateCloudWatchLogs(GROUP, ''), 'InvalidCloudWatchLogsRoleArnException');
  });

  it('refuses a role without a log group', () => {
    assertServiceError(
      () => validateCloudWatchLogs(undefined, ROLE),
      'InvalidCloudWatchLogsLogGroupArnException',
      'You must specify a log group as well as a role ARN.',
    );
    assertServiceError(() => validateCloudWatchLogs('', ROLE), 'InvalidCloudWatchLogsLogGroupArnException');
  });

  it('refuses log group ARNs CloudTrail cannot validate', () => {
    for (const group of [
      'CloudTrail/logs',
      `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:CloudTrail/logs`,
      `arn:aws:logs:us-east-1:${ACCOUNT}:loggroup:CloudTrail/logs:*`,
      `arn:aws:sns:us-east-1:${ACCOUNT}:log-group:CloudTrail/logs:*`,
      `arn:aws:logs:nowhere:${ACCOUNT}:log-group:CloudTrail/logs:*`,
      'arn:aws:logs:us-east-1:1:log-group:CloudTrail/logs:*',
      `arn:aws:logs:us-east-1:${ACCOUNT}:log-group::*`,
      `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${'a'.repeat(513)}:*`,
      `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:bad name:*`,
    ]) {
      assertServiceError(
        () => validateCloudWatchLogs(group, ROLE),
        'InvalidCloudWatchLogsLogGroupArnException',
        'CloudTrail cannot validate the specified log group ARN.',
      );
    }
  });

  it('refuses a log group in another region or account when told where the trail is', () => {
    assertServiceError(
      () => validateCloudWatchLogs(GROUP, ROLE, { region: 'eu-north-1', accountId: ACCOUNT }),
      'InvalidCloudWatchLogsLogGroupArnException',
      'You must specify a log group that is in the current region.',
    );
    assertServiceError(
      () => validateCloudWatchLogs(GROUP, ROLE, { region: 'us-east-1', accountId: '999999999999' }),
      'InvalidCloudWatchLogsLogGroupArnException',
      /in your own account/,
    );
  });

  it('refuses role ARNs that are not IAM role ARNs', () => {
    for (const role of [
      'CloudTrail_Role',
      `arn:aws:iam::${ACCOUNT}`,
      `arn:aws:sts::${ACCOUNT}:role/x`,
      `arn:aws:iam:us-east-1:${ACCOUNT}:role/x`,
      'arn:aws:iam::12:role/x',
      `arn:aws:iam::${ACCOUNT}:user/x`,
      `arn:aws:iam::${ACCOUNT}:role/${'r'.repeat(65)}`,
    ]) {
      assertServiceError(
        () => validateCloudWatchLogs(GROUP, role),
        'InvalidCloudWatchLogsRoleArnException',
        'CloudTrail cannot validate the specified role ARN.',
      );
    }
  });
});

describe('parseTagsList()', () => {
  it('reads keys with and without values, treating a null value as none', () => {
    assert.deepEqual(
      parseTagsList([
        { Key: 'Group', Value: 'Marketing' },
        { Key: 'name' },
        { Key: 'empty', Value: '' },
        { Key: 'n', Value: null },
      ]),
      [{ Key: 'Group', Value: 'Marketing' }, { Key: 'name' }, { Key: 'empty', Value: '' }, { Key: 'n' }],
    );
    assert.deepEqual(parseTagsList([]), []);
  });

  it('accepts Unicode letters, numbers, spaces and _ . : / = + - @, up to 128/256 characters', () => {
    const key = 'ü'.repeat(128);
    assert.deepEqual(parseTagsList([{ Key: key, Value: 'é'.repeat(256) }]), [
      { Key: key, Value: 'é'.repeat(256) },
    ]);
    assert.doesNotThrow(() =>
      parseTagsList([{ Key: 'cost center_1.a:b/c=d+e-f@g', Value: 'Ünïcødé 東京 42' }]),
    );
  });

  it('answers SerializationException for members of the wrong JSON type, naming the member', () => {
    assertServiceError(
      () => parseTagsList({ Key: 'a' }),
      'SerializationException',
      /^TagsList must be a list/,
    );
    assertServiceError(() => parseTagsList('a', 'Tags'), 'SerializationException', /^Tags must be a list/);
    assertServiceError(
      () => parseTagsList(['a']),
      'SerializationException',
      /^TagsList\[0\] must be an object/,
    );
    assertServiceError(
      () => parseTagsList([{ Key: 1 }]),
      'SerializationException',
      /^TagsList\[0\]\.Key must be a string/,
    );
    assertServiceError(
      () => parseTagsList([{ Key: 'a', Value: 2 }]),
      'SerializationException',
      /^TagsList\[0\]\.Value must be a string/,
    );
  });

  it('refuses a tag without a key', () => {
    assertServiceError(() => parseTagsList([{ Value: 'x' }]), 'InvalidTagParameterException', /has no Key/);
  });

  it('refuses keys that are empty or longer than 128 characters', () => {
    assertServiceError(
      () => parseTagsList([{ Key: '' }]),
      'InvalidTagParameterException',
      /1 to 128 characters/,
    );
    assertServiceError(
      () => parseTagsList([{ Key: 'k'.repeat(129) }]),
      'InvalidTagParameterException',
      /has 129/,
    );
  });

  it('refuses keys and values with characters outside the allowed set', () => {
    assertServiceError(
      () => parseTagsList([{ Key: 'a&b' }]),
      'InvalidTagParameterException',
      /^Tag key "a&b" may hold only/,
    );
    assertServiceError(
      () => parseTagsList([{ Key: 'a', Value: 'x<y' }]),
      'InvalidTagParameterException',
      /^Tag value for key "a" may hold only/,
    );
  });

  it('refuses keys with the reserved aws: prefix in any case', () => {
    assertServiceError(
      () => parseTagsList([{ Key: 'aws:cloudformation:stack-name' }]),
      'InvalidTagParameterException',
      /reserved prefix/,
    );
    assertServiceError(
      () => parseTagsList([{ Key: 'AWS:x' }]),
      'InvalidTagParameterException',
      /reserved prefix/,
    );
  });

  it('refuses values longer than 256 characters', () => {
    assertServiceError(
      () => parseTagsList([{ Key: 'a', Value: 'v'.repeat(257) }]),
      'InvalidTagParameterException',
      /at most 256 characters; it has 257/,
    );
  });

  it('refuses the same key twice in one request', () => {
    assertServiceError(
      () =>
        parseTagsList([
          { Key: 'a', Value: '1' },
          { Key: 'a', Value: '2' },
        ]),
      'InvalidTagParameterException',
      /appears more than once/,
    );
  });

  it('refuses more than 200 tags in one request', () => {
    const tags = Array.from({ length: 201 }, (_, i) => ({ Key: `k${i}` }));
    assertServiceError(() => parseTagsList(tags), 'InvalidTagParameterException', /holds 201 tags/);
    assert.equal(parseTagsList(tags.slice(0, 200)).length, 200);
  });
});

describe('mergeTags()', () => {
  it('overwrites the value of a key already present and appends new keys', () => {
    const existing: Tag[] = [
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: '2' },
    ];
    assert.deepEqual(mergeTags(existing, [{ Key: 'b', Value: '3' }, { Key: 'c' }]), [
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: '3' },
      { Key: 'c' },
    ]);
    assert.deepEqual(
      existing,
      [
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: '2' },
      ],
      'input left unchanged',
    );
  });

  it('drops the value when the same key is added without one', () => {
    assert.deepEqual(mergeTags([{ Key: 'a', Value: '1' }], [{ Key: 'a' }]), [{ Key: 'a' }]);
  });

  it('allows exactly 50 tags and refuses a 51st with TagsLimitExceededException', () => {
    const fifty = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}` }));
    assert.equal(mergeTags(fifty.slice(0, 49), [{ Key: 'k49' }]).length, 50);
    assert.equal(mergeTags(fifty, [{ Key: 'k0', Value: 'x' }]).length, 50, 'overwriting does not count');
    assertServiceError(
      () => mergeTags(fifty, [{ Key: 'k50' }]),
      'TagsLimitExceededException',
      /would have 51 tags; a trail may have at most 50/,
    );
  });
});

describe('removeTags()', () => {
  const existing: Tag[] = [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }, { Key: 'c' }];

  it('removes listed keys when no value is given and ignores keys not present', () => {
    assert.deepEqual(removeTags(existing, [{ Key: 'a' }, { Key: 'c' }, { Key: 'zz' }]), [
      { Key: 'b', Value: '2' },
    ]);
    assert.equal(existing.length, 3, 'input left unchanged');
  });

  it('removes a key given with a value only when the stored value matches', () => {
    assert.deepEqual(
      removeTags(existing, [
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: 'other' },
        { Key: 'c', Value: 'x' },
      ]),
      [{ Key: 'b', Value: '2' }, { Key: 'c' }],
    );
  });
});
