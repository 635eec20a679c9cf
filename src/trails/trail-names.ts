/**
 * Trail names and the references the trail API takes in `Name` / `TrailName`: a name or a trail
 * ARN. Every value arrives from a request body, so it is attacker-controlled: nothing is
 * interpolated into a pattern, and lengths are checked before anything else walks the value.
 *
 * Sources: the botocore model cloudtrail/2013-11-01 (CreateTrail Name doc), the CloudTrail User
 * Guide ("Naming requirements") and error texts seen in real AWS answers quoted in public issues.
 */
import { ServiceError } from '../errors.ts';
import { formatArn, isAccountId, isRegionName, parseArn } from '../events/index.ts';

export interface TrailRef {
  name: string;
  arn?: { region: string; accountId: string; partition: string };
}

/** `arn:<partition>:cloudtrail:<region>:<account>:trail/<name>`, the partition following the region. */
export function trailArn(region: string, accountId: string, name: string): string {
  return formatArn({ service: 'cloudtrail', region, accountId, resource: `trail/${name}` });
}

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
  const arn = parseArn(value);
  const name = arn?.resource.startsWith('trail/') ? arn.resource.slice('trail/'.length) : undefined;
  if (
    arn === undefined ||
    name === undefined ||
    arn.service !== 'cloudtrail' ||
    !isRegionName(arn.region) ||
    !isAccountId(arn.accountId) ||
    trailNameProblem(name) !== undefined
  ) {
    throw new ServiceError(
      'CloudTrailARNInvalidException',
      `Invalid trail ARN: ${value}. A trail ARN has the form arn:aws:cloudtrail:<region>:<account-id>:trail/<trail-name>.`,
    );
  }
  return { name, arn: { region: arn.region, accountId: arn.accountId, partition: arn.partition } };
}
