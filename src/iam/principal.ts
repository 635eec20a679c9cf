import { randomBytes, randomInt } from 'node:crypto';
import { formatArn, partitionOf } from '../events/index.ts';

/** The caller behind a verified access key. */
export interface Principal {
  accountId: string;
  userName: string;
  userId: string;
  arn: string;
  accessKeyId: string;
  /** Set when the call was signed with temporary credentials (an STS session token). */
  session?: SessionContext;
}

/** A session's facts, as CloudTrail's userIdentity.sessionContext and IAM conditions use them. */
export interface SessionContext {
  issuedMs: number;
  expiresMs: number;
  /** When the session's MFA code was verified; absent for a session without MFA. */
  mfaAuthenticatedMs?: number;
  /** The long-term access key the session was made with. */
  sourceAccessKeyId: string;
  /** For a role session (AssumeRole): the role and the session's name. */
  role?: AssumedRole;
  /** Session tags (AssumeRole Tags): aws:PrincipalTag/<key>, over the role's tags of the same key. */
  tags?: Readonly<Record<string, string>>;
  /** Session policies passed to AssumeRole: the inline document and the managed policies' ARNs. */
  policy?: string;
  policyArns?: readonly string[];
}

/** The role a role session was assumed from, as userIdentity.sessionContext.sessionIssuer names it. */
export interface AssumedRole {
  roleName: string;
  /** The role's unique ID (`AROA…`). */
  roleId: string;
  /** The role's ARN, with its path. */
  roleArn: string;
  sessionName: string;
}

export interface AccessKeyRecord {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  userName: string;
  userId: string;
  status: 'Active' | 'Inactive';
  /** The user's IAM path (`/division/`), which its ARN carries; `/` when absent. */
  path?: string;
}

// AWS key and unique IDs use a base32 alphabet after their four-letter prefix.
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(length: number): string {
  let out = '';
  for (const byte of randomBytes(length)) out += BASE32[byte % 32];
  return out;
}

export function newAccountId(): string {
  return `${randomInt(1, 10)}${String(randomInt(0, 1e11)).padStart(11, '0')}`;
}

export function newAccessKeyId(): string {
  return `AKIA${base32(16)}`;
}

export function newUserId(): string {
  return `AIDA${base32(17)}`;
}

export function newSecretAccessKey(): string {
  return randomBytes(30).toString('base64');
}

/**
 * IAM is global: a user ARN names no Region, and is in the partition of the Region the call was
 * signed for, as are the resources the call creates. It carries the user's path
 * (`arn:aws:iam::123456789012:user/division/alice`), as userIdentity.arn and access-denied texts do.
 */
export function userArn(accountId: string, userName: string, region: string, path = '/'): string {
  return formatArn({
    partition: partitionOf(region),
    service: 'iam',
    region: '',
    accountId,
    resource: `user${path}${userName}`,
  });
}

/**
 * The account's root user in the places IAM keeps a user name: its access keys and its MFA
 * devices. IAM's credential report names it so; no IAM user name can be it (`[\w+=,.@-]+`).
 */
export const ROOT_USER_NAME = '<root_account>';

/** The root user's ARN (`arn:aws:iam::ACCOUNT:root`); its principal ID is the account ID. */
export function rootArn(accountId: string, region: string): string {
  return formatArn({
    partition: partitionOf(region),
    service: 'iam',
    region: '',
    accountId,
    resource: 'root',
  });
}

const ROOT_ARN = /^arn:[^:]+:iam::\d{12}:root$/;

/** Whether a caller is an account's root user (its long-term key or a session it made). */
export function isRootPrincipal(principal: Pick<Principal, 'arn'>): boolean {
  return ROOT_ARN.test(principal.arn);
}

export function isAccountId(value: string): boolean {
  return /^\d{12}$/.test(value);
}
