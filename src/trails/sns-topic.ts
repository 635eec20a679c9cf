/**
 * A trail's SNS topic: SnsTopicName of CreateTrail and UpdateTrail, a topic name or a topic ARN,
 * and the SnsTopicARN the trail reports. The value arrives in the request body, so it is
 * attacker-controlled; lengths are checked before patterns run.
 *
 * Sources: the botocore model cloudtrail/2013-11-01 (SnsTopicName doc) and the CloudTrail User
 * Guide ("Configuring Amazon SNS notifications").
 */
import { ServiceError } from '../errors.ts';
import { formatArn, isAccountId, isRegionName, parseArn } from '../events/index.ts';

/** CloudTrail User Guide: an SNS topic name is 1 to 256 ASCII letters, digits, '_' or '-'. */
const MAX_SNS_TOPIC_NAME_CHARS = 256;

function snsNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > MAX_SNS_TOPIC_NAME_CHARS) return 'must be 1 to 256 characters long';
  if (!/^[A-Za-z0-9_-]+$/.test(name)) return 'may hold only ASCII letters, digits, underscores and hyphens';
  return undefined;
}

/**
 * SnsTopicName takes a topic name or a topic ARN (`arn:<partition>:sns:<region>:<account>:<name>`).
 * Names follow the CloudTrail User Guide: 1 to 256 ASCII letters, digits, '_' or '-'. UpdateTrail's
 * "" (clear the topic) is the caller's to handle before calling this.
 */
export function validateSnsTopicName(nameOrArn: string): void {
  let problem: string | undefined;
  if (nameOrArn.startsWith('arn:')) {
    const arn = parseArn(nameOrArn);
    if (
      arn === undefined ||
      arn.service !== 'sns' ||
      !isRegionName(arn.region) ||
      !isAccountId(arn.accountId)
    ) {
      problem = 'is not a topic ARN of the form arn:aws:sns:<region>:<account-id>:<topic-name>';
    } else {
      const nameProblem = snsNameProblem(arn.resource);
      problem = nameProblem === undefined ? undefined : `has a topic name that ${nameProblem}`;
    }
  } else {
    problem = snsNameProblem(nameOrArn);
  }
  if (problem !== undefined) {
    throw new ServiceError(
      'InvalidSnsTopicNameException',
      `SNS topic ${JSON.stringify(nameOrArn)} is not valid: it ${problem}.`,
    );
  }
}

/** The topic ARN a trail reports as SnsTopicARN: an ARN as given, a name in the trail's Region and account. */
export function snsTopicArn(nameOrArn: string, region: string, accountId: string): string {
  if (nameOrArn.startsWith('arn:')) return nameOrArn;
  return formatArn({ service: 'sns', region, accountId, resource: nameOrArn });
}
