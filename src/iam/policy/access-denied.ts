/**
 * AWS's access-denied message ("Troubleshooting access denied error messages"):
 * `User: <arn> is not authorized to perform: <action> on resource: <resource> because no
 * <type> policy allows the <action> action` for an implicit deny, `… with an explicit deny in
 * a <type> policy` for an explicit one. The resource part is left out for actions on `*`.
 * Optionally (AWS has been adding it since 2026) the explicit deny names the policy's ARN.
 */
import type { EvaluationResult, PolicyType } from './evaluate.ts';

const EXPLICIT: Record<PolicyType, string> = {
  identity: 'with an explicit deny in an identity-based policy',
  scp: 'with an explicit deny in a service control policy',
  permissionsBoundary: 'with an explicit deny in a permissions boundary',
  session: 'with an explicit deny in a session policy',
  resource: 'with an explicit deny in a resource-based policy',
  trust: 'with an explicit deny in the role trust policy',
};

const IMPLICIT: Record<PolicyType, string> = {
  identity: 'identity-based policy',
  scp: 'service control policy',
  permissionsBoundary: 'permissions boundary',
  session: 'session policy',
  resource: 'resource-based policy',
  trust: 'role trust policy',
};

export interface AccessDeniedSubject {
  principalArn: string;
  action: string;
  resource?: string;
  /** Append `, with policy ARN: <arn>` to explicit denies by a policy that has an ARN. */
  includePolicyArn?: boolean;
}

/** The message for a denied result; undefined when the result allows. */
export function accessDeniedMessage(
  result: EvaluationResult,
  subject: AccessDeniedSubject,
): string | undefined {
  if (result.decision === 'allowed') return undefined;
  const deniedBy = result.deniedBy ?? 'identity';
  const { principalArn, action, resource } = subject;
  const on = resource !== undefined && resource !== '*' ? ` on resource: ${resource}` : '';
  let reason: string;
  if (result.decision === 'explicitDeny') {
    reason = EXPLICIT[deniedBy];
    const arn = result.denyingPolicy?.arn;
    if (subject.includePolicyArn && arn !== undefined && deniedBy !== 'resource' && deniedBy !== 'trust') {
      reason += `, with policy ARN: ${arn}`;
    }
  } else reason = `because no ${IMPLICIT[deniedBy]} allows the ${action} action`;
  return `User: ${principalArn} is not authorized to perform: ${action}${on} ${reason}`;
}
