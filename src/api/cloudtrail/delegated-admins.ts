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

export async function registerOrganizationDelegatedAdmin(
  input: Record<string, unknown>,
  ctx: OperationContext,
): Output {
  const accountId = accountIdOf(input, 'MemberAccountId');
  const org = managedOrganization(ctx.organizations, ctx.caller.principal.accountId);
  await ctx.organizations.update(org.id, (current) =>
    withDelegatedAdministrator(current, accountId, ctx.nowMs),
  );
  return {};
}

export async function deregisterOrganizationDelegatedAdmin(
  input: Record<string, unknown>,
  ctx: OperationContext,
): Output {
  const accountId = accountIdOf(input, 'DelegatedAdminAccountId');
  const org = managedOrganization(ctx.organizations, ctx.caller.principal.accountId);
  // The organization's trails and event data stores stay, owned by the management account.
  await ctx.organizations.update(org.id, (current) => withoutDelegatedAdministrator(current, accountId));
  return {};
}
