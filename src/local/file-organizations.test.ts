import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { withDelegatedAdministrator } from '../trails/index.ts';
import {
  FileOrganizations,
  ORGANIZATIONS_FILE,
  addOrganizationAccount,
  createOrganization,
  readOrganizations,
  removeOrganizationAccount,
} from './file-organizations.ts';

const MGMT = '111111111111';
const MEMBER = '222222222222';

describe('FileOrganizations', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opentrail-orgs-file-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('update() persists a delegated administrator that organizationOf() and a new reader see at once', async () => {
    const data = join(dir, 'update');
    const org = await createOrganization(data, MGMT, 'o-fileorgs001');
    await addOrganizationAccount(data, org.id, MEMBER);
    const organizations = new FileOrganizations(data);
    assert.equal(organizations.organizationOf(MEMBER)?.delegatedAdministrators, undefined);
    await organizations.update(org.id, (o) => withDelegatedAdministrator(o, MEMBER, 1234));
    const expected = [
      { accountId: MEMBER, servicePrincipal: 'cloudtrail.amazonaws.com', delegationEnabledMs: 1234 },
    ];
    assert.deepEqual(organizations.organizationOf(MGMT)?.delegatedAdministrators, expected);
    assert.deepEqual(new FileOrganizations(data).organizationOf(MEMBER)?.delegatedAdministrators, expected);
    assert.deepEqual((await readOrganizations(data))[0]?.delegatedAdministrators, expected);
  });

  it('a change that throws leaves the file as it was', async () => {
    const data = join(dir, 'refused');
    const org = await createOrganization(data, MGMT, 'o-fileorgs002');
    const before = await readFile(join(data, ORGANIZATIONS_FILE), 'utf8');
    await assert.rejects(
      new FileOrganizations(data).update(org.id, () => {
        throw new Error('refused');
      }),
      /refused/,
    );
    assert.equal(await readFile(join(data, ORGANIZATIONS_FILE), 'utf8'), before);
    await assert.rejects(
      new FileOrganizations(data).update('o-missing0000', (o) => o),
      /does not exist/,
    );
  });

  it('changes from the server and from `opentrail orgs` at the same time all land', async () => {
    const data = join(dir, 'concurrent');
    const org = await createOrganization(data, MGMT, 'o-fileorgs003');
    const server = new FileOrganizations(data);
    const members = Array.from({ length: 8 }, (_, i) => `3000000000${String(i).padStart(2, '0')}`);
    await Promise.all(members.map((m) => addOrganizationAccount(data, org.id, m)));
    // A second server instance stands for another process: only the lock file orders them.
    const other = new FileOrganizations(data);
    await Promise.all([
      ...members
        .slice(0, 3)
        .map((m, i) =>
          (i % 2 === 0 ? server : other).update(org.id, (o) => withDelegatedAdministrator(o, m, i)),
        ),
      addOrganizationAccount(data, org.id, MEMBER),
      removeOrganizationAccount(data, org.id, members[7]!),
    ]);
    const [stored] = await readOrganizations(data);
    assert.deepEqual(stored?.memberAccountIds.sort(), [...members.slice(0, 7), MEMBER].sort());
    assert.deepEqual(stored?.delegatedAdministrators?.map((d) => d.accountId).sort(), members.slice(0, 3));
  });

  it('breaks a lock a crashed process left behind', async () => {
    const data = join(dir, 'stale');
    const org = await createOrganization(data, MGMT, 'o-fileorgs004');
    const lock = join(data, `${ORGANIZATIONS_FILE}.lock`);
    await writeFile(lock, '');
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    await addOrganizationAccount(data, org.id, MEMBER);
    assert.deepEqual((await readOrganizations(data))[0]?.memberAccountIds, [MEMBER]);
  });

  it('removing a member account removes its delegated administrator registration', async () => {
    const data = join(dir, 'remove');
    const org = await createOrganization(data, MGMT, 'o-fileorgs005');
    await addOrganizationAccount(data, org.id, MEMBER);
    const organizations = new FileOrganizations(data);
    await organizations.update(org.id, (o) => withDelegatedAdministrator(o, MEMBER, 1));
    const removed = await removeOrganizationAccount(data, org.id, MEMBER);
    assert.equal(removed.delegatedAdministrators, undefined);
    assert.equal('delegatedAdministrators' in ((await readOrganizations(data))[0] ?? {}), false);
  });

  it('refuses a file whose delegatedAdministrators are not a list of registrations', async () => {
    const data = join(dir, 'bad');
    await createOrganization(data, MGMT, 'o-fileorgs006');
    await writeFile(
      join(data, ORGANIZATIONS_FILE),
      JSON.stringify({
        organizations: [
          {
            id: 'o-fileorgs006',
            managementAccountId: MGMT,
            memberAccountIds: [],
            delegatedAdministrators: [{}],
          },
        ],
      }),
    );
    await assert.rejects(readOrganizations(data), /delegatedAdministrators must be a list/);
  });
});
