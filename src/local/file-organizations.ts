/**
 * Organizations kept in `<data-dir>/organizations.json`, written by `opentrail orgs ...` and by the
 * running server (CloudTrail's delegated administrators, registered through the API), read by the
 * server, which notices changes by the file's modification time. An account belongs to at most
 * one organization, as in AWS Organizations. Every change is a read-modify-write of the whole file
 * under `organizations.json.lock`, so the server and the CLI never write over each other's change.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import {
  isOrganizationId,
  type DelegatedAdministrator,
  type Organization,
  type OrganizationStore,
} from '../trails/index.ts';
import { isAccountId } from '../iam/principal.ts';

export const ORGANIZATIONS_FILE = 'organizations.json';
const LOCK_FILE = `${ORGANIZATIONS_FILE}.lock`;
/** A lock older than this was left by a process that died while changing the file. */
const STALE_LOCK_MS = 10_000;
/** How long a change waits for another process's change to finish. */
const LOCK_WAIT_MS = 5_000;
const LOCK_POLL_MS = 10;

interface FileShape {
  organizations: Organization[];
}

function parse(text: string, path: string): Organization[] {
  const value = JSON.parse(text) as FileShape;
  if (!value || !Array.isArray(value.organizations))
    throw new Error(`${path}: expected {"organizations": [...]}`);
  for (const org of value.organizations) {
    const admins: unknown = org.delegatedAdministrators;
    if (admins !== undefined && !(Array.isArray(admins) && admins.every(isDelegatedAdministratorShape)))
      throw new Error(
        `${path}: organization ${org.id}: delegatedAdministrators must be a list of {accountId, servicePrincipal, delegationEnabledMs}`,
      );
  }
  return value.organizations;
}

function isDelegatedAdministratorShape(value: unknown): value is DelegatedAdministrator {
  const d = value as Partial<DelegatedAdministrator> | null;
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof d.accountId === 'string' &&
    typeof d.servicePrincipal === 'string' &&
    typeof d.delegationEnabledMs === 'number'
  );
}

export class FileOrganizations implements OrganizationStore {
  private loadedMtimeMs = -1;
  private byAccount = new Map<string, Organization>();
  private readonly serially = pLimit(1);

  constructor(private readonly dataDir: string) {}

  organizationOf(accountId: string): Organization | undefined {
    this.refresh();
    return this.byAccount.get(accountId);
  }

  update(id: string, change: (current: Organization) => Organization): Promise<Organization> {
    return this.serially(async () => {
      try {
        return await changeOrganizations(this.dataDir, (organizations) => {
          const index = organizations.findIndex((o) => o.id === id);
          const current = organizations[index];
          if (!current) throw new OrganizationError(`organization ${id} does not exist`);
          const next = change(structuredClone(current));
          organizations[index] = next;
          return next;
        });
      } finally {
        // Read again on the next call: two writes within the clock's resolution share an mtime.
        this.loadedMtimeMs = -1;
      }
    });
  }

  private refresh(): void {
    const path = join(this.dataDir, ORGANIZATIONS_FILE);
    // Every authorization asks (for SCPs), and so does every recording request: no file, the
    // usual case, is told without making an ENOENT error, which took about half the authorize
    // step's time (10 attached policies of 20 statements: p50 82-94 µs in a server, 44-57 without).
    let mtimeMs: number | undefined;
    try {
      mtimeMs = statSync(path, { throwIfNoEntry: false })?.mtimeMs;
    } catch {
      mtimeMs = undefined;
    }
    if (mtimeMs === undefined) {
      this.byAccount = new Map();
      this.loadedMtimeMs = -1;
      return;
    }
    if (mtimeMs === this.loadedMtimeMs) return;
    const map = new Map<string, Organization>();
    for (const org of parse(readFileSync(path, 'utf8'), path)) {
      map.set(org.managementAccountId, org);
      for (const member of org.memberAccountIds) map.set(member, org);
    }
    this.byAccount = map;
    this.loadedMtimeMs = mtimeMs;
  }
}

export async function readOrganizations(dataDir: string): Promise<Organization[]> {
  const path = join(dataDir, ORGANIZATIONS_FILE);
  try {
    return parse(await readFile(path, 'utf8'), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function writeOrganizations(dataDir: string, organizations: Organization[]): Promise<void> {
  const path = join(dataDir, ORGANIZATIONS_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ organizations }, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, path);
}

/**
 * Reads the organizations, lets `change` modify them in place and writes them back, all under the
 * lock file; `change` may throw to leave the file as it was.
 */
async function changeOrganizations<T>(
  dataDir: string,
  change: (organizations: Organization[]) => T,
): Promise<T> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const lock = join(dataDir, LOCK_FILE);
  await acquireLock(lock);
  try {
    const organizations = await readOrganizations(dataDir);
    const result = change(organizations);
    await writeOrganizations(dataDir, organizations);
    return result;
  } finally {
    await rm(lock, { force: true });
  }
}

async function acquireLock(lock: string): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await (await open(lock, 'wx', 0o600)).close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const ageMs = await stat(lock).then(
      (info) => Date.now() - info.mtimeMs,
      () => 0,
    );
    if (ageMs > STALE_LOCK_MS) {
      await rm(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new OrganizationError(
        `${lock} has been held for ${Math.round(ageMs / 1000)} s by another opentrail process; try again once it is done`,
      );
    }
    await sleep(LOCK_POLL_MS);
  }
}

export class OrganizationError extends Error {}

function checkAccount(organizations: Organization[], accountId: string): void {
  if (!isAccountId(accountId))
    throw new OrganizationError(`account ID must be 12 digits, got '${accountId}'`);
  const holder = organizations.find(
    (o) => o.managementAccountId === accountId || o.memberAccountIds.includes(accountId),
  );
  if (holder)
    throw new OrganizationError(`account ${accountId} already belongs to organization ${holder.id}`);
}

/** Creates an organization with `managementAccountId` as its management account. */
export function createOrganization(
  dataDir: string,
  managementAccountId: string,
  id = `o-${randomBytes(5).toString('hex')}`,
): Promise<Organization> {
  return changeOrganizations(dataDir, (organizations) => {
    if (!isOrganizationId(id))
      throw new OrganizationError(`organization ID must match o-[a-z0-9]{10,32}, got '${id}'`);
    if (organizations.some((o) => o.id === id))
      throw new OrganizationError(`organization ${id} already exists`);
    checkAccount(organizations, managementAccountId);
    const org: Organization = { id, managementAccountId, memberAccountIds: [] };
    organizations.push(org);
    return org;
  });
}

export function addOrganizationAccount(
  dataDir: string,
  orgId: string,
  accountId: string,
): Promise<Organization> {
  return changeOrganizations(dataDir, (organizations) => {
    const org = organizations.find((o) => o.id === orgId);
    if (!org) throw new OrganizationError(`organization ${orgId} does not exist`);
    checkAccount(organizations, accountId);
    org.memberAccountIds.push(accountId);
    return org;
  });
}

/** Removes a member account; it stops being a delegated administrator of any service with it. */
export function removeOrganizationAccount(
  dataDir: string,
  orgId: string,
  accountId: string,
): Promise<Organization> {
  return changeOrganizations(dataDir, (organizations) => {
    const org = organizations.find((o) => o.id === orgId);
    if (!org) throw new OrganizationError(`organization ${orgId} does not exist`);
    if (!org.memberAccountIds.includes(accountId)) {
      throw new OrganizationError(`account ${accountId} is not a member of ${orgId}`);
    }
    org.memberAccountIds = org.memberAccountIds.filter((a) => a !== accountId);
    const admins = org.delegatedAdministrators?.filter((d) => d.accountId !== accountId);
    if (admins && admins.length > 0) org.delegatedAdministrators = admins;
    else delete org.delegatedAdministrators;
    return org;
  });
}
