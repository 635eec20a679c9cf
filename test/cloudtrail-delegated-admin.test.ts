/**
 * CloudTrail's organization delegated administrator through the AWS CLI v1 and v2 and the AWS SDK
 * for JavaScript v3, against the real server, as the CloudTrail User Guide ("Organization
 * delegated administrator") and API reference describe it: the management account registers a
 * member account (RegisterOrganizationDelegatedAdmin) and `organizations
 * list-delegated-administrators` shows it; the delegated administrator creates, starts, updates
 * and deletes organization trails and event data stores that belong to the management account
 * (their ARNs name it; names resolve to the caller's own trails only, so it names them by ARN),
 * but cannot convert them; a member that is not delegated cannot; deregistering ends it at once;
 * IAM still decides the delegated administrator's calls; the errors for an account outside the
 * organization, the management account itself, a second registration, a fourth one and a caller
 * that is not the management account; and the registration survives a restart (`opentrail orgs
 * list` shows it too).
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateEventDataStoreCommand,
  CreateTrailCommand,
  DeleteEventDataStoreCommand,
  DeleteTrailCommand,
  DeregisterOrganizationDelegatedAdminCommand,
  GetEventDataStoreCommand,
  GetEventSelectorsCommand,
  GetTrailCommand,
  ListEventDataStoresCommand,
  LookupEventsCommand,
  PutEventSelectorsCommand,
  RegisterOrganizationDelegatedAdminCommand,
  StopEventDataStoreIngestionCommand,
  StartEventDataStoreIngestionCommand,
  UpdateEventDataStoreCommand,
  type CloudTrailClient,
} from '@aws-sdk/client-cloudtrail';
import { LocalDirObjectStore } from '../src/local/index.ts';
import type { AccessKeyRecord } from '../src/iam/index.ts';
import type { Organization } from '../src/trails/index.ts';
import { addAccountKey, bootstrappedDataDir, writeOrganizations } from './helpers/accounts.ts';
import { awsCli, keyEnv } from './helpers/aws-cli.ts';
import { AWS_CLI_V1, AWS_CLI_V2, run } from './helpers/run.ts';
import { BIN, startTestServer, type TestServer } from './helpers/server.ts';
import { cloudTrailClient, errorOf } from './helpers/trails.ts';

const MANAGEMENT = '111111111111';
/** Registered as CloudTrail's delegated administrator by the tests. */
const DELEGATED = '222222222222';
/** A member account that is never delegated. */
const MEMBER = '333333333333';
/** Members with no keys: they fill the three places of the limit. */
const SPARE_1 = '444444444444';
const SPARE_2 = '555555555555';
const OUTSIDER = '999999999999';
const ORG_ID = 'o-delegate0001';
const REGION = 'us-east-1';
const BUCKET = 'org-logs';
const ORGANIZATION: Organization = {
  id: ORG_ID,
  managementAccountId: MANAGEMENT,
  memberAccountIds: [DELEGATED, MEMBER, SPARE_1, SPARE_2],
};

const trailArn = (name: string, account = MANAGEMENT): string =>
  `arn:aws:cloudtrail:${REGION}:${account}:trail/${name}`;

/**
 * How another account's call on an organization event data store it does not administer is
 * refused: across accounts the store's side must allow (a resource-based policy), so the
 * authorizer denies it; where it does not decide first, the store is not found in the caller's
 * reach.
 */
const REFUSED_STORE = new Set(['AccessDeniedException', 'EventDataStoreNotFoundException']);

interface AuditRecord {
  eventName: string;
  recipientAccountId: string;
  userIdentity: { accountId: string; arn: string };
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  errorCode?: string;
}

describe('CloudTrail organization delegated administrator', () => {
  let dataDir = '';
  let server: TestServer;
  let delegatedKey: AccessKeyRecord;
  let memberKey: AccessKeyRecord;
  let management: CloudTrailClient;
  let delegated: CloudTrailClient;
  let member: CloudTrailClient;

  const envOf = (key: { accessKeyId: string; secretAccessKey: string }): NodeJS.ProcessEnv =>
    keyEnv(server.awsEnv, key);
  const { cli, ok, fails } = awsCli(() => server);
  const listAdmins = async (bin: string, env?: NodeJS.ProcessEnv) =>
    (
      await ok<{ DelegatedAdministrators: Record<string, unknown>[] }>(
        bin,
        ['organizations', 'list-delegated-administrators', '--service-principal', 'cloudtrail.amazonaws.com'],
        env,
      )
    ).DelegatedAdministrators;

  const startServer = async (): Promise<void> => {
    server = await startTestServer({ dataDir, accountId: MANAGEMENT });
    management = cloudTrailClient(server, REGION);
    delegated = cloudTrailClient({ url: server.url, ...delegatedKey }, REGION);
    member = cloudTrailClient({ url: server.url, ...memberKey }, REGION);
  };
  const stopServer = async (): Promise<void> => {
    for (const client of [management, delegated, member]) client?.destroy();
    await server?.close();
  };

  before(async () => {
    // The member accounts need keys of their own: added while the server is stopped.
    dataDir = await bootstrappedDataDir({ accountId: MANAGEMENT });
    delegatedKey = await addAccountKey(dataDir, DELEGATED);
    memberKey = await addAccountKey(dataDir, MEMBER);
    await writeOrganizations(dataDir, ORGANIZATION);
    await startServer();
    await LocalDirObjectStore.createBucket(join(dataDir, 'buckets'), BUCKET);
  });
  after(async () => {
    await stopServer();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  for (const [label, bin] of [
    ['v1', AWS_CLI_V1],
    ['v2', AWS_CLI_V2],
  ] as const) {
    it(`AWS CLI ${label}: register, list, the delegated administrator manages an organization trail of the management account, deregister revokes`, async () => {
      const asDelegated = envOf(delegatedKey);
      const asMember = envOf(memberKey);
      const name = `org-trail-${label}`;
      const arn = trailArn(name);

      const registered = await cli(bin, [
        'cloudtrail',
        'register-organization-delegated-admin',
        '--member-account-id',
        DELEGATED,
      ]);
      assert.equal(registered.code, 0, registered.stderr);
      assert.equal(registered.stdout.trim(), '', 'the command produces no output when it succeeds');
      await fails(
        bin,
        ['cloudtrail', 'register-organization-delegated-admin', '--member-account-id', DELEGATED],
        'AccountRegisteredException',
      );

      const admins = await listAdmins(bin);
      assert.equal(admins.length, 1);
      assert.equal(admins[0]?.Id, DELEGATED);
      assert.equal(admins[0]?.Arn, `arn:aws:organizations::${MANAGEMENT}:account/${ORG_ID}/${DELEGATED}`);
      assert.equal(admins[0]?.Status, 'ACTIVE');
      assert.ok(admins[0]?.DelegationEnabledDate, 'DelegationEnabledDate is set');
      // The delegated administrator may list them too; another member may not.
      assert.equal((await listAdmins(bin, asDelegated))[0]?.Id, DELEGATED);
      await fails(bin, ['organizations', 'list-delegated-administrators'], 'AccessDeniedException', asMember);
      const services = await ok<{ DelegatedServices: Record<string, unknown>[] }>(bin, [
        'organizations',
        'list-delegated-services-for-account',
        '--account-id',
        DELEGATED,
      ]);
      assert.deepEqual(
        services.DelegatedServices.map((s) => s.ServicePrincipal),
        ['cloudtrail.amazonaws.com'],
      );
      await fails(
        bin,
        ['organizations', 'list-delegated-services-for-account', '--account-id', MEMBER],
        'AccountNotRegisteredException',
      );

      // The delegated administrator creates an organization trail: the management account's.
      const created = await ok<Record<string, unknown>>(
        bin,
        ['cloudtrail', 'create-trail', '--name', name, '--s3-bucket-name', BUCKET, '--is-organization-trail'],
        asDelegated,
      );
      assert.equal(created.TrailARN, arn);
      assert.equal(created.IsOrganizationTrail, true);
      const seen = await ok<{ Trail: Record<string, unknown> }>(bin, [
        'cloudtrail',
        'get-trail',
        '--name',
        name,
      ]);
      assert.equal(seen.Trail.TrailARN, arn, 'the management account finds it by name: it owns it');
      await fails(
        bin,
        ['cloudtrail', 'create-trail', '--name', name, '--s3-bucket-name', BUCKET, '--is-organization-trail'],
        'TrailAlreadyExistsException',
        asDelegated,
      );

      // Names resolve to the caller's own trails: the delegated administrator uses the ARN.
      await fails(
        bin,
        ['cloudtrail', 'start-logging', '--name', name],
        'TrailNotFoundException',
        asDelegated,
      );
      await ok(bin, ['cloudtrail', 'start-logging', '--name', arn], asDelegated);
      const status = await ok<{ IsLogging: boolean }>(bin, [
        'cloudtrail',
        'get-trail-status',
        '--name',
        name,
      ]);
      assert.equal(status.IsLogging, true);
      const updated = await ok<Record<string, unknown>>(
        bin,
        ['cloudtrail', 'update-trail', '--name', arn, '--no-enable-log-file-validation'],
        asDelegated,
      );
      assert.equal(updated.LogFileValidationEnabled, false);
      await fails(
        bin,
        ['cloudtrail', 'update-trail', '--name', arn, '--no-is-organization-trail'],
        'NotOrganizationMasterAccountException',
        asDelegated,
      );

      // A member that is not delegated can do neither.
      await fails(
        bin,
        [
          'cloudtrail',
          'create-trail',
          '--name',
          `m-${name}`,
          '--s3-bucket-name',
          BUCKET,
          '--is-organization-trail',
        ],
        'NotOrganizationMasterAccountException',
        asMember,
      );
      await fails(
        bin,
        ['cloudtrail', 'stop-logging', '--name', arn],
        'NotOrganizationMasterAccountException',
        asMember,
      );

      // Deregistering ends it at once; the trail stays, the management account's.
      const deregistered = await cli(bin, [
        'cloudtrail',
        'deregister-organization-delegated-admin',
        '--delegated-admin-account-id',
        DELEGATED,
      ]);
      assert.equal(deregistered.code, 0, deregistered.stderr);
      await fails(
        bin,
        ['cloudtrail', 'stop-logging', '--name', arn],
        'NotOrganizationMasterAccountException',
        asDelegated,
      );
      assert.equal(
        (await ok<{ IsLogging: boolean }>(bin, ['cloudtrail', 'get-trail-status', '--name', name])).IsLogging,
        true,
      );
      assert.deepEqual(await listAdmins(bin), []);
      await fails(
        bin,
        ['cloudtrail', 'deregister-organization-delegated-admin', '--delegated-admin-account-id', DELEGATED],
        'AccountNotRegisteredException',
      );
      await ok(bin, ['cloudtrail', 'delete-trail', '--name', name]);
    });
  }

  it('AWS CLI v2: the errors for an outsider, the management account, a fourth registration and a caller that is not the management account', async () => {
    const register = (account: string) => [
      'cloudtrail',
      'register-organization-delegated-admin',
      '--member-account-id',
      account,
    ];
    assert.match(
      await fails(AWS_CLI_V2, register(OUTSIDER), 'AccountNotFoundException'),
      /Account 999999999999 is not found or not part of organization o-delegate0001/,
    );
    await fails(AWS_CLI_V2, register(MANAGEMENT), 'CannotDelegateManagementAccountException');
    await fails(
      AWS_CLI_V2,
      register(MEMBER),
      'NotOrganizationManagementAccountException',
      envOf(delegatedKey),
    );
    for (const account of [DELEGATED, MEMBER, SPARE_1]) await ok(AWS_CLI_V2, register(account));
    assert.match(
      await fails(AWS_CLI_V2, register(SPARE_2), 'DelegatedAdminAccountLimitExceededException'),
      /maximum number of CloudTrail delegated administrators \(3\)/,
    );
    // A delegated administrator cannot register or remove others either.
    await fails(
      AWS_CLI_V2,
      ['cloudtrail', 'deregister-organization-delegated-admin', '--delegated-admin-account-id', MEMBER],
      'NotOrganizationManagementAccountException',
      envOf(delegatedKey),
    );
    for (const account of [DELEGATED, MEMBER, SPARE_1]) {
      await ok(AWS_CLI_V2, [
        'cloudtrail',
        'deregister-organization-delegated-admin',
        '--delegated-admin-account-id',
        account,
      ]);
    }
    await fails(
      AWS_CLI_V2,
      ['cloudtrail', 'deregister-organization-delegated-admin', '--delegated-admin-account-id', OUTSIDER],
      'AccountNotFoundException',
    );
  });

  it('SDK v3: InvalidParameterException for an ID that is not an account ID; OrganizationsNotInUseException outside an organization', async () => {
    const bad = await errorOf(
      management.send(new RegisterOrganizationDelegatedAdminCommand({ MemberAccountId: '12' })),
    );
    assert.equal(bad.name, 'InvalidParameterException');
    const missing = await errorOf(
      management.send(
        new DeregisterOrganizationDelegatedAdminCommand({} as { DelegatedAdminAccountId: string }),
      ),
    );
    assert.equal(missing.name, 'InvalidParameterException');
    await writeOrganizations(dataDir);
    try {
      const none = await errorOf(
        management.send(new RegisterOrganizationDelegatedAdminCommand({ MemberAccountId: DELEGATED })),
      );
      assert.equal(none.name, 'OrganizationsNotInUseException');
    } finally {
      await writeOrganizations(dataDir, ORGANIZATION);
    }
  });

  it('SDK v3: the delegated administrator manages an organization event data store and trail of the management account', async () => {
    await management.send(new RegisterOrganizationDelegatedAdminCommand({ MemberAccountId: DELEGATED }));
    const store = await delegated.send(
      new CreateEventDataStoreCommand({
        Name: 'org-lake',
        OrganizationEnabled: true,
        TerminationProtectionEnabled: false,
      }),
    );
    const storeArn = store.EventDataStoreArn ?? '';
    assert.match(
      storeArn,
      new RegExp(`^arn:aws:cloudtrail:${REGION}:${MANAGEMENT}:eventdatastore/[0-9a-f-]{36}$`),
    );
    assert.equal(store.OrganizationEnabled, true);
    const owned = await management.send(new ListEventDataStoresCommand({}));
    assert.ok(
      owned.EventDataStores?.some((s) => s.EventDataStoreArn === storeArn),
      'the management account owns the store',
    );
    const listed = await delegated.send(new ListEventDataStoresCommand({}));
    assert.ok(listed.EventDataStores?.some((s) => s.EventDataStoreArn === storeArn));
    assert.equal(
      (await delegated.send(new GetEventDataStoreCommand({ EventDataStore: storeArn }))).Name,
      'org-lake',
    );
    const longer = await delegated.send(
      new UpdateEventDataStoreCommand({ EventDataStore: storeArn, RetentionPeriod: 400 }),
    );
    assert.equal(longer.RetentionPeriod, 400);
    const convert = await errorOf(
      delegated.send(
        new UpdateEventDataStoreCommand({ EventDataStore: storeArn, OrganizationEnabled: false }),
      ),
    );
    assert.equal(convert.name, 'NotOrganizationMasterAccountException');
    await delegated.send(new StopEventDataStoreIngestionCommand({ EventDataStore: storeArn }));
    await delegated.send(new StartEventDataStoreIngestionCommand({ EventDataStore: storeArn }));
    const notMember = await errorOf(member.send(new GetEventDataStoreCommand({ EventDataStore: storeArn })));
    assert.ok(
      REFUSED_STORE.has(notMember.name),
      `a member that is not delegated is refused: ${notMember.name}`,
    );

    const trail = await delegated.send(
      new CreateTrailCommand({ Name: 'sdk-org-trail', S3BucketName: BUCKET, IsOrganizationTrail: true }),
    );
    assert.equal(trail.TrailARN, trailArn('sdk-org-trail'));
    const selectors = [{ ReadWriteType: 'WriteOnly' as const, IncludeManagementEvents: true }];
    await delegated.send(
      new PutEventSelectorsCommand({ TrailName: trail.TrailARN, EventSelectors: selectors }),
    );
    const read = await management.send(new GetEventSelectorsCommand({ TrailName: 'sdk-org-trail' }));
    assert.equal(read.EventSelectors?.[0]?.ReadWriteType, 'WriteOnly');

    // The delegated administrator's calls are recorded in its own account, naming what it made.
    const history = await delegated.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateTrail' }],
      }),
    );
    const record = (history.Events ?? [])
      .map((e) => JSON.parse(e.CloudTrailEvent ?? '{}') as AuditRecord)
      .find((r) => r.requestParameters?.name === 'sdk-org-trail');
    assert.ok(record, 'CreateTrail is in the delegated administrator account');
    assert.equal(record.userIdentity.accountId, DELEGATED);
    assert.equal(record.recipientAccountId, DELEGATED);
    assert.equal(record.responseElements?.trailARN, trailArn('sdk-org-trail'));

    await management.send(
      new DeregisterOrganizationDelegatedAdminCommand({ DelegatedAdminAccountId: DELEGATED }),
    );
    const gone = await errorOf(delegated.send(new GetEventDataStoreCommand({ EventDataStore: storeArn })));
    assert.ok(REFUSED_STORE.has(gone.name), `deregistering ends access to the store at once: ${gone.name}`);
    const refused = await errorOf(delegated.send(new DeleteTrailCommand({ Name: trail.TrailARN })));
    assert.equal(refused.name, 'NotOrganizationMasterAccountException');
    // The management account still owns both; a delegated administrator again can delete them.
    await management.send(new RegisterOrganizationDelegatedAdminCommand({ MemberAccountId: DELEGATED }));
    await delegated.send(new DeleteTrailCommand({ Name: trail.TrailARN }));
    await delegated.send(new DeleteEventDataStoreCommand({ EventDataStore: storeArn }));
    const deleted = await management.send(new GetEventDataStoreCommand({ EventDataStore: storeArn }));
    assert.equal(deleted.Status, 'PENDING_DELETION');
    const noTrail = await errorOf(management.send(new GetTrailCommand({ Name: 'sdk-org-trail' })));
    assert.equal(noTrail.name, 'TrailNotFoundException');
    await management.send(
      new DeregisterOrganizationDelegatedAdminCommand({ DelegatedAdminAccountId: DELEGATED }),
    );
  });

  it("IAM still decides the delegated administrator's calls: a read-only user of its account is denied", async () => {
    await management.send(new RegisterOrganizationDelegatedAdminCommand({ MemberAccountId: DELEGATED }));
    await delegated.send(
      new CreateTrailCommand({ Name: 'iam-org-trail', S3BucketName: BUCKET, IsOrganizationTrail: true }),
    );
    const asDelegated = envOf(delegatedKey);
    await ok(AWS_CLI_V2, ['iam', 'create-user', '--user-name', 'reader'], asDelegated);
    await ok(
      AWS_CLI_V2,
      [
        'iam',
        'attach-user-policy',
        '--user-name',
        'reader',
        '--policy-arn',
        'arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess',
      ],
      asDelegated,
    );
    const { AccessKey } = await ok<{ AccessKey: { AccessKeyId: string; SecretAccessKey: string } }>(
      AWS_CLI_V2,
      ['iam', 'create-access-key', '--user-name', 'reader'],
      asDelegated,
    );
    const asReader = envOf({
      accessKeyId: AccessKey.AccessKeyId,
      secretAccessKey: AccessKey.SecretAccessKey,
    });
    const arn = trailArn('iam-org-trail');
    const stderr = await fails(
      AWS_CLI_V2,
      ['cloudtrail', 'delete-trail', '--name', arn],
      'AccessDeniedException',
      asReader,
    );
    assert.match(
      stderr,
      new RegExp(
        `User: arn:aws:iam::${DELEGATED}:user/reader is not authorized to perform: cloudtrail:DeleteTrail on resource: ${arn.replace(/[/]/g, '\\/')}`,
      ),
    );
    const read = await ok<{ Trail: { TrailARN: string } }>(
      AWS_CLI_V2,
      ['cloudtrail', 'get-trail', '--name', arn],
      asReader,
    );
    assert.equal(read.Trail.TrailARN, arn);
    await delegated.send(new DeleteTrailCommand({ Name: arn }));
    await management.send(
      new DeregisterOrganizationDelegatedAdminCommand({ DelegatedAdminAccountId: DELEGATED }),
    );
  });

  it('the registration is recorded in the management account and survives a restart', async () => {
    const register = [
      'cloudtrail',
      'register-organization-delegated-admin',
      '--member-account-id',
      DELEGATED,
    ];
    await ok(AWS_CLI_V2, register);
    await fails(AWS_CLI_V2, register, 'AccountRegisteredException');
    const history = await management.send(
      new LookupEventsCommand({
        LookupAttributes: [
          { AttributeKey: 'EventName', AttributeValue: 'RegisterOrganizationDelegatedAdmin' },
        ],
      }),
    );
    const records = (history.Events ?? []).map((e) => JSON.parse(e.CloudTrailEvent ?? '{}') as AuditRecord);
    const done = records.find((r) => r.errorCode === undefined);
    assert.ok(done, 'a successful RegisterOrganizationDelegatedAdmin is recorded');
    assert.equal(done.recipientAccountId, MANAGEMENT);
    assert.deepEqual(done.requestParameters, { memberAccountId: DELEGATED });
    assert.ok(
      records.some((r) => r.errorCode === 'AccountRegisteredException'),
      'the refused second registration is recorded with its error code',
    );

    const listed = await run(process.execPath, [BIN, 'orgs', 'list', '--data-dir', dataDir]);
    assert.equal(
      listed.stdout,
      `${ORG_ID}\tmanagement ${MANAGEMENT}\tmembers ${[DELEGATED, MEMBER, SPARE_1, SPARE_2].join(',')}` +
        `\tcloudtrail delegated administrators ${DELEGATED}\n`,
    );

    await stopServer();
    await startServer();
    assert.equal((await listAdmins(AWS_CLI_V1))[0]?.Id, DELEGATED);
    const again = await errorOf(
      management.send(new RegisterOrganizationDelegatedAdminCommand({ MemberAccountId: DELEGATED })),
    );
    assert.equal(again.name, 'AccountRegisteredException');
  });
});
