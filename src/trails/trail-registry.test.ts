import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { assertServiceError } from '../../test/helpers/service-errors.ts';
import { withDelegatedAdministrator, withoutDelegatedAdministrator } from './delegated-administrators.ts';
import { defaultSelection } from './event-selectors.ts';
import { MemoryTrailStore } from './memory-trail-store.ts';
import { MemoryOrganizations } from './organizations.ts';
import type { Trail } from './trail.ts';
import { trailArn } from './trail-names.ts';
import { TrailRegistry } from './trail-registry.ts';

const MGMT = '111111111111';
const ADMIN = '222222222222';
const MEMBER = '333333333333';
const ORG_ID = 'o-trailregist1';

function trailOf(name: string, accountId: string, organization: boolean): Trail {
  return {
    arn: trailArn('us-east-1', accountId, name),
    name,
    accountId,
    homeRegion: 'us-east-1',
    s3BucketName: 'logs',
    includeGlobalServiceEvents: true,
    isMultiRegionTrail: true,
    logFileValidationEnabled: true,
    isOrganizationTrail: organization,
    ...(organization ? { organizationId: ORG_ID } : {}),
    selection: defaultSelection(),
    hasCustomEventSelectors: false,
    tags: [],
    createdAtMs: 0,
    status: { isLogging: true },
  };
}

describe('TrailRegistry.findForChange() and delegated administrators', () => {
  const organizations = new MemoryOrganizations([
    { id: ORG_ID, managementAccountId: MGMT, memberAccountIds: [ADMIN, MEMBER] },
  ]);
  let registry: TrailRegistry;
  const orgTrail = trailOf('org', MGMT, true);
  const accountTrail = trailOf('mine', MGMT, false);
  const admin = { accountId: ADMIN, region: 'us-east-1' };

  before(async () => {
    registry = await TrailRegistry.open(new MemoryTrailStore(), organizations);
    await registry.create(orgTrail);
    await registry.create(accountTrail);
    await organizations.update(ORG_ID, (o) => withDelegatedAdministrator(o, ADMIN, 0));
  });

  it("lets the delegated administrator change the management account's organization trail by ARN", () => {
    assert.equal(registry.findForChange(orgTrail.arn, admin).arn, orgTrail.arn);
    assertServiceError(
      () => registry.findForChange(orgTrail.arn, { accountId: ADMIN, region: 'eu-west-1' }),
      'InvalidHomeRegionException',
    );
  });

  it('names resolve to its own trails only; account-level trails of the management account stay out of reach', () => {
    assertServiceError(() => registry.findForChange('org', admin), 'TrailNotFoundException');
    assertServiceError(() => registry.findForChange(accountTrail.arn, admin), 'TrailNotFoundException');
  });

  it('refuses a member that is not delegated, and the administrator once deregistered', async () => {
    assertServiceError(
      () => registry.findForChange(orgTrail.arn, { accountId: MEMBER, region: 'us-east-1' }),
      'NotOrganizationMasterAccountException',
    );
    await organizations.update(ORG_ID, (o) => withoutDelegatedAdministrator(o, ADMIN));
    assertServiceError(
      () => registry.findForChange(orgTrail.arn, admin),
      'NotOrganizationMasterAccountException',
    );
  });
});
