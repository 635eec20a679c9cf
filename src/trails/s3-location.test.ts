import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertServiceError } from '../../test/helpers/service-errors.ts';
import { validateS3BucketName, validateS3KeyPrefix } from './s3-location.ts';

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
