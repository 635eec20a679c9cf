/**
 * IAM's own operations are authorized on the resources the Service Authorization Reference gives
 * them, through the AWS CLI v1 and v2 and the SDK v3 against the real server: a policy allowing
 * iam:GetUser on `user/division/*` allows the users IAM holds in that path and no other; a
 * Condition on iam:PolicyARN decides which policy AttachUserPolicy may attach; callers with a path
 * are named with it (GetCallerIdentity, userIdentity.arn, the access-denied text, which names the
 * target user as IAM does: `on resource: user <name>`); and GetAccessKeyLastUsed answers the last
 * call's minute, service and Region, N/A before any, and the same after a restart.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import {
  AttachUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { awsCli, errorMessageOf, keyEnv } from './helpers/aws-cli.ts';
import { iamFailure } from './helpers/iam-errors.ts';
import { AWS_CLI_V1, AWS_CLI_V2 } from './helpers/run.ts';
import { makeTempDir, startTestServer, type TestServer } from './helpers/server.ts';

const ACCOUNT = '123456789012';
const userArn = (pathAndName: string): string => `arn:aws:iam::${ACCOUNT}:user/${pathAndName}`;
const READ_ONLY = 'arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess';
const ADMINISTRATOR = 'arn:aws:iam::aws:policy/AdministratorAccess';

/** AWS's implicit-deny text for an IAM action on a user ("on resource: user <name>"). */
const notAllowed = (caller: string, action: string, user: string): string =>
  `User: ${userArn(caller)} is not authorized to perform: ${action} on resource: user ${user} ` +
  `because no identity-based policy allows the ${action} action`;

interface AccessKey {
  AccessKeyId: string;
  SecretAccessKey: string;
}

interface LastUsedAnswer {
  UserName: string;
  AccessKeyLastUsed: { LastUsedDate?: string; ServiceName: string; Region: string };
}

/** The parts of an audit record the tests read. */
interface AuditRecord {
  errorCode?: string;
  errorMessage?: string;
  requestParameters?: { userName?: string };
  userIdentity: { type: string; arn: string; userName?: string };
}

describe('IAM calls authorized on their resource ARNs, callers named with their paths', () => {
  let dataDir: string;
  let server: TestServer;
  const clients: IAMClient[] = [];

  const { cli, ok, fails, recordsNamed } = awsCli(() => server);
  /** The call fails with the query protocol's AccessDenied and exactly `message`. */
  const denied = async (aws: string, args: string[], env: NodeJS.ProcessEnv, message: string) =>
    assert.equal(errorMessageOf(await fails(aws, args, 'AccessDenied', env)), message);
  const envFor = (key: AccessKey, region?: string): NodeJS.ProcessEnv => keyEnv(server.awsEnv, key, region);
  const sdkFor = (key: AccessKey): IAMClient => {
    const client = new IAMClient({
      region: 'us-east-1',
      endpoint: server.url,
      credentials: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey },
    });
    clients.push(client);
    return client;
  };
  /** A user (with a path, or at /) with an access key and, when given, an inline policy. */
  const newUser = async (
    name: string,
    path: string,
    statement?: Record<string, unknown>,
  ): Promise<AccessKey> => {
    await ok(AWS_CLI_V2, ['iam', 'create-user', '--user-name', name, '--path', path]);
    if (statement) {
      await ok(AWS_CLI_V1, [
        'iam',
        'put-user-policy',
        '--user-name',
        name,
        '--policy-name',
        'scoped',
        '--policy-document',
        JSON.stringify({ Version: '2012-10-17', Statement: [statement] }),
      ]);
    }
    const created = await ok<{ AccessKey: AccessKey }>(AWS_CLI_V1, [
      'iam',
      'create-access-key',
      '--user-name',
      name,
    ]);
    return created.AccessKey;
  };
  /** The records of `eventName` in Event history whose caller's ARN is `arn`. */
  const historyOf = async (eventName: string, arn: string): Promise<AuditRecord[]> =>
    (await recordsNamed<AuditRecord>(eventName)).filter((r) => r.userIdentity.arn === arn);

  let viewer: AccessKey;
  let delegate: AccessKey;

  before(async () => {
    dataDir = await makeTempDir();
    server = await startTestServer({ accountId: ACCOUNT, dataDir });
    [viewer, delegate] = await Promise.all([
      newUser('viewer', '/division/', {
        Effect: 'Allow',
        Action: 'iam:GetUser',
        Resource: `arn:aws:iam::${ACCOUNT}:user/division/*`,
      }),
      newUser('delegate', '/', {
        Effect: 'Allow',
        Action: 'iam:AttachUserPolicy',
        Resource: `arn:aws:iam::${ACCOUNT}:user/*`,
        Condition: { ArnEquals: { 'iam:PolicyARN': READ_ONLY } },
      }),
      ok(AWS_CLI_V1, ['iam', 'create-user', '--user-name', 'insider', '--path', '/division/']),
      ok(AWS_CLI_V2, ['iam', 'create-user', '--user-name', 'outsider']),
    ]);
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await server.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('allows iam:GetUser on user/division/* for the users IAM holds in that path and denies the others', async () => {
    const env = envFor(viewer);
    const [insider, self] = await Promise.all([
      ok<{ User: { Arn: string } }>(AWS_CLI_V1, ['iam', 'get-user', '--user-name', 'insider'], env),
      ok<{ User: { Arn: string } }>(AWS_CLI_V2, ['iam', 'get-user'], env),
      denied(
        AWS_CLI_V2,
        ['iam', 'get-user', '--user-name', 'outsider'],
        env,
        notAllowed('division/viewer', 'iam:GetUser', 'outsider'),
      ),
      // The path is the one IAM holds, not one the name could suggest.
      denied(
        AWS_CLI_V1,
        ['iam', 'get-user', '--user-name', 'nobody'],
        env,
        notAllowed('division/viewer', 'iam:GetUser', 'nobody'),
      ),
    ]);
    assert.equal(insider.User.Arn, userArn('division/insider'));
    assert.equal(self.User.Arn, userArn('division/viewer'));

    const sdk = sdkFor(viewer);
    const got = await sdk.send(new GetUserCommand({ UserName: 'insider' }));
    assert.equal(got.User?.Path, '/division/');
    assert.deepEqual(await iamFailure(sdk.send(new GetUserCommand({ UserName: 'outsider' }))), {
      code: 'AccessDenied',
      status: 403,
      message: notAllowed('division/viewer', 'iam:GetUser', 'outsider'),
    });
  });

  it('names a caller with a path by its whole ARN: GetCallerIdentity and userIdentity.arn of a denied call', async () => {
    const identity = await ok<{ UserId: string; Account: string; Arn: string }>(
      AWS_CLI_V1,
      ['sts', 'get-caller-identity'],
      envFor(viewer),
    );
    assert.deepEqual(identity, {
      UserId: identity.UserId,
      Account: ACCOUNT,
      Arn: userArn('division/viewer'),
    });
    assert.match(identity.UserId, /^AIDA/);
    const records = await historyOf('GetUser', userArn('division/viewer'));
    const refused = records.filter((r) => r.requestParameters?.userName === 'outsider');
    assert.ok(refused.length >= 1, 'the denied GetUser is in Event history');
    for (const record of refused) {
      assert.equal(record.errorCode, 'AccessDenied');
      assert.equal(record.errorMessage, notAllowed('division/viewer', 'iam:GetUser', 'outsider'));
      assert.equal(record.userIdentity.type, 'IAMUser');
      assert.equal(record.userIdentity.userName, 'viewer');
    }
  });

  it('lets a Condition on iam:PolicyARN decide which policy AttachUserPolicy may attach', async () => {
    const env = envFor(delegate);
    await ok(
      AWS_CLI_V1,
      ['iam', 'attach-user-policy', '--user-name', 'outsider', '--policy-arn', READ_ONLY],
      env,
    );
    const refusal = notAllowed('delegate', 'iam:AttachUserPolicy', 'outsider');
    await denied(
      AWS_CLI_V2,
      ['iam', 'attach-user-policy', '--user-name', 'outsider', '--policy-arn', ADMINISTRATOR],
      env,
      refusal,
    );
    assert.deepEqual(
      await iamFailure(
        sdkFor(delegate).send(new AttachUserPolicyCommand({ UserName: 'insider', PolicyArn: ADMINISTRATOR })),
      ),
      {
        code: 'AccessDenied',
        status: 403,
        message: notAllowed('delegate', 'iam:AttachUserPolicy', 'insider'),
      },
    );
    const attached = await ok<{ AttachedPolicies: { PolicyArn: string }[] }>(AWS_CLI_V2, [
      'iam',
      'list-attached-user-policies',
      '--user-name',
      'outsider',
    ]);
    assert.deepEqual(
      attached.AttachedPolicies.map((p) => p.PolicyArn),
      [READ_ONLY],
    );
  });

  it("lets aws:ResourceTag decide AssumeRole by the role's own tags", async () => {
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
      ],
    });
    await Promise.all([
      ok(AWS_CLI_V2, [
        'iam',
        'create-role',
        '--role-name',
        'tagged',
        '--path',
        '/ci/',
        '--assume-role-policy-document',
        trust,
        '--tags',
        'Key=team,Value=red',
      ]),
      ok(AWS_CLI_V1, ['iam', 'create-role', '--role-name', 'plain', '--assume-role-policy-document', trust]),
    ]);
    const key = await newUser('assumer', '/', {
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/team': 'red' } },
    });
    const env = envFor(key);
    const assumed = await ok<{ AssumedRoleUser: { Arn: string } }>(
      AWS_CLI_V1,
      [
        'sts',
        'assume-role',
        '--role-arn',
        `arn:aws:iam::${ACCOUNT}:role/ci/tagged`,
        '--role-session-name',
        'sess',
      ],
      env,
    );
    assert.equal(assumed.AssumedRoleUser.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/tagged/sess`);
    const refused = await cli(
      AWS_CLI_V2,
      [
        'sts',
        'assume-role',
        '--role-arn',
        `arn:aws:iam::${ACCOUNT}:role/plain`,
        '--role-session-name',
        'sess',
      ],
      env,
    );
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      new RegExp(
        `\\(AccessDenied\\) when calling the AssumeRole operation: User: ${userArn('assumer')} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${ACCOUNT}:role/plain`,
      ),
    );
  });

  it('answers GetAccessKeyLastUsed with N/A before any call, then the last call, the same after a restart', async () => {
    const key = await newUser('worker', '/ops/', {
      Effect: 'Allow',
      Action: 'cloudtrail:ListTrails',
      Resource: '*',
    });
    const lastUsed = () =>
      ok<LastUsedAnswer>(AWS_CLI_V1, ['iam', 'get-access-key-last-used', '--access-key-id', key.AccessKeyId]);
    // IAM API Reference: "N/A" for a key not used yet, and no LastUsedDate.
    assert.deepEqual(await lastUsed(), {
      UserName: 'worker',
      AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' },
    });

    const beforeMs = Date.now();
    await ok(AWS_CLI_V2, ['cloudtrail', 'list-trails'], envFor(key, 'eu-west-1'));
    const afterMs = Date.now();
    const check = (answer: { ServiceName?: string; Region?: string; LastUsedDate?: Date | string }) => {
      assert.equal(answer.ServiceName, 'cloudtrail');
      assert.equal(answer.Region, 'eu-west-1');
      const usedMs = new Date(answer.LastUsedDate ?? 0).getTime();
      // To the minute, as IAM answers it.
      assert.equal(usedMs % 60_000, 0);
      assert.ok(usedMs >= beforeMs - (beforeMs % 60_000) && usedMs <= afterMs, String(answer.LastUsedDate));
      return usedMs;
    };
    const admin = { AccessKeyId: server.accessKeyId, SecretAccessKey: server.secretAccessKey };
    const usedMs = check((await sdkFor(admin).send(new GetAccessKeyLastUsedCommand(key))).AccessKeyLastUsed!);
    check((await lastUsed()).AccessKeyLastUsed);

    await server.close();
    server = await startTestServer({ accountId: ACCOUNT, dataDir });
    const restarted = { AccessKeyId: server.accessKeyId, SecretAccessKey: server.secretAccessKey };
    const answer = await sdkFor(restarted).send(new GetAccessKeyLastUsedCommand(key));
    assert.equal(answer.UserName, 'worker');
    assert.equal(check(answer.AccessKeyLastUsed!), usedMs);
    check((await lastUsed()).AccessKeyLastUsed);
    // The caller's path is still in its ARN after the restart (the keys load with their users' paths).
    const identity = await ok<{ Arn: string }>(AWS_CLI_V2, ['sts', 'get-caller-identity'], envFor(key));
    assert.equal(identity.Arn, userArn('ops/worker'));
  });
});
