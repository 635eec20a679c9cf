/**
 * Organizations kept in `<data-dir>/organizations.json`, written by `opentrail orgs ...` and read
 * by the running server, which notices changes by the file's modification time. An account
 * belongs to at most one organization, as in AWS Organizations.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isOrganizationId, type Organization, type Organizations } from '../trails/index.ts';
import { isAccountId } from '../iam/principal.ts';

export const ORGANIZATIONS_FILE = 'organizations.json';

interface FileShape {
  organizations: Organization[];
}

function parse(text: string, path: string): Organization[] {
  const value = JSON.parse(text) as FileShape;
  if (!value || !Array.isArray(value.organizations))
    throw new Error(`${path}: expected {"organizations": [...]}`);
  return value.organizations;
}

export class FileOrganizations implements Organizations {
  private loadedMtimeMs = -1;
  private byAccount = new Map<string, Organization>();

  constructor(private readonly dataDir: string) {}

  organizationOf(accountId: string): Organization | undefined {
    this.refresh();
    return this.byAccount.get(accountId);
  }

  private refresh(): void {
    const path = join(this.dataDir, ORGANIZATIONS_FILE);
    let mtimeMs: number;
    try {
      mtimeMs = statSync(path).mtimeMs;
    } catch {
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
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, ORGANIZATIONS_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ organizations }, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, path);
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
export async function createOrganization(
  dataDir: string,
  managementAccountId: string,
  id = `o-${randomBytes(5).toString('hex')}`,
): Promise<Organization> {
  const organizations = await readOrganizations(dataDir);
  if (!isOrganizationId(id))
    throw new OrganizationError(`organization ID must match o-[a-z0-9]{10,32}, got '${id}'`);
  if (organizations.some((o) => o.id === id))
    throw new OrganizationError(`organization ${id} already exists`);
  checkAccount(organizations, managementAccountId);
  const org: Organization = { id, managementAccountId, memberAccountIds: [] };
  await writeOrganizations(dataDir, [...organizations, org]);
  return org;
}

export async function addOrganizationAccount(
  dataDir: string,
  orgId: string,
  accountId: string,
): Promise<Organization> {
  const organizations = await readOrganizations(dataDir);
  const org = organizations.find((o) => o.id === orgId);
  if (!org) throw new OrganizationError(`organization ${orgId} does not exist`);
  checkAccount(organizations, accountId);
  org.memberAccountIds.push(accountId);
  await writeOrganizations(dataDir, organizations);
  return org;
}

export async function removeOrganizationAccount(
  dataDir: string,
  orgId: string,
  accountId: string,
): Promise<Organization> {
  const organizations = await readOrganizations(dataDir);
  const org = organizations.find((o) => o.id === orgId);
  if (!org) throw new OrganizationError(`organization ${orgId} does not exist`);
  if (!org.memberAccountIds.includes(accountId)) {
    throw new OrganizationError(`account ${accountId} is not a member of ${orgId}`);
  }
  org.memberAccountIds = org.memberAccountIds.filter((a) => a !== accountId);
  await writeOrganizations(dataDir, organizations);
  return org;
}
