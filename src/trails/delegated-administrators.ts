/**
 * CloudTrail's organization delegated administrators, as the CloudTrail User Guide ("Organization
 * delegated administrator") and API reference (RegisterOrganizationDelegatedAdmin,
 * DeregisterOrganizationDelegatedAdmin) describe them:
 *
 * - only the organization's management account registers and removes them, and only member
 *   accounts can be registered ("An organization can have a maximum of three CloudTrail delegated
 *   administrators");
 * - a delegated administrator creates, updates, deletes, starts and stops logging on the
 *   organization's trails and event data stores, which stay owned by the management account ("The
 *   management account remains the owner of any CloudTrail organization resources the delegated
 *   administrator creates"), and removing it deletes none of them;
 * - "Only the management account can convert an organization trail or event data store to an
 *   account-level trail or event data store, or convert an account-level trail or event data store
 *   to an organization trail or event data store."
 *
 * A registration is AWS Organizations' delegated administrator for the service principal
 * `cloudtrail.amazonaws.com`, kept with the organization, so `organizations
 * list-delegated-administrators` shows it. The model's exceptions carry no published message
 * texts; the messages here say what was wrong in the words of the model's documentation.
 */
import { ServiceError } from '../errors.ts';
import type { Organization, Organizations } from './organizations.ts';

/**
 * CloudTrail's service principal: the service a delegated administrator is registered for, and the
 * one that refreshes dashboards and runs their queries (resource policies, `query/`).
 */
export const CLOUDTRAIL_SERVICE_PRINCIPAL = 'cloudtrail.amazonaws.com';
/** "You can have a maximum of three CloudTrail delegated administrators per organization." */
export const MAX_CLOUDTRAIL_DELEGATED_ADMINISTRATORS = 3;

/** Whether `accountId` is registered as `servicePrincipal`'s delegated administrator in `org`. */
export function isDelegatedAdministrator(
  org: Organization,
  accountId: string,
  servicePrincipal = CLOUDTRAIL_SERVICE_PRINCIPAL,
): boolean {
  return (
    org.memberAccountIds.includes(accountId) &&
    (org.delegatedAdministrators ?? []).some(
      (d) => d.accountId === accountId && d.servicePrincipal === servicePrincipal,
    )
  );
}

/**
 * The organization whose organization trails and event data stores `accountId` manages as
 * CloudTrail's delegated administrator; undefined for any other account (the management account
 * included: it manages them as their owner).
 */
export function delegatingOrganization(
  organizations: Organizations | undefined,
  accountId: string,
): Organization | undefined {
  const org = organizations?.organizationOf(accountId);
  return org && isDelegatedAdministrator(org, accountId) ? org : undefined;
}

/**
 * The caller's organization for Register/DeregisterOrganizationDelegatedAdmin: it must belong to
 * one (OrganizationsNotInUseException) and be its management account
 * (NotOrganizationManagementAccountException).
 */
export function managedOrganization(organizations: Organizations, callerAccountId: string): Organization {
  const org = organizations.organizationOf(callerAccountId);
  if (!org) {
    throw new ServiceError(
      'OrganizationsNotInUseException',
      `Account ${callerAccountId} is not a member of an organization. Create an organization with \`opentrail orgs create\` first.`,
    );
  }
  if (org.managementAccountId !== callerAccountId) {
    throw new ServiceError(
      'NotOrganizationManagementAccountException',
      `Account ${callerAccountId} is not the management account of organization ${org.id}; only the management account can register or remove a CloudTrail delegated administrator.`,
    );
  }
  return org;
}

function accountNotFound(org: Organization, accountId: string): ServiceError {
  return new ServiceError(
    'AccountNotFoundException',
    `Account ${accountId} is not found or not part of organization ${org.id}.`,
  );
}

/** `org` with `accountId` registered as CloudTrail's delegated administrator since `nowMs`. */
export function withDelegatedAdministrator(
  org: Organization,
  accountId: string,
  nowMs: number,
): Organization {
  if (accountId === org.managementAccountId) {
    throw new ServiceError(
      'CannotDelegateManagementAccountException',
      `Account ${accountId} is the management account of organization ${org.id}; it cannot be registered as the CloudTrail delegated administrator.`,
    );
  }
  if (!org.memberAccountIds.includes(accountId)) throw accountNotFound(org, accountId);
  if (isDelegatedAdministrator(org, accountId)) {
    throw new ServiceError(
      'AccountRegisteredException',
      `Account ${accountId} is already registered as the CloudTrail delegated administrator.`,
    );
  }
  const registered = cloudTrailDelegatedAdministrators(org);
  if (registered.length >= MAX_CLOUDTRAIL_DELEGATED_ADMINISTRATORS) {
    throw new ServiceError(
      'DelegatedAdminAccountLimitExceededException',
      `Organization ${org.id} already has the maximum number of CloudTrail delegated administrators (${MAX_CLOUDTRAIL_DELEGATED_ADMINISTRATORS}): ${registered.join(', ')}.`,
    );
  }
  return {
    ...org,
    delegatedAdministrators: [
      ...(org.delegatedAdministrators ?? []),
      { accountId, servicePrincipal: CLOUDTRAIL_SERVICE_PRINCIPAL, delegationEnabledMs: nowMs },
    ],
  };
}

/** `org` without `accountId` as CloudTrail's delegated administrator. */
export function withoutDelegatedAdministrator(org: Organization, accountId: string): Organization {
  if (accountId !== org.managementAccountId && !org.memberAccountIds.includes(accountId)) {
    throw accountNotFound(org, accountId);
  }
  if (!isDelegatedAdministrator(org, accountId)) {
    throw new ServiceError(
      'AccountNotRegisteredException',
      `Account ${accountId} is not registered as the CloudTrail delegated administrator.`,
    );
  }
  const rest = (org.delegatedAdministrators ?? []).filter(
    (d) => !(d.accountId === accountId && d.servicePrincipal === CLOUDTRAIL_SERVICE_PRINCIPAL),
  );
  const { delegatedAdministrators: _all, ...withoutList } = org;
  return rest.length > 0 ? { ...withoutList, delegatedAdministrators: rest } : withoutList;
}

/** The member accounts registered as CloudTrail's delegated administrators, in registration order. */
export function cloudTrailDelegatedAdministrators(org: Organization): string[] {
  return (org.delegatedAdministrators ?? [])
    .filter(
      (d) =>
        d.servicePrincipal === CLOUDTRAIL_SERVICE_PRINCIPAL && org.memberAccountIds.includes(d.accountId),
    )
    .map((d) => d.accountId);
}

/**
 * Refuses a delegated administrator's conversion of an organization trail or event data store to
 * an account-level one, or of an account-level one to an organization one.
 */
export function onlyManagementConverts(what: 'trail' | 'event data store'): ServiceError {
  return new ServiceError(
    'NotOrganizationMasterAccountException',
    `Only the management account for the organization can convert an organization ${what} to a non-organization ${what}, or convert a non-organization ${what} to an organization ${what}.`,
  );
}
