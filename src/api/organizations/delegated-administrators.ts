/**
 * ListDelegatedAdministrators and ListDelegatedServicesForAccount (Organizations API Reference):
 * the member accounts registered as a service's delegated administrator — here CloudTrail's,
 * registered with RegisterOrganizationDelegatedAdmin — "You can only call this operation from the
 * management account or a member account that is a delegated administrator." OpenTrail keeps no
 * account names, e-mail addresses or join dates: the name is the account ID, the address a
 * placeholder in the reserved domain (as DescribeOrganization's), the join fields are left out.
 */
import { ServiceError } from '../../errors.ts';
import { optionalInteger, optionalString, requireString } from '../../input.ts';
import type { DelegatedAdministrator, Organization, Organizations } from '../../trails/index.ts';

/** The model's MaxResults: 1 to 20. */
const MAX_RESULTS = 20;
const SERVICE_PRINCIPAL = /^[\w+=,.@-]{1,128}$/;

function invalidInput(message: string): ServiceError {
  return new ServiceError('InvalidInputException', message);
}

/** Registrations of accounts that are still members (the CLI drops them with the account). */
function registrationsOf(org: Organization): DelegatedAdministrator[] {
  return (org.delegatedAdministrators ?? []).filter((d) => org.memberAccountIds.includes(d.accountId));
}

/** The caller's organization, when the caller is its management account or a delegated administrator. */
function readableOrganization(organizations: Organizations, callerAccount: string): Organization {
  const org = organizations.organizationOf(callerAccount);
  if (!org) {
    throw new ServiceError(
      'AWSOrganizationsNotInUseException',
      'Your account is not a member of an organization.',
    );
  }
  if (
    org.managementAccountId !== callerAccount &&
    !registrationsOf(org).some((d) => d.accountId === callerAccount)
  ) {
    throw new ServiceError(
      'AccessDeniedException',
      "You don't have permissions to access this resource. This operation can be called only from the organization's management account or from a member account that is a delegated administrator.",
    );
  }
  return org;
}

/** A page of `items` after the opaque NextToken: offsets encoded, checked on the way back. */
function page<T>(items: T[], input: Record<string, unknown>): { items: T[]; nextToken: string | undefined } {
  const max = optionalInteger(input.MaxResults, 'MaxResults');
  if (max !== undefined && (max < 1 || max > MAX_RESULTS)) {
    throw invalidInput(`Invalid MaxResults ${max}: it must be between 1 and ${MAX_RESULTS}.`);
  }
  const token = optionalString(input.NextToken, 'NextToken');
  let start = 0;
  if (token !== undefined) {
    const decoded = Buffer.from(token, 'base64url').toString('utf8');
    if (!/^\d{1,6}$/.test(decoded) || Number(decoded) > items.length) {
      throw invalidInput(
        'Invalid NextToken: get the value for the NextToken parameter from the response to a previous call of the operation.',
      );
    }
    start = Number(decoded);
  }
  const end = start + (max ?? MAX_RESULTS);
  return {
    items: items.slice(start, end),
    nextToken: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined,
  };
}

function seconds(ms: number): number {
  return ms / 1000;
}

export function listDelegatedAdministrators(
  input: Record<string, unknown>,
  callerAccount: string,
  organizations: Organizations,
): Record<string, unknown> {
  const principal = optionalString(input.ServicePrincipal, 'ServicePrincipal');
  if (principal !== undefined && !SERVICE_PRINCIPAL.test(principal)) {
    throw invalidInput(
      'Invalid ServicePrincipal: a service principal is 1 to 128 letters, digits or the characters _+=,.@-.',
    );
  }
  const org = readableOrganization(organizations, callerAccount);
  // One entry per account, with the date it first became a delegated administrator (of the
  // service asked for, when one is).
  const since = new Map<string, number>();
  for (const d of registrationsOf(org)) {
    if (principal !== undefined && d.servicePrincipal !== principal) continue;
    since.set(d.accountId, Math.min(since.get(d.accountId) ?? Infinity, d.delegationEnabledMs));
  }
  const mgmt = org.managementAccountId;
  const { items, nextToken } = page([...since.entries()], input);
  return {
    DelegatedAdministrators: items.map(([accountId, enabledMs]) => ({
      Id: accountId,
      Arn: `arn:aws:organizations::${mgmt}:account/${org.id}/${accountId}`,
      Email: `${accountId}@example.invalid`,
      Name: accountId,
      Status: 'ACTIVE',
      State: 'ACTIVE',
      DelegationEnabledDate: seconds(enabledMs),
    })),
    ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
  };
}

export function listDelegatedServicesForAccount(
  input: Record<string, unknown>,
  callerAccount: string,
  organizations: Organizations,
): Record<string, unknown> {
  const accountId = requireString(input.AccountId, 'AccountId', 'InvalidInputException');
  if (!/^\d{12}$/.test(accountId)) {
    throw invalidInput('Invalid AccountId: an account ID is a string of exactly 12 digits.');
  }
  const org = readableOrganization(organizations, callerAccount);
  if (accountId !== org.managementAccountId && !org.memberAccountIds.includes(accountId)) {
    throw new ServiceError(
      'AccountNotFoundException',
      "We can't find an AWS account with the AccountId that you specified, or the account whose credentials you used to make this request isn't a member of an organization.",
    );
  }
  const services = registrationsOf(org).filter((d) => d.accountId === accountId);
  if (services.length === 0) {
    throw new ServiceError(
      'AccountNotRegisteredException',
      `The specified account ${accountId} is not a delegated administrator for any AWS service.`,
    );
  }
  const { items, nextToken } = page(services, input);
  return {
    DelegatedServices: items.map((d) => ({
      ServicePrincipal: d.servicePrincipal,
      DelegationEnabledDate: seconds(d.delegationEnabledMs),
    })),
    ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
  };
}
