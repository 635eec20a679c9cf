/**
 * RegisterOrganizationDelegatedAdmin and DeregisterOrganizationDelegatedAdmin (CloudTrail API
 * reference; CloudTrail User Guide, "Organization delegated administrator"): the management
 * account of an organization registers a member account as CloudTrail's delegated administrator,
 * or removes it. The registration is kept with the organization (trails/ OrganizationStore), so a
 * removal takes effect on the next call. Both answer an empty body.
 */
import { ServiceError } from '../../errors.ts';
import { requireString } from '../../input.ts';
import {
  managedOrganization,
  withDelegatedAdministrator,
  withoutDelegatedAdministrator,
  type Organization,
} from '../../trails/index.ts';
import type { OperationContext } from './operation.ts';

type Output = Promise<Record<string, unknown>>;

/** The model's AccountId: 12 to 16 digits. */
const ACCOUNT_ID = /^\d{12,16}$/;

function accountIdOf(input: Record<string, unknown>, member: string): string {
  const value = requireString(input[member], member, 'InvalidParameterException');
  if (!ACCOUNT_ID.test(value)) {
    throw new ServiceError(
      'InvalidParameterException',
      `${member} ${JSON.stringify(value.slice(0, 32))} is not valid; it must be an account ID of 12 to 16 digits.`,
    );
  }
  return value;
}

/**
 * Applies `change` to the registrations of the organization the caller manages, for the account
 * the input names in `member`.
 */
async function changeRegistrations(
  input: Record<string, unknown>,
  ctx: OperationContext,
  member: 'MemberAccountId' | 'DelegatedAdminAccountId',
  change: (org: Organization, accountId: string) => Organization,
): Output {
  const accountId = accountIdOf(input, member);
  const org = managedOrganization(ctx.organizations, ctx.caller.principal.accountId);
  await ctx.organizations.update(org.id, (current) => change(current, accountId));
  return {};
}

export function registerOrganizationDelegatedAdmin(
  input: Record<string, unknown>,
  ctx: OperationContext,
): Output {
  return changeRegistrations(input, ctx, 'MemberAccountId', (org, accountId) =>
    withDelegatedAdministrator(org, accountId, ctx.nowMs),
  );
}

export function deregisterOrganizationDelegatedAdmin(
  input: Record<string, unknown>,
  ctx: OperationContext,
): Output {
  // The organization's trails and event data stores stay, owned by the management account.
  return changeRegistrations(input, ctx, 'DelegatedAdminAccountId', withoutDelegatedAdministrator);
}
