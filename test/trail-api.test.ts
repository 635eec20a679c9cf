/**
 * The trail API (CreateTrail, UpdateTrail, DeleteTrail, GetTrail, DescribeTrails, ListTrails,
 * GetTrailStatus, StartLogging, StopLogging, PutEventSelectors, GetEventSelectors, AddTags,
 * RemoveTags, ListTags) through the AWS SDK for JavaScript v3 and the AWS CLI v1 and v2, against
 * the real server with embedded local buckets. Errors are checked by the AWS exception name the
 * clients read from `__type`. Every describe block starts its own server, so no block depends on
 * the trails another one left behind.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AddTagsCommand,
  CloudTrailServiceException,
  CreateTrailCommand,
  DeleteTrailCommand,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
  ListTagsCommand,
  ListTrailsCommand,
  LookupEventsCommand,
  PutEventSelectorsCommand,
  RemoveTagsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
  UpdateTrailCommand,
  type AdvancedEventSelector,
  type CloudTrailClient,
  type CreateTrailCommandInput,
  type EventSelector,
  type ReadWriteType,
  type Tag,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import type { CloudTrailRecord } from '../src/events/index.ts';
import { LocalDirObjectStore } from '../src/local/index.ts';
import { addAccountKey, bootstrappedDataDir, writeOrganizations } from './helpers/accounts.ts';
import { AWS_CLI_V1, AWS_CLI_V2, run } from './helpers/run.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { REGION as SIGNING_REGION, apiRequest, createSigner, signAndSend } from './helpers/signed-fetch.ts';
import { cloudTrailClient } from './helpers/trails.ts';

const ACCOUNT = '111122223333';
/** A second account: the member account of the organization tests. */
const MEMBER = '444455556666';
/** An account no server here knows. */
const STRANGER = '999988887777';
const BUCKET = 'trail-api-logs';
const ORG_ID = 'o-a1b2c3d4e5';

function arnOf(region: string, name: string, account = ACCOUNT): string {
  return `arn:aws:cloudtrail:${region}:${account}:trail/${name}`;
}

/** A response as it came over the wire, without the SDK's $metadata. */
function body<T extends { $metadata?: unknown }>(output: T): Omit<T, '$metadata'> {
  const { $metadata: _metadata, ...rest } = output;
  return rest;
}

/** Asserts the call fails with the AWS exception `code` (HTTP 400), optionally with a message. */
async function assertServiceError(call: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  let failure: unknown;
  try {
    await call;
  } catch (error) {
    failure = error;
  }
  assert.ok(failure !== undefined, `expected ${code}, but the call succeeded`);
  assert.ok(
    failure instanceof CloudTrailServiceException,
    `expected ${code}, got ${failure instanceof Error ? failure.stack : JSON.stringify(failure)}`,
  );
  assert.equal(failure.name, code, `expected ${code}, got ${failure.name}: ${failure.message}`);
  assert.equal(failure.$metadata.httpStatusCode, 400, `${code}: HTTP status`);
  if (message) assert.match(failure.message, message);
}

/** GetTrailStatus's TimeLogging* strings: ISO 8601 to the second. */
function isoSecond(date: Date | undefined): string {
  assert.ok(date instanceof Date, 'a logging time is set');
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function assertWithin(date: Date | undefined, fromMs: number, toMs: number, what: string): void {
  assert.ok(date instanceof Date, `${what} is set`);
  // The wire carries epoch seconds with milliseconds; allow for rounding of the last digit.
  assert.ok(
    date.getTime() >= fromMs - 1 && date.getTime() <= toMs + 1,
    `${what} ${date.toISOString()} is not between ${new Date(fromMs).toISOString()} and ${new Date(toMs).toISOString()}`,
  );
}

async function startServerWithBuckets(buckets: string[] = [BUCKET]): Promise<TestServer> {
  const server = await startTestServer({ accountId: ACCOUNT });
  for (const name of buckets) await LocalDirObjectStore.createBucket(join(server.dataDir, 'buckets'), name);
  return server;
}

/** What GetTrail/DescribeTrails answer for a trail made only of these members. */
function apiTrail(fields: {
  name: string;
  region: string;
  bucket?: string;
  prefix?: string;
  multiRegion: boolean;
  validation: boolean;
  custom?: boolean;
  organization?: boolean;
  account?: string;
}): Trail {
  return {
    Name: fields.name,
    S3BucketName: fields.bucket ?? BUCKET,
    ...(fields.prefix !== undefined ? { S3KeyPrefix: fields.prefix } : {}),
    IncludeGlobalServiceEvents: true,
    IsMultiRegionTrail: fields.multiRegion,
    HomeRegion: fields.region,
    TrailARN: arnOf(fields.region, fields.name, fields.account),
    LogFileValidationEnabled: fields.validation,
    HasCustomEventSelectors: fields.custom ?? false,
    HasInsightSelectors: false,
    IsOrganizationTrail: fields.organization ?? false,
  };
}

/** CreateTrail/UpdateTrail answer the configuration without HomeRegion and the Has* flags. */
function configurationOf(
  trail: Trail,
): Omit<Trail, 'HomeRegion' | 'HasCustomEventSelectors' | 'HasInsightSelectors'> {
  const {
    HomeRegion: _home,
    HasCustomEventSelectors: _custom,
    HasInsightSelectors: _insight,
    ...rest
  } = trail;
  return rest;
}

const DEFAULT_SELECTORS: EventSelector[] = [
  {
    ReadWriteType: 'All',
    IncludeManagementEvents: true,
    DataResources: [],
    ExcludeManagementEventSources: [],
  },
];

const ADVANCED_SELECTORS: AdvancedEventSelector[] = [
  {
    Name: 'Management writes',
    FieldSelectors: [
      { Field: 'eventCategory', Equals: ['Management'] },
      { Field: 'readOnly', Equals: ['false'] },
    ],
  },
  {
    Name: 'S3 objects of one bucket',
    FieldSelectors: [
      { Field: 'eventCategory', Equals: ['Data'] },
      { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
      { Field: 'resources.ARN', StartsWith: [`arn:aws:s3:::${BUCKET}/`] },
    ],
  },
];

describe('one trail through its whole life with the AWS SDK for JavaScript v3', () => {
  // The tests of this block run in order on the same trail.
  const REGION = 'eu-west-1';
  const NAME = 'audit-main';
  const ARN = arnOf(REGION, NAME);
  let server: TestServer;
  let ct: CloudTrailClient;
  let startedAt: Date | undefined;

  before(async () => {
    server = await startServerWithBuckets([BUCKET, 'trail-api-moved']);
    ct = cloudTrailClient(server, REGION);
  });
  after(async () => {
    ct?.destroy();
    await server?.dispose();
  });

  it('CreateTrail defaults to a multi-Region trail with log file validation (OpenTrail deviation: AWS defaults both to false)', async () => {
    const created = body(await ct.send(new CreateTrailCommand({ Name: 'defaults', S3BucketName: BUCKET })));
    assert.deepEqual(created, {
      Name: 'defaults',
      S3BucketName: BUCKET,
      IncludeGlobalServiceEvents: true,
      IsMultiRegionTrail: true,
      TrailARN: arnOf(REGION, 'defaults'),
      LogFileValidationEnabled: true,
      IsOrganizationTrail: false,
    });
    const { Trail: stored } = await ct.send(new GetTrailCommand({ Name: 'defaults' }));
    assert.equal(stored?.IsMultiRegionTrail, true, 'IsMultiRegionTrail defaults to true');
    assert.equal(stored?.LogFileValidationEnabled, true, 'LogFileValidationEnabled defaults to true');

    // Asked for explicitly, AWS's defaults are still there.
    const explicit = await ct.send(
      new CreateTrailCommand({
        Name: 'aws-defaults',
        S3BucketName: BUCKET,
        IsMultiRegionTrail: false,
        EnableLogFileValidation: false,
      }),
    );
    assert.equal(explicit.IsMultiRegionTrail, false);
    assert.equal(explicit.LogFileValidationEnabled, false);
    assert.equal(explicit.IncludeGlobalServiceEvents, true);

    await ct.send(new DeleteTrailCommand({ Name: 'defaults' }));
    await ct.send(new DeleteTrailCommand({ Name: 'aws-defaults' }));
  });

  it('CreateTrail answers with the configuration and TrailARN arn:aws:cloudtrail:<region>:<account>:trail/<name>', async () => {
    const created = body(
      await ct.send(
        new CreateTrailCommand({
          Name: NAME,
          S3BucketName: BUCKET,
          S3KeyPrefix: 'logs/main',
          IsMultiRegionTrail: false,
          IncludeGlobalServiceEvents: true,
          EnableLogFileValidation: true,
          TagsList: [{ Key: 'team', Value: 'security' }, { Key: 'env' }],
        }),
      ),
    );
    assert.equal(created.TrailARN, `arn:aws:cloudtrail:${REGION}:${server.accountId}:trail/${NAME}`);
    assert.deepEqual(
      created,
      configurationOf(
        apiTrail({ name: NAME, region: REGION, prefix: 'logs/main', multiRegion: false, validation: true }),
      ),
    );
  });

  it('GetTrail, DescribeTrails and ListTrails show it with HomeRegion and HasCustomEventSelectors false', async () => {
    const expected = apiTrail({
      name: NAME,
      region: REGION,
      prefix: 'logs/main',
      multiRegion: false,
      validation: true,
    });
    assert.deepEqual(body(await ct.send(new GetTrailCommand({ Name: NAME }))), { Trail: expected });
    assert.deepEqual(body(await ct.send(new GetTrailCommand({ Name: ARN }))), { Trail: expected });
    assert.deepEqual(body(await ct.send(new DescribeTrailsCommand({ trailNameList: [NAME] }))), {
      trailList: [expected],
    });
    assert.deepEqual(body(await ct.send(new DescribeTrailsCommand({}))), { trailList: [expected] });
    assert.deepEqual(body(await ct.send(new ListTrailsCommand({}))), {
      Trails: [{ TrailARN: ARN, Name: NAME, HomeRegion: REGION }],
    });
  });

  it('GetTrailStatus of a trail that never logged: IsLogging false, no times, empty attempt strings', async () => {
    assert.deepEqual(body(await ct.send(new GetTrailStatusCommand({ Name: NAME }))), {
      IsLogging: false,
      LatestDeliveryAttemptTime: '',
      LatestNotificationAttemptTime: '',
      LatestNotificationAttemptSucceeded: '',
      LatestDeliveryAttemptSucceeded: '',
      TimeLoggingStarted: '',
      TimeLoggingStopped: '',
    });
  });

  it('StartLogging sets IsLogging, StartLoggingTime and TimeLoggingStarted; a second StartLogging changes nothing', async () => {
    const fromMs = Date.now();
    assert.deepEqual(body(await ct.send(new StartLoggingCommand({ Name: NAME }))), {});
    const toMs = Date.now();
    const status = await ct.send(new GetTrailStatusCommand({ Name: NAME }));
    assert.equal(status.IsLogging, true);
    assertWithin(status.StartLoggingTime, fromMs, toMs, 'StartLoggingTime');
    assert.equal(status.TimeLoggingStarted, isoSecond(status.StartLoggingTime));
    assert.equal(status.StopLoggingTime, undefined);
    assert.equal(status.TimeLoggingStopped, '');
    startedAt = status.StartLoggingTime;

    await ct.send(new StartLoggingCommand({ Name: ARN }));
    const again = await ct.send(new GetTrailStatusCommand({ Name: ARN }));
    assert.equal(again.IsLogging, true);
    assert.deepEqual(
      again.StartLoggingTime,
      startedAt,
      'StartLogging on a logging trail keeps StartLoggingTime',
    );
  });

  it('GetEventSelectors shows the default selector; PutEventSelectors (basic) replaces it and flips HasCustomEventSelectors', async () => {
    assert.deepEqual(body(await ct.send(new GetEventSelectorsCommand({ TrailName: NAME }))), {
      TrailARN: ARN,
      EventSelectors: DEFAULT_SELECTORS,
    });
    const full: EventSelector = {
      ReadWriteType: 'WriteOnly',
      IncludeManagementEvents: true,
      DataResources: [{ Type: 'AWS::S3::Object', Values: [`arn:aws:s3:::${BUCKET}/`] }],
      ExcludeManagementEventSources: ['kms.amazonaws.com'],
    };
    const put = await ct.send(
      new PutEventSelectorsCommand({
        TrailName: NAME,
        EventSelectors: [full, { ReadWriteType: 'ReadOnly' }],
      }),
    );
    // Members left out are answered with AWS's defaults.
    const expected = [
      full,
      {
        ReadWriteType: 'ReadOnly',
        IncludeManagementEvents: true,
        DataResources: [],
        ExcludeManagementEventSources: [],
      },
    ];
    assert.deepEqual(body(put), { TrailARN: ARN, EventSelectors: expected });
    assert.deepEqual(body(await ct.send(new GetEventSelectorsCommand({ TrailName: ARN }))), {
      TrailARN: ARN,
      EventSelectors: expected,
    });
    const { Trail: trail } = await ct.send(new GetTrailCommand({ Name: NAME }));
    assert.equal(trail?.HasCustomEventSelectors, true, 'HasCustomEventSelectors after PutEventSelectors');
  });

  it('PutEventSelectors with advanced selectors replaces the basic ones; GetEventSelectors returns only AdvancedEventSelectors', async () => {
    const put = await ct.send(
      new PutEventSelectorsCommand({ TrailName: NAME, AdvancedEventSelectors: ADVANCED_SELECTORS }),
    );
    assert.deepEqual(body(put), { TrailARN: ARN, AdvancedEventSelectors: ADVANCED_SELECTORS });
    const got = body(await ct.send(new GetEventSelectorsCommand({ TrailName: NAME })));
    assert.deepEqual(got, { TrailARN: ARN, AdvancedEventSelectors: ADVANCED_SELECTORS });
    const { Trail: trail } = await ct.send(new GetTrailCommand({ Name: NAME }));
    assert.equal(trail?.HasCustomEventSelectors, true);
  });

  it("ListTags returns CreateTrail's TagsList; AddTags overwrites and appends; RemoveTags removes by key", async () => {
    const tagsOf = async (): Promise<Tag[] | undefined> => {
      const listed = await ct.send(new ListTagsCommand({ ResourceIdList: [ARN] }));
      assert.equal(listed.ResourceTagList?.length, 1);
      assert.equal(listed.ResourceTagList?.[0]?.ResourceId, ARN);
      return listed.ResourceTagList?.[0]?.TagsList;
    };
    assert.deepEqual(await tagsOf(), [{ Key: 'team', Value: 'security' }, { Key: 'env' }]);

    const added = await ct.send(
      new AddTagsCommand({
        ResourceId: ARN,
        TagsList: [
          { Key: 'team', Value: 'platform' },
          { Key: 'cost-center', Value: '4711' },
        ],
      }),
    );
    assert.deepEqual(body(added), {});
    assert.deepEqual(await tagsOf(), [
      { Key: 'team', Value: 'platform' },
      { Key: 'env' },
      { Key: 'cost-center', Value: '4711' },
    ]);

    const removed = await ct.send(
      new RemoveTagsCommand({
        ResourceId: ARN,
        TagsList: [{ Key: 'env' }, { Key: 'cost-center' }, { Key: 'absent' }],
      }),
    );
    assert.deepEqual(body(removed), {});
    assert.deepEqual(await tagsOf(), [{ Key: 'team', Value: 'platform' }]);
  });

  it('UpdateTrail changes only the members given, answers with the new configuration and keeps logging', async () => {
    const updated = await ct.send(
      new UpdateTrailCommand({
        Name: NAME,
        S3BucketName: 'trail-api-moved',
        // "" clears the prefix.
        S3KeyPrefix: '',
        EnableLogFileValidation: false,
        IsMultiRegionTrail: true,
      }),
    );
    const expected = apiTrail({
      name: NAME,
      region: REGION,
      bucket: 'trail-api-moved',
      multiRegion: true,
      validation: false,
      custom: true,
    });
    assert.deepEqual(body(updated), configurationOf(expected));
    assert.deepEqual(body(await ct.send(new GetTrailCommand({ Name: NAME }))), { Trail: expected });
    const status = await ct.send(new GetTrailStatusCommand({ Name: NAME }));
    assert.equal(status.IsLogging, true);
    assert.deepEqual(status.StartLoggingTime, startedAt);
  });

  it('StopLogging sets StopLoggingTime and TimeLoggingStopped and keeps StartLoggingTime', async () => {
    const fromMs = Date.now();
    assert.deepEqual(body(await ct.send(new StopLoggingCommand({ Name: NAME }))), {});
    const toMs = Date.now();
    const status = await ct.send(new GetTrailStatusCommand({ Name: NAME }));
    assert.equal(status.IsLogging, false);
    assertWithin(status.StopLoggingTime, fromMs, toMs, 'StopLoggingTime');
    assert.equal(status.TimeLoggingStopped, isoSecond(status.StopLoggingTime));
    assert.deepEqual(status.StartLoggingTime, startedAt);
    assert.equal(status.TimeLoggingStarted, isoSecond(startedAt));
    assert.ok((status.StopLoggingTime?.getTime() ?? 0) >= (startedAt?.getTime() ?? Infinity));
  });

  it('DeleteTrail removes it: GetTrail answers TrailNotFoundException, the lists are empty, its tags are gone', async () => {
    assert.deepEqual(body(await ct.send(new DeleteTrailCommand({ Name: ARN }))), {});
    await assertServiceError(
      ct.send(new GetTrailCommand({ Name: NAME })),
      'TrailNotFoundException',
      new RegExp(`^Unknown trail: ${ARN} for the user: ${ACCOUNT}$`),
    );
    assert.deepEqual(body(await ct.send(new ListTrailsCommand({}))), { Trails: [] });
    assert.deepEqual(body(await ct.send(new DescribeTrailsCommand({}))), { trailList: [] });
    await assertServiceError(
      ct.send(new ListTagsCommand({ ResourceIdList: [ARN] })),
      'ResourceNotFoundException',
    );
    await assertServiceError(ct.send(new DeleteTrailCommand({ Name: NAME })), 'TrailNotFoundException');
  });
});

describe('regions: names match only in the caller region, shadow trails are named by ARN', () => {
  let server: TestServer;
  let east: CloudTrailClient;
  let west: CloudTrailClient;
  const EVERYWHERE = arnOf('us-east-1', 'everywhere');
  const WEST_ONLY = arnOf('us-west-2', 'west-only');
  const everywhere = apiTrail({
    name: 'everywhere',
    region: 'us-east-1',
    multiRegion: true,
    validation: true,
  });
  const westOnly = apiTrail({ name: 'west-only', region: 'us-west-2', multiRegion: false, validation: true });

  before(async () => {
    server = await startServerWithBuckets();
    east = cloudTrailClient(server, 'us-east-1');
    west = cloudTrailClient(server, 'us-west-2');
    await east.send(new CreateTrailCommand({ Name: 'everywhere', S3BucketName: BUCKET }));
    await west.send(
      new CreateTrailCommand({ Name: 'west-only', S3BucketName: BUCKET, IsMultiRegionTrail: false }),
    );
  });
  after(async () => {
    east?.destroy();
    west?.destroy();
    await server?.dispose();
  });

  it('DescribeTrails in another region lists a multi-Region trail as its shadow: same TrailARN, HomeRegion and configuration', async () => {
    assert.deepEqual(body(await west.send(new DescribeTrailsCommand({}))), {
      trailList: [everywhere, westOnly],
    });
    const { Trail: home } = await east.send(new GetTrailCommand({ Name: 'everywhere' }));
    const { trailList } = await west.send(new DescribeTrailsCommand({ includeShadowTrails: true }));
    assert.deepEqual(
      trailList?.find((t) => t.TrailARN === EVERYWHERE),
      home,
      'the shadow trail equals the trail in its home region',
    );
    // A single-Region trail exists only in its own region.
    assert.deepEqual(body(await east.send(new DescribeTrailsCommand({}))), { trailList: [everywhere] });
  });

  it('DescribeTrails with includeShadowTrails false lists only the trails whose home is the caller region', async () => {
    assert.deepEqual(body(await west.send(new DescribeTrailsCommand({ includeShadowTrails: false }))), {
      trailList: [westOnly],
    });
    assert.deepEqual(body(await east.send(new DescribeTrailsCommand({ includeShadowTrails: false }))), {
      trailList: [everywhere],
    });
  });

  it('DescribeTrails matches names only in the caller region and ARNs of shadow trails, and leaves out unknown names', async () => {
    const described = async (client: CloudTrailClient, names: string[]): Promise<(string | undefined)[]> =>
      ((await client.send(new DescribeTrailsCommand({ trailNameList: names }))).trailList ?? []).map(
        (t) => t.TrailARN,
      );
    assert.deepEqual(await described(west, ['everywhere']), [], 'a shadow trail is not found by name');
    assert.deepEqual(await described(west, [EVERYWHERE]), [EVERYWHERE]);
    assert.deepEqual(await described(west, ['west-only', 'no-such-trail']), [WEST_ONLY]);
    assert.deepEqual(await described(east, ['west-only']), []);
    assert.deepEqual(await described(west, [EVERYWHERE, 'west-only', WEST_ONLY]), [EVERYWHERE, WEST_ONLY]);
    await assertServiceError(
      west.send(
        new DescribeTrailsCommand({ trailNameList: ['arn:aws:cloudtrail:us-east-1:1234:trail/everywhere'] }),
      ),
      'CloudTrailARNInvalidException',
    );
  });

  it('ListTrails lists the trails that exist in the caller region, shadow trails with their HomeRegion', async () => {
    assert.deepEqual(body(await west.send(new ListTrailsCommand({}))), {
      Trails: [
        { TrailARN: EVERYWHERE, Name: 'everywhere', HomeRegion: 'us-east-1' },
        { TrailARN: WEST_ONLY, Name: 'west-only', HomeRegion: 'us-west-2' },
      ],
    });
    assert.deepEqual(body(await east.send(new ListTrailsCommand({}))), {
      Trails: [{ TrailARN: EVERYWHERE, Name: 'everywhere', HomeRegion: 'us-east-1' }],
    });
  });

  it('GetTrail, GetTrailStatus and GetEventSelectors find a shadow trail by ARN, not by name', async () => {
    assert.deepEqual(body(await west.send(new GetTrailCommand({ Name: EVERYWHERE }))), { Trail: everywhere });
    assert.equal((await west.send(new GetTrailStatusCommand({ Name: EVERYWHERE }))).IsLogging, false);
    assert.deepEqual(body(await west.send(new GetEventSelectorsCommand({ TrailName: EVERYWHERE }))), {
      TrailARN: EVERYWHERE,
      EventSelectors: DEFAULT_SELECTORS,
    });
    await assertServiceError(
      west.send(new GetTrailCommand({ Name: 'everywhere' })),
      'TrailNotFoundException',
      new RegExp(`Unknown trail: ${arnOf('us-west-2', 'everywhere')} for the user: ${ACCOUNT}`),
    );
    await assertServiceError(
      west.send(new GetTrailStatusCommand({ Name: 'everywhere' })),
      'TrailNotFoundException',
    );
    await assertServiceError(east.send(new GetTrailCommand({ Name: 'west-only' })), 'TrailNotFoundException');
    await assertServiceError(
      east.send(new GetEventSelectorsCommand({ TrailName: 'west-only' })),
      'TrailNotFoundException',
    );
  });

  it('StartLogging, StopLogging, UpdateTrail, PutEventSelectors and DeleteTrail by ARN outside the home region answer InvalidHomeRegionException', async () => {
    const calls: [string, () => Promise<unknown>][] = [
      ['StartLogging', () => west.send(new StartLoggingCommand({ Name: EVERYWHERE }))],
      ['StopLogging', () => west.send(new StopLoggingCommand({ Name: EVERYWHERE }))],
      [
        'UpdateTrail',
        () => west.send(new UpdateTrailCommand({ Name: EVERYWHERE, EnableLogFileValidation: false })),
      ],
      [
        'PutEventSelectors',
        () =>
          west.send(
            new PutEventSelectorsCommand({
              TrailName: EVERYWHERE,
              AdvancedEventSelectors: ADVANCED_SELECTORS,
            }),
          ),
      ],
      ['DeleteTrail', () => west.send(new DeleteTrailCommand({ Name: EVERYWHERE }))],
    ];
    for (const [operation, call] of calls) {
      await assertServiceError(call(), 'InvalidHomeRegionException', /home region, us-east-1/).catch(
        (error: unknown) => {
          assert.fail(`${operation}: ${String(error)}`);
        },
      );
    }
    // Nothing changed in the home region.
    assert.deepEqual(body(await east.send(new GetTrailCommand({ Name: 'everywhere' }))), {
      Trail: everywhere,
    });
    assert.equal((await east.send(new GetTrailStatusCommand({ Name: 'everywhere' }))).IsLogging, false);
  });

  it('CreateTrail answers TrailAlreadyExistsException for a name taken in the region or by a multi-Region trail of another region', async () => {
    await assertServiceError(
      west.send(
        new CreateTrailCommand({ Name: 'everywhere', S3BucketName: BUCKET, IsMultiRegionTrail: false }),
      ),
      'TrailAlreadyExistsException',
      new RegExp(`^Trail everywhere already exists for customer: ${ACCOUNT}$`),
    );
    await assertServiceError(
      west.send(
        new CreateTrailCommand({ Name: 'west-only', S3BucketName: BUCKET, IsMultiRegionTrail: false }),
      ),
      'TrailAlreadyExistsException',
    );
    // A new multi-Region trail would have a shadow in us-west-2, where the name is taken.
    await assertServiceError(
      east.send(new CreateTrailCommand({ Name: 'west-only', S3BucketName: BUCKET })),
      'TrailAlreadyExistsException',
    );

    // Two single-Region trails of one name in two regions are two trails.
    const eastTwin = await east.send(
      new CreateTrailCommand({ Name: 'west-only', S3BucketName: BUCKET, IsMultiRegionTrail: false }),
    );
    assert.equal(eastTwin.TrailARN, arnOf('us-east-1', 'west-only'));
    assert.equal(
      (await east.send(new GetTrailCommand({ Name: 'west-only' }))).Trail?.HomeRegion,
      'us-east-1',
    );
    assert.equal(
      (await west.send(new GetTrailCommand({ Name: 'west-only' }))).Trail?.HomeRegion,
      'us-west-2',
    );
    await east.send(new DeleteTrailCommand({ Name: 'west-only' }));
    assert.deepEqual(body(await west.send(new GetTrailCommand({ Name: 'west-only' }))), { Trail: westOnly });
  });
});

describe('trail quotas: five trails per region, a multi-Region trail counting in every region', () => {
  let server: TestServer;
  let east: CloudTrailClient;
  let south: CloudTrailClient;
  let north: CloudTrailClient;
  const single = (name: string): CreateTrailCommand =>
    new CreateTrailCommand({ Name: name, S3BucketName: BUCKET, IsMultiRegionTrail: false });

  before(async () => {
    server = await startServerWithBuckets();
    east = cloudTrailClient(server, 'us-east-1');
    south = cloudTrailClient(server, 'ap-south-1');
    north = cloudTrailClient(server, 'eu-north-1');
  });
  after(async () => {
    for (const client of [east, south, north]) client?.destroy();
    await server?.dispose();
  });

  it('the sixth trail in a region answers MaximumNumberOfTrailsExceededException; other regions still accept trails', async () => {
    for (let i = 1; i <= 5; i++) await south.send(single(`south-${i}`));
    await assertServiceError(
      south.send(single('south-6')),
      'MaximumNumberOfTrailsExceededException',
      new RegExp(`^User: ${ACCOUNT} already has 5 trails in ap-south-1\\.$`),
    );
    await north.send(single('north-1'));
    assert.equal((await south.send(new ListTrailsCommand({}))).Trails?.length, 5);
  });

  it('a multi-Region trail needs room in every region and then takes a place in each', async () => {
    // ap-south-1 is full, so a multi-Region trail created in us-east-1 cannot have a shadow there.
    await assertServiceError(
      east.send(new CreateTrailCommand({ Name: 'global', S3BucketName: BUCKET })),
      'MaximumNumberOfTrailsExceededException',
      /already has 5 trails in ap-south-1/,
    );
    await south.send(new DeleteTrailCommand({ Name: 'south-5' }));
    await east.send(new CreateTrailCommand({ Name: 'global', S3BucketName: BUCKET }));
    // Four trails of its own and the shadow of 'global': ap-south-1 is full again.
    await assertServiceError(south.send(single('south-5')), 'MaximumNumberOfTrailsExceededException');
    // UpdateTrail counts the same way: north-1 made multi-Region would be a sixth trail in ap-south-1.
    await assertServiceError(
      north.send(new UpdateTrailCommand({ Name: 'north-1', IsMultiRegionTrail: true })),
      'MaximumNumberOfTrailsExceededException',
      /ap-south-1/,
    );
    assert.equal(
      (await north.send(new GetTrailCommand({ Name: 'north-1' }))).Trail?.IsMultiRegionTrail,
      false,
    );
  });
});

describe('CreateTrail and UpdateTrail refuse bad configurations with AWS exception names', () => {
  const REGION = SIGNING_REGION;
  let server: TestServer;
  let ct: CloudTrailClient;
  const create = (input: Partial<CreateTrailCommandInput>): Promise<unknown> =>
    ct.send(new CreateTrailCommand({ Name: 'refused', S3BucketName: BUCKET, ...input }));

  before(async () => {
    server = await startServerWithBuckets();
    ct = cloudTrailClient(server, REGION);
    await ct.send(new CreateTrailCommand({ Name: 'valid', S3BucketName: BUCKET }));
  });
  after(async () => {
    ct?.destroy();
    await server?.dispose();
  });

  it('InvalidTrailNameException for names that break the naming rules', async () => {
    const names = [
      '',
      'ab',
      'x'.repeat(129),
      'has space',
      '-leading-dash',
      'trailing-dash-',
      'double..period',
      'mixed_-separators',
      '192.168.1.1',
      'slash/name',
    ];
    for (const name of names) {
      await assertServiceError(create({ Name: name }), 'InvalidTrailNameException').catch((error: unknown) =>
        assert.fail(`CreateTrail ${JSON.stringify(name)}: ${String(error)}`),
      );
    }
    // The limits themselves are accepted.
    for (const name of ['abc', 'x'.repeat(128)]) {
      await create({ Name: name, IsMultiRegionTrail: false });
      await ct.send(new DeleteTrailCommand({ Name: name }));
    }
    await assertServiceError(
      ct.send(new GetTrailCommand({ Name: 'has space' })),
      'InvalidTrailNameException',
    );
  });

  it('CloudTrailARNInvalidException for a malformed trail ARN', async () => {
    for (const name of [
      'arn:aws:cloudtrail:us-east-1:1234:trail/valid',
      'arn:aws:s3:::trail-api-logs',
      `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:eventdatastore/valid`,
      `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/`,
    ]) {
      await assertServiceError(
        ct.send(new GetTrailCommand({ Name: name })),
        'CloudTrailARNInvalidException',
      ).catch((error: unknown) => assert.fail(`GetTrail ${name}: ${String(error)}`));
    }
    await assertServiceError(
      ct.send(new DeleteTrailCommand({ Name: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail` })),
      'CloudTrailARNInvalidException',
    );
  });

  it('TrailNotFoundException for every operation on an unknown trail', async () => {
    const name = 'no-such-trail';
    const calls: [string, () => Promise<unknown>][] = [
      ['GetTrail', () => ct.send(new GetTrailCommand({ Name: name }))],
      ['GetTrailStatus', () => ct.send(new GetTrailStatusCommand({ Name: name }))],
      ['UpdateTrail', () => ct.send(new UpdateTrailCommand({ Name: name, EnableLogFileValidation: false }))],
      ['DeleteTrail', () => ct.send(new DeleteTrailCommand({ Name: name }))],
      ['StartLogging', () => ct.send(new StartLoggingCommand({ Name: name }))],
      ['StopLogging', () => ct.send(new StopLoggingCommand({ Name: arnOf(REGION, name) }))],
      ['GetEventSelectors', () => ct.send(new GetEventSelectorsCommand({ TrailName: name }))],
      [
        'PutEventSelectors',
        () => ct.send(new PutEventSelectorsCommand({ TrailName: name, EventSelectors: DEFAULT_SELECTORS })),
      ],
      // A trail ARN of another account names no trail this caller can see.
      ['GetTrail', () => ct.send(new GetTrailCommand({ Name: arnOf(REGION, 'valid', STRANGER) }))],
    ];
    for (const [operation, call] of calls) {
      await assertServiceError(call(), 'TrailNotFoundException').catch((error: unknown) =>
        assert.fail(`${operation}: ${String(error)}`),
      );
    }
  });

  it('S3BucketDoesNotExistException for a bucket that does not exist, on CreateTrail and UpdateTrail', async () => {
    await assertServiceError(
      create({ S3BucketName: 'no-such-bucket-here' }),
      'S3BucketDoesNotExistException',
      /no-such-bucket-here/,
    );
    await assertServiceError(
      ct.send(new UpdateTrailCommand({ Name: 'valid', S3BucketName: 'no-such-bucket-here' })),
      'S3BucketDoesNotExistException',
    );
    assert.equal((await ct.send(new GetTrailCommand({ Name: 'valid' }))).Trail?.S3BucketName, BUCKET);
    await assertServiceError(create({ S3BucketName: 'Not_A_Bucket' }), 'InvalidS3BucketNameException');
  });

  it('InvalidS3PrefixException for a prefix over 200 characters or with empty segments', async () => {
    for (const prefix of ['p'.repeat(201), 'a//b', '/leading', 'trailing/', 'a/../b']) {
      await assertServiceError(create({ S3KeyPrefix: prefix }), 'InvalidS3PrefixException').catch(
        (error: unknown) => assert.fail(`S3KeyPrefix ${JSON.stringify(prefix)}: ${String(error)}`),
      );
    }
    await assertServiceError(
      ct.send(new UpdateTrailCommand({ Name: 'valid', S3KeyPrefix: 'p'.repeat(201) })),
      'InvalidS3PrefixException',
    );
    const longest = await ct.send(
      new UpdateTrailCommand({ Name: 'valid', S3KeyPrefix: `${'p'.repeat(190)}/deep/er` }),
    );
    assert.equal(longest.S3KeyPrefix?.length, 198);
  });

  it('InvalidParameterCombinationException for a multi-Region trail without global service events', async () => {
    await assertServiceError(
      create({ IsMultiRegionTrail: true, IncludeGlobalServiceEvents: false }),
      'InvalidParameterCombinationException',
      /^Multi-Region trail must include global service events\.$/,
    );
    // 'valid' is multi-Region: turning global service events off alone is refused too.
    await assertServiceError(
      ct.send(new UpdateTrailCommand({ Name: 'valid', IncludeGlobalServiceEvents: false })),
      'InvalidParameterCombinationException',
    );
    const single = await create({
      Name: 'no-global',
      IsMultiRegionTrail: false,
      IncludeGlobalServiceEvents: false,
    });
    assert.equal((single as { IncludeGlobalServiceEvents?: boolean }).IncludeGlobalServiceEvents, false);
    await ct.send(new DeleteTrailCommand({ Name: 'no-global' }));
  });

  it('InsufficientSnsTopicPolicyException for an SnsTopicName this server has no endpoint for', async () => {
    await assertServiceError(
      create({ SnsTopicName: 'not-configured' }),
      'InsufficientSnsTopicPolicyException',
    );
    await assertServiceError(
      ct.send(
        new UpdateTrailCommand({
          Name: 'valid',
          SnsTopicName: `arn:aws:sns:${REGION}:${ACCOUNT}:not-configured`,
        }),
      ),
      'InsufficientSnsTopicPolicyException',
    );
    await assertServiceError(create({ SnsTopicName: 'bad topic!' }), 'InvalidSnsTopicNameException');
  });

  it('CloudWatchLogsDeliveryUnavailableException for CloudWatch Logs, UnsupportedOperationException for KmsKeyId', async () => {
    const logs = {
      CloudWatchLogsLogGroupArn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:trail-logs:*`,
      CloudWatchLogsRoleArn: `arn:aws:iam::${ACCOUNT}:role/CloudTrailToCloudWatchLogs`,
    };
    await assertServiceError(create(logs), 'CloudWatchLogsDeliveryUnavailableException');
    await assertServiceError(
      ct.send(new UpdateTrailCommand({ Name: 'valid', ...logs })),
      'CloudWatchLogsDeliveryUnavailableException',
    );
    for (const key of [
      'alias/trail-key',
      '12345678-1234-1234-1234-123456789012',
      `arn:aws:kms:${REGION}:${ACCOUNT}:alias/x`,
    ]) {
      await assertServiceError(create({ KmsKeyId: key }), 'UnsupportedOperationException', /KmsKeyId/);
    }
    await assertServiceError(
      ct.send(new UpdateTrailCommand({ Name: 'valid', KmsKeyId: 'alias/trail-key' })),
      'UnsupportedOperationException',
    );
    await assertServiceError(create({ KmsKeyId: 'not a key' }), 'InvalidKmsKeyIdException');
    // A log group without its role is refused before anything else.
    await assertServiceError(
      create({ CloudWatchLogsLogGroupArn: logs.CloudWatchLogsLogGroupArn }),
      'InvalidCloudWatchLogsRoleArnException',
    );
  });

  it('OrganizationsNotInUseException for IsOrganizationTrail outside an organization, NotOrganizationMasterAccountException in a member account', async () => {
    await assertServiceError(create({ IsOrganizationTrail: true }), 'OrganizationsNotInUseException');
    await assertServiceError(
      ct.send(new UpdateTrailCommand({ Name: 'valid', IsOrganizationTrail: true })),
      'OrganizationsNotInUseException',
    );
    const path = join(server.dataDir, 'organizations.json');
    await writeFile(
      path,
      JSON.stringify({
        organizations: [{ id: ORG_ID, managementAccountId: STRANGER, memberAccountIds: [ACCOUNT] }],
      }),
    );
    try {
      await assertServiceError(
        create({ IsOrganizationTrail: true }),
        'NotOrganizationMasterAccountException',
      );
      await assertServiceError(
        ct.send(new UpdateTrailCommand({ Name: 'valid', IsOrganizationTrail: true })),
        'NotOrganizationMasterAccountException',
      );
    } finally {
      await rm(path, { force: true });
    }
  });

  it('InvalidTagParameterException and TagsLimitExceededException for the TagsList of CreateTrail', async () => {
    await assertServiceError(
      create({ TagsList: [{ Key: 'aws:owner', Value: 'x' }] }),
      'InvalidTagParameterException',
    );
    const tags = Array.from({ length: 51 }, (_, i) => ({ Key: `key-${i}`, Value: `${i}` }));
    await assertServiceError(create({ TagsList: tags }), 'TagsLimitExceededException', /at most 50/).catch(
      (error: unknown) => assert.fail(`CreateTrail with 51 tags (AWS allows 50 per trail): ${String(error)}`),
    );
    await assertServiceError(ct.send(new GetTrailCommand({ Name: 'refused' })), 'TrailNotFoundException');
    // Fifty is the limit, not over it.
    await create({ Name: 'fifty-tags', IsMultiRegionTrail: false, TagsList: tags.slice(0, 50) });
    const listed = await ct.send(new ListTagsCommand({ ResourceIdList: [arnOf(REGION, 'fifty-tags')] }));
    assert.deepEqual(listed.ResourceTagList?.[0]?.TagsList, tags.slice(0, 50));
    await ct.send(new DeleteTrailCommand({ Name: 'fifty-tags' }));
  });

  it('nothing refused above was created or changed', async () => {
    assert.deepEqual(
      ((await ct.send(new ListTrailsCommand({}))).Trails ?? []).map((t) => t.Name),
      ['valid'],
    );
    const { Trail: trail } = await ct.send(new GetTrailCommand({ Name: 'valid' }));
    assert.deepEqual(trail, {
      ...apiTrail({ name: 'valid', region: REGION, multiRegion: true, validation: true }),
      S3KeyPrefix: `${'p'.repeat(190)}/deep/er`,
    });
  });

  it('errors go over the wire as AWS JSON 1.1 errors: HTTP 400, __type and x-amzn-errortype', async () => {
    const signer = createSigner({ accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey });
    for (const [operation, input, code] of [
      ['GetTrail', { Name: 'no-such-trail' }, 'TrailNotFoundException'],
      ['CreateTrail', { Name: 'x', S3BucketName: BUCKET }, 'InvalidTrailNameException'],
      ['DescribeTrails', { trailNameList: ['arn:aws:cloudtrail:x'] }, 'CloudTrailARNInvalidException'],
    ] as const) {
      const response = await signAndSend(
        server.url,
        signer,
        apiRequest(server.url, operation, JSON.stringify(input)),
      );
      assert.equal(response.status, 400, response.text);
      assert.equal(response.headers.get('x-amzn-errortype'), code);
      const error = JSON.parse(response.text) as { __type?: string; message?: string };
      assert.equal(error.__type, code, response.text);
      assert.ok(typeof error.message === 'string' && error.message.length > 0, response.text);
    }
  });
});

describe('PutEventSelectors refuses invalid selectors with InvalidEventSelectorsException', () => {
  let server: TestServer;
  let ct: CloudTrailClient;
  const NAME = 'selectors';

  before(async () => {
    server = await startServerWithBuckets();
    ct = cloudTrailClient(server, 'us-east-1');
    await ct.send(new CreateTrailCommand({ Name: NAME, S3BucketName: BUCKET }));
  });
  after(async () => {
    ct?.destroy();
    await server?.dispose();
  });

  it('refuses bad basic selectors, bad advanced selectors, both kinds and neither, and changes nothing', async () => {
    const basic = (selectors: EventSelector[]): PutEventSelectorsCommand =>
      new PutEventSelectorsCommand({ TrailName: NAME, EventSelectors: selectors });
    const advanced = (selectors: AdvancedEventSelector[]): PutEventSelectorsCommand =>
      new PutEventSelectorsCommand({ TrailName: NAME, AdvancedEventSelectors: selectors });
    const cases: [string, PutEventSelectorsCommand, RegExp?][] = [
      ['six basic selectors', basic(Array.from({ length: 6 }, () => ({ ReadWriteType: 'All' }))), /1 to 5/],
      ['no basic selector', basic([])],
      [
        'ReadWriteType Sometimes',
        basic([{ ReadWriteType: 'Sometimes' as ReadWriteType }]),
        /Value Sometimes for ReadWriteType is invalid/,
      ],
      [
        'a data resource type basic selectors do not take',
        basic([{ DataResources: [{ Type: 'AWS::EC2::Instance', Values: ['arn:aws:ec2'] }] }]),
      ],
      [
        'a bucket ARN without the slash',
        basic([{ DataResources: [{ Type: 'AWS::S3::Object', Values: [`arn:aws:s3:::${BUCKET}`] }] }]),
        /DataResources\.Values is invalid/,
      ],
      [
        'an excluded source other than KMS or RDS Data',
        basic([{ ExcludeManagementEventSources: ['s3.amazonaws.com'] }]),
      ],
      [
        'both kinds',
        new PutEventSelectorsCommand({
          TrailName: NAME,
          EventSelectors: DEFAULT_SELECTORS,
          AdvancedEventSelectors: ADVANCED_SELECTORS,
        }),
        /not both/,
      ],
      ['neither kind', new PutEventSelectorsCommand({ TrailName: NAME })],
      [
        'an event data store category',
        advanced([{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Insight'] }] }]),
      ],
      [
        'an unknown field',
        advanced([
          {
            FieldSelectors: [
              { Field: 'eventCategory', Equals: ['Management'] },
              { Field: 'bogusField', Equals: ['x'] },
            ],
          },
        ]),
      ],
      ['no eventCategory', advanced([{ FieldSelectors: [{ Field: 'readOnly', Equals: ['true'] }] }])],
      [
        'data events without resources.type',
        advanced([{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }] }]),
      ],
    ];
    for (const [what, command, message] of cases) {
      await assertServiceError(ct.send(command), 'InvalidEventSelectorsException', message).catch(
        (error: unknown) => assert.fail(`${what}: ${String(error)}`),
      );
    }
    assert.deepEqual(body(await ct.send(new GetEventSelectorsCommand({ TrailName: NAME }))), {
      TrailARN: arnOf('us-east-1', NAME),
      EventSelectors: DEFAULT_SELECTORS,
    });
    assert.equal((await ct.send(new GetTrailCommand({ Name: NAME }))).Trail?.HasCustomEventSelectors, false);
  });
});

describe('AddTags, RemoveTags and ListTags refuse bad tags and unknown resources', () => {
  const REGION = 'us-east-1';
  const NAME = 'tagged';
  const ARN = arnOf(REGION, NAME);
  let server: TestServer;
  let ct: CloudTrailClient;
  const addTags = (tags: Tag[], resourceId = ARN): Promise<unknown> =>
    ct.send(new AddTagsCommand({ ResourceId: resourceId, TagsList: tags }));
  const tagKeys = async (): Promise<(string | undefined)[]> =>
    (
      (await ct.send(new ListTagsCommand({ ResourceIdList: [ARN] }))).ResourceTagList?.[0]?.TagsList ?? []
    ).map((t) => t.Key);

  before(async () => {
    server = await startServerWithBuckets();
    ct = cloudTrailClient(server, REGION);
    await ct.send(
      new CreateTrailCommand({
        Name: NAME,
        S3BucketName: BUCKET,
        TagsList: [{ Key: 'owner', Value: 'alice' }],
      }),
    );
  });
  after(async () => {
    ct?.destroy();
    await server?.dispose();
  });

  it('InvalidTagParameterException for reserved, empty, malformed, too long and repeated keys and values', async () => {
    const cases: [string, Tag[]][] = [
      ['the reserved prefix aws:', [{ Key: 'aws:createdBy', Value: 'x' }]],
      ['an empty key', [{ Key: '', Value: 'x' }]],
      ['a key with #', [{ Key: 'bad#key', Value: 'x' }]],
      ['a key of 129 characters', [{ Key: 'k'.repeat(129), Value: 'x' }]],
      ['a value of 257 characters', [{ Key: 'k', Value: 'v'.repeat(257) }]],
      [
        'one key twice',
        [
          { Key: 'dup', Value: '1' },
          { Key: 'dup', Value: '2' },
        ],
      ],
    ];
    for (const [what, tags] of cases) {
      await assertServiceError(addTags(tags), 'InvalidTagParameterException').catch((error: unknown) =>
        assert.fail(`AddTags with ${what}: ${String(error)}`),
      );
    }
    await assertServiceError(
      ct.send(new RemoveTagsCommand({ ResourceId: ARN, TagsList: [{ Key: 'aws:createdBy' }] })),
      'InvalidTagParameterException',
    );
    assert.deepEqual(await tagKeys(), ['owner']);
  });

  it('TagsLimitExceededException when a trail would have more than 50 tags; nothing is added then', async () => {
    const tags = (from: number, count: number): Tag[] =>
      Array.from({ length: count }, (_, i) => ({ Key: `k${from + i}`, Value: 'v' }));
    await assertServiceError(addTags(tags(1, 50)), 'TagsLimitExceededException');
    assert.deepEqual(await tagKeys(), ['owner']);
    await addTags(tags(1, 49));
    assert.equal((await tagKeys()).length, 50);
    await assertServiceError(addTags(tags(50, 1)), 'TagsLimitExceededException');
    // Overwriting a key does not add a tag.
    await addTags([{ Key: 'owner', Value: 'bob' }]);
    assert.equal((await tagKeys()).length, 50);
  });

  it('ResourceNotFoundException for an unknown trail ARN; CloudTrailARNInvalidException for another account or region', async () => {
    for (const [arn, code] of [
      [arnOf(REGION, 'ghost'), 'ResourceNotFoundException'],
      [arnOf(REGION, NAME, STRANGER), 'CloudTrailARNInvalidException'],
      [arnOf('eu-west-1', NAME), 'CloudTrailARNInvalidException'],
    ] as const) {
      await assertServiceError(addTags([{ Key: 'a', Value: 'b' }], arn), code);
      await assertServiceError(
        ct.send(new RemoveTagsCommand({ ResourceId: arn, TagsList: [{ Key: 'a' }] })),
        code,
      );
      await assertServiceError(ct.send(new ListTagsCommand({ ResourceIdList: [ARN, arn] })), code);
    }
  });

  it('CloudTrailARNInvalidException for a ResourceId that is not a CloudTrail ARN', async () => {
    await assertServiceError(addTags([{ Key: 'a', Value: 'b' }], NAME), 'CloudTrailARNInvalidException');
    await assertServiceError(
      ct.send(new ListTagsCommand({ ResourceIdList: [`arn:aws:s3:::${BUCKET}`] })),
      'CloudTrailARNInvalidException',
    );
  });
});

describe('organization trails between a management account and a member account', () => {
  let dataDir: string;
  let server: TestServer;
  let management: CloudTrailClient;
  let member: CloudTrailClient;
  let memberWest: CloudTrailClient;
  const ORG_TRAIL = arnOf('us-east-1', 'org-trail');
  const writeOrganization = (): Promise<void> =>
    writeOrganizations(dataDir, { id: ORG_ID, managementAccountId: ACCOUNT, memberAccountIds: [MEMBER] });

  before(async () => {
    // OpenTrail has no API for a second account: add one to the identity store of a stopped
    // server, and the next start loads its key.
    dataDir = await bootstrappedDataDir({ accountId: ACCOUNT });
    const key = await addAccountKey(dataDir, MEMBER);
    server = await startTestServer({ dataDir, accountId: ACCOUNT });
    await LocalDirObjectStore.createBucket(join(dataDir, 'buckets'), BUCKET);
    management = cloudTrailClient(server, 'us-east-1');
    member = cloudTrailClient({ url: server.url, ...key }, 'us-east-1');
    memberWest = cloudTrailClient({ url: server.url, ...key }, 'us-west-2');
  });
  after(async () => {
    for (const client of [management, member, memberWest]) client?.destroy();
    await server?.dispose();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('two accounts keep their own trails: one name in both, no sight of the other account', async () => {
    const mine = await management.send(new CreateTrailCommand({ Name: 'same-name', S3BucketName: BUCKET }));
    const theirs = await member.send(new CreateTrailCommand({ Name: 'same-name', S3BucketName: BUCKET }));
    assert.equal(mine.TrailARN, arnOf('us-east-1', 'same-name', ACCOUNT));
    assert.equal(theirs.TrailARN, arnOf('us-east-1', 'same-name', MEMBER));
    assert.deepEqual(
      ((await member.send(new ListTrailsCommand({}))).Trails ?? []).map((t) => t.TrailARN),
      [theirs.TrailARN],
    );
    await assertServiceError(
      member.send(new GetTrailCommand({ Name: mine.TrailARN })),
      'TrailNotFoundException',
    );
    await assertServiceError(
      member.send(new StopLoggingCommand({ Name: mine.TrailARN })),
      'TrailNotFoundException',
    );
    await assertServiceError(
      member.send(new ListTagsCommand({ ResourceIdList: [mine.TrailARN ?? ''] })),
      'CloudTrailARNInvalidException',
    );
  });

  it('IsOrganizationTrail without an organization answers OrganizationsNotInUseException', async () => {
    await assertServiceError(
      management.send(
        new CreateTrailCommand({ Name: 'org-trail', S3BucketName: BUCKET, IsOrganizationTrail: true }),
      ),
      'OrganizationsNotInUseException',
    );
  });

  it('a member account cannot create an organization trail: NotOrganizationMasterAccountException', async () => {
    await writeOrganization();
    await assertServiceError(
      member.send(
        new CreateTrailCommand({ Name: 'member-org', S3BucketName: BUCKET, IsOrganizationTrail: true }),
      ),
      'NotOrganizationMasterAccountException',
    );
  });

  it('the member account sees the organization trail by ARN in DescribeTrails, ListTrails, GetTrail and GetTrailStatus', async () => {
    const created = await management.send(
      new CreateTrailCommand({ Name: 'org-trail', S3BucketName: BUCKET, IsOrganizationTrail: true }),
    );
    assert.equal(created.IsOrganizationTrail, true);
    assert.equal(created.TrailARN, ORG_TRAIL);
    await management.send(new StartLoggingCommand({ Name: 'org-trail' }));
    const expected = apiTrail({
      name: 'org-trail',
      region: 'us-east-1',
      multiRegion: true,
      validation: true,
      organization: true,
    });

    const { trailList } = await member.send(new DescribeTrailsCommand({}));
    assert.deepEqual(
      trailList?.find((t) => t.TrailARN === ORG_TRAIL),
      expected,
    );
    assert.deepEqual(body(await member.send(new GetTrailCommand({ Name: ORG_TRAIL }))), { Trail: expected });
    assert.ok(
      (await member.send(new ListTrailsCommand({}))).Trails?.some((t) => t.TrailARN === ORG_TRAIL),
      'ListTrails of the member lists the organization trail',
    );
    assert.equal((await member.send(new GetTrailStatusCommand({ Name: ORG_TRAIL }))).IsLogging, true);
    // A multi-Region organization trail exists in every region of the member account too.
    assert.deepEqual(body(await memberWest.send(new GetTrailCommand({ Name: ORG_TRAIL }))), {
      Trail: expected,
    });
    // Names match only the caller's own trails.
    await assertServiceError(
      member.send(new GetTrailCommand({ Name: 'org-trail' })),
      'TrailNotFoundException',
    );
  });

  it('the member account cannot stop, update, reselect or delete the organization trail', async () => {
    const calls: [string, () => Promise<unknown>][] = [
      ['StopLogging', () => member.send(new StopLoggingCommand({ Name: ORG_TRAIL }))],
      [
        'UpdateTrail',
        () => member.send(new UpdateTrailCommand({ Name: ORG_TRAIL, EnableLogFileValidation: false })),
      ],
      [
        'PutEventSelectors',
        () =>
          member.send(
            new PutEventSelectorsCommand({ TrailName: ORG_TRAIL, EventSelectors: DEFAULT_SELECTORS }),
          ),
      ],
      ['DeleteTrail', () => member.send(new DeleteTrailCommand({ Name: ORG_TRAIL }))],
    ];
    for (const [operation, call] of calls) {
      await assertServiceError(call(), 'NotOrganizationMasterAccountException').catch((error: unknown) =>
        assert.fail(`${operation}: ${String(error)}`),
      );
    }
    const status = await management.send(new GetTrailStatusCommand({ Name: 'org-trail' }));
    assert.equal(status.IsLogging, true, 'the organization trail is still logging');
    assert.equal(
      (await management.send(new GetTrailCommand({ Name: 'org-trail' }))).Trail?.LogFileValidationEnabled,
      true,
    );
  });
});

describe('trail changes are self-audited in Event history', () => {
  const REGION = 'ca-central-1';
  let server: TestServer;
  let ct: CloudTrailClient;

  before(async () => {
    server = await startServerWithBuckets();
    ct = cloudTrailClient(server, REGION);
  });
  after(async () => {
    ct?.destroy();
    await server?.dispose();
  });

  const recordsNamed = async (eventName: string): Promise<CloudTrailRecord[]> => {
    const { Events: events = [] } = await ct.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: eventName }],
      }),
    );
    return events.map((e) => JSON.parse(e.CloudTrailEvent ?? 'null') as CloudTrailRecord);
  };

  it('LookupEvents EventName=CreateTrail finds the call with requestParameters and responseElements in lower camel case', async () => {
    const arn = arnOf(REGION, 'audited');
    await ct.send(
      new CreateTrailCommand({
        Name: 'audited',
        S3BucketName: BUCKET,
        S3KeyPrefix: 'audit',
        IsMultiRegionTrail: false,
        IncludeGlobalServiceEvents: true,
        TagsList: [{ Key: 'team', Value: 'sec' }],
      }),
    );
    await assertServiceError(
      ct.send(new CreateTrailCommand({ Name: 'audited', S3BucketName: BUCKET, IsMultiRegionTrail: false })),
      'TrailAlreadyExistsException',
    );

    const records = await recordsNamed('CreateTrail');
    assert.equal(records.length, 2, 'both CreateTrail calls are recorded');
    const ok = records.find((r) => r.errorCode === undefined);
    const failed = records.find((r) => r.errorCode !== undefined);
    assert.ok(ok && failed);
    assert.equal(ok.eventSource, 'cloudtrail.amazonaws.com');
    assert.equal(ok.eventName, 'CreateTrail');
    assert.equal(ok.readOnly, false);
    assert.equal(ok.awsRegion, REGION);
    assert.equal(ok.recipientAccountId, ACCOUNT);
    assert.equal(ok.userIdentity?.accountId, ACCOUNT);
    assert.equal(ok.userIdentity?.accessKeyId, server.accessKeyId);
    assert.deepEqual(ok.requestParameters, {
      name: 'audited',
      s3BucketName: BUCKET,
      s3KeyPrefix: 'audit',
      isMultiRegionTrail: false,
      includeGlobalServiceEvents: true,
      tagsList: [{ key: 'team', value: 'sec' }],
    });
    assert.deepEqual(ok.responseElements, {
      name: 'audited',
      s3BucketName: BUCKET,
      s3KeyPrefix: 'audit',
      includeGlobalServiceEvents: true,
      isMultiRegionTrail: false,
      trailARN: arn,
      logFileValidationEnabled: true,
      isOrganizationTrail: false,
    });

    assert.equal(failed.errorCode, 'TrailAlreadyExistsException');
    assert.match(String(failed.errorMessage), /Trail audited already exists/);
    assert.equal(failed.responseElements, null);
  });

  it('StartLogging, StopLogging and DeleteTrail are recorded with the trail they named', async () => {
    const arn = arnOf(REGION, 'audited');
    await ct.send(new StartLoggingCommand({ Name: 'audited' }));
    await ct.send(new StopLoggingCommand({ Name: arn }));
    await ct.send(new DeleteTrailCommand({ Name: 'audited' }));
    for (const [eventName, name] of [
      ['StartLogging', 'audited'],
      ['StopLogging', arn],
      ['DeleteTrail', 'audited'],
    ] as const) {
      const records = await recordsNamed(eventName);
      assert.equal(records.length, 1, `${eventName} is recorded once`);
      assert.deepEqual(records[0]?.requestParameters, { name }, `${eventName} requestParameters`);
      assert.equal(records[0]?.responseElements, null, `${eventName} answered nothing`);
      assert.equal(records[0]?.readOnly, false);
    }
  });
});

/** True when `command` is an executable found on PATH. */
function onPath(command: string): boolean {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && existsSync(join(dir, command)));
}

interface CliTrail {
  Name: string;
  TrailARN: string;
  [member: string]: unknown;
}

interface CliStatus {
  IsLogging: boolean;
  /** v1 prints epoch seconds, v2 ISO 8601. */
  StartLoggingTime?: number | string;
  StopLoggingTime?: number | string;
  TimeLoggingStarted: string;
  TimeLoggingStopped: string;
}

function cliTimeMs(value: number | string | undefined, what: string): number {
  assert.ok(value !== undefined, `${what} is set`);
  return typeof value === 'number' ? Math.round(value * 1000) : Date.parse(value);
}

function secondIso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const CLIS = [
  {
    label: 'AWS CLI v1',
    bin: AWS_CLI_V1,
    skip: onPath(AWS_CLI_V1) ? false : `AWS CLI v1 (${AWS_CLI_V1}) is not on PATH`,
  },
  {
    label: 'AWS CLI v2',
    bin: AWS_CLI_V2,
    skip: existsSync(AWS_CLI_V2) ? false : `AWS CLI v2 is not installed at ${AWS_CLI_V2}`,
  },
];

describe('the AWS CLI v1 and v2 drive every trail operation', { concurrency: true }, () => {
  for (const cli of CLIS) {
    it(
      `${cli.label}: create-trail, start-logging, selectors, tags, update-trail, stop-logging, delete-trail and errors`,
      { skip: cli.skip },
      async () => {
        // Each CLI gets a server of its own; the calls of one round run side by side.
        const server = await startServerWithBuckets(['cli-logs']);
        const region = 'eu-west-1';
        const name = 'cli-trail';
        const arn = arnOf(region, name);
        const aws = (args: string[]): ReturnType<typeof run> =>
          run(
            cli.bin,
            ['cloudtrail', ...args, '--endpoint-url', server.url, '--region', region, '--output', 'json'],
            {
              env: server.awsEnv,
            },
          );
        const ok = async <T = Record<string, unknown>>(args: string[]): Promise<T> => {
          const result = await aws(args);
          assert.equal(
            result.code,
            0,
            `${cli.label} ${args.join(' ')} exited ${result.code}:\n${result.stderr}`,
          );
          return (result.stdout.trim() === '' ? {} : JSON.parse(result.stdout)) as T;
        };
        const fails = async (args: string[], code: string, operation: string): Promise<void> => {
          const result = await aws(args);
          assert.notEqual(result.code, 0, `${cli.label} ${args.join(' ')} exited 0:\n${result.stdout}`);
          assert.ok(
            result.stderr.includes(`(${code}) when calling the ${operation} operation`),
            `${cli.label} ${args.join(' ')}: expected ${code} in:\n${result.stderr}`,
          );
        };
        try {
          const createdFromMs = Date.now();
          const created = await ok<CliTrail>([
            'create-trail',
            '--name',
            name,
            '--s3-bucket-name',
            'cli-logs',
            '--s3-key-prefix',
            'cli',
            '--is-multi-region-trail',
            '--include-global-service-events',
            '--enable-log-file-validation',
            '--tags-list',
            'Key=team,Value=audit',
          ]);
          const configuration = {
            Name: name,
            S3BucketName: 'cli-logs',
            S3KeyPrefix: 'cli',
            IncludeGlobalServiceEvents: true,
            IsMultiRegionTrail: true,
            TrailARN: arn,
            LogFileValidationEnabled: true,
            IsOrganizationTrail: false,
          };
          assert.deepEqual(created, configuration);

          const [started, selected, tagged] = await Promise.all([
            ok(['start-logging', '--name', name]),
            ok([
              'put-event-selectors',
              '--trail-name',
              name,
              '--advanced-event-selectors',
              JSON.stringify(ADVANCED_SELECTORS),
            ]),
            ok(['add-tags', '--resource-id', arn, '--tags-list', 'Key=env,Value=test', 'Key=owner']),
          ]);
          const startedToMs = Date.now();
          assert.deepEqual(started, {});
          assert.deepEqual(selected, { TrailARN: arn, AdvancedEventSelectors: ADVANCED_SELECTORS });
          assert.deepEqual(tagged, {});

          const [status, described, listed, selectors, tags] = await Promise.all([
            ok<CliStatus>(['get-trail-status', '--name', name]),
            ok(['describe-trails', '--trail-name-list', name]),
            ok(['list-trails']),
            ok(['get-event-selectors', '--trail-name', arn]),
            ok(['list-tags', '--resource-id-list', arn]),
          ]);
          assert.equal(status.IsLogging, true);
          const startMs = cliTimeMs(status.StartLoggingTime, 'StartLoggingTime');
          assert.ok(startMs >= createdFromMs && startMs <= startedToMs + 1, `StartLoggingTime ${startMs}`);
          assert.equal(status.TimeLoggingStarted, secondIso(startMs));
          assert.equal(status.StopLoggingTime, undefined);
          assert.equal(status.TimeLoggingStopped, '');
          assert.deepEqual(described, {
            trailList: [
              {
                Name: name,
                S3BucketName: 'cli-logs',
                S3KeyPrefix: 'cli',
                IncludeGlobalServiceEvents: true,
                IsMultiRegionTrail: true,
                HomeRegion: region,
                TrailARN: arn,
                LogFileValidationEnabled: true,
                HasCustomEventSelectors: true,
                HasInsightSelectors: false,
                IsOrganizationTrail: false,
              },
            ],
          });
          assert.deepEqual(listed, { Trails: [{ TrailARN: arn, Name: name, HomeRegion: region }] });
          assert.deepEqual(selectors, { TrailARN: arn, AdvancedEventSelectors: ADVANCED_SELECTORS });
          assert.deepEqual(tags, {
            ResourceTagList: [
              {
                ResourceId: arn,
                TagsList: [{ Key: 'team', Value: 'audit' }, { Key: 'env', Value: 'test' }, { Key: 'owner' }],
              },
            ],
          });

          const stopFromMs = Date.now();
          const [updated, stopped, untagged] = await Promise.all([
            ok([
              'update-trail',
              '--name',
              name,
              '--s3-key-prefix',
              'cli-updated',
              '--no-enable-log-file-validation',
            ]),
            ok(['stop-logging', '--name', arn]),
            ok(['remove-tags', '--resource-id', arn, '--tags-list', 'Key=owner', 'Key=env']),
          ]);
          const stopToMs = Date.now();
          assert.deepEqual(updated, {
            ...configuration,
            S3KeyPrefix: 'cli-updated',
            LogFileValidationEnabled: false,
          });
          assert.deepEqual(stopped, {});
          assert.deepEqual(untagged, {});

          const [stoppedStatus, tagsAfter] = await Promise.all([
            ok<CliStatus>(['get-trail-status', '--name', name]),
            ok(['list-tags', '--resource-id-list', arn]),
            fails(
              [
                'put-event-selectors',
                '--trail-name',
                name,
                '--event-selectors',
                '[{"ReadWriteType":"Sometimes"}]',
              ],
              'InvalidEventSelectorsException',
              'PutEventSelectors',
            ),
          ]);
          assert.equal(stoppedStatus.IsLogging, false);
          const stopMs = cliTimeMs(stoppedStatus.StopLoggingTime, 'StopLoggingTime');
          assert.ok(stopMs >= stopFromMs && stopMs <= stopToMs + 1, `StopLoggingTime ${stopMs}`);
          assert.equal(stoppedStatus.TimeLoggingStopped, secondIso(stopMs));
          assert.equal(cliTimeMs(stoppedStatus.StartLoggingTime, 'StartLoggingTime'), startMs);
          assert.deepEqual(tagsAfter, {
            ResourceTagList: [{ ResourceId: arn, TagsList: [{ Key: 'team', Value: 'audit' }] }],
          });

          assert.deepEqual(await ok(['delete-trail', '--name', name]), {});

          const [listedAfter] = await Promise.all([
            ok(['list-trails']),
            fails(['get-trail-status', '--name', name], 'TrailNotFoundException', 'GetTrailStatus'),
            fails(
              ['create-trail', '--name', name, '--s3-bucket-name', 'no-such-bucket-here'],
              'S3BucketDoesNotExistException',
              'CreateTrail',
            ),
          ]);
          assert.deepEqual(listedAfter, { Trails: [] });
        } finally {
          await server.dispose();
        }
      },
    );
  }
});
