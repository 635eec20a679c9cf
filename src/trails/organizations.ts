/**
 * Organizations as organization trails need them: an organization has one management account and
 * member accounts. An organization trail is created in the management account and delivers the
 * events of every account of the organization under `AWSLogs/<org-id>/<account>/`.
 */
export interface Organization {
  /** `o-` followed by 10 to 32 lower-case letters or digits, as AWS Organizations names them. */
  id: string;
  managementAccountId: string;
  memberAccountIds: string[];
}

export interface Organizations {
  /** The organization an account belongs to (as management or member account). */
  organizationOf(accountId: string): Organization | undefined;
}

export function isOrganizationId(value: string): boolean {
  return /^o-[a-z0-9]{10,32}$/.test(value);
}

/** All accounts whose events an organization trail delivers: the management account and members. */
export function organizationAccounts(org: Organization): ReadonlySet<string> {
  return new Set([org.managementAccountId, ...org.memberAccountIds]);
}
