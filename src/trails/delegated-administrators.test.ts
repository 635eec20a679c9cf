import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertServiceError } from '../../test/helpers/service-errors.ts';
import {
  CLOUDTRAIL_SERVICE_PRINCIPAL,
  cloudTrailDelegatedAdministrators,
  delegatingOrganization,
  isDelegatedAdministrator,
  managedOrganization,
  onlyManagementConverts,
  withDelegatedAdministrator,
  withoutDelegatedAdministrator,
} from './delegated-administrators.ts';
import { MemoryOrganizations, type Organization } from './organizations.ts';

const MGMT = '111111111111';
const A = '222222222222';
const B = '333333333333';
const C = '444444444444';
const D = '555555555555';
const OUTSIDER = '999999999999';
const ORG: Organization = { id: 'o-delegated01', managementAccountId: MGMT, memberAccountIds: [A, B, C, D] };

describe('withDelegatedAdministrator()', () => {
  it('registers a member account for cloudtrail.amazonaws.com with the time given', () => {
    const org = withDelegatedAdministrator(ORG, A, 1_700_000_000_000);
    assert.deepEqual(org.delegatedAdministrators, [
      {
        accountId: A,
        servicePrincipal: CLOUDTRAIL_SERVICE_PRINCIPAL,
        delegationEnabledMs: 1_700_000_000_000,
      },
    ]);
    assert.equal(isDelegatedAdministrator(org, A), true);
    assert.equal(isDelegatedAdministrator(org, B), false);
    assert.equal(isDelegatedAdministrator(org, A, 'guardduty.amazonaws.com'), false);
    assert.equal(ORG.delegatedAdministrators, undefined, 'the organization given is not changed');
  });

  it('refuses the management account: CannotDelegateManagementAccountException', () => {
    assertServiceError(
      () => withDelegatedAdministrator(ORG, MGMT, 0),
      'CannotDelegateManagementAccountException',
      /111111111111 is the management account of organization o-delegated01/,
    );
  });

  it('refuses an account outside the organization: AccountNotFoundException', () => {
    assertServiceError(
      () => withDelegatedAdministrator(ORG, OUTSIDER, 0),
      'AccountNotFoundException',
      'Account 999999999999 is not found or not part of organization o-delegated01.',
    );
  });

  it('refuses an account registered already: AccountRegisteredException', () => {
    const org = withDelegatedAdministrator(ORG, A, 0);
    assertServiceError(() => withDelegatedAdministrator(org, A, 1), 'AccountRegisteredException');
  });

  it('allows three and refuses a fourth: DelegatedAdminAccountLimitExceededException', () => {
    let org = ORG;
    for (const account of [A, B, C]) org = withDelegatedAdministrator(org, account, 0);
    assert.deepEqual(cloudTrailDelegatedAdministrators(org), [A, B, C]);
    assertServiceError(
      () => withDelegatedAdministrator(org, D, 0),
      'DelegatedAdminAccountLimitExceededException',
      /maximum number of CloudTrail delegated administrators \(3\): 222222222222, 333333333333, 444444444444/,
    );
  });

  it("counts only CloudTrail's delegated administrators against the limit", () => {
    const org: Organization = {
      ...ORG,
      delegatedAdministrators: [A, B, C].map((accountId) => ({
        accountId,
        servicePrincipal: 'guardduty.amazonaws.com',
        delegationEnabledMs: 0,
      })),
    };
    const registered = withDelegatedAdministrator(org, D, 5);
    assert.deepEqual(cloudTrailDelegatedAdministrators(registered), [D]);
    assert.equal(registered.delegatedAdministrators?.length, 4);
  });
});

describe('withoutDelegatedAdministrator()', () => {
  it('removes the registration and leaves other services alone', () => {
    const org: Organization = {
      ...withDelegatedAdministrator(ORG, A, 0),
      delegatedAdministrators: [
        { accountId: A, servicePrincipal: CLOUDTRAIL_SERVICE_PRINCIPAL, delegationEnabledMs: 0 },
        { accountId: A, servicePrincipal: 'guardduty.amazonaws.com', delegationEnabledMs: 0 },
      ],
    };
    const removed = withoutDelegatedAdministrator(org, A);
    assert.equal(isDelegatedAdministrator(removed, A), false);
    assert.deepEqual(removed.delegatedAdministrators, [
      { accountId: A, servicePrincipal: 'guardduty.amazonaws.com', delegationEnabledMs: 0 },
    ]);
  });

  it('drops the list when the last registration goes', () => {
    const removed = withoutDelegatedAdministrator(withDelegatedAdministrator(ORG, A, 0), A);
    assert.equal('delegatedAdministrators' in removed, false);
    assert.deepEqual(removed, ORG);
  });

  it('AccountNotRegisteredException for a member (or the management account) not registered', () => {
    assertServiceError(
      () => withoutDelegatedAdministrator(ORG, B),
      'AccountNotRegisteredException',
      'Account 333333333333 is not registered as the CloudTrail delegated administrator.',
    );
    assertServiceError(() => withoutDelegatedAdministrator(ORG, MGMT), 'AccountNotRegisteredException');
  });

  it('AccountNotFoundException for an account outside the organization', () => {
    assertServiceError(() => withoutDelegatedAdministrator(ORG, OUTSIDER), 'AccountNotFoundException');
  });
});

describe('managedOrganization()', () => {
  const organizations = new MemoryOrganizations([ORG]);

  it("answers the management account's organization", () => {
    assert.equal(managedOrganization(organizations, MGMT).id, ORG.id);
  });

  it('OrganizationsNotInUseException outside any organization', () => {
    assertServiceError(() => managedOrganization(organizations, OUTSIDER), 'OrganizationsNotInUseException');
  });

  it('NotOrganizationManagementAccountException for a member account', () => {
    assertServiceError(
      () => managedOrganization(organizations, A),
      'NotOrganizationManagementAccountException',
      /only the management account can register or remove a CloudTrail delegated administrator/,
    );
  });
});

describe('delegatingOrganization()', () => {
  it("names the organization of CloudTrail's delegated administrator only", async () => {
    const organizations = new MemoryOrganizations([ORG]);
    await organizations.update(ORG.id, (org) => withDelegatedAdministrator(org, A, 0));
    assert.equal(delegatingOrganization(organizations, A)?.managementAccountId, MGMT);
    assert.equal(delegatingOrganization(organizations, B), undefined);
    assert.equal(delegatingOrganization(organizations, MGMT), undefined);
    assert.equal(delegatingOrganization(organizations, OUTSIDER), undefined);
    assert.equal(delegatingOrganization(undefined, A), undefined);
  });

  it('ignores a registration left for an account that is no longer a member', () => {
    const org: Organization = {
      ...ORG,
      memberAccountIds: [B],
      delegatedAdministrators: [
        { accountId: A, servicePrincipal: CLOUDTRAIL_SERVICE_PRINCIPAL, delegationEnabledMs: 0 },
      ],
    };
    assert.equal(isDelegatedAdministrator(org, A), false);
    assert.deepEqual(cloudTrailDelegatedAdministrators(org), []);
  });
});

describe('MemoryOrganizations', () => {
  it('keeps a change, and nothing of a change that throws', async () => {
    const organizations = new MemoryOrganizations([ORG]);
    await assert.rejects(
      organizations.update(ORG.id, () => {
        throw new Error('refused');
      }),
      /refused/,
    );
    assert.deepEqual(organizations.organizationOf(A), ORG);
    await assert.rejects(
      organizations.update('o-missing000', (o) => o),
      /does not exist/,
    );
  });
});

describe('onlyManagementConverts()', () => {
  it('is NotOrganizationMasterAccountException with the API reference text', () => {
    const error = onlyManagementConverts('trail');
    assert.equal(error.code, 'NotOrganizationMasterAccountException');
    assert.equal(
      error.message,
      'Only the management account for the organization can convert an organization trail to a non-organization trail, or convert a non-organization trail to an organization trail.',
    );
  });
});
