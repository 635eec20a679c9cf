/**
 * IAM entities as the API answers them (the model's output shapes, wire member names). Policy
 * documents are URL-encoded (RFC 3986), as IAM returns them: botocore decodes them
 * (json_decode_policies), the SDKs hand them on as they are.
 */
import {
  ROOT_USER_NAME,
  uriEncode,
  type IamAccessKey,
  type IamCall,
  type IamGroup,
  type IamRole,
  type IamService,
  type IamUser,
  type ManagedPolicy,
  type PolicyVersion,
} from '../../iam/index.ts';

export function encodeDocument(document: string): string {
  return uriEncode(document);
}

function boundary(arn: string | undefined): Record<string, unknown> | undefined {
  return arn === undefined ? undefined : { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: arn };
}

/** A user; `full` adds what GetUser answers and ListUsers leaves out (tags, boundary). */
export function userView(
  iam: IamService,
  call: IamCall,
  user: IamUser,
  full = true,
): Record<string, unknown> {
  return {
    Path: user.path,
    UserName: user.userName,
    UserId: user.userId,
    Arn: iam.arnOf(call, user),
    CreateDate: new Date(user.createdMs),
    ...(full
      ? {
          PermissionsBoundary: boundary(user.permissionsBoundary),
          Tags: user.tags.length > 0 ? user.tags : undefined,
        }
      : {}),
  };
}

/**
 * The root user where IAM answers a User (GetUser signed as root, the user of a root MFA device):
 * its ID is the account ID and its ARN `arn:aws:iam::ACCOUNT:root`; it has no path or user name.
 */
export function rootUserView(call: IamCall, createdMs: number | undefined): Record<string, unknown> {
  return {
    UserId: call.accountId,
    Arn: `arn:${call.partition}:iam::${call.accountId}:root`,
    ...(createdMs !== undefined ? { CreateDate: new Date(createdMs) } : {}),
  };
}

export function groupView(iam: IamService, call: IamCall, group: IamGroup): Record<string, unknown> {
  return {
    Path: group.path,
    GroupName: group.groupName,
    GroupId: group.groupId,
    Arn: iam.arnOf(call, group),
    CreateDate: new Date(group.createdMs),
  };
}

/** A role; `full` adds what GetRole answers and ListRoles leaves out (tags, boundary, last use). */
export function roleView(
  iam: IamService,
  call: IamCall,
  role: IamRole,
  full = true,
): Record<string, unknown> {
  return {
    Path: role.path,
    RoleName: role.roleName,
    RoleId: role.roleId,
    Arn: iam.arnOf(call, role),
    CreateDate: new Date(role.createdMs),
    AssumeRolePolicyDocument: encodeDocument(role.assumeRolePolicyDocument),
    Description: role.description,
    MaxSessionDuration: role.maxSessionDurationS,
    ...(full
      ? {
          PermissionsBoundary: boundary(role.permissionsBoundary),
          Tags: role.tags.length > 0 ? role.tags : undefined,
          RoleLastUsed: {},
        }
      : {}),
  };
}

/** A managed policy; `full` adds what GetPolicy answers and ListPolicies leaves out. */
export function policyView(
  iam: IamService,
  call: IamCall,
  policy: ManagedPolicy,
  full = true,
): Record<string, unknown> {
  const arn = iam.policyArn(call, policy);
  const usage = iam.usage(call, arn);
  return {
    PolicyName: policy.policyName,
    PolicyId: policy.policyId,
    Arn: arn,
    Path: policy.path,
    DefaultVersionId: policy.defaultVersionId,
    AttachmentCount: usage.attachments,
    PermissionsBoundaryUsageCount: usage.boundaries,
    IsAttachable: true,
    ...(full ? { Description: policy.description } : {}),
    CreateDate: new Date(policy.createdMs),
    UpdateDate: new Date(policy.updatedMs),
    ...(full && policy.tags.length > 0 ? { Tags: policy.tags } : {}),
  };
}

/** A policy version; the document only where AWS gives it (GetPolicyVersion, not the lists). */
export function versionView(
  policy: ManagedPolicy,
  version: Pick<PolicyVersion, 'versionId' | 'createdMs'> & { document?: string },
): Record<string, unknown> {
  return {
    ...(version.document !== undefined ? { Document: encodeDocument(version.document) } : {}),
    VersionId: version.versionId,
    IsDefaultVersion: version.versionId === policy.defaultVersionId,
    CreateDate: new Date(version.createdMs),
  };
}

/** An access key; the root user's name none (it is no IAM user). */
export function accessKeyView(key: IamAccessKey): Record<string, unknown> {
  return {
    UserName: key.userName === ROOT_USER_NAME ? undefined : key.userName,
    AccessKeyId: key.accessKeyId,
    Status: key.status,
    CreateDate: new Date(key.createdMs),
  };
}

export function attachedView(iam: IamService, call: IamCall, policy: ManagedPolicy): Record<string, unknown> {
  return { PolicyName: policy.policyName, PolicyArn: iam.policyArn(call, policy) };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A timestamp as CloudTrail records IAM's responseElements ("Jul 10, 2023 12:01:52 PM", UTC),
 * not in ISO 8601: AWS's records of CreateUser, CreateRole and CreatePolicy read so.
 */
export function recordDate(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()} ${h % 12 === 0 ? 12 : h % 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

/** An output as the audit record carries it: dates in CloudTrail's form, undefined left out. */
export function recordOf(value: unknown): unknown {
  if (value instanceof Date) return recordDate(value.getTime());
  if (Array.isArray(value)) return value.map(recordOf);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = recordOf(v);
    return out;
  }
  return value;
}
