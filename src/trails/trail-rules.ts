/**
 * Validation rules of the CloudTrail trail API (CreateTrail, UpdateTrail, GetTrail, DeleteTrail,
 * Start/StopLogging, AddTags, RemoveTags): pure functions that throw the ServiceError AWS answers
 * with. Every value checked here arrives from the request body, so it is attacker-controlled:
 * nothing is interpolated into a pattern, and lengths are checked before anything else walks the
 * value.
 *
 * Sources: the botocore model cloudtrail/2013-11-01, the
 * CloudTrail User Guide ("Naming requirements", "Configuring Amazon SNS notifications") and error
 * texts seen in real AWS answers quoted in public issues. Where no AWS wording was found the
 * message is ours and says what was wrong and what was expected.
 */
// object-store.ts is the pure half of objects/: importing it, not objects/index.ts, keeps the
// S3 SDK and the file system out of this module (STYLE.md habit 2).
import { bucketNameProblem } from '../objects/object-store.ts';
import { ServiceError } from '../errors.ts';
import { expectArray, expectObject, optionalString } from '../input.ts';

/** CloudTrail User Guide, quotas: five trails per Region; a multi-Region trail counts in every Region. */
export const MAX_TRAILS_PER_REGION = 5;

/** AddTags doc and TagsLimitExceededException doc in the model: "Currently, the limit is 50." */
export const MAX_TAGS_PER_RESOURCE = 50;

/** The model's TagsList shape: at most 200 entries in one request. */
const MAX_TAGS_PER_REQUEST = 200;
const MAX_TAG_KEY_CHARS = 128;
const MAX_TAG_VALUE_CHARS = 256;
/** Model doc of S3KeyPrefix: "The maximum length is 200 characters." */
const MAX_S3_PREFIX_CHARS = 200;
/** CloudTrail User Guide: an SNS topic name is 1 to 256 ASCII letters, digits, '_' or '-'. */
const MAX_SNS_TOPIC_NAME_CHARS = 256;
/** KMS: an alias name, "alias/" included, is at most 256 characters. */
const MAX_KMS_ALIAS_CHARS = 256;
/** CloudWatch Logs: a log group name is 1 to 512 characters. */
const MAX_LOG_GROUP_NAME_CHARS = 512;

export interface Tag {
  Key: string;
  Value?: string;
}

export interface TrailRef {
  name: string;
  arn?: { region: string; accountId: string; partition: string };
}

// ---------------------------------------------------------------------------------------------
// ARNs

const PARTITION = /^aws(-[a-z]+)*$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const ACCOUNT_ID = /^\d{12}$/;

/** Region prefixes outside the commercial partition; anything else is `aws`. */
const PARTITION_BY_REGION_PREFIX: ReadonlyArray<readonly [string, string]> = [
  ['cn-', 'aws-cn'],
  ['us-gov-', 'aws-us-gov'],
  ['us-isob-', 'aws-iso-b'],
  ['us-isof-', 'aws-iso-f'],
  ['us-iso-', 'aws-iso'],
  ['eu-isoe-', 'aws-iso-e'],
  ['eusc-', 'aws-eusc'],
];

function partitionOf(region: string): string {
  for (const [prefix, partition] of PARTITION_BY_REGION_PREFIX) {
    if (region.startsWith(prefix)) return partition;
  }
  return 'aws';
}

interface Arn {
  partition: string;
  service: string;
  region: string;
  accountId: string;
  resource: string;
}

/** Splits `arn:partition:service:region:account:resource`; the resource may hold further colons. */
function splitArn(value: string): Arn | undefined {
  const parts = value.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition = '', service = '', region = '', accountId = ''] = parts;
  if (!PARTITION.test(partition)) return undefined;
  return { partition, service, region, accountId, resource: parts.slice(5).join(':') };
}

/** `arn:<partition>:cloudtrail:<region>:<account>:trail/<name>`, the partition following the region. */
export function trailArn(region: string, accountId: string, name: string): string {
  return `arn:${partitionOf(region)}:cloudtrail:${region}:${accountId}:trail/${name}`;
}

// ---------------------------------------------------------------------------------------------
// Trail names and references

function invalidTrailName(message: string): ServiceError {
  return new ServiceError('InvalidTrailNameException', message);
}

/** Which trail-name rule `name` breaks, as AWS words it; undefined when it keeps them all. */
function trailNameProblem(name: string): string | undefined {
  // Texts: "Trail name cannot be blank!" is quoted from a real answer
  // (clouddrove/terraform-aws-cloudtrail#14); the others are the wording emulators that copy
  // AWS (moto, a CloudTrail clone) share, including AWS's "must starts" grammar.
  if (name.length === 0) return 'Trail name cannot be blank!';
  if (name.length < 3) {
    return `Trail name too short. Minimum allowed length: 3 characters. Specified name length: ${name.length} characters.`;
  }
  if (name.length > 128) {
    return `Trail name too long. Maximum allowed length: 128 characters. Specified name length: ${name.length} characters.`;
  }
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    return 'Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).';
  }
  if (!/^[A-Za-z0-9]/.test(name)) return 'Trail name must starts with a letter or number.';
  if (!/[A-Za-z0-9]$/.test(name)) return 'Trail name must ends with a letter or number.';
  if (/[._-]{2}/.test(name)) {
    return 'Trail name or ARN cannot have adjacent periods (.), hyphens (-), or underscores (_).';
  }
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'Trail names must not be formatted as an IP address.';
  return undefined;
}

/**
 * CloudTrail resource naming requirements (User Guide, and the model's CreateTrail Name doc):
 * ASCII letters, digits, '.', '_', '-'; begins and ends with a letter or digit; 3 to 128
 * characters; no two of '.', '_', '-' side by side; not shaped like an IPv4 address.
 */
export function validateTrailName(name: string): void {
  const problem = trailNameProblem(name);
  if (problem !== undefined) throw invalidTrailName(problem);
}

/**
 * A `Name` / `TrailName` as the API takes it: a trail name, or a trail ARN
 * `arn:<partition>:cloudtrail:<region>:<12-digit account>:trail/<name>`. Anything that starts
 * with `arn:` is read as an ARN and, when malformed, is a CloudTrailARNInvalidException; whether
 * the ARN's Region and account are the caller's is the caller's decision.
 */
export function parseTrailRef(value: string): TrailRef {
  if (!value.startsWith('arn:')) {
    validateTrailName(value);
    return { name: value };
  }
  const arn = splitArn(value);
  const name = arn?.resource.startsWith('trail/') ? arn.resource.slice('trail/'.length) : undefined;
  if (
    arn === undefined ||
    name === undefined ||
    arn.service !== 'cloudtrail' ||
    !REGION.test(arn.region) ||
    !ACCOUNT_ID.test(arn.accountId) ||
    trailNameProblem(name) !== undefined
  ) {
    throw new ServiceError(
      'CloudTrailARNInvalidException',
      `Invalid trail ARN: ${value}. A trail ARN has the form arn:aws:cloudtrail:<region>:<account-id>:trail/<trail-name>.`,
    );
  }
  return { name, arn: { region: arn.region, accountId: arn.accountId, partition: arn.partition } };
}

// ---------------------------------------------------------------------------------------------
// Errors whose AWS wording is known, for the trail store to throw

/** Quoted from real answers, e.g. "Unknown trail: arn:aws:cloudtrail:us-east-1:111122223333:trail/myTrail2 for the user: 111122223333". */
export function trailNotFound(arn: string, accountId: string): ServiceError {
  return new ServiceError('TrailNotFoundException', `Unknown trail: ${arn} for the user: ${accountId}`);
}

/** Quoted from a real answer: "Trail cloudtrail already exists for customer: 313564602749". */
export function trailAlreadyExists(name: string, accountId: string): ServiceError {
  return new ServiceError(
    'TrailAlreadyExistsException',
    `Trail ${name} already exists for customer: ${accountId}`,
  );
}

/** Quoted from a real answer: "User: <account> already has 5 trails in us-west-2." */
export function maximumTrailsExceeded(accountId: string, region: string): ServiceError {
  return new ServiceError(
    'MaximumNumberOfTrailsExceededException',
    `User: ${accountId} already has ${MAX_TRAILS_PER_REGION} trails in ${region}.`,
  );
}

/**
 * A multi-Region trail must log global service events; AWS refuses the combination in CreateTrail
 * and UpdateTrail with this text (quoted from real answers). Pass the values the trail would have
 * after the call.
 */
export function validateMultiRegionGlobalEvents(
  isMultiRegionTrail: boolean,
  includeGlobalServiceEvents: boolean,
): void {
  if (isMultiRegionTrail && !includeGlobalServiceEvents) {
    throw new ServiceError(
      'InvalidParameterCombinationException',
      'Multi-Region trail must include global service events.',
    );
  }
}

// ---------------------------------------------------------------------------------------------
// S3

/**
 * S3KeyPrefix: at most 200 characters (model doc). Empty is accepted: UpdateTrail clears the
 * prefix with "", and CreateTrail treats it as no prefix.
 */
export function validateS3KeyPrefix(prefix: string): void {
  const chars = [...prefix].length;
  if (chars > MAX_S3_PREFIX_CHARS) {
    throw new ServiceError(
      'InvalidS3PrefixException',
      `S3 prefix is longer than maximum length: ${chars} characters given, at most ${MAX_S3_PREFIX_CHARS} allowed.`,
    );
  }
  // A NUL cannot be part of an object key in any store we write to.
  if (prefix.includes('\0')) {
    throw new ServiceError('InvalidS3PrefixException', 'S3 prefix must not contain a NUL character.');
  }
  if (prefix === '') return;
  // Log files go under `<prefix>/AWSLogs/...`: an empty path segment would give keys with '//',
  // which the embedded bucket store (a directory tree) cannot hold.
  if (prefix.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new ServiceError(
      'InvalidS3PrefixException',
      `S3 prefix '${prefix}' must not start or end with '/', hold '//', or have '.' or '..' segments.`,
    );
  }
}

/**
 * S3 bucket naming rules (bucketNameProblem), plus the one CloudTrail's own "Amazon S3 bucket
 * naming requirements" adds: no dash next to a period, so every label begins and ends with a
 * letter or digit.
 */
export function validateS3BucketName(name: string): void {
  const problem =
    bucketNameProblem(name) ?? (/\.-|-\./.test(name) ? 'must not have a dash next to a period' : undefined);
  if (problem !== undefined) {
    throw new ServiceError(
      'InvalidS3BucketNameException',
      `Bucket name ${JSON.stringify(name)} is not valid: it ${problem}.`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// SNS

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
    const arn = splitArn(nameOrArn);
    if (
      arn === undefined ||
      arn.service !== 'sns' ||
      !REGION.test(arn.region) ||
      !ACCOUNT_ID.test(arn.accountId)
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
  return `arn:${partitionOf(region)}:sns:${region}:${accountId}:${nameOrArn}`;
}

// ---------------------------------------------------------------------------------------------
// KMS

const KEY_ID =
  /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32})$/;
const ALIAS_NAME = /^alias\/[A-Za-z0-9/_-]+$/;

type KmsRef = { kind: 'key' | 'alias'; arn?: Arn; id: string };

function parseKmsRef(value: string): KmsRef | undefined {
  if (value.startsWith('arn:')) {
    const arn = splitArn(value);
    if (
      arn === undefined ||
      arn.service !== 'kms' ||
      !REGION.test(arn.region) ||
      !ACCOUNT_ID.test(arn.accountId)
    ) {
      return undefined;
    }
    if (arn.resource.startsWith('key/') && KEY_ID.test(arn.resource.slice(4))) {
      return { kind: 'key', arn, id: arn.resource.slice(4) };
    }
    return isAliasName(arn.resource) ? { kind: 'alias', arn, id: arn.resource } : undefined;
  }
  if (KEY_ID.test(value)) return { kind: 'key', id: value };
  return isAliasName(value) ? { kind: 'alias', id: value } : undefined;
}

function isAliasName(value: string): boolean {
  return value.length <= MAX_KMS_ALIAS_CHARS && ALIAS_NAME.test(value);
}

/**
 * KmsKeyId takes a key ID (UUID, or `mrk-` and 32 hex digits for a multi-Region key), a key ARN,
 * an alias name (`alias/...`) or an alias ARN (model doc of CreateTrail KmsKeyId). UpdateTrail's
 * "" (stop encrypting) is the caller's to handle before calling this.
 */
export function validateKmsKeyId(value: string): void {
  if (parseKmsRef(value) === undefined) throw invalidKmsKeyId(value);
}

function invalidKmsKeyId(value: string): ServiceError {
  return new ServiceError(
    'InvalidKmsKeyIdException',
    `KMS key ${JSON.stringify(value)} is not valid: expected a key ID, a key ARN, an alias name (alias/...) or an alias ARN.`,
  );
}

/**
 * What the trail reports as KmsKeyId: a full ARN. AWS resolves an alias to the key's ARN; without a
 * key service at hand an alias becomes the alias ARN, so a caller that can resolve aliases should
 * do so first. A bare key ID or alias name is placed in the trail's Region and account.
 */
export function kmsKeyArn(value: string, region: string, accountId: string): string {
  const ref = parseKmsRef(value);
  if (ref === undefined) throw invalidKmsKeyId(value);
  if (ref.arn !== undefined) return value;
  const resource = ref.kind === 'key' ? `key/${value}` : value;
  return `arn:${partitionOf(region)}:kms:${region}:${accountId}:${resource}`;
}

// ---------------------------------------------------------------------------------------------
// CloudWatch Logs

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

  const g = splitArn(group);
  const groupName =
    g?.resource.startsWith('log-group:') && g.resource.endsWith(':*') ? g.resource.slice(10, -2) : undefined;
  if (
    g === undefined ||
    groupName === undefined ||
    g.service !== 'logs' ||
    !REGION.test(g.region) ||
    !ACCOUNT_ID.test(g.accountId) ||
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

  const r = splitArn(role);
  // IAM role ARNs have no Region; the name is 1-64 of [\w+=,.@-], after an optional /path/.
  if (
    r === undefined ||
    r.service !== 'iam' ||
    r.region !== '' ||
    !ACCOUNT_ID.test(r.accountId) ||
    !/^role\/([\x21-\x7e]*\/)?[\w+=,.@-]{1,64}$/.test(r.resource)
  ) {
    throw new ServiceError(
      'InvalidCloudWatchLogsRoleArnException',
      'CloudTrail cannot validate the specified role ARN.',
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Tags

function invalidTag(message: string): ServiceError {
  return new ServiceError('InvalidTagParameterException', message);
}

/**
 * The character class older CloudTrail docs give for InvalidTagParameterException:
 * ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$ (letters, separators, numbers and _ . : / = + - @).
 */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/**
 * A TagsList member (CreateTrail, AddTags, RemoveTags): a list of {Key, Value?}. Wrong JSON types
 * are SerializationException; a key must be 1-128 characters, a value 0-256 (the model says 1-256
 * but AddTags documents a key without value), both from TAG_TEXT. Keys starting with `aws:` are
 * refused as AWS reserves that prefix across services; one key twice in a request is refused
 * (InvalidTagParameterException doc: "duplicate tags").
 */
export function parseTagsList(value: unknown, name = 'TagsList'): Tag[] {
  const items = expectArray(value, name);
  if (items.length > MAX_TAGS_PER_REQUEST) {
    throw invalidTag(
      `${name} holds ${items.length} tags; a request may carry at most ${MAX_TAGS_PER_REQUEST}.`,
    );
  }
  const seen = new Set<string>();
  return items.map((item, i) => {
    const member = expectObject(item, `${name}[${i}]`);
    const key = optionalString(member['Key'], `${name}[${i}].Key`);
    const tagValue = optionalString(member['Value'], `${name}[${i}].Value`);
    if (key === undefined) throw invalidTag(`${name}[${i}] has no Key; every tag needs a key.`);
    const keyChars = [...key].length;
    if (keyChars < 1 || keyChars > MAX_TAG_KEY_CHARS) {
      throw invalidTag(
        `Tag key must be 1 to ${MAX_TAG_KEY_CHARS} characters long; ${JSON.stringify(key)} has ${keyChars}.`,
      );
    }
    if (!TAG_TEXT.test(key)) {
      throw invalidTag(
        `Tag key ${JSON.stringify(key)} may hold only letters, numbers, spaces and _ . : / = + - @.`,
      );
    }
    if (key.toLowerCase().startsWith('aws:')) {
      throw invalidTag(`Tag key ${JSON.stringify(key)} uses the reserved prefix aws:.`);
    }
    if (tagValue !== undefined) {
      const valueChars = [...tagValue].length;
      if (valueChars > MAX_TAG_VALUE_CHARS) {
        throw invalidTag(
          `Tag value for key ${JSON.stringify(key)} must be at most ${MAX_TAG_VALUE_CHARS} characters; it has ${valueChars}.`,
        );
      }
      if (!TAG_TEXT.test(tagValue)) {
        throw invalidTag(
          `Tag value for key ${JSON.stringify(key)} may hold only letters, numbers, spaces and _ . : / = + - @.`,
        );
      }
    }
    if (seen.has(key)) throw invalidTag(`Tag key ${JSON.stringify(key)} appears more than once in ${name}.`);
    seen.add(key);
    return tagValue === undefined ? { Key: key } : { Key: key, Value: tagValue };
  });
}

/**
 * AddTags: a key already on the resource takes the new value (or loses its value when the new tag
 * has none, as AWS stores a key without value as null); new keys are appended. More than 50 tags
 * afterwards is TagsLimitExceededException and nothing changes. `resource` names the kind of
 * resource in that error's message.
 */
export function mergeTags(existing: Tag[], added: Tag[], resource = 'a trail'): Tag[] {
  const byKey = new Map<string, Tag>();
  for (const tag of existing) byKey.set(tag.Key, tag);
  for (const tag of added) byKey.set(tag.Key, tag);
  if (byKey.size > MAX_TAGS_PER_RESOURCE) {
    throw new ServiceError(
      'TagsLimitExceededException',
      `The resource would have ${byKey.size} tags; ${resource} may have at most ${MAX_TAGS_PER_RESOURCE}.`,
    );
  }
  return [...byKey.values()].map((tag) => ({ ...tag }));
}

/**
 * RemoveTags: removes each tag whose key is listed. A listed tag that also gives a Value removes
 * the key only when the stored value equals it (moto's reading; AWS does not document it, and the
 * AWS CLI example passes keys only). Keys not on the resource are ignored.
 */
export function removeTags(existing: Tag[], removed: Tag[]): Tag[] {
  const byKey = new Map<string, Tag>();
  for (const tag of removed) byKey.set(tag.Key, tag);
  return existing
    .filter((tag) => {
      const match = byKey.get(tag.Key);
      return match === undefined || (match.Value !== undefined && match.Value !== tag.Value);
    })
    .map((tag) => ({ ...tag }));
}
