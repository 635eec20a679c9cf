/**
 * ARNs, `arn:<partition>:<service>:<region>:<account-id>:<resource>`, and the partition a Region
 * belongs to. Every ARN OpenTrail builds (trails, event data stores, channels, SNS topics, KMS
 * keys, IAM users) takes its partition from partitionOf(), so a resource and the caller who made it
 * agree on it.
 *
 * Source: the partition table the AWS SDKs resolve endpoints with (partitions.json, shipped here in
 * @aws-sdk/core's util-endpoints): each partition's `regionRegex`, its `<partition>-global`
 * pseudo-Region, and `aws` for a Region no partition claims.
 */

export type Partition =
  'aws' | 'aws-cn' | 'aws-us-gov' | 'aws-iso' | 'aws-iso-b' | 'aws-iso-e' | 'aws-iso-f' | 'aws-eusc';

export interface Arn {
  partition: string;
  service: string;
  /** Empty for global services such as IAM. */
  region: string;
  /** Empty for resources that name no account, such as S3 buckets. */
  accountId: string;
  /** Everything after the fifth colon; it may hold further colons and slashes. */
  resource: string;
}

/** partitions.json `regionRegex` of each partition; no two of them match the same Region. */
const REGION_PATTERNS: ReadonlyArray<readonly [Partition, RegExp]> = [
  ['aws', /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/],
  ['aws-cn', /^cn-\w+-\d+$/],
  ['aws-us-gov', /^us-gov-\w+-\d+$/],
  ['aws-iso', /^us-iso-\w+-\d+$/],
  ['aws-iso-b', /^us-isob-\w+-\d+$/],
  ['aws-iso-e', /^eu-isoe-\w+-\d+$/],
  ['aws-iso-f', /^us-isof-\w+-\d+$/],
  ['aws-eusc', /^eusc-de-\w+-\d+$/],
];

/** What ARNs may carry as partition: `aws`, optionally followed by lower-case `-word`s. */
const PARTITION = /^aws(-[a-z]+)*$/;
/**
 * A Region as ARNs in requests must name it: two letters (`eusc` in the European Sovereign Cloud),
 * one or more words, a number: `us-east-1`, `us-gov-west-1`, `eusc-de-east-1`.
 */
const REGION = /^([a-z]{2}|eusc)(-[a-z]+)+-\d{1,2}$/;
const ACCOUNT_ID = /^\d{12}$/;

/** The partition of `region`; `aws` for a Region no partition claims, as the SDKs resolve it. */
export function partitionOf(region: string): Partition {
  for (const [partition, pattern] of REGION_PATTERNS) {
    if (pattern.test(region) || region === `${partition}-global`) return partition;
  }
  return 'aws';
}

/**
 * Joins the parts of an ARN. Without `partition`, the Region's (partitionOf); a global service
 * (IAM, region '') passes the partition of the Region the call was made in.
 */
export function formatArn(parts: Omit<Arn, 'partition'> & { partition?: string }): string {
  const partition = parts.partition ?? partitionOf(parts.region);
  return `arn:${partition}:${parts.service}:${parts.region}:${parts.accountId}:${parts.resource}`;
}

/**
 * Splits `arn:partition:service:region:account:resource`; undefined when the value has fewer than
 * six parts or no valid partition. ARNs arrive in request bodies, so the value is
 * attacker-controlled: it is only split, and each caller checks the parts it needs.
 */
export function parseArn(value: string): Arn | undefined {
  const parts = value.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition = '', service = '', region = '', accountId = ''] = parts;
  if (!PARTITION.test(partition)) return undefined;
  return { partition, service, region, accountId, resource: parts.slice(5).join(':') };
}

/** Shaped like an AWS Region (`us-east-1`), as trail, topic, key and log group ARNs must name one. */
export function isRegionName(value: string): boolean {
  return REGION.test(value);
}

/** Twelve decimal digits, the form of every AWS account ID. */
export function isAccountId(value: string): boolean {
  return ACCOUNT_ID.test(value);
}
