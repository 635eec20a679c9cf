/**
 * AWS's policy evaluation ("Policy evaluation logic", "Cross-account policy evaluation logic",
 * "Permissions boundaries for IAM entities", "SCP evaluation"), as one pure function:
 *
 * 1. an explicit Deny in any applicable policy denies;
 * 2. SCPs: every level of the organization (root, each OU, the account) must allow — without an
 *    Allow the request is denied (and AWS words it as an explicit deny in an SCP, see
 *    accessDeniedMessage);
 * 3. a same-account resource-based policy that names the caller directly allows, whatever the
 *    caller's own policies say; naming the caller's role (or the user behind a federated session)
 *    it allows unless a permissions boundary or session policy leaves the action out;
 * 4. identity-based policies must allow (the account root needs none in its own account);
 * 5. a permissions boundary, when set, must allow;
 * 6. session policies, when passed, must allow;
 * 7. across accounts, the resource's policy must allow too; role trust policies (and key
 *    policies) must allow even within the account.
 *
 * The decision uses the values of IAM's policy simulator (`allowed`, `explicitDeny`,
 * `implicitDeny`), with the statements that matched, the context keys the applicable statements
 * read that the request did not carry, and which kind of policy denied.
 */
import {
  candidateStatements,
  statementConditionsHold,
  statementCoversAction,
  statementCoversResource,
  type CompiledPolicy,
  type CompiledStatement,
} from './compile.ts';
import { splitArn } from './arn-pattern.ts';
import type { Effect } from './document.ts';
import type { Glob } from './glob.ts';
import {
  matchPrincipal,
  notPrincipalExempts,
  type PrincipalGrant,
  type RequestPrincipal,
} from './principal-match.ts';
import type { ContextValues } from './variables.ts';

export type EvalDecision = 'allowed' | 'explicitDeny' | 'implicitDeny';

/** The kind of policy a statement came from, and the kind a denial names. */
export type PolicyType = 'identity' | 'permissionsBoundary' | 'session' | 'scp' | 'resource' | 'trust';

/** Context values as callers give them: a key → one value or several. */
export type ContextInput = Readonly<
  Record<string, string | number | boolean | readonly (string | number | boolean)[] | undefined>
>;

export interface EvaluationRequest {
  readonly principal: RequestPrincipal;
  /** `<service>:<Action>`, compared case-insensitively. */
  readonly action: string;
  /** The resource ARN, or `*` for actions without a resource. */
  readonly resource: string;
  /** The account that owns the resource; the caller's account when absent. */
  readonly resourceAccount?: string;
  /** Request context keys (case-insensitive); they override the ones derived from principal and clock. */
  readonly context?: ContextInput;
  /** The clock, for aws:CurrentTime and aws:EpochTime (when the context does not give them). */
  readonly now?: Date;
  /** Inline and managed policies of the user (and its groups) or role. */
  readonly identityPolicies?: readonly CompiledPolicy[];
  /** The permissions boundary of the user or role. */
  readonly permissionsBoundary?: CompiledPolicy;
  /** Session policies passed when the session was created. */
  readonly sessionPolicies?: readonly CompiledPolicy[];
  /**
   * SCPs that apply to the caller's account, one list per level from the root to the account.
   * Absent for accounts outside an organization and for its management account.
   */
  readonly serviceControlPolicies?: readonly (readonly CompiledPolicy[])[];
  /** The resource's own policy (a role's trust policy for sts:AssumeRole). */
  readonly resourcePolicy?: CompiledPolicy;
  /** `trust` for role trust policies; also makes the resource policy required within the account. */
  readonly resourcePolicyType?: 'resource' | 'trust';
  /** KMS key policies must allow even within the account, as trust policies must. */
  readonly resourcePolicyRequired?: boolean;
}

export interface MatchedStatement {
  readonly sourcePolicyId: string;
  readonly sourcePolicyArn: string | undefined;
  readonly sourcePolicyType: PolicyType;
  /** The policy's own label (e.g. `user`, `group`, `aws-managed`), when the caller gave one. */
  readonly sourceLabel: string | undefined;
  readonly sid: string | undefined;
  readonly statementIndex: number;
  readonly effect: Effect;
}

export interface EvaluationResult {
  readonly decision: EvalDecision;
  /** The kind of policy the denial names; undefined when allowed. */
  readonly deniedBy: PolicyType | undefined;
  /** For an explicit deny: the denying policy. */
  readonly denyingPolicy: { readonly id: string; readonly arn: string | undefined } | undefined;
  readonly matchedStatements: readonly MatchedStatement[];
  /** Context keys the applicable statements read that the request context lacks, as written. */
  readonly missingContextValues: readonly string[];
  /** Whether SCPs allow (undefined without SCPs): OrganizationsDecisionDetail. */
  readonly allowedByOrganizations: boolean | undefined;
  /** Whether the boundary allows (undefined without one): PermissionsBoundaryDecisionDetail. */
  readonly allowedByPermissionsBoundary: boolean | undefined;
  readonly crossAccount: boolean;
}

interface SetOutcome {
  allow: boolean;
  deny: boolean;
  denyingPolicy: CompiledPolicy | undefined;
}

interface Evaluation {
  action: string;
  resource: string;
  resourceParts: string[];
  globs: Map<string, Glob | undefined>;
  principal: RequestPrincipal;
  context: ContextValues;
  matched: MatchedStatement[];
  /** Keys the policies read and the request lacks: lower-cased → as first written. */
  missing: Map<string, string>;
}

export function evaluatePolicies(request: EvaluationRequest): EvaluationResult {
  const { principal } = request;
  const context = buildContext(request);
  const e: Evaluation = {
    action: request.action.toLowerCase(),
    resource: request.resource,
    resourceParts: splitArn(request.resource),
    globs: new Map(),
    principal,
    context,
    matched: [],
    missing: new Map(),
  };
  const resourceAccount = request.resourceAccount ?? principal.accountId;
  const crossAccount = resourceAccount !== principal.accountId;
  const isRoot = principal.type === 'Root';

  const scpLevels = request.serviceControlPolicies;
  const scp = scpLevels?.map((level) => evaluateSet(e, level, 'scp'));
  const resourceType = request.resourcePolicyType ?? 'resource';
  const resourcePolicy = request.resourcePolicy;
  const resource = resourcePolicy ? evaluateResourcePolicy(e, resourcePolicy, resourceType) : undefined;
  const identity = evaluateSet(e, request.identityPolicies ?? [], 'identity');
  const boundary = request.permissionsBoundary
    ? evaluateSet(e, [request.permissionsBoundary], 'permissionsBoundary')
    : undefined;
  const session = request.sessionPolicies?.length
    ? evaluateSet(e, request.sessionPolicies, 'session')
    : undefined;

  const base: ResultBase = {
    e,
    crossAccount,
    allowedByOrganizations: scp === undefined ? undefined : scp.every((level) => level.allow && !level.deny),
    allowedByPermissionsBoundary: boundary === undefined ? undefined : boundary.allow && !boundary.deny,
  };
  const result = (
    decision: EvalDecision,
    deniedBy?: PolicyType,
    denying?: CompiledPolicy,
  ): EvaluationResult => makeResult(base, decision, deniedBy, denying);

  // 1. Explicit deny anywhere.
  const scpDeny = scp?.find((level) => level.deny);
  if (scpDeny) return result('explicitDeny', 'scp', scpDeny.denyingPolicy);
  if (resource?.deny) return result('explicitDeny', resourceType, resource.denyingPolicy);
  if (identity.deny) return result('explicitDeny', 'identity', identity.denyingPolicy);
  if (boundary?.deny) return result('explicitDeny', 'permissionsBoundary', boundary.denyingPolicy);
  if (session?.deny) return result('explicitDeny', 'session', session.denyingPolicy);

  // 2. Every SCP level must allow.
  if (scp !== undefined && !scp.every((level) => level.allow)) return result('implicitDeny', 'scp');

  const resourceRequired =
    crossAccount || resourceType === 'trust' || request.resourcePolicyRequired === true;
  const grant = resource?.grant;
  if (resourceRequired && grant === undefined) return result('implicitDeny', resourceType);

  const boundaryAllows = boundary === undefined || boundary.allow;
  const isSession = principal.type === 'AssumedRole' || principal.type === 'FederatedUser';
  const sessionAllows = session === undefined ? principal.type !== 'FederatedUser' : session.allow;

  // 3. A same-account resource-based policy may allow on its own.
  if (!crossAccount && grant !== undefined && grant !== 'account') {
    if (grant === 'direct') return result('allowed');
    if (!boundaryAllows) return result('implicitDeny', 'permissionsBoundary');
    if (isSession && !sessionAllows) return result('implicitDeny', 'session');
    return result('allowed');
  }

  // 4. Identity-based policies (the root user has full access to its own account).
  const identityAllows = identity.allow || (isRoot && !crossAccount) || (isRoot && grant !== undefined);
  if (!identityAllows) return result('implicitDeny', 'identity');
  // 5. Permissions boundary.
  if (!boundaryAllows) return result('implicitDeny', 'permissionsBoundary');
  // 6. Session policies.
  if (isSession && !sessionAllows) return result('implicitDeny', 'session');
  // 7. Across accounts the resource side must allow as well (checked above), so both sides agree.
  return result('allowed');
}

interface ResultBase {
  e: Evaluation;
  crossAccount: boolean;
  allowedByOrganizations: boolean | undefined;
  allowedByPermissionsBoundary: boolean | undefined;
}

function makeResult(
  base: ResultBase,
  decision: EvalDecision,
  deniedBy: PolicyType | undefined,
  denying: CompiledPolicy | undefined,
): EvaluationResult {
  return {
    decision,
    deniedBy,
    denyingPolicy: denying ? { id: denying.id, arn: denying.arn } : undefined,
    matchedStatements: base.e.matched,
    missingContextValues: [...base.e.missing.values()],
    allowedByOrganizations: base.allowedByOrganizations,
    allowedByPermissionsBoundary: base.allowedByPermissionsBoundary,
    crossAccount: base.crossAccount,
  };
}

function evaluateSet(e: Evaluation, policies: readonly CompiledPolicy[], type: PolicyType): SetOutcome {
  const outcome: SetOutcome = { allow: false, deny: false, denyingPolicy: undefined };
  for (const policy of policies) {
    for (const statement of candidateStatements(policy, e.action)) {
      if (!applies(e, statement)) continue;
      record(e, policy, statement, type);
      if (statement.effect === 'Deny') {
        if (!outcome.deny) outcome.denyingPolicy = policy;
        outcome.deny = true;
      } else outcome.allow = true;
    }
  }
  return outcome;
}

function evaluateResourcePolicy(
  e: Evaluation,
  policy: CompiledPolicy,
  type: PolicyType,
): SetOutcome & { grant: PrincipalGrant | undefined } {
  let grant: PrincipalGrant | undefined;
  let deny = false;
  for (const statement of candidateStatements(policy, e.action)) {
    let named: PrincipalGrant | undefined;
    if (statement.principal !== undefined) named = matchPrincipal(statement.principal, e.principal);
    else if (statement.notPrincipal !== undefined) {
      named = notPrincipalExempts(statement.notPrincipal, e.principal) ? undefined : 'direct';
    }
    if (named === undefined || !applies(e, statement)) continue;
    record(e, policy, statement, type);
    if (statement.effect === 'Deny') deny = true;
    else grant = strongerGrant(grant, named);
  }
  return { allow: grant !== undefined, deny, denyingPolicy: deny ? policy : undefined, grant };
}

const GRANT_STRENGTH: Record<PrincipalGrant, number> = { direct: 3, role: 2, user: 2, account: 1 };

function strongerGrant(a: PrincipalGrant | undefined, b: PrincipalGrant): PrincipalGrant {
  return a === undefined || GRANT_STRENGTH[b] > GRANT_STRENGTH[a] ? b : a;
}

/** Action, resource, then conditions; keys the conditions miss are noted once action and resource match. */
function applies(e: Evaluation, statement: CompiledStatement): boolean {
  if (!statementCoversAction(statement, e.action)) return false;
  if (!statementCoversResource(statement, e.resource, e.context, e.resourceParts, e.globs)) return false;
  for (const { key, name } of statement.contextKeys) {
    if (!e.context.has(key) && !e.missing.has(key)) e.missing.set(key, name);
  }
  return statementConditionsHold(statement, e.context);
}

function record(e: Evaluation, policy: CompiledPolicy, statement: CompiledStatement, type: PolicyType): void {
  e.matched.push({
    sourcePolicyId: policy.id,
    sourcePolicyArn: policy.arn,
    sourcePolicyType: type,
    sourceLabel: policy.sourceType,
    sid: statement.sid,
    statementIndex: statement.index,
    effect: statement.effect,
  });
}

const PRINCIPAL_TYPE_VALUE: Record<RequestPrincipal['type'], string | undefined> = {
  Root: 'Account',
  IAMUser: 'User',
  AssumedRole: 'AssumedRole',
  FederatedUser: 'FederatedUser',
  AWSService: undefined,
  Anonymous: 'Anonymous',
};

/**
 * The request context: the global keys the principal and the clock give ("AWS global condition
 * context keys": aws:PrincipalArn is the role's ARN for role sessions, aws:username exists for IAM
 * users only, aws:userid is the unique ID), overridden by the request's own keys.
 */
export function buildContext(
  request: Pick<EvaluationRequest, 'principal' | 'context' | 'now'>,
): Map<string, string[]> {
  const { principal, now } = request;
  const context = new Map<string, string[]>();
  if (principal.type !== 'AWSService' && principal.type !== 'Anonymous') {
    const principalArn =
      principal.type === 'AssumedRole' ? (principal.roleArn ?? principal.arn) : principal.arn;
    context.set('aws:principalarn', [principalArn]);
    context.set('aws:principalaccount', [principal.accountId]);
    if (principal.userId !== undefined) context.set('aws:userid', [principal.userId]);
    if (principal.type === 'IAMUser' && principal.userName !== undefined) {
      context.set('aws:username', [principal.userName]);
    }
    const tags = principal.tags;
    if (tags !== undefined) {
      for (const key in tags) context.set(`aws:principaltag/${key.toLowerCase()}`, [tags[key]!]);
    }
  }
  const principalType = PRINCIPAL_TYPE_VALUE[principal.type];
  if (principalType !== undefined) context.set('aws:principaltype', [principalType]);
  if (now !== undefined) {
    const [iso, epoch] = clockValues(now.getTime());
    context.set('aws:currenttime', [iso]);
    context.set('aws:epochtime', [epoch]);
  }
  const given = request.context;
  if (given !== undefined) {
    for (const key in given) {
      const value = given[key];
      if (value === undefined) continue;
      context.set(key.toLowerCase(), Array.isArray(value) ? value.map(String) : [String(value)]);
    }
  }
  return context;
}

let clockMs = NaN;
let clockText: [string, string] = ['', ''];

/** aws:CurrentTime and aws:EpochTime of an instant (the last one is remembered: calls share a clock). */
function clockValues(ms: number): [string, string] {
  if (ms !== clockMs) {
    clockMs = ms;
    clockText = [new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'), String(Math.floor(ms / 1000))];
  }
  return clockText;
}
