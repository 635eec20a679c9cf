/**
 * IAM policies decide every CloudTrail call, through the AWS CLI v1 and v2 against the real
 * server: a user with AWSCloudTrail_ReadOnlyAccess reads but cannot stop, delete or reconfigure
 * (AccessDeniedException with AWS's "is not authorized to perform … because no identity-based
 * policy allows …" text, each denial in Event history with errorCode AccessDenied, as CloudTrail
 * records it); a policy scoped to one trail's ARN allows that trail only; and with
 * --require-mfa-for-destruction even the administrator needs an MFA session (GetSessionToken with
 * a TOTP code computed here, RFC 6238) to stop logging.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalDirObjectStore } from '../src/local/index.ts';
import { enabledMfaDevice, totp } from './helpers/mfa.ts';
import { awsCli, errorMessageOf, keyEnv } from './helpers/aws-cli.ts';
import { AWS_CLI_V1, AWS_CLI_V2 } from './helpers/run.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const BUCKET = 'audit-logs';
const trailArn = (name: string): string => `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/${name}`;
const userArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:user/${name}`;

/** AWS's implicit-deny text ("Troubleshooting access denied error messages"). */
const notAllowed = (user: string, action: string, resource?: string): string =>
  `User: ${userArn(user)} is not authorized to perform: ${action}` +
  (resource ? ` on resource: ${resource}` : '') +
  ` because no identity-based policy allows the ${action} action`;

interface AccessKey {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken?: string;
}

/** The parts of an audit record the tests read. */
interface AuditRecord {
  errorCode?: string;
  errorMessage?: string;
  userIdentity: {
    arn: string;
    userName?: string;
    sessionContext?: { attributes: { mfaAuthenticated: string } };
  };
}

interface TrailAnswer {
  Trail: { Name: string; TrailARN: string };
}
interface StatusAnswer {
  IsLogging: boolean;
}
interface CredentialsAnswer {
  Credentials: AccessKey;
}

describe('IAM policies on every CloudTrail call', () => {
  let server: TestServer;
  let storeArn: string;
  let auditorEnv: NodeJS.ProcessEnv;

  const { cli, ok, fails, recordsNamed } = awsCli(() => server);
  /** The call fails with AccessDeniedException and exactly `message`. */
  const denied = async (aws: string, args: string[], env: NodeJS.ProcessEnv, message: string) =>
    assert.equal(errorMessageOf(await fails(aws, args, 'AccessDeniedException', env)), message);
  const envFor = (key: AccessKey): NodeJS.ProcessEnv => keyEnv(server.awsEnv, key);
  /** The records of `eventName` in Event history whose caller is `user`. */
  const historyOf = async (eventName: string, user: string): Promise<AuditRecord[]> =>
    (await recordsNamed<AuditRecord>(eventName)).filter((r) => r.userIdentity.userName === user);
  const newUser = async (name: string): Promise<NodeJS.ProcessEnv> => {
    await ok(AWS_CLI_V1, ['iam', 'create-user', '--user-name', name]);
    const created = await ok<{ AccessKey: AccessKey }>(AWS_CLI_V2, [
      'iam',
      'create-access-key',
      '--user-name',
      name,
    ]);
    return envFor(created.AccessKey);
  };

  before(async () => {
    server = await startTestServer({ accountId: ACCOUNT, requireMfaForDestruction: true });
    await LocalDirObjectStore.createBucket(join(server.dataDir, 'buckets'), BUCKET);
    await Promise.all(
      ['main', 'other'].map((name) =>
        ok(AWS_CLI_V2, ['cloudtrail', 'create-trail', '--name', name, '--s3-bucket-name', BUCKET]),
      ),
    );
    await ok(AWS_CLI_V2, ['cloudtrail', 'start-logging', '--name', 'main']);
    const store = await ok<{ EventDataStoreArn: string }>(AWS_CLI_V2, [
      'cloudtrail',
      'create-event-data-store',
      '--name',
      'audit-lake',
    ]);
    storeArn = store.EventDataStoreArn;

    auditorEnv = await newUser('auditor');
    await ok(AWS_CLI_V1, [
      'iam',
      'attach-user-policy',
      '--user-name',
      'auditor',
      '--policy-arn',
      'arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess',
    ]);
    // AWSCloudTrail_ReadOnlyAccess grants Get*, Describe*, List* and LookupEvents: a Lake query
    // also needs cloudtrail:StartQuery, here on the one event data store.
    await ok(AWS_CLI_V2, [
      'iam',
      'put-user-policy',
      '--user-name',
      'auditor',
      '--policy-name',
      'lake-queries',
      '--policy-document',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'cloudtrail:StartQuery', Resource: storeArn }],
      }),
    ]);
  });
  after(() => server.dispose());

  it('lets AWSCloudTrail_ReadOnlyAccess look up events, read trails and run a Lake query', async () => {
    const [events, trail, trails, query] = await Promise.all([
      ok<{ Events: unknown[] }>(
        AWS_CLI_V1,
        ['cloudtrail', 'lookup-events', '--max-results', '5'],
        auditorEnv,
      ),
      ok<TrailAnswer>(AWS_CLI_V2, ['cloudtrail', 'get-trail', '--name', 'main'], auditorEnv),
      ok<{ trailList: { Name: string }[] }>(AWS_CLI_V1, ['cloudtrail', 'describe-trails'], auditorEnv),
      ok<{ QueryId: string }>(
        AWS_CLI_V2,
        [
          'cloudtrail',
          'start-query',
          '--query-statement',
          `SELECT eventName FROM ${storeArn.split('/')[1]} LIMIT 1`,
        ],
        auditorEnv,
      ),
    ]);
    assert.ok(Array.isArray(events.Events));
    assert.equal(trail.Trail.TrailARN, trailArn('main'));
    assert.deepEqual(trails.trailList.map((t) => t.Name).sort(), ['main', 'other']);
    assert.match(query.QueryId, /^[0-9a-f-]{36}$/);
  });

  it('denies StopLogging, DeleteTrail, PutEventSelectors and UpdateEventDataStore with AWS text, each recorded as AccessDenied', async () => {
    const calls: [string, string, string[], string][] = [
      ['StopLogging', AWS_CLI_V1, ['cloudtrail', 'stop-logging', '--name', 'main'], trailArn('main')],
      ['DeleteTrail', AWS_CLI_V2, ['cloudtrail', 'delete-trail', '--name', 'main'], trailArn('main')],
      [
        'PutEventSelectors',
        AWS_CLI_V1,
        [
          'cloudtrail',
          'put-event-selectors',
          '--trail-name',
          'main',
          '--event-selectors',
          '[{"ReadWriteType":"WriteOnly","IncludeManagementEvents":false}]',
        ],
        trailArn('main'),
      ],
      [
        'UpdateEventDataStore',
        AWS_CLI_V2,
        ['cloudtrail', 'update-event-data-store', '--event-data-store', storeArn, '--retention-period', '7'],
        storeArn,
      ],
    ];
    await Promise.all(
      calls.map(([event, aws, args, resource]) =>
        denied(aws, args, auditorEnv, notAllowed('auditor', `cloudtrail:${event}`, resource)),
      ),
    );
    for (const [event, , , resource] of calls) {
      const records = await historyOf(event, 'auditor');
      assert.equal(records.length, 1, `${event} is in Event history once`);
      const [record] = records;
      assert.equal(record?.errorCode, 'AccessDenied');
      assert.equal(record.errorMessage, notAllowed('auditor', `cloudtrail:${event}`, resource));
      assert.equal(record.userIdentity.arn, userArn('auditor'));
    }
    const status = await ok<StatusAnswer>(AWS_CLI_V2, ['cloudtrail', 'get-trail-status', '--name', 'main']);
    assert.equal(status.IsLogging, true, 'the trail still logs');
  });

  it('allows a policy scoped to one trail ARN on that trail and denies it on another', async () => {
    const env = await newUser('reader');
    await ok(AWS_CLI_V1, [
      'iam',
      'put-user-policy',
      '--user-name',
      'reader',
      '--policy-name',
      'one-trail',
      '--policy-document',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'cloudtrail:GetTrail', Resource: trailArn('main') }],
      }),
    ]);
    const trail = await ok<TrailAnswer>(AWS_CLI_V2, ['cloudtrail', 'get-trail', '--name', 'main'], env);
    assert.equal(trail.Trail.Name, 'main');
    await denied(
      AWS_CLI_V1,
      ['cloudtrail', 'get-trail', '--name', 'other'],
      env,
      notAllowed('reader', 'cloudtrail:GetTrail', trailArn('other')),
    );
    await denied(
      AWS_CLI_V2,
      ['cloudtrail', 'get-trail', '--name', trailArn('other')],
      env,
      notAllowed('reader', 'cloudtrail:GetTrail', trailArn('other')),
    );
  });

  it('refuses StopLogging to the administrator without MFA, and carries it out with a GetSessionToken MFA session', async () => {
    const refused = await cli(AWS_CLI_V2, ['cloudtrail', 'stop-logging', '--name', 'main']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /An error occurred \(AccessDeniedException\)/);
    assert.match(
      refused.stderr,
      new RegExp(
        `User: ${userArn('admin')} is not authorized to perform: cloudtrail:StopLogging on resource: ${trailArn('main')} because .*MFA`,
      ),
    );
    assert.match(refused.stderr, /aws sts get-session-token --serial-number \S+ --token-code/);
    const [record] = await historyOf('StopLogging', 'admin');
    assert.equal(record?.errorCode, 'AccessDenied');

    const { serial, seed } = await enabledMfaDevice((aws, args) => ok(aws, args), {
      deviceName: 'admin',
      userName: 'admin',
      seedFile: join(server.dataDir, 'admin-seed.txt'),
    });
    const session = await ok<CredentialsAnswer>(AWS_CLI_V1, [
      'sts',
      'get-session-token',
      '--serial-number',
      serial,
      '--token-code',
      totp(seed, Math.floor(Date.now() / 30_000)),
    ]);
    const mfaEnv = envFor(session.Credentials);

    // A session without MFA is refused as the long-term key is.
    const plain = await ok<CredentialsAnswer>(AWS_CLI_V2, ['sts', 'get-session-token']);
    const plainRefused = await cli(
      AWS_CLI_V1,
      ['cloudtrail', 'stop-logging', '--name', 'main'],
      envFor(plain.Credentials),
    );
    assert.match(plainRefused.stderr, /AccessDeniedException.*MFA/s);

    await ok(AWS_CLI_V2, ['cloudtrail', 'stop-logging', '--name', 'main'], mfaEnv);
    const status = await ok<StatusAnswer>(AWS_CLI_V2, ['cloudtrail', 'get-trail-status', '--name', 'main']);
    assert.equal(status.IsLogging, false);
    const done = (await historyOf('StopLogging', 'admin')).filter((r) => r.errorCode === undefined);
    assert.equal(done.length, 1);
    assert.equal(done[0]?.userIdentity.sessionContext?.attributes.mfaAuthenticated, 'true');
  });
});
