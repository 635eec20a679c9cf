/**
 * Whose events a caller may record (POST /v1/records): its own account's and, when its account is
 * the management account of an organization, its member accounts' — as an organization trail
 * logs its member accounts' events. Each account comes with the moment it came into existence in
 * OpenTrail, from which on OpenTrail alone writes its events of RESERVED_EVENT_SOURCES.
 */

export interface RecordingAccountsDeps {
  /** When an account's identity was created in OpenTrail, if it has one. */
  accountCreatedMs(accountId: string): Promise<number | undefined>;
  /** The accounts of the organization `accountId` manages (itself included), if it manages one. */
  organizationAccounts(accountId: string): ReadonlySet<string> | undefined;
}

/** How long an account found without an identity is taken to have none before it is asked again. */
const ABSENT_RECHECK_MS = 60_000;

export class RecordingAccounts {
  /** An account's creation time never changes once it is known. */
  private readonly createdMs = new Map<string, number>();
  /** Accounts found without an identity, with when they were asked about. */
  private readonly absentSinceMs = new Map<string, number>();

  constructor(
    private readonly deps: RecordingAccountsDeps,
    private readonly now: () => number = Date.now,
  ) {}

  private async createdAt(accountId: string): Promise<number | undefined> {
    const known = this.createdMs.get(accountId);
    if (known !== undefined) return known;
    const absent = this.absentSinceMs.get(accountId);
    if (absent !== undefined && this.now() - absent < ABSENT_RECHECK_MS) return undefined;
    const created = await this.deps.accountCreatedMs(accountId);
    if (created !== undefined) {
      this.createdMs.set(accountId, created);
      this.absentSinceMs.delete(accountId);
    } else this.absentSinceMs.set(accountId, this.now());
    return created;
  }

  /**
   * The accounts `accountId` may record for, each with the moment it came into existence in
   * OpenTrail. A member account without an identity of its own exists in OpenTrail through its
   * management account, so it takes that account's moment.
   */
  async of(accountId: string): Promise<ReadonlyMap<string, number>> {
    // A caller always has an identity; were it missing, every reserved event would be refused.
    const own = (await this.createdAt(accountId)) ?? 0;
    const accounts = new Map([[accountId, own]]);
    for (const member of this.deps.organizationAccounts(accountId) ?? []) {
      if (member !== accountId) accounts.set(member, (await this.createdAt(member)) ?? own);
    }
    return accounts;
  }
}
