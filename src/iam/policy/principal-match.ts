/**
 * Principal and NotPrincipal ("AWS JSON policy elements: Principal", "…: NotPrincipal"). No
 * wildcards inside a principal; `"*"` and `{"AWS": "*"}` name everyone. An account (its 12 digits
 * or `arn:<partition>:iam::<account>:root`) delegates to every principal of that account; a role
 * ARN covers the sessions of the role; user, assumed-role session and federated-user ARNs name
 * exactly that principal (case-sensitive). Service principals match the service's own calls.
 */
import type { PrincipalElement } from './document.ts';

export type PrincipalType = 'Root' | 'IAMUser' | 'AssumedRole' | 'FederatedUser' | 'AWSService' | 'Anonymous';

/** Who makes the request. */
export interface RequestPrincipal {
  readonly type: PrincipalType;
  /** The caller's ARN: the session ARN for role sessions, the service name for AWSService. */
  readonly arn: string;
  readonly accountId: string;
  /** For role sessions: the ARN of the role (`arn:aws:iam::<account>:role/<path><name>`). */
  readonly roleArn?: string;
  /** For federated users: the IAM user who called GetFederationToken. */
  readonly federatingUserArn?: string;
  /** The friendly name (IAM users) and the unique ID, for aws:username and aws:userid. */
  readonly userName?: string;
  readonly userId?: string;
  /** Tags of the user or role, and session tags (aws:PrincipalTag/<key>). */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * How a resource-based policy statement names the caller, which decides what may still limit
 * the grant (Policy evaluation logic, "Resource-based policies and implicit denies in other policy
 * types"): `direct` (the caller's own ARN, or everyone), `role` (the role of a session; boundaries
 * and session policies still apply), `user` (the IAM user behind a federated session; likewise),
 * `account` (the caller's account: the caller's own policies must allow).
 */
export type PrincipalGrant = 'direct' | 'role' | 'user' | 'account';

export interface PrincipalMatcher {
  readonly everyone: boolean;
  readonly accounts: ReadonlySet<string>;
  readonly arns: ReadonlySet<string>;
  readonly services: ReadonlySet<string>;
  readonly federated: ReadonlySet<string>;
  readonly canonicalUsers: ReadonlySet<string>;
}

const ACCOUNT_ID = /^\d{12}$/;
const ROOT_ARN = /^arn:[a-z-]+:iam::(\d{12}):root$/;

export function compilePrincipal(element: PrincipalElement): PrincipalMatcher {
  const accounts = new Set<string>();
  const arns = new Set<string>();
  const services = new Set<string>();
  const federated = new Set<string>();
  const canonicalUsers = new Set<string>();
  let everyone = element === '*';
  if (element !== '*') {
    for (const [type, values] of Object.entries(element)) {
      for (const value of values) {
        if (type === 'AWS') {
          if (value === '*') everyone = true;
          else if (ACCOUNT_ID.test(value)) accounts.add(value);
          else {
            const root = ROOT_ARN.exec(value);
            if (root) accounts.add(root[1]!);
            else arns.add(value);
          }
        } else if (type === 'Service') services.add(value.toLowerCase());
        else if (type === 'Federated') federated.add(value);
        else if (type === 'CanonicalUser') canonicalUsers.add(value);
      }
    }
  }
  return { everyone, accounts, arns, services, federated, canonicalUsers };
}

/** How `matcher` names `principal`, or undefined when it does not. */
export function matchPrincipal(
  matcher: PrincipalMatcher,
  principal: RequestPrincipal,
): PrincipalGrant | undefined {
  if (matcher.everyone) return 'direct';
  if (principal.type === 'AWSService')
    return matcher.services.has(principal.arn.toLowerCase()) ? 'direct' : undefined;
  if (matcher.arns.has(principal.arn)) return 'direct';
  if (principal.type === 'Root' && matcher.accounts.has(principal.accountId)) return 'direct';
  if (principal.roleArn !== undefined && matcher.arns.has(principal.roleArn)) return 'role';
  if (principal.federatingUserArn !== undefined && matcher.arns.has(principal.federatingUserArn))
    return 'user';
  if (matcher.accounts.has(principal.accountId)) return 'account';
  return undefined;
}

/**
 * Whether a NotPrincipal list exempts `principal`. AWS may check the account first, then the role,
 * then the session (NotPrincipal, "NotPrincipal with Deny"): the exemption holds only when the
 * account, the role of a session and the caller itself are all listed, which is why AWS's
 * examples list the account ARN beside the user or role.
 */
export function notPrincipalExempts(matcher: PrincipalMatcher, principal: RequestPrincipal): boolean {
  if (matcher.everyone) return true;
  if (principal.type === 'AWSService') return matcher.services.has(principal.arn.toLowerCase());
  if (!matcher.accounts.has(principal.accountId)) return false;
  if (principal.type === 'Root') return true;
  if (principal.roleArn !== undefined && !matcher.arns.has(principal.roleArn)) return false;
  return matcher.arns.has(principal.arn);
}
