/**
 * STS AssumeRole through the AWS CLI v1 and v2 against the real server, with policy enforcement
 * on: a role whose trust policy lets the account in under an sts:ExternalId condition, with
 * AWSCloudTrail_ReadOnlyAccess attached. The right ExternalId gives an assumed-role session that
 * may read CloudTrail but not stop logging; the wrong one, and a user whose own policies do not
 * allow sts:AssumeRole, are refused with STS's AccessDenied text (as in the records AWS writes,
 * test/fixtures/cloudtrail-samples). The session's calls are recorded with userIdentity type
 * AssumedRole and the role as sessionIssuer; AssumeRole itself with its parameters, the
 * credentials without their secret, and the role as resource. Also: a trust policy that names
 * the user directly needs nothing from the user's policies; DurationSeconds, session tags
 * (aws:PrincipalTag), a session policy and MFA (a TOTP code computed here, RFC 6238).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { enabledMfaDevice, stepNow, totp } from './helpers/mfa.ts';
import { awsCli, keyEnv } from './helpers/aws-cli.ts';
import { AWS_CLI_V1, AWS_CLI_V2 } from './helpers/run.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const roleArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const sessionArn = (role: string, session: string): string =>
  `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`;
/** STS's refusal ("User: … is not authorized to perform: sts:AssumeRole on resource: …"). */
const refusal = (caller: string, role: string): string =>
  `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${roleArn(role)}`;

interface Credentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: string;
}

interface Assumed {
  Credentials: Credentials;
  AssumedRoleUser: { AssumedRoleId: string; Arn: string };
}

interface AuditRecord {
  eventName: string;
  errorCode?: string;
  errorMessage?: string;
  readOnly: boolean;
  userIdentity: {
    type: string;
    principalId: string;
    arn: string;
    accountId: string;
    accessKeyId: string;
    userName?: string;
    sessionContext?: {
      sessionIssuer: Record<string, string>;
      attributes: { creationDate: string; mfaAuthenticated: string };
    };
  };
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  resources?: { ARN: string; accountId: string; type: string }[];
}

const trustAccount = (condition?: Record<string, unknown>, actions: string[] = ['sts:AssumeRole']): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: actions,
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  });

describe('STS AssumeRole', () => {
  let server: TestServer;
  let roleId: string;
  const { cli, ok, recordsNamed } = awsCli(() => server);
  const envOf = (credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken?: string }) =>
    keyEnv(server.awsEnv, credentials);
  const records = (eventName: string) => recordsNamed<AuditRecord>(eventName);

  before(async () => {
    server = await startTestServer({ accountId: ACCOUNT });
    const created = await ok<{ Role: { RoleId: string; Arn: string } }>(AWS_CLI_V2, [
      'iam',
      'create-role',
      '--role-name',
      'auditor',
      '--assume-role-policy-document',
      trustAccount({ StringEquals: { 'sts:ExternalId': 'audit-7f3a' } }),
    ]);
    roleId = created.Role.RoleId;
    assert.match(roleId, /^AROA/);
    await ok(AWS_CLI_V2, [
      'iam',
      'attach-role-policy',
      '--role-name',
      'auditor',
      '--policy-arn',
      'arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess',
    ]);
  });
  after(() => server.dispose());

  it('assumes a role with the right ExternalId only; the session reads CloudTrail but cannot stop logging (CLI v2)', async () => {
    const admin = await ok<{ Arn: string }>(AWS_CLI_V2, ['sts', 'get-caller-identity']);
    for (const externalId of [['--external-id', 'wrong-id'], []]) {
      const denied = await cli(AWS_CLI_V2, [
        'sts',
        'assume-role',
        '--role-arn',
        roleArn('auditor'),
        '--role-session-name',
        'audit-session',
        ...externalId,
      ]);
      assert.notEqual(denied.code, 0);
      assert.match(denied.stderr, /\(AccessDenied\) when calling the AssumeRole operation/);
      assert.ok(denied.stderr.includes(refusal(admin.Arn, 'auditor')), denied.stderr);
    }

    const before = Date.now();
    const assumed = await ok<Assumed>(AWS_CLI_V2, [
      'sts',
      'assume-role',
      '--role-arn',
      roleArn('auditor'),
      '--role-session-name',
      'audit-session',
      '--external-id',
      'audit-7f3a',
    ]);
    assert.match(assumed.Credentials.AccessKeyId, /^ASIA[A-Z2-7]{16}$/);
    assert.deepEqual(assumed.AssumedRoleUser, {
      AssumedRoleId: `${roleId}:audit-session`,
      Arn: sessionArn('auditor', 'audit-session'),
    });
    // The default DurationSeconds is one hour.
    const expiresMs = Date.parse(assumed.Credentials.Expiration);
    assert.ok(Math.abs(expiresMs - (before + 3_600_000)) < 60_000, assumed.Credentials.Expiration);

    const env = envOf(assumed.Credentials);
    const identity = await ok<{ Arn: string; UserId: string; Account: string }>(
      AWS_CLI_V2,
      ['sts', 'get-caller-identity'],
      env,
    );
    assert.deepEqual(identity, {
      UserId: `${roleId}:audit-session`,
      Account: ACCOUNT,
      Arn: sessionArn('auditor', 'audit-session'),
    });

    await ok(AWS_CLI_V2, ['cloudtrail', 'lookup-events', '--max-results', '1'], env);
    const stop = await cli(AWS_CLI_V2, ['cloudtrail', 'stop-logging', '--name', 'main'], env);
    assert.notEqual(stop.code, 0);
    assert.ok(
      stop.stderr.includes(
        `User: ${sessionArn('auditor', 'audit-session')} is not authorized to perform: cloudtrail:StopLogging on resource: arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/main because no identity-based policy allows the cloudtrail:StopLogging action`,
      ),
      stop.stderr,
    );

    // The session's call, as CloudTrail records a role session's calls.
    const lookups = (await records('LookupEvents')).filter(
      (r) => r.userIdentity.accessKeyId === assumed.Credentials.AccessKeyId,
    );
    assert.equal(lookups.length, 1);
    const { userIdentity } = lookups[0]!;
    assert.equal(userIdentity.type, 'AssumedRole');
    assert.equal(userIdentity.principalId, `${roleId}:audit-session`);
    assert.equal(userIdentity.arn, sessionArn('auditor', 'audit-session'));
    assert.equal(userIdentity.accountId, ACCOUNT);
    assert.equal(userIdentity.userName, undefined);
    assert.deepEqual(userIdentity.sessionContext?.sessionIssuer, {
      type: 'Role',
      principalId: roleId,
      arn: roleArn('auditor'),
      accountId: ACCOUNT,
      userName: 'auditor',
    });
    assert.match(
      userIdentity.sessionContext?.attributes.creationDate ?? '',
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
    assert.equal(userIdentity.sessionContext?.attributes.mfaAuthenticated, 'false');
    const stops = (await records('StopLogging')).filter(
      (r) => r.userIdentity.accessKeyId === assumed.Credentials.AccessKeyId,
    );
    assert.equal(stops[0]?.errorCode, 'AccessDenied');

    // AssumeRole itself: its parameters, the credentials without the secret, the role as resource.
    const assumeRecords = await records('AssumeRole');
    const granted = assumeRecords.find((r) => r.errorCode === undefined);
    assert.ok(granted);
    assert.equal(granted.userIdentity.type, 'IAMUser');
    assert.equal(granted.readOnly, true);
    assert.deepEqual(granted.requestParameters, {
      roleArn: roleArn('auditor'),
      roleSessionName: 'audit-session',
      externalId: 'audit-7f3a',
    });
    const credentials = granted.responseElements?.credentials as Record<string, string>;
    assert.equal(credentials.accessKeyId, assumed.Credentials.AccessKeyId);
    assert.equal(credentials.sessionToken, assumed.Credentials.SessionToken);
    assert.match(credentials.expiration ?? '', /^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d:\d\d [AP]M$/);
    assert.equal(
      JSON.stringify(granted.responseElements).includes(assumed.Credentials.SecretAccessKey),
      false,
    );
    assert.deepEqual(granted.responseElements?.assumedRoleUser, {
      assumedRoleId: `${roleId}:audit-session`,
      arn: sessionArn('auditor', 'audit-session'),
    });
    assert.deepEqual(granted.resources, [
      { accountId: ACCOUNT, type: 'AWS::IAM::Role', ARN: roleArn('auditor') },
    ]);
    const refused = assumeRecords.filter((r) => r.errorCode !== undefined);
    assert.equal(refused.length, 2);
    assert.deepEqual(
      refused.map((r) => [r.errorCode, r.errorMessage]),
      [
        ['AccessDenied', refusal(admin.Arn, 'auditor')],
        ['AccessDenied', refusal(admin.Arn, 'auditor')],
      ],
    );
  });

  it('refuses a user whose own policies do not allow sts:AssumeRole, unless the trust policy names the user (CLI v1)', async () => {
    await ok(AWS_CLI_V1, ['iam', 'create-user', '--user-name', 'intern']);
    const key = await ok<{ AccessKey: { AccessKeyId: string; SecretAccessKey: string } }>(AWS_CLI_V1, [
      'iam',
      'create-access-key',
      '--user-name',
      'intern',
    ]);
    const intern = envOf(key.AccessKey);
    const internArn = `arn:aws:iam::${ACCOUNT}:user/intern`;
    const denied = await cli(
      AWS_CLI_V1,
      [
        'sts',
        'assume-role',
        '--role-arn',
        roleArn('auditor'),
        '--role-session-name',
        'intern',
        '--external-id',
        'audit-7f3a',
      ],
      intern,
    );
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /\(AccessDenied\)/);
    assert.ok(denied.stderr.includes(refusal(internArn, 'auditor')), denied.stderr);
    // No such role: the same refusal, telling nothing about which roles exist.
    const missing = await cli(
      AWS_CLI_V1,
      ['sts', 'assume-role', '--role-arn', roleArn('no-such-role'), '--role-session-name', 'intern'],
      intern,
    );
    assert.ok(missing.stderr.includes(refusal(internArn, 'no-such-role')), missing.stderr);

    await ok(AWS_CLI_V1, [
      'iam',
      'create-role',
      '--role-name',
      'intern-role',
      '--assume-role-policy-document',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: internArn }, Action: 'sts:AssumeRole' }],
      }),
    ]);
    const assumed = await ok<Assumed>(
      AWS_CLI_V1,
      ['sts', 'assume-role', '--role-arn', roleArn('intern-role'), '--role-session-name', 'intern'],
      intern,
    );
    assert.equal(assumed.AssumedRoleUser.Arn, sessionArn('intern-role', 'intern'));
    // The role has no policies: its session may do nothing.
    const listed = await cli(AWS_CLI_V1, ['cloudtrail', 'describe-trails'], envOf(assumed.Credentials));
    assert.notEqual(listed.code, 0);
    assert.match(listed.stderr, /AccessDenied/);
  });

  it("checks DurationSeconds against the role's MaxSessionDuration (CLI v1)", async () => {
    const args = ['sts', 'assume-role', '--role-arn', roleArn('auditor'), '--role-session-name', 'long'];
    const tooLong = await cli(AWS_CLI_V1, [
      ...args,
      '--external-id',
      'audit-7f3a',
      '--duration-seconds',
      '7200',
    ]);
    assert.notEqual(tooLong.code, 0);
    assert.match(
      tooLong.stderr,
      /\(ValidationError\).*The requested DurationSeconds exceeds the MaxSessionDuration set for this role\./s,
    );
    const badName = await cli(AWS_CLI_V1, [
      'sts',
      'assume-role',
      '--role-arn',
      roleArn('auditor'),
      '--role-session-name',
      'no spaces',
      '--external-id',
      'audit-7f3a',
    ]);
    assert.notEqual(badName.code, 0);
    assert.match(badName.stderr, /roleSessionName.*regular expression pattern/s);
    const short = await ok<Assumed>(AWS_CLI_V1, [
      ...args,
      '--external-id',
      'audit-7f3a',
      '--duration-seconds',
      '900',
    ]);
    assert.ok(Math.abs(Date.parse(short.Credentials.Expiration) - (Date.now() + 900_000)) < 60_000);
  });

  it('passes session tags as aws:PrincipalTag and limits the session with a session policy (CLI v2)', async () => {
    await ok(AWS_CLI_V2, [
      'iam',
      'create-role',
      '--role-name',
      'tagged',
      '--assume-role-policy-document',
      trustAccount(undefined, ['sts:AssumeRole', 'sts:TagSession']),
    ]);
    await ok(AWS_CLI_V2, [
      'iam',
      'put-role-policy',
      '--role-name',
      'tagged',
      '--policy-name',
      'team-reads',
      '--policy-document',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['cloudtrail:LookupEvents', 'cloudtrail:DescribeTrails'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:PrincipalTag/team': 'audit' } },
          },
        ],
      }),
    ]);
    const assume = (session: string, team: string, extra: string[] = []) =>
      ok<Assumed>(AWS_CLI_V2, [
        'sts',
        'assume-role',
        '--role-arn',
        roleArn('tagged'),
        '--role-session-name',
        session,
        '--tags',
        `Key=team,Value=${team}`,
        ...extra,
      ]);
    const auditTeam = envOf((await assume('audit-team', 'audit')).Credentials);
    await ok(AWS_CLI_V2, ['cloudtrail', 'describe-trails'], auditTeam);
    const otherTeam = envOf((await assume('other-team', 'sales')).Credentials);
    const refused = await cli(AWS_CLI_V2, ['cloudtrail', 'describe-trails'], otherTeam);
    assert.match(
      refused.stderr,
      /because no identity-based policy allows the cloudtrail:DescribeTrails action/,
    );

    const limited = envOf(
      (
        await assume('limited', 'audit', [
          '--policy',
          JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'cloudtrail:LookupEvents', Resource: '*' }],
          }),
        ])
      ).Credentials,
    );
    await ok(AWS_CLI_V2, ['cloudtrail', 'lookup-events', '--max-results', '1'], limited);
    const outside = await cli(AWS_CLI_V2, ['cloudtrail', 'describe-trails'], limited);
    assert.match(outside.stderr, /because no session policy allows the cloudtrail:DescribeTrails action/);

    // Without sts:TagSession in the trust policy, tags are refused.
    const untagged = await cli(AWS_CLI_V2, [
      'sts',
      'assume-role',
      '--role-arn',
      roleArn('auditor'),
      '--role-session-name',
      'tags',
      '--external-id',
      'audit-7f3a',
      '--tags',
      'Key=team,Value=audit',
    ]);
    assert.match(untagged.stderr, /\(AccessDenied\)/);

    const malformed = await cli(AWS_CLI_V2, [
      'sts',
      'assume-role',
      '--role-arn',
      roleArn('tagged'),
      '--role-session-name',
      'bad-policy',
      '--policy',
      '{"Statement":',
    ]);
    assert.match(malformed.stderr, /\(MalformedPolicyDocument\)/);
  });

  it('verifies an MFA code for a trust policy that demands aws:MultiFactorAuthPresent (CLI v1)', async () => {
    const { serial, seed, lastUsedStep } = await enabledMfaDevice((aws, args) => ok(aws, args), {
      deviceName: 'assume-phone',
      userName: 'admin',
      seedFile: join(server.dataDir, 'assume-seed.txt'),
    });
    await ok(AWS_CLI_V1, [
      'iam',
      'create-role',
      '--role-name',
      'breakglass',
      '--assume-role-policy-document',
      trustAccount({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } }),
    ]);
    const args = ['sts', 'assume-role', '--role-arn', roleArn('breakglass'), '--role-session-name', 'oncall'];
    const without = await cli(AWS_CLI_V1, args);
    assert.match(without.stderr, /\(AccessDenied\)/);
    const wrong = await cli(AWS_CLI_V1, [
      ...args,
      '--serial-number',
      serial,
      '--token-code',
      totp(seed, lastUsedStep),
    ]);
    assert.match(wrong.stderr, /MultiFactorAuthentication failed with invalid MFA one time pass code/);
    const assumed = await ok<Assumed>(AWS_CLI_V1, [
      ...args,
      '--serial-number',
      serial,
      '--token-code',
      totp(seed, stepNow()),
    ]);
    const identity = await ok<{ Arn: string }>(
      AWS_CLI_V1,
      ['sts', 'get-caller-identity'],
      envOf(assumed.Credentials),
    );
    assert.equal(identity.Arn, sessionArn('breakglass', 'oncall'));
    const calls = (await records('GetCallerIdentity')).filter(
      (r) => r.userIdentity.accessKeyId === assumed.Credentials.AccessKeyId,
    );
    assert.equal(calls[0]?.userIdentity.sessionContext?.attributes.mfaAuthenticated, 'true');
  });
});
