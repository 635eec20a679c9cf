/**
 * STS AssumeRole (STS API Reference, "AssumeRole"; IAM User Guide, "Methods to assume a role",
 * "Passing session tags in AWS STS", "Session policies"). The caller must be allowed by the
 * role's trust policy and — unless the trust policy names the caller itself — by its own
 * identity policies; across accounts both sides always (the engine's `trust` evaluation does
 * both, with SCPs and boundaries). Authorization runs on the role's ARN after parse, with the
 * request's condition keys: sts:ExternalId, sts:RoleSessionName, aws:RequestTag/aws:TagKeys for
 * session tags (which also need sts:TagSession), aws:ResourceTag/iam:ResourceTag from the role's
 * tags, and aws:MultiFactorAuthPresent once SerialNumber/TokenCode are verified. The session it answers is an `ASIA…` key whose principal
 * is arn:aws:sts::<account>:assumed-role/<role>/<session> (ID `<RoleId>:<session>`); its calls
 * are decided by the role's policies, its boundary, the session tags and session policies.
 */
import { partitionOf } from '../../events/index.ts';
import { ServiceError } from '../../errors.ts';
import {
  type AuthorizationTarget,
  type IamCall,
  type IamRole,
  type Principal,
  type RoleSessionOptions,
} from '../../iam/index.ts';
import { parsePolicy, type CompiledPolicy } from '../../iam/policy/index.ts';
import type { AuditResource, CallContext, OperationAuthorization } from '../endpoint.ts';
import { verifyMfaCode, type StsServices } from './sts-operations.ts';

type Input = Record<string, unknown>;

/** AssumeRole's default session length, and the cap for a role session assuming a role. */
export const ROLE_SESSION_DURATION = { default: 3600, chainedMax: 3600 };

const ROLE_ARN = /^arn:([a-z-]+):iam::(\d{12}):role\/(?:[\u0021-\u007e]*\/)?([\w+=,.@-]+)$/;

/** What the authorization step learned, for the handler (kept per parsed input). */
interface Plan {
  role: IamRole;
  roleArn: string;
  partition: string;
  mfaAuthenticatedMs?: number;
  tags?: Record<string, string>;
  policy?: string;
  policyArns?: string[];
}

const plans = new WeakMap<Input, Plan>();
const trustPolicies = new WeakMap<IamRole, CompiledPolicy | null>();

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The session tags (the model checked each key and value), refusing case-insensitive duplicates. */
function sessionTags(input: Input): Record<string, string> | undefined {
  if (!Array.isArray(input.Tags) || input.Tags.length === 0) return undefined;
  const tags: Record<string, string> = {};
  const seen = new Set<string>();
  for (const tag of input.Tags as Record<string, unknown>[]) {
    const key = stringOf(tag.Key) ?? '';
    if (seen.has(key.toLowerCase())) {
      throw new ServiceError(
        'ValidationError',
        'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
      );
    }
    seen.add(key.toLowerCase());
    tags[key] = stringOf(tag.Value) ?? '';
  }
  const transitive = Array.isArray(input.TransitiveTagKeys) ? (input.TransitiveTagKeys as string[]) : [];
  for (const key of transitive) {
    if (!seen.has(key.toLowerCase())) {
      throw new ServiceError(
        'ValidationError',
        'The specified transitive tag key must be included in the requested tags.',
      );
    }
  }
  return tags;
}

function sessionPolicy(input: Input): { policy?: string; policyArns?: string[] } {
  const policy = stringOf(input.Policy);
  if (policy !== undefined) {
    const parsed = parsePolicy(policy, 'identity', { id: 'session', sourceType: 'session' });
    if (!parsed.ok) throw new ServiceError('MalformedPolicyDocumentException', parsed.message);
  }
  const policyArns = Array.isArray(input.PolicyArns)
    ? (input.PolicyArns as Record<string, unknown>[]).map((d) => stringOf(d.arn) ?? '')
    : [];
  for (const arn of policyArns) {
    if (!/^arn:[a-z-]+:iam::(\d{12}|aws):policy\/.+$/.test(arn)) {
      throw new ServiceError('ValidationError', `Invalid policy ARN: ${arn}`);
    }
  }
  return {
    ...(policy !== undefined ? { policy } : {}),
    ...(policyArns.length > 0 ? { policyArns } : {}),
  };
}

function trustPolicyOf(role: IamRole, roleArn: string): CompiledPolicy | undefined {
  let compiled = trustPolicies.get(role);
  if (compiled === undefined) {
    const parsed = parsePolicy(role.assumeRolePolicyDocument, 'trust', {
      id: 'trust',
      arn: roleArn,
      sourceType: 'trust',
    });
    compiled = parsed.ok ? parsed.policy : null;
    trustPolicies.set(role, compiled);
  }
  return compiled ?? undefined;
}

/**
 * What AssumeRole is authorized on: sts:AssumeRole (and sts:TagSession with tags) on the role,
 * under its trust policy. A role that does not exist is a trust target without a policy: denied
 * with the same text as a refusal, as STS does not tell who may see which roles.
 */
export async function assumeRoleAuthorization(
  input: Input,
  call: CallContext,
  services: StsServices,
): Promise<OperationAuthorization> {
  const caller = call.caller.principal;
  if (/^arn:[^:]+:iam::\d{12}:root$/.test(caller.arn)) {
    throw new ServiceError('AccessDenied', 'Roles may not be assumed by root accounts.', { httpStatus: 403 });
  }
  const roleArnText = stringOf(input.RoleArn) ?? '';
  const sessionName = stringOf(input.RoleSessionName) ?? '';
  const tags = sessionTags(input);
  const policies = sessionPolicy(input);
  const mfaAuthenticatedMs = await verifyMfaCode(input, caller, call.nowMs, services);

  const context: Record<string, string | number | boolean> = { 'sts:RoleSessionName': sessionName };
  const externalId = stringOf(input.ExternalId);
  if (externalId !== undefined) context['sts:ExternalId'] = externalId;
  // "aws:MultiFactorAuthPresent … true when the AssumeRole call passes a valid MFA code".
  if (mfaAuthenticatedMs !== undefined) {
    context['aws:MultiFactorAuthPresent'] = true;
    context['aws:MultiFactorAuthAge'] = 0;
  }
  const sourceIdentity = stringOf(input.SourceIdentity);
  if (sourceIdentity !== undefined) context['sts:SourceIdentity'] = sourceIdentity;

  const parts = ROLE_ARN.exec(roleArnText);
  let role: IamRole | undefined;
  let trust: CompiledPolicy | undefined;
  if (parts) {
    const iamCall: IamCall = {
      accountId: parts[2]!,
      partition: parts[1]!,
      nowMs: call.nowMs,
      callerUserName: '',
    };
    try {
      role = services.iam.role(iamCall, parts[3]!);
    } catch {
      role = undefined;
    }
    // The ARN names the role with its path; another path is another (absent) role.
    if (role && services.iam.arnOf(iamCall, role) !== roleArnText) role = undefined;
    if (role) trust = trustPolicyOf(role, roleArnText);
  }
  // The role resource type's keys (Service Authorization Reference, AWS STS): its own tags.
  for (const tag of role?.tags ?? []) {
    context[`aws:ResourceTag/${tag.Key}`] = tag.Value;
    context[`iam:ResourceTag/${tag.Key}`] = tag.Value;
  }
  const roleTarget = (action: string): AuthorizationTarget => ({
    action,
    resource: roleArnText,
    ...(parts ? { resourceAccount: parts[2]! } : {}),
    resourcePolicyType: 'trust',
    ...(trust ? { resourcePolicy: trust } : {}),
    context,
  });
  if (role) {
    plans.set(input, {
      role,
      roleArn: roleArnText,
      partition: parts?.[1] ?? partitionOf(call.caller.region),
      ...(mfaAuthenticatedMs !== undefined ? { mfaAuthenticatedMs } : {}),
      ...(tags ? { tags } : {}),
      ...policies,
    });
  }
  return {
    targets: [roleTarget('sts:AssumeRole'), ...(tags ? [roleTarget('sts:TagSession')] : [])],
    ...(tags ? { requestTags: tags } : {}),
  };
}

/** AssumeRole, once authorized: the role session's credentials. */
export function assumeRole(input: Input, call: CallContext, services: StsServices): Record<string, unknown> {
  const plan = plans.get(input);
  const caller = call.caller.principal;
  if (!plan) {
    // Only reached when the authorization step did not run (an authorizer that allows all).
    throw new ServiceError(
      'AccessDenied',
      `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${stringOf(input.RoleArn) ?? ''}`,
      { httpStatus: 403 },
    );
  }
  const { role } = plan;
  const chained = caller.session?.role !== undefined;
  const durationS =
    typeof input.DurationSeconds === 'number' ? input.DurationSeconds : ROLE_SESSION_DURATION.default;
  if (chained && durationS > ROLE_SESSION_DURATION.chainedMax) {
    throw new ServiceError(
      'ValidationError',
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assuming other roles.',
    );
  }
  if (durationS > role.maxSessionDurationS) {
    throw new ServiceError(
      'ValidationError',
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    );
  }
  const sessionName = stringOf(input.RoleSessionName) ?? '';
  const assumedRoleId = `${role.roleId}:${sessionName}`;
  const arn = `arn:${plan.partition}:sts::${role.accountId}:assumed-role/${role.roleName}/${sessionName}`;
  const principal: Principal = {
    accountId: role.accountId,
    userName: role.roleName,
    userId: assumedRoleId,
    arn,
    accessKeyId: '',
  };
  const roleSession: RoleSessionOptions = {
    role: { roleName: role.roleName, roleId: role.roleId, roleArn: plan.roleArn, sessionName },
    ...(plan.tags ? { tags: plan.tags } : {}),
    ...(plan.policy !== undefined ? { policy: plan.policy } : {}),
    ...(plan.policyArns ? { policyArns: plan.policyArns } : {}),
  };
  const credentials = services.sessions.issue(principal, {
    nowMs: call.nowMs,
    durationS,
    ...(plan.mfaAuthenticatedMs !== undefined ? { mfaAuthenticatedMs: plan.mfaAuthenticatedMs } : {}),
    roleSession,
    sourceAccessKeyId: caller.session?.sourceAccessKeyId ?? caller.accessKeyId,
  });
  return {
    Credentials: {
      AccessKeyId: credentials.accessKeyId,
      SecretAccessKey: credentials.secretAccessKey,
      SessionToken: credentials.sessionToken,
      Expiration: new Date(credentials.expiresMs),
    },
    AssumedRoleUser: { AssumedRoleId: assumedRoleId, Arn: arn },
    ...(sourceIdentity(input) !== undefined ? { SourceIdentity: sourceIdentity(input) } : {}),
  };
}

function sourceIdentity(input: Input): string | undefined {
  return stringOf(input.SourceIdentity);
}

/** The record's resources: the role (AWS::IAM::Role), as AWS writes them for AssumeRole. */
export function assumeRoleResources(input: Input | undefined): AuditResource[] | undefined {
  const roleArn = stringOf(input?.RoleArn);
  const parts = roleArn === undefined ? null : ROLE_ARN.exec(roleArn);
  if (!roleArn || !parts) return undefined;
  return [{ accountId: parts[2]!, type: 'AWS::IAM::Role', ARN: roleArn }];
}
