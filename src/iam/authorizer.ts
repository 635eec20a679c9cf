/**
 * The authorization step of every API call: given who is calling, which IAM action they ask for,
 * on which resources and in which request context, allow or deny. `PolicyAuthorizer`
 * (policy-authorizer.ts) decides with AWS's policy evaluation (identity policies, permission
 * boundaries, MFA conditions) and OpenTrail's MFA-before-destruction rule; `allowAuthenticated`
 * allows every authenticated caller (for tests and benchmarks).
 */
import type { CompiledPolicy, ContextInput } from './policy/index.ts';
import type { Principal } from './principal.ts';

/** One resource a call acts on, under the action that must be allowed on it. */
export interface AuthorizationTarget {
  /** The IAM action; the request's own action when absent (a dependent action names its own). */
  action?: string;
  /** The resource ARN, or `*` for actions with no resource type (Service Authorization Reference). */
  resource: string;
  /**
   * How an access-denied text names the resource when not by its ARN: IAM names an existing user,
   * group or role by type and name (`on resource: user alice`) and a policy by type and ARN.
   */
  resourceLabel?: string;
  /** The account that owns the resource; the caller's when absent. Cross-account needs both sides. */
  resourceAccount?: string;
  /**
   * The resource's own policy: a role's trust policy for sts:AssumeRole (`trust`, which must allow
   * even within the account). A `trust` target without one (no such role) is denied.
   */
  resourcePolicy?: CompiledPolicy;
  resourcePolicyType?: 'resource' | 'trust';
  /** Condition keys this target's request sets (sts:ExternalId, sts:RoleSessionName, …). */
  context?: ContextInput;
}

/** What the request itself says, for the global condition keys. */
export interface RequestContextValues {
  /** The caller's IP address (aws:SourceIp). */
  sourceIp?: string;
  /** Whether the request came over TLS (aws:SecureTransport); OpenTrail serves plain HTTP. */
  secureTransport?: boolean;
  /** Tags the request adds (aws:RequestTag/<key>, aws:TagKeys). */
  requestTags?: Readonly<Record<string, string>>;
}

export interface AuthorizationRequest {
  principal: Principal;
  /** The IAM action, `<service prefix>:<operation>`, e.g. cloudtrail:StopLogging. */
  action: string;
  /** The call's region (its SigV4 credential scope): aws:RequestedRegion. */
  region: string;
  /**
   * The resources the call acts on, each of which must be allowed; absent: the action on `*`.
   * A dependent action (cloudtrail:AddTags for a CreateTrail with tags) is a target of its own.
   */
  targets?: readonly AuthorizationTarget[];
  context?: RequestContextValues;
  /**
   * The call stops or weakens audit logging (StopLogging, DeleteTrail, a weakening UpdateTrail,
   * …): with `--require-mfa-for-destruction` it needs an MFA-authenticated session.
   */
  destructive?: boolean;
}

export type AuthorizationDecision =
  | { effect: 'Allow' }
  | {
      effect: 'Deny';
      /** The tail of the access-denied text after the action (the reason). */
      reason: string;
      /** The whole access-denied text, when the authorizer wrote it (AWS's forms name the resource). */
      message?: string;
    };

export interface Authorizer {
  authorize(request: AuthorizationRequest): AuthorizationDecision;
}

/** Every authenticated principal may do everything (tests and benchmarks; `serve` enforces policies). */
export const allowAuthenticated: Authorizer = {
  authorize: () => ({ effect: 'Allow' }),
};

/** AWS's AccessDeniedException text for an action no policy allows. */
export function accessDeniedMessage(request: AuthorizationRequest, reason: string): string {
  return `User: ${request.principal.arn} is not authorized to perform: ${request.action} ${reason}`;
}

/** The text a denial answers with: the authorizer's own, or AWS's form around its reason. */
export function denialMessage(
  request: AuthorizationRequest,
  decision: Extract<AuthorizationDecision, { effect: 'Deny' }>,
): string {
  return decision.message ?? accessDeniedMessage(request, decision.reason);
}
