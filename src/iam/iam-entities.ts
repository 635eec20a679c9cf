/**
 * The IAM model of an account: users, groups, roles, customer managed policies with their
 * versions, and access keys (their metadata: secrets live only in the Authenticator and, sealed,
 * in the IdentityStore). Plain data, persisted as it is; the rules that change it are in
 * iam-service.ts. Names are unique within an account regardless of case, as on AWS ("you can't
 * create two users named ADMIN and admin").
 */
import { randomBytes } from 'node:crypto';
import { formatArn } from '../events/index.ts';

export interface Tag {
  Key: string;
  Value: string;
}

/** An inline policy: its name and document as the caller wrote it. */
export interface InlinePolicy {
  name: string;
  document: string;
}

interface Identity {
  accountId: string;
  path: string;
  createdMs: number;
  inlinePolicies: InlinePolicy[];
  /** ARNs of the attached managed policies, in attachment order. */
  attachedPolicies: string[];
}

export interface IamUser extends Identity {
  userName: string;
  userId: string;
  tags: Tag[];
  permissionsBoundary?: string;
  /** Names of the groups the user is in. */
  groups: string[];
}

export interface IamGroup extends Identity {
  groupName: string;
  groupId: string;
}

export interface IamRole extends Identity {
  roleName: string;
  roleId: string;
  assumeRolePolicyDocument: string;
  description?: string;
  maxSessionDurationS: number;
  tags: Tag[];
  permissionsBoundary?: string;
}

export interface PolicyVersion {
  versionId: string;
  document: string;
  createdMs: number;
}

export interface ManagedPolicy {
  /** The owning account, or `aws` for an AWS managed policy. */
  accountId: string;
  policyName: string;
  policyId: string;
  path: string;
  description?: string;
  createdMs: number;
  updatedMs: number;
  defaultVersionId: string;
  /** Newest first, as ListPolicyVersions answers. */
  versions: PolicyVersion[];
  /** The number of the next version (`v{n}`): IAM never reuses a deleted version's ID. */
  nextVersion: number;
  tags: Tag[];
}

export interface IamAccessKey {
  accessKeyId: string;
  accountId: string;
  userName: string;
  status: 'Active' | 'Inactive';
  createdMs: number;
}

/** An account's whole IAM state as the store holds it. */
export interface IamSnapshot {
  users: IamUser[];
  groups: IamGroup[];
  roles: IamRole[];
  policies: ManagedPolicy[];
  accessKeys: IamAccessKey[];
}

/** One change the store makes, all of a batch in one transaction (null: delete). */
export type IamWrite =
  | { kind: 'user'; accountId: string; name: string; user: IamUser | null }
  | { kind: 'group'; accountId: string; name: string; group: IamGroup | null }
  | { kind: 'role'; accountId: string; name: string; role: IamRole | null }
  | { kind: 'policy'; accountId: string; name: string; policy: ManagedPolicy | null }
  | { kind: 'accessKey'; accessKeyId: string; key: (IamAccessKey & { secretAccessKey: string }) | null }
  | {
      kind: 'accessKeyUpdate';
      accessKeyId: string;
      status: 'Active' | 'Inactive';
      userName: string;
    };

// AWS unique IDs: a four-letter prefix for the kind, then base32 (AIDA user, AGPA group, AROA
// role, ANPA managed policy).
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function newUniqueId(prefix: 'AIDA' | 'AGPA' | 'AROA' | 'ANPA'): string {
  let out = prefix;
  for (const byte of randomBytes(17)) out += BASE32[byte % 32];
  return out;
}

/** The key under which a name is unique in its account. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/** An IAM ARN: global (no Region), path included (`arn:aws:iam::123456789012:user/division/bob`). */
export function iamArn(
  partition: string,
  accountId: string,
  type: 'user' | 'group' | 'role' | 'policy',
  path: string,
  name: string,
): string {
  return formatArn({ partition, service: 'iam', region: '', accountId, resource: `${type}${path}${name}` });
}

export function policyArnOf(partition: string, policy: ManagedPolicy): string {
  return iamArn(partition, policy.accountId, 'policy', policy.path, policy.policyName);
}

/** The parts of a managed policy ARN: its account (or `aws`) and name; undefined if it is none. */
export function parsePolicyArn(
  arn: string,
): { partition: string; accountId: string; name: string } | undefined {
  const m = /^arn:(aws[a-z-]*):iam::(\d{12}|aws):policy(\/(?:[\u0021-\u007E]*\/)?)([\w+=,.@-]+)$/.exec(arn);
  if (!m) return undefined;
  return { partition: m[1] as string, accountId: m[2] as string, name: m[4] as string };
}
