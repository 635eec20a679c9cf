/**
 * The account's root user against the real server, through the AWS CLI v1 and v2 and the SDK:
 * the bootstrap writes its key to <data-dir>/root-credentials (profile opentrail-root, 0600) next
 * to the admin's; GetCallerIdentity and GetUser answer the root ARN with the account ID as its
 * ID (STS and IAM API References); its calls are recorded with userIdentity type Root (CloudTrail
 * userIdentity element); MFA before destruction holds for it, and its own virtual MFA device gives
 * it a GetSessionToken session of at most one hour ("Sessions for AWS account owners are restricted
 * to a maximum of 3,600 seconds"); and an SCP limits a member account's root user ("SCPs affect
 * … the root user of member accounts").
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateVirtualMFADeviceCommand, EnableMFADeviceCommand, IAMClient } from '@aws-sdk/client-iam';
import { base32 } from '@scure/base';
import { ROOT_USER_NAME, type AccessKeyRecord } from '../src/iam/index.ts';
import { LocalDirObjectStore } from '../src/local/index.ts';
import {
  addAccountKey,
  addRootKey,
  attachDenyStopScp,
  bootstrappedDataDir,
  writeOrganizations,
} from './helpers/accounts.ts';
import { awsCli, keyEnv } from './helpers/aws-cli.ts';
import { stepNow, totp } from './helpers/mfa.ts';
import { AWS_CLI_V1, AWS_CLI_V2 } from './helpers/run.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

const ACCOUNT = '123456789012';

interface SessionCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: string;
}

interface Recorded {
  userIdentity: {
    type: string;
    principalId: string;
    arn: string;
    accountId: string;
    accessKeyId: string;
    userName?: string;
    sessionContext?: { attributes: { mfaAuthenticated: string } };
  };
  errorCode?: string;
}

/** Environment for the AWS CLI signing with the root user's key from <data-dir>/root-credentials. */
function rootEnv(server: TestServer): NodeJS.ProcessEnv {
  return {
    ...server.awsEnv,
    AWS_SHARED_CREDENTIALS_FILE: join(server.dataDir, 'root-credentials'),
    AWS_PROFILE: 'opentrail-root',
  };
}

function rootKeyOf(text: string): { accessKeyId: string; secretAccessKey: string } {
  const m = /^\[opentrail-root\]\naws_access_key_id = (\S+)\naws_secret_access_key = (\S+)\n$/.exec(text);
  assert.ok(m, `not a root-credentials file: ${text}`);
  return { accessKeyId: m[1]!, secretAccessKey: m[2]! };
}

describe('the root user of an account', () => {
  let server: TestServer;
  const { cli, ok, recordsNamed } = awsCli(() => server);
  /** The newest recorded call named `eventName` (LookupEvents, signed by the admin). */
  const lastRecorded = async (eventName: string): Promise<Recorded> => {
    const [record] = await recordsNamed<Recorded>(eventName);
    assert.ok(record, `no ${eventName} recorded`);
    return record;
  };

  before(async () => {
    server = await startTestServer({ accountId: ACCOUNT, requireMfaForDestruction: true });
    await LocalDirObjectStore.createBucket(join(server.dataDir, 'buckets'), 'root-logs');
    await ok(
      AWS_CLI_V2,
      ['cloudtrail', 'create-trail', '--name', 'main', '--s3-bucket-name', 'root-logs'],
      server.awsEnv,
    );
    await ok(AWS_CLI_V2, ['cloudtrail', 'start-logging', '--name', 'main'], server.awsEnv);
  });
  after(() => server.dispose());

  it('has its key in root-credentials (0600) beside the admin credentials, and is itself to STS and IAM', async () => {
    for (const name of ['credentials', 'root-credentials']) {
      const mode = (await stat(join(server.dataDir, name))).mode & 0o777;
      assert.equal(mode.toString(8), '600', name);
    }
    const rootKey = rootKeyOf(await readFile(join(server.dataDir, 'root-credentials'), 'utf8'));
    assert.notEqual(rootKey.accessKeyId, server.accessKeyId, 'not the admin key');
    assert.equal(server.rootCredentialsPath, join(server.dataDir, 'root-credentials'));

    for (const aws of [AWS_CLI_V1, AWS_CLI_V2]) {
      const identity = await ok<Record<string, string>>(aws, ['sts', 'get-caller-identity'], rootEnv(server));
      assert.deepEqual(
        identity,
        { UserId: ACCOUNT, Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:root` },
        aws,
      );
    }
    const user = await ok<{
      User: Record<string, string>;
    }>(AWS_CLI_V1, ['iam', 'get-user'], rootEnv(server));
    assert.equal(user.User.Arn, `arn:aws:iam::${ACCOUNT}:root`);
    assert.equal(user.User.UserId, ACCOUNT);
    assert.equal(user.User.UserName, undefined, 'the root user has no IAM user name');
    const keys = await ok<{
      AccessKeyMetadata: { AccessKeyId: string; Status: string; UserName?: string }[];
    }>(AWS_CLI_V2, ['iam', 'list-access-keys'], rootEnv(server));
    assert.deepEqual(
      keys.AccessKeyMetadata.map((k) => [k.AccessKeyId, k.Status, k.UserName]),
      [[rootKey.accessKeyId, 'Active', undefined]],
    );

    // The admin does not see the root key as its own, nor can it name the root user.
    const adminKeys = await ok<{
      AccessKeyMetadata: { AccessKeyId: string }[];
    }>(AWS_CLI_V2, ['iam', 'list-access-keys'], server.awsEnv);
    assert.deepEqual(
      adminKeys.AccessKeyMetadata.map((k) => k.AccessKeyId),
      [server.accessKeyId],
    );
    const denied = await cli(
      AWS_CLI_V2,
      ['iam', 'delete-access-key', '--access-key-id', rootKey.accessKeyId],
      server.awsEnv,
    );
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /NoSuchEntity/);

    // Its calls are recorded as the root user's (CLI v2's list-trails, looked up by the admin).
    await ok(AWS_CLI_V2, ['cloudtrail', 'list-trails'], rootEnv(server));
    const record = await lastRecorded('ListTrails');
    assert.deepEqual(record.userIdentity, {
      type: 'Root',
      principalId: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:root`,
      accountId: ACCOUNT,
      accessKeyId: rootKey.accessKeyId,
    });
    const byUsername = await ok<{ Events: { EventName: string }[] }>(
      AWS_CLI_V1,
      ['cloudtrail', 'lookup-events', '--lookup-attributes', 'AttributeKey=Username,AttributeValue=root'],
      server.awsEnv,
    );
    assert.ok(
      byUsername.Events.some((e) => e.EventName === 'ListTrails'),
      'Event history names the root user "root"',
    );
  });

  it('needs an MFA session for StopLogging, which its own virtual MFA device gives it (at most one hour)', async () => {
    const refused = await cli(AWS_CLI_V2, ['cloudtrail', 'stop-logging', '--name', 'main'], rootEnv(server));
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      new RegExp(
        `AccessDeniedException.*User: arn:aws:iam::${ACCOUNT}:root is not authorized to perform: cloudtrail:StopLogging.*MFA-authenticated session`,
        's',
      ),
    );

    // An IAM user, AdministratorAccess or not, cannot enable a device for the root user.
    const seedFile = join(server.dataDir, 'root-seed.txt');
    const created = await ok<{ VirtualMFADevice: { SerialNumber: string } }>(
      AWS_CLI_V1,
      [
        'iam',
        'create-virtual-mfa-device',
        '--virtual-mfa-device-name',
        'root-account-mfa-device',
        '--outfile',
        seedFile,
        '--bootstrap-method',
        'Base32StringSeed',
      ],
      rootEnv(server),
    );
    const serial = created.VirtualMFADevice.SerialNumber;
    assert.equal(serial, `arn:aws:iam::${ACCOUNT}:mfa/root-account-mfa-device`);
    const seed = base32.decode((await readFile(seedFile, 'utf8')).trim());
    const step = stepNow();
    const enable = ['iam', 'enable-mfa-device', '--user-name', ROOT_USER_NAME, '--serial-number', serial];
    const codes = [
      '--authentication-code1',
      totp(seed, step - 2),
      '--authentication-code2',
      totp(seed, step - 1),
    ];
    const byAdmin = await cli(AWS_CLI_V1, [...enable, ...codes], server.awsEnv);
    assert.notEqual(byAdmin.code, 0);
    assert.match(byAdmin.stderr, /ValidationError.*userName.*regular expression pattern/s);

    // The root user enables it for itself: `<root_account>`, as the AWS CLI needs a user name.
    await ok(AWS_CLI_V1, [...enable, ...codes], rootEnv(server));
    const listed = await ok<{
      MFADevices: { SerialNumber: string; UserName?: string }[];
    }>(AWS_CLI_V2, ['iam', 'list-mfa-devices'], rootEnv(server));
    assert.deepEqual(
      listed.MFADevices.map((d) => [d.SerialNumber, d.UserName]),
      [[serial, undefined]],
    );
    const virtual = await ok<{
      VirtualMFADevices: { SerialNumber: string; User?: { Arn: string; UserId: string } }[];
    }>(AWS_CLI_V2, ['iam', 'list-virtual-mfa-devices', '--assignment-status', 'Assigned'], server.awsEnv);
    assert.deepEqual(
      virtual.VirtualMFADevices.map((d) => [d.SerialNumber, d.User?.Arn, d.User?.UserId]),
      [[serial, `arn:aws:iam::${ACCOUNT}:root`, ACCOUNT]],
    );
    const adminsOwn = await ok<{
      MFADevices: unknown[];
    }>(AWS_CLI_V2, ['iam', 'list-mfa-devices'], server.awsEnv);
    assert.deepEqual(adminsOwn.MFADevices, [], "the root user's device is not the admin's");

    // Two hours asked for, one hour given: the root user's sessions are capped at 3,600 s.
    const session = await ok<{ Credentials: SessionCredentials }>(
      AWS_CLI_V2,
      [
        'sts',
        'get-session-token',
        '--serial-number',
        serial,
        '--token-code',
        totp(seed, stepNow()),
        '--duration-seconds',
        '7200',
      ],
      rootEnv(server),
    );
    const expiresMs = Date.parse(session.Credentials.Expiration);
    assert.ok(Math.abs(expiresMs - (Date.now() + 3_600_000)) < 60_000, session.Credentials.Expiration);

    const asSession = keyEnv(server.awsEnv, session.Credentials);
    const identity = await ok<{ Arn: string }>(AWS_CLI_V1, ['sts', 'get-caller-identity'], asSession);
    assert.equal(identity.Arn, `arn:aws:iam::${ACCOUNT}:root`);
    await ok(AWS_CLI_V1, ['cloudtrail', 'stop-logging', '--name', 'main'], asSession);
    const status = await ok<{
      IsLogging: boolean;
    }>(AWS_CLI_V2, ['cloudtrail', 'get-trail-status', '--name', 'main'], server.awsEnv);
    assert.equal(status.IsLogging, false);
    const record = await lastRecorded('StopLogging');
    assert.equal(record.errorCode, undefined);
    assert.equal(record.userIdentity.type, 'Root');
    assert.equal(record.userIdentity.accessKeyId, session.Credentials.AccessKeyId);
    assert.equal(record.userIdentity.sessionContext?.attributes.mfaAuthenticated, 'true');
  });

  it('enables a root MFA device with the SDK leaving UserName out, which an IAM user may not', async () => {
    const rootKey = rootKeyOf(await readFile(join(server.dataDir, 'root-credentials'), 'utf8'));
    const asRoot = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: rootKey });
    const asAdmin = new IAMClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    try {
      const created = await asRoot.send(
        new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'root-spare' }),
      );
      const serial = created.VirtualMFADevice?.SerialNumber ?? '';
      // Base32StringSeed is the Base32 text, as bytes (the SDK decodes the blob).
      const seed = base32.decode(
        Buffer.from(created.VirtualMFADevice?.Base32StringSeed ?? []).toString('ascii'),
      );
      const step = stepNow();
      const input = {
        SerialNumber: serial,
        AuthenticationCode1: totp(seed, step - 2),
        AuthenticationCode2: totp(seed, step - 1),
      } as ConstructorParameters<typeof EnableMFADeviceCommand>[0];
      await assert.rejects(asAdmin.send(new EnableMFADeviceCommand(input)), {
        name: 'ValidationError',
        message:
          "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null",
      });
      await asRoot.send(new EnableMFADeviceCommand(input));
      const listed = await ok<{
        MFADevices: { SerialNumber: string }[];
      }>(AWS_CLI_V2, ['iam', 'list-mfa-devices'], rootEnv(server));
      assert.ok(listed.MFADevices.some((d) => d.SerialNumber === serial));
    } finally {
      asRoot.destroy();
      asAdmin.destroy();
    }
  });
});

describe("an SCP and a member account's root user", () => {
  const MANAGEMENT = '111111111111';
  const MEMBER = '222222222222';
  let server: TestServer;
  let memberRoot: AccessKeyRecord;
  const { cli, ok } = awsCli(() => server);
  const memberEnv = (): NodeJS.ProcessEnv => keyEnv(server.awsEnv, memberRoot);

  before(async () => {
    const dataDir = await bootstrappedDataDir({ accountId: MANAGEMENT });
    await addAccountKey(dataDir, MEMBER);
    memberRoot = await addRootKey(dataDir, MEMBER);
    await writeOrganizations(dataDir, {
      id: 'o-roottest0001',
      managementAccountId: MANAGEMENT,
      memberAccountIds: [MEMBER],
    });
    server = await startTestServer({ dataDir, accountId: MANAGEMENT });
    await LocalDirObjectStore.createBucket(join(dataDir, 'buckets'), 'member-logs');
    await ok(
      AWS_CLI_V2,
      ['cloudtrail', 'create-trail', '--name', 'main', '--s3-bucket-name', 'member-logs'],
      memberEnv(),
    );
    await ok(AWS_CLI_V2, ['cloudtrail', 'start-logging', '--name', 'main'], memberEnv());
  });
  after(() => server.dispose());

  it('denies the member root user StopLogging once an SCP denies it', async () => {
    const identity = await ok<{ Arn: string }>(AWS_CLI_V1, ['sts', 'get-caller-identity'], memberEnv());
    assert.equal(identity.Arn, `arn:aws:iam::${MEMBER}:root`);

    await attachDenyStopScp(
      { ok },
      join(server.dataDir, 'deny-stop.json'),
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Action: 'cloudtrail:StopLogging', Resource: '*' }],
      },
      MEMBER,
    );

    const denied = await cli(AWS_CLI_V1, ['cloudtrail', 'stop-logging', '--name', 'main'], memberEnv());
    assert.notEqual(denied.code, 0);
    assert.match(
      denied.stderr,
      new RegExp(
        `AccessDeniedException.*User: arn:aws:iam::${MEMBER}:root is not authorized to perform: cloudtrail:StopLogging .*service control policy`,
        's',
      ),
    );
    const status = await ok<{
      IsLogging: boolean;
    }>(AWS_CLI_V2, ['cloudtrail', 'get-trail-status', '--name', 'main'], memberEnv());
    assert.equal(status.IsLogging, true, 'the trail still logs');
  });
});
