/**
 * Authorization by AWS's policy evaluation: for the caller, the action and each resource it acts
 * on, gather the caller's policies from IAM (an IAM user's inline and attached managed policies
 * plus those of its groups, and its permissions boundary; a role session's role likewise, with
 * the session's tags over the role's and its session policies), build
 * the request context with the global condition keys that apply ("AWS global condition context
 * keys": aws:MultiFactorAuthPresent and aws:MultiFactorAuthAge for temporary credentials,
 * aws:SourceIp, aws:SecureTransport, aws:RequestedRegion, aws:CurrentTime, aws:EpochTime, the
 * principal keys, aws:RequestTag/aws:TagKeys), and evaluate them with the pure engine in policy/.
 * A denial answers AWS's access-denied text ("Troubleshooting access denied error messages").
 *
 * OpenTrail adds one rule of its own, on by default (`--require-mfa-for-destruction`): a call
 * that stops or weakens audit logging is refused unless it is signed with an MFA-authenticated
 * session, whoever the caller is (the account root included) — AWS's "MFA-protected API access"
 * done by the server instead of by every policy author.
 *
 * Policies are compiled once per document version: inline policies by their document object,
 * customer managed policies by their version object (IAM replaces them on every change, never
 * edits them in place), AWS managed policies once per process. An authorization is a few map
 * lookups and the evaluation itself: microseconds.
 */
import {
  accessDeniedMessage as policyAccessDenied,
  compiledAwsManagedPolicy,
  compilePolicy,
  evaluatePolicies,
  parsePolicy,
  type CompiledPolicy,
  type ContextInput,
  type RequestPrincipal,
} from './policy/index.ts';
import type { AuthorizationDecision, AuthorizationRequest, Authorizer } from './authorizer.ts';
import type {
  IamGroup,
  IamRole,
  IamUser,
  InlinePolicy,
  ManagedPolicy,
  PolicyVersion,
} from './iam-entities.ts';
import type { IamCall, IamService } from './iam-service.ts';
import { isRootPrincipal, type Principal } from './principal.ts';

/** What the evaluation needs to know of a caller besides the request. */
export interface CallerPolicies {
  principal: RequestPrincipal;
  identityPolicies: readonly CompiledPolicy[];
  permissionsBoundary?: CompiledPolicy;
  /** A role session's session policies (AssumeRole Policy and PolicyArns). */
  sessionPolicies?: readonly CompiledPolicy[];
}

/** Where the caller's policies come from (IAM, or a fixed set in tests). */
export interface CallerPolicySource {
  policiesOf(principal: Principal): CallerPolicies;
}

/**
 * Actions AWS does not authorize with policies: "No permissions are required to perform this
 * operation" (sts:GetCallerIdentity, even under an explicit deny; sts:GetSessionToken, which is
 * how a user authenticates with MFA — STS API Reference).
 */
const UNAUTHORIZED_ACTIONS = new Set(['sts:getcalleridentity', 'sts:getsessiontoken']);

export interface PolicyAuthorizerOptions {
  policies: CallerPolicySource;
  /** `--require-mfa-for-destruction` (default on): destructive calls need an MFA session. */
  requireMfaForDestruction: boolean;
  now: () => number;
  /**
   * The service control policies that apply to an account, one list per level from the root to
   * the account; undefined outside an organization and for its management account.
   */
  serviceControlPolicies?: (accountId: string) => readonly (readonly CompiledPolicy[])[] | undefined;
}

export class PolicyAuthorizer implements Authorizer {
  constructor(private readonly options: PolicyAuthorizerOptions) {}

  authorize(request: AuthorizationRequest): AuthorizationDecision {
    if (UNAUTHORIZED_ACTIONS.has(request.action.toLowerCase())) return { effect: 'Allow' };
    const nowMs = this.options.now();
    const caller = this.options.policies.policiesOf(request.principal);
    const context = contextOf(request, nowMs);
    const now = new Date(nowMs);
    const targets = request.targets ?? [{ resource: '*' }];
    // SCPs limit the caller's account, also when it calls into another.
    const scpLevels = this.options.serviceControlPolicies?.(request.principal.accountId);
    for (const target of targets) {
      const action = target.action ?? request.action;
      const result = evaluatePolicies({
        principal: caller.principal,
        action,
        resource: target.resource,
        ...(target.resourceAccount !== undefined ? { resourceAccount: target.resourceAccount } : {}),
        context: target.context ? { ...context, ...target.context } : context,
        now,
        identityPolicies: caller.identityPolicies,
        ...(caller.permissionsBoundary ? { permissionsBoundary: caller.permissionsBoundary } : {}),
        ...(caller.sessionPolicies ? { sessionPolicies: caller.sessionPolicies } : {}),
        ...(scpLevels ? { serviceControlPolicies: scpLevels } : {}),
        ...(target.resourcePolicy ? { resourcePolicy: target.resourcePolicy } : {}),
        ...(target.resourcePolicyType ? { resourcePolicyType: target.resourcePolicyType } : {}),
      });
      if (result.decision === 'allowed') continue;
      // STS says no more than who may not assume which role (as in the records AWS writes).
      if (target.resourcePolicyType === 'trust') {
        const reason = `on resource: ${target.resource}`;
        return {
          effect: 'Deny',
          reason,
          message: `User: ${request.principal.arn} is not authorized to perform: ${action} ${reason}`,
        };
      }
      const message = policyAccessDenied(result, {
        principalArn: request.principal.arn,
        action,
        resource: target.resourceLabel ?? target.resource,
      });
      if (message === undefined) continue;
      const prefix = `User: ${request.principal.arn} is not authorized to perform: ${action} `;
      const reason = message.startsWith(prefix) ? message.slice(prefix.length) : message;
      return { effect: 'Deny', reason, message };
    }
    if (request.destructive && this.options.requireMfaForDestruction) {
      if (request.principal.session?.mfaAuthenticatedMs === undefined) {
        return mfaRequired(request, targets[0]?.resource ?? '*');
      }
    }
    return { effect: 'Allow' };
  }
}

/** The refusal of a destructive call without MFA: AWS's form, the reason, and how to get a session. */
function mfaRequired(request: AuthorizationRequest, resource: string): AuthorizationDecision {
  const on = resource !== '*' ? ` on resource: ${resource}` : '';
  const account = request.principal.accountId;
  const partition = request.principal.arn.split(':')[1] ?? 'aws';
  const reason =
    `because this OpenTrail requires an MFA-authenticated session for actions that stop or weaken ` +
    `audit logging (--require-mfa-for-destruction). Get temporary credentials with ` +
    `"aws sts get-session-token --serial-number arn:${partition}:iam::${account}:mfa/<device-name> ` +
    `--token-code <code from the device>" and call again with them.`;
  return {
    effect: 'Deny',
    reason: `${on.trimStart()} ${reason}`.trimStart(),
    message: `User: ${request.principal.arn} is not authorized to perform: ${request.action}${on} ${reason}`,
  };
}

/** The request's own context keys (the principal's come from the engine's buildContext). */
function contextOf(request: AuthorizationRequest, nowMs: number): ContextInput {
  const context: Record<string, string | number | boolean | string[]> = {
    'aws:RequestedRegion': request.region,
    'aws:SecureTransport': request.context?.secureTransport ?? false,
    'aws:PrincipalIsAWSService': false,
    'aws:ViaAWSService': false,
  };
  const sourceIp = request.context?.sourceIp;
  if (sourceIp !== undefined && sourceIp !== '') context['aws:SourceIp'] = sourceIp;
  // "aws:MultiFactorAuthPresent … is not present when an API or CLI command is called with
  // long-term credentials"; temporary credentials carry it, true or false.
  const session = request.principal.session;
  if (session !== undefined) {
    const mfaMs = session.mfaAuthenticatedMs;
    context['aws:MultiFactorAuthPresent'] = mfaMs !== undefined;
    if (mfaMs !== undefined)
      context['aws:MultiFactorAuthAge'] = Math.max(0, Math.floor((nowMs - mfaMs) / 1000));
    context['aws:TokenIssueTime'] = new Date(session.issuedMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  const tags = request.context?.requestTags;
  if (tags !== undefined) {
    const keys = Object.keys(tags);
    for (const key of keys) context[`aws:RequestTag/${key}`] = tags[key]!;
    context['aws:TagKeys'] = keys;
  }
  return context;
}

/** How many distinct inline session policies stay compiled. */
const SESSION_POLICY_CACHE = 1000;
/** A session policy that allows nothing: what an unusable set of session policies leaves. */
const ALLOWS_NOTHING = compilePolicy(
  { version: '2012-10-17', id: undefined, statements: [] },
  { id: 'session', sourceType: 'session' },
);
const ASSUMED_ROLE = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;

/**
 * The caller's policies as IAM holds them, compiled once per document version. A caller IAM no
 * longer knows (deleted while a session lived on) has none: everything is implicitly denied.
 */
export class IamCallerPolicies implements CallerPolicySource {
  private readonly inline = new WeakMap<InlinePolicy, CompiledPolicy | null>();
  private readonly versions = new WeakMap<PolicyVersion, CompiledPolicy | null>();
  private readonly sessionInline = new Map<string, CompiledPolicy | null>();

  constructor(private readonly iam: IamService) {}

  policiesOf(principal: Principal): CallerPolicies {
    const partition = principal.arn.split(':')[1] ?? 'aws';
    const call: IamCall = {
      accountId: principal.accountId,
      partition,
      nowMs: 0,
      callerUserName: principal.userName,
    };
    // The root user has no policies: it may do everything in its own account, limited only by
    // SCPs (in a member account) and the MFA-before-destruction rule ("AWS account root user").
    if (isRootPrincipal(principal)) {
      return {
        principal: {
          type: 'Root',
          arn: principal.arn,
          accountId: principal.accountId,
          userId: principal.accountId,
        },
        identityPolicies: [],
      };
    }
    const assumed = ASSUMED_ROLE.exec(principal.arn);
    if (assumed) return this.roleSession(call, principal, assumed[3]!);
    let user: IamUser;
    try {
      user = this.iam.user(call, principal.userName);
    } catch {
      return { principal: userPrincipal(principal, undefined), identityPolicies: [] };
    }
    const policies: CompiledPolicy[] = [];
    this.collect(call, user, 'user', policies);
    for (const groupName of user.groups) {
      let group: IamGroup;
      try {
        group = this.iam.group(call, groupName);
      } catch {
        continue;
      }
      this.collect(call, group, 'group', policies);
    }
    const boundary = user.permissionsBoundary ? this.managed(call, user.permissionsBoundary) : undefined;
    return {
      principal: userPrincipal(principal, user),
      identityPolicies: policies,
      ...(boundary ? { permissionsBoundary: boundary } : {}),
    };
  }

  /**
   * The policies of an IAM user, group or role, gathered as for enforcement (a user's include its
   * groups'), for the policy simulator's PolicySourceArn. Throws NoSuchEntity for an unknown name.
   */
  policiesOfEntity(
    call: IamCall,
    kind: 'user' | 'group' | 'role',
    name: string,
  ): Omit<CallerPolicies, 'principal'> {
    if (kind === 'user') {
      const user = this.iam.user(call, name);
      const arn = this.iam.arnOf(call, user);
      const { principal: _principal, ...policies } = this.policiesOf({
        accountId: call.accountId,
        userName: user.userName,
        userId: user.userId,
        arn,
        accessKeyId: '',
      });
      return policies;
    }
    const identity = kind === 'group' ? this.iam.group(call, name) : this.iam.role(call, name);
    const policies: CompiledPolicy[] = [];
    this.collect(call, identity, kind, policies);
    const boundaryArn = 'permissionsBoundary' in identity ? identity.permissionsBoundary : undefined;
    const boundary = boundaryArn ? this.managed(call, boundaryArn) : undefined;
    return { identityPolicies: policies, ...(boundary ? { permissionsBoundary: boundary } : {}) };
  }

  private roleSession(call: IamCall, principal: Principal, roleName: string): CallerPolicies {
    let role: IamRole | undefined;
    try {
      role = this.iam.role(call, roleName);
    } catch {
      role = undefined;
    }
    const roleArn = role
      ? this.iam.arnOf(call, role)
      : `arn:${call.partition}:iam::${principal.accountId}:role/${roleName}`;
    // Session tags override the role's tags of the same key ("Passing session tags in AWS STS").
    const roleTags = role ? tagsOf(role.tags) : undefined;
    const sessionTags = principal.session?.tags;
    const tags = sessionTags ? { ...roleTags, ...sessionTags } : roleTags;
    const requestPrincipal: RequestPrincipal = {
      type: 'AssumedRole',
      arn: principal.arn,
      accountId: principal.accountId,
      roleArn,
      userId: principal.userId,
      ...(tags ? { tags } : {}),
    };
    if (!role) return { principal: requestPrincipal, identityPolicies: [] };
    const policies: CompiledPolicy[] = [];
    this.collect(call, role, 'role', policies);
    const boundary = role.permissionsBoundary ? this.managed(call, role.permissionsBoundary) : undefined;
    const sessionPolicies = this.sessionPolicies(call, principal);
    return {
      principal: requestPrincipal,
      identityPolicies: policies,
      ...(boundary ? { permissionsBoundary: boundary } : {}),
      ...(sessionPolicies ? { sessionPolicies } : {}),
    };
  }

  /**
   * The session policies a role session was made with, compiled (the inline one once per
   * document text). A managed session policy that no longer exists allows nothing; one that does
   * not compile, likewise — so the session can do no more than before.
   */
  private sessionPolicies(call: IamCall, principal: Principal): CompiledPolicy[] | undefined {
    const session = principal.session;
    if (session?.policy === undefined && session?.policyArns === undefined) return undefined;
    const out: CompiledPolicy[] = [];
    if (session.policy !== undefined) {
      let compiled = this.sessionInline.get(session.policy);
      if (compiled === undefined) {
        const parsed = parsePolicy(session.policy, 'identity', { id: 'session', sourceType: 'session' });
        compiled = parsed.ok ? parsed.policy : null;
        if (this.sessionInline.size >= SESSION_POLICY_CACHE) this.sessionInline.clear();
        this.sessionInline.set(session.policy, compiled);
      }
      if (compiled) out.push(compiled);
    }
    for (const arn of session.policyArns ?? []) {
      const compiled = this.managed(call, arn);
      if (compiled) out.push(compiled);
    }
    // Session policies were passed: with none usable the session is left with nothing allowed.
    return out.length > 0 ? out : [ALLOWS_NOTHING];
  }

  private collect(
    call: IamCall,
    identity: IamUser | IamGroup | IamRole,
    label: 'user' | 'group' | 'role',
    into: CompiledPolicy[],
  ): void {
    for (const inline of identity.inlinePolicies) {
      const compiled = this.inlinePolicy(inline, label);
      if (compiled) into.push(compiled);
    }
    for (const arn of identity.attachedPolicies) {
      const compiled = this.managed(call, arn);
      if (compiled) into.push(compiled);
    }
  }

  private inlinePolicy(inline: InlinePolicy, label: string): CompiledPolicy | undefined {
    let compiled = this.inline.get(inline);
    if (compiled === undefined) {
      const parsed = parsePolicy(inline.document, 'identity', { id: inline.name, sourceType: label });
      compiled = parsed.ok ? parsed.policy : null;
      this.inline.set(inline, compiled);
    }
    return compiled ?? undefined;
  }

  /** A managed policy's default version, compiled; undefined when it no longer exists. */
  private managed(call: IamCall, arn: string): CompiledPolicy | undefined {
    const awsName = /^arn:[^:]+:iam::aws:policy\/(.+)$/.exec(arn);
    if (awsName) {
      const compiled = compiledAwsManagedPolicy(`arn:aws:iam::aws:policy/${awsName[1]!}`);
      if (compiled) return compiled;
    }
    let policy: ManagedPolicy;
    try {
      policy = this.iam.policy(call, arn);
    } catch {
      return undefined;
    }
    const version = policy.versions.find((v) => v.versionId === policy.defaultVersionId);
    if (!version) return undefined;
    let compiled = this.versions.get(version);
    if (compiled === undefined) {
      const source = {
        id: arn,
        arn,
        sourceType: policy.accountId === 'aws' ? 'aws-managed' : 'customer-managed',
      };
      const parsed = parsePolicy(version.document, 'identity', source);
      compiled = parsed.ok ? parsed.policy : null;
      this.versions.set(version, compiled);
    }
    return compiled ?? undefined;
  }
}

function tagsOf(tags: readonly { Key: string; Value: string }[]): Record<string, string> | undefined {
  if (tags.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const tag of tags) out[tag.Key] = tag.Value;
  return out;
}

function userPrincipal(principal: Principal, user: IamUser | undefined): RequestPrincipal {
  const tags = user ? tagsOf(user.tags) : undefined;
  return {
    type: 'IAMUser',
    arn: principal.arn,
    accountId: principal.accountId,
    userName: principal.userName,
    userId: principal.userId,
    ...(tags ? { tags } : {}),
  };
}
