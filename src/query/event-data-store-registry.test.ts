/**
 * The stores a caller reaches: its own by ARN or ID, and — as CloudTrail's delegated administrator
 * — the organization stores of its management account by ARN, until it is deregistered. On an
 * in-memory DuckDB, as the lake store needs one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertServiceError } from '../../test/helpers/service-errors.ts';
import {
  MemoryOrganizations,
  withDelegatedAdministrator,
  withoutDelegatedAdministrator,
} from '../trails/index.ts';
import type { EventDataStore } from './event-data-store.ts';
import { EventDataStoreRegistry } from './event-data-store-registry.ts';
import { eventDataStoreOf, openMemoryLake, type MemoryLake } from './lake-fixtures.test-helpers.ts';

const MGMT = '111111111111';
const ADMIN = '222222222222';
const MEMBER = '333333333333';
const ORG_ID = 'o-edsregistry1';

const storeOf = (accountId: string, overrides: Partial<EventDataStore> = {}): EventDataStore =>
  eventDataStoreOf({ accountId, ...overrides });

describe('EventDataStoreRegistry and delegated administrators', () => {
  let lake: MemoryLake;
  let registry: EventDataStoreRegistry;
  const organizations = new MemoryOrganizations([
    { id: ORG_ID, managementAccountId: MGMT, memberAccountIds: [ADMIN, MEMBER] },
  ]);
  const admin = { accountId: ADMIN, region: 'us-east-1' };
  let org: EventDataStore;
  let accountLevel: EventDataStore;
  let elsewhere: EventDataStore;
  let own: EventDataStore;

  before(async () => {
    lake = await openMemoryLake();
    registry = await EventDataStoreRegistry.open(lake.lake, organizations);
    org = await registry.create(storeOf(MGMT, { organizationEnabled: true }));
    accountLevel = await registry.create(storeOf(MGMT));
    elsewhere = await registry.create(storeOf(MGMT, { organizationEnabled: true, region: 'eu-west-1' }));
    own = await registry.create(storeOf(ADMIN));
    await organizations.update(ORG_ID, (o) => withDelegatedAdministrator(o, ADMIN, 0));
  });
  after(() => lake.close());

  it("administeredBy() lists the management account's organization stores of the caller's Region", () => {
    assert.deepEqual(
      registry.administeredBy(admin).map((s) => s.arn),
      [org.arn],
    );
    assert.deepEqual(registry.administeredBy({ accountId: MEMBER, region: 'us-east-1' }), []);
    assert.deepEqual(registry.administeredBy({ accountId: MGMT, region: 'us-east-1' }), []);
  });

  it('find() reaches an organization store by ARN, not by ID, and never an account-level one', () => {
    assert.equal(registry.find(org.arn, admin), org);
    assert.equal(registry.find(own.id, admin), own);
    assertServiceError(() => registry.find(org.id, admin), 'EventDataStoreNotFoundException');
    assertServiceError(() => registry.find(accountLevel.arn, admin), 'EventDataStoreNotFoundException');
    assertServiceError(() => registry.find(elsewhere.arn, admin), 'EventDataStoreNotFoundException');
    assertServiceError(
      () => registry.find(org.arn, { accountId: MEMBER, region: 'us-east-1' }),
      'EventDataStoreNotFoundException',
    );
  });

  it('find() stops reaching it once the account is deregistered', async () => {
    await organizations.update(ORG_ID, (o) => withoutDelegatedAdministrator(o, ADMIN));
    assertServiceError(() => registry.find(org.arn, admin), 'EventDataStoreNotFoundException');
    assert.equal(registry.find(org.arn, { accountId: MGMT, region: 'us-east-1' }), org);
  });
});
