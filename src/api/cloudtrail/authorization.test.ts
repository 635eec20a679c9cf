import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceError } from '../../errors.ts';
import type { CompiledPolicy } from '../../iam/policy/index.ts';
import type { CallContext } from '../endpoint.ts';
import { cloudTrailAuthorization } from './authorization.ts';
import type { CloudTrailServices } from './operation.ts';

const ACCOUNT = '111122223333';
const TRAIL = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/main`;
const STORE_ID = 'a1b2c3d4-0000-4000-8000-00000000abcd';
const STORE = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:eventdatastore/${STORE_ID}`;

const trail = {
  arn: TRAIL,
  name: 'main',
  s3BucketName: 'logs',
  isMultiRegionTrail: true,
  includeGlobalServiceEvents: true,
  logFileValidationEnabled: true,
  isOrganizationTrail: false,
};
const store = { arn: STORE, id: STORE_ID, retentionPeriod: 2557, terminationProtectionEnabled: true };
/** A store of another account with a resource-based policy (what the engine is handed, by reference). */
const OWNER = '777788889999';
const SHARED_STORE = `arn:aws:cloudtrail:us-east-1:${OWNER}:eventdatastore/0f0f0f0f-0000-4000-8000-000000000002`;
const SHARED_POLICY = { id: SHARED_STORE } as unknown as CompiledPolicy;

/** The services the mapping reads: one trail (a multi-Region one homed in us-east-1) and one store. */
const services = {
  trails: {
    find: (ref: string) => {
      if (ref === 'main' || ref === TRAIL) return trail;
      throw new ServiceError('TrailNotFoundException', `Unknown trail: ${ref}`);
    },
  },
  lake: {
    registry: {
      find: (ref: string) => {
        if (ref === STORE || ref === STORE_ID) return store;
        throw new ServiceError('EventDataStoreNotFoundException', 'not found');
      },
    },
    queries: { get: () => ({ storeArns: [STORE] }) },
    resourcePolicies: { compiledFor: (arn: string) => (arn === SHARED_STORE ? SHARED_POLICY : undefined) },
  },
} as unknown as CloudTrailServices;

const call = (region = 'us-east-1') =>
  ({ caller: { principal: { accountId: ACCOUNT }, region } }) as unknown as CallContext;

describe('cloudTrailAuthorization()', () => {
  it('names a trail by its ARN: the found trail (a shadow names its home), else the ARN in the caller Region', () => {
    assert.deepEqual(cloudTrailAuthorization('GetTrail', { Name: 'main' }, services, call('eu-west-1')), {
      targets: [{ resource: TRAIL }],
    });
    assert.deepEqual(cloudTrailAuthorization('GetTrail', { Name: 'gone' }, services, call('eu-west-1')), {
      targets: [{ resource: `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/gone` }],
    });
    assert.deepEqual(cloudTrailAuthorization('GetTrailStatus', { Name: 'x' }, services, call('cn-north-1')), {
      targets: [{ resource: `arn:aws-cn:cloudtrail:cn-north-1:${ACCOUNT}:trail/x` }],
    });
  });

  it('authorizes the actions without a resource type on *', () => {
    for (const name of ['DescribeTrails', 'ListTrails', 'LookupEvents', 'ListEventDataStores'] as const) {
      assert.deepEqual(cloudTrailAuthorization(name, {}, services, call()), {});
    }
  });

  it('adds cloudtrail:AddTags for a create with tags, and the tags as request tags', () => {
    const created = cloudTrailAuthorization(
      'CreateTrail',
      { Name: 'new', S3BucketName: 'b', TagsList: [{ Key: 'team', Value: 'sec' }] },
      services,
      call(),
    );
    const arn = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/new`;
    assert.deepEqual(created, {
      targets: [{ resource: arn }, { action: 'cloudtrail:AddTags', resource: arn }],
      requestTags: { team: 'sec' },
    });
  });

  it('resolves event data stores by ID, and a query to the stores it reads', () => {
    assert.deepEqual(
      cloudTrailAuthorization('GetEventDataStore', { EventDataStore: STORE_ID }, services, call()),
      {
        targets: [{ resource: STORE }],
      },
    );
    assert.deepEqual(
      cloudTrailAuthorization(
        'StartQuery',
        { QueryStatement: `SELECT eventName FROM ${STORE_ID}` },
        services,
        call(),
      ),
      { targets: [{ resource: STORE }] },
    );
    assert.deepEqual(cloudTrailAuthorization('GetQueryResults', { QueryId: STORE_ID }, services, call()), {
      targets: [{ resource: STORE }],
    });
  });

  it('marks StopLogging, DeleteTrail, DeleteEventDataStore, StopEventDataStoreIngestion and DeleteChannel destructive', () => {
    const cases = [
      ['StopLogging', { Name: 'main' }],
      ['DeleteTrail', { Name: 'main' }],
      ['DeleteEventDataStore', { EventDataStore: STORE }],
      ['StopEventDataStoreIngestion', { EventDataStore: STORE }],
      ['DeleteChannel', { Channel: 'c1' }],
    ] as const;
    for (const [name, input] of cases) {
      assert.equal(cloudTrailAuthorization(name, input, services, call()).destructive, true, name);
    }
    assert.notEqual(
      cloudTrailAuthorization('StartLogging', { Name: 'main' }, services, call()).destructive,
      true,
    );
  });

  it('marks an UpdateTrail destructive only when it weakens logging', () => {
    const update = (input: Record<string, unknown>) =>
      cloudTrailAuthorization('UpdateTrail', { Name: 'main', ...input }, services, call()).destructive;
    assert.equal(update({ IsMultiRegionTrail: false }), true);
    assert.equal(update({ IncludeGlobalServiceEvents: false }), true);
    assert.equal(update({ EnableLogFileValidation: false }), true);
    assert.equal(update({ S3BucketName: 'elsewhere' }), true);
    assert.equal(update({ S3BucketName: 'logs', EnableLogFileValidation: true }), false);
    assert.equal(update({ S3KeyPrefix: 'p/' }), false);
  });

  it('marks an UpdateEventDataStore destructive when it shortens retention or drops termination protection', () => {
    const update = (input: Record<string, unknown>) =>
      cloudTrailAuthorization('UpdateEventDataStore', { EventDataStore: STORE, ...input }, services, call())
        .destructive;
    assert.equal(update({ RetentionPeriod: 7 }), true);
    assert.equal(update({ TerminationProtectionEnabled: false }), true);
    assert.equal(update({ RetentionPeriod: 3653 }), false);
    assert.equal(update({ Name: 'renamed' }), false);
  });

  it("hands the engine a store's, channel's or dashboard's resource policy, and another account's resource as that account's", () => {
    assert.deepEqual(
      cloudTrailAuthorization('GetEventDataStore', { EventDataStore: SHARED_STORE }, services, call()),
      { targets: [{ resource: SHARED_STORE, resourceAccount: OWNER, resourcePolicy: SHARED_POLICY }] },
    );
    assert.deepEqual(
      cloudTrailAuthorization(
        'StartQuery',
        {
          QueryStatement: `SELECT eventName FROM ${SHARED_STORE.slice(-36)}`,
          EventDataStoreOwnerAccountId: OWNER,
        },
        services,
        call(),
      ),
      { targets: [{ resource: SHARED_STORE, resourceAccount: OWNER, resourcePolicy: SHARED_POLICY }] },
    );
    const foreignChannel = `arn:aws:cloudtrail:us-east-1:${OWNER}:channel/c1`;
    assert.deepEqual(cloudTrailAuthorization('GetChannel', { Channel: foreignChannel }, services, call()), {
      targets: [{ resource: foreignChannel, resourceAccount: OWNER }],
    });
    assert.deepEqual(
      cloudTrailAuthorization('PutResourcePolicy', { ResourceArn: SHARED_STORE }, services, call()),
      { targets: [{ resource: SHARED_STORE, resourceAccount: OWNER, resourcePolicy: SHARED_POLICY }] },
    );
    // Trails take no resource policy: decided by the caller's own policies, as before.
    const foreignTrail = `arn:aws:cloudtrail:us-east-1:${OWNER}:trail/org`;
    assert.deepEqual(cloudTrailAuthorization('GetTrail', { Name: foreignTrail }, services, call()), {
      targets: [{ resource: foreignTrail }],
    });
  });
});
