/**
 * The stores a caller reaches: its own by ARN or ID, and — as CloudTrail's delegated administrator
 * — the organization stores of its management account by ARN, until it is deregistered. On an
 * in-memory DuckDB, as the lake store needs one.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DuckDbDatabase, DuckDbEventStore, DuckDbLakeStore } from '../duckdb/index.ts';
import { assertServiceError } from '../../test/helpers/service-errors.ts';
import {
  MemoryOrganizations,
  withDelegatedAdministrator,
  withoutDelegatedAdministrator,
} from '../trails/index.ts';
import type { EventDataStore } from './event-data-store.ts';
import { EventDataStoreRegistry } from './event-data-store-registry.ts';

const MGMT = '111111111111';
const ADMIN = '222222222222';
const MEMBER = '333333333333';
const ORG_ID = 'o-edsregistry1';

function storeOf(accountId: string, overrides: Partial<EventDataStore> = {}): EventDataStore {
  const id = randomUUID();
  const region = overrides.region ?? 'us-east-1';
  return {
    id,
    arn: `arn:aws:cloudtrail:${region}:${accountId}:eventdatastore/${id}`,
    name: `store-${id.slice(0, 8)}`,
    accountId,
    region,
    status: 'ENABLED',
    ingesting: true,
    kind: 'cloudtrail',
    advancedEventSelectors: [
      { Name: 'management', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
    ],
    multiRegionEnabled: true,
    organizationEnabled: false,
    retentionPeriod: 366,
    terminationProtectionEnabled: false,
    billingMode: 'EXTENDABLE_RETENTION_PRICING',
    tags: [],
    createdMs: 0,
    updatedMs: 0,
    ...overrides,
  };
}

describe('EventDataStoreRegistry and delegated administrators', () => {
  let db: DuckDbDatabase;
  let events: DuckDbEventStore;
  let lake: DuckDbLakeStore;
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
    db = await DuckDbDatabase.open(':memory:', { readers: 2, threads: 1 });
    events = await DuckDbEventStore.open(db);
    lake = await DuckDbLakeStore.open(db, events);
    registry = await EventDataStoreRegistry.open(lake, organizations);
    org = await registry.create(storeOf(MGMT, { organizationEnabled: true }));
    accountLevel = await registry.create(storeOf(MGMT));
    elsewhere = await registry.create(storeOf(MGMT, { organizationEnabled: true, region: 'eu-west-1' }));
    own = await registry.create(storeOf(ADMIN));
    await organizations.update(ORG_ID, (o) => withDelegatedAdministrator(o, ADMIN, 0));
  });
  after(async () => {
    lake.close();
    await events.close();
    db.close();
  });

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
