/**
 * The authorization step of every API call: given who is calling and which IAM action they ask
 * for, allow or deny. The access-control work replaces `allowAuthenticated` with AWS's policy
 * evaluation (identity policies, permission boundaries, SCPs, MFA conditions); callers see no
 * change but the decision.
 */
import type { Principal } from './principal.ts';

export interface AuthorizationRequest {
  principal: Principal;
  /** The IAM action, `<service prefix>:<operation>`, e.g. cloudtrail:StopLogging. */
  action: string;
  /** The call's region (its SigV4 credential scope). */
  region: string;
}

export type AuthorizationDecision = { effect: 'Allow' } | { effect: 'Deny'; reason: string };

export interface Authorizer {
  authorize(request: AuthorizationRequest): AuthorizationDecision;
}

/** Every authenticated principal may do everything: the one rule until IAM policies exist. */
export const allowAuthenticated: Authorizer = {
  authorize: () => ({ effect: 'Allow' }),
};

/** AWS's AccessDeniedException text for an action no policy allows. */
export function accessDeniedMessage(request: AuthorizationRequest, reason: string): string {
  return `User: ${request.principal.arn} is not authorized to perform: ${request.action} ${reason}`;
}
