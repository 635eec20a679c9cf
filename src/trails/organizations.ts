/**
 * Organizations as organization trails need them: an organization has one management account and
 * member accounts. An organization trail is created in the management account and delivers the
 * events of every account of the organization under `AWSLogs/<org-id>/<account>/`. Member accounts
 * the management account registered as a service's delegated administrator (AWS Organizations'
 * RegisterDelegatedAdministrator; for CloudTrail, RegisterOrganizationDelegatedAdmin) are kept
 * with the organization.
 */
export interface Organization {
  /** `o-` followed by 10 to 32 lower-case letters or digits, as AWS Organizations names them. */
  id: string;
  managementAccountId: string;
  memberAccountIds: string[];
  /** Member accounts registered as a service's delegated administrator; absent when none. */
  delegatedAdministrators?: DelegatedAdministrator[];
}

/** A member account registered as the delegated administrator of one service. */
export interface DelegatedAdministrator {
  accountId: string;
  /** The service's principal, e.g. `cloudtrail.amazonaws.com`. */
  servicePrincipal: string;
  /** When it was registered (ListDelegatedAdministrators' DelegationEnabledDate). */
  delegationEnabledMs: number;
}

export interface Organizations {
  /** The organization an account belongs to (as management or member account). */
  organizationOf(accountId: string): Organization | undefined;
}

/** Organizations that can also be changed (delegated administrators are registered through the API). */
export interface OrganizationStore extends Organizations {
  /**
   * Applies `change` to the current state of organization `id` and persists what it returns, one
   * change at a time; `change` may throw to refuse. organizationOf() answers with the result as
   * soon as the returned promise settles.
   */
  update(id: string, change: (current: Organization) => Organization): Promise<Organization>;
}

export function isOrganizationId(value: string): boolean {
  return /^o-[a-z0-9]{10,32}$/.test(value);
}

/** All accounts whose events an organization trail delivers: the management account and members. */
export function organizationAccounts(org: Organization): ReadonlySet<string> {
  return new Set([org.managementAccountId, ...org.memberAccountIds]);
}

/** Organizations held in memory: for tests and for tools that need no persistence. */
export class MemoryOrganizations implements OrganizationStore {
  private organizations: Organization[];

  constructor(organizations: Organization[] = []) {
    this.organizations = structuredClone(organizations);
  }

  organizationOf(accountId: string): Organization | undefined {
    return this.organizations.find(
      (o) => o.managementAccountId === accountId || o.memberAccountIds.includes(accountId),
    );
  }

  update(id: string, change: (current: Organization) => Organization): Promise<Organization> {
    const current = this.organizations.find((o) => o.id === id);
    if (!current) return Promise.reject(new Error(`organization ${id} does not exist`));
    try {
      const next = structuredClone(change(structuredClone(current)));
      this.organizations = this.organizations.map((o) => (o.id === id ? next : o));
      return Promise.resolve(next);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
