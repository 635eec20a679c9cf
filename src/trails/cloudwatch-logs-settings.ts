/**
 * A trail's CloudWatch Logs delivery: CloudWatchLogsLogGroupArn and CloudWatchLogsRoleArn of
 * CreateTrail and UpdateTrail. Both arrive in the request body, so they are attacker-controlled;
 * lengths are checked before patterns run.
 */
import { ServiceError } from '../errors.ts';
import { isAccountId, isRegionName, parseArn } from '../events/index.ts';

/** CloudWatch Logs: a log group name is 1 to 512 characters. */
const MAX_LOG_GROUP_NAME_CHARS = 512;

/**
 * CloudWatchLogsLogGroupArn and CloudWatchLogsRoleArn go together. The group is
 * `arn:<partition>:logs:<region>:<account>:log-group:<name>:*` (CloudTrail does not accept the
 * ARN without the `:*`, hashicorp/terraform-provider-aws#14557); the role is an IAM role ARN. An
 * empty string counts as absent, as UpdateTrail's "" clears the pair. With `where`, the group
 * must be in that Region and account.
 *
 * Texts quoted from real answers: "You must specify a role ARN as well as a log group." (group
 * without role, pulumi/docs#5117), "CloudTrail cannot validate the specified log group ARN." and
 * "You must specify a log group that is in the current region."; the others are ours.
 */
export function validateCloudWatchLogs(
  groupArn?: string,
  roleArn?: string,
  where?: { region: string; accountId: string },
): void {
  const group = groupArn === '' ? undefined : groupArn;
  const role = roleArn === '' ? undefined : roleArn;
  if (group === undefined && role === undefined) return;
  if (role === undefined) {
    throw new ServiceError(
      'InvalidCloudWatchLogsRoleArnException',
      'You must specify a role ARN as well as a log group.',
    );
  }
  if (group === undefined) {
    throw new ServiceError(
      'InvalidCloudWatchLogsLogGroupArnException',
      'You must specify a log group as well as a role ARN.',
    );
  }

  const g = parseArn(group);
  const groupName =
    g?.resource.startsWith('log-group:') && g.resource.endsWith(':*') ? g.resource.slice(10, -2) : undefined;
  if (
    g === undefined ||
    groupName === undefined ||
    g.service !== 'logs' ||
    !isRegionName(g.region) ||
    !isAccountId(g.accountId) ||
    groupName.length === 0 ||
    groupName.length > MAX_LOG_GROUP_NAME_CHARS ||
    !/^[A-Za-z0-9_\-/.#]+$/.test(groupName)
  ) {
    throw new ServiceError(
      'InvalidCloudWatchLogsLogGroupArnException',
      'CloudTrail cannot validate the specified log group ARN.',
    );
  }
  if (where !== undefined && g.region !== where.region) {
    throw new ServiceError(
      'InvalidCloudWatchLogsLogGroupArnException',
      'You must specify a log group that is in the current region.',
    );
  }
  if (where !== undefined && g.accountId !== where.accountId) {
    throw new ServiceError(
      'InvalidCloudWatchLogsLogGroupArnException',
      'You must specify a log group that is in your own account.',
    );
  }

  const r = parseArn(role);
  // IAM role ARNs have no Region; the name is 1-64 of [\w+=,.@-], after an optional /path/.
  if (
    r === undefined ||
    r.service !== 'iam' ||
    r.region !== '' ||
    !isAccountId(r.accountId) ||
    !/^role\/([\x21-\x7e]*\/)?[\w+=,.@-]{1,64}$/.test(r.resource)
  ) {
    throw new ServiceError(
      'InvalidCloudWatchLogsRoleArnException',
      'CloudTrail cannot validate the specified role ARN.',
    );
  }
}
