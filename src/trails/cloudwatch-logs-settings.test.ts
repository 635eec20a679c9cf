import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertServiceError } from '../../test/helpers/service-errors.ts';
import { validateCloudWatchLogs } from './cloudwatch-logs-settings.ts';

const ACCOUNT = '123456789012';
const GROUP = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:CloudTrail/logs:*`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/CloudTrail_CloudWatchLogs_Role`;

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
