import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertServiceError } from '../../test/helpers/service-errors.ts';
import { kmsKeyArn, validateKmsKeyId } from './kms-key-id.ts';

const ACCOUNT = '123456789012';

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
