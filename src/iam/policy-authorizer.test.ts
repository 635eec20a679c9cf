import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { AuthorizationDecision, AuthorizationRequest } from './authorizer.ts';
import { denialMessage } from './authorizer.ts';
import type { IamCall, IamService } from './iam-service.ts';
import { openEmptyIamService } from './iam-service.test-helpers.ts';
import { IamCallerPolicies, PolicyAuthorizer, type PolicyAuthorizerOptions } from './policy-authorizer.ts';
import { parsePolicy } from './policy/index.ts';
import { ROOT_USER_NAME, type Principal } from './principal.ts';

const ACCOUNT = '111122223333';
const CALL: IamCall = { accountId: ACCOUNT, partition: 'aws', nowMs: 0, callerUserName: 'admin' };
const NOW = Date.parse('2026-03-01T12:00:00Z');
const TRAIL = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/main`;
const READ_ONLY = 'arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess';
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';

function doc(...statements: Record<string, unknown>[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

function principal(userName: string, session?: Principal['session']): Principal {
  return {
    accountId: ACCOUNT,
    userName,
    userId: `AIDA${userName.toUpperCase().padEnd(17, 'X')}`,
    arn: `arn:aws:iam::${ACCOUNT}:user/${userName}`,
    accessKeyId: 'AKIAEXAMPLE',
    ...(session ? { session } : {}),
  };
}

const mfaSession = (mfaAgoS: number): Principal['session'] => ({
  issuedMs: NOW - mfaAgoS * 1000,
  expiresMs: NOW + 3_600_000,
  mfaAuthenticatedMs: NOW - mfaAgoS * 1000,
  sourceAccessKeyId: 'AKIAEXAMPLE',
});
const plainSession: Principal['session'] = {
  issuedMs: NOW - 1000,
  expiresMs: NOW + 3_600_000,
  sourceAccessKeyId: 'AKIAEXAMPLE',
};

describe('PolicyAuthorizer', () => {
  let iam: IamService;
  let authorizer: PolicyAuthorizer;
  const decide = (request: Partial<AuthorizationRequest> & { principal: Principal; action: string }) =>
    authorizer.authorize({ region: 'us-east-1', ...request });
  const messageOf = (
    request: Partial<AuthorizationRequest> & { principal: Principal; action: string },
  ): string | undefined => {
    const full: AuthorizationRequest = { region: 'us-east-1', ...request };
    const decision: AuthorizationDecision = authorizer.authorize(full);
    return decision.effect === 'Deny' ? denialMessage(full, decision) : undefined;
  };

  beforeEach(async () => {
    iam = await openEmptyIamService();
    authorizer = new PolicyAuthorizer({
      policies: new IamCallerPolicies(iam),
      requireMfaForDestruction: true,
      now: () => NOW,
    });
  });

  it('denies a user without policies with the implicit-deny text naming the resource', async () => {
    await iam.createUser(CALL, { userName: 'nobody' });
    assert.equal(
      messageOf({
        principal: principal('nobody'),
        action: 'cloudtrail:GetTrail',
        targets: [{ resource: TRAIL }],
      }),
      `User: arn:aws:iam::${ACCOUNT}:user/nobody is not authorized to perform: cloudtrail:GetTrail on resource: ${TRAIL} because no identity-based policy allows the cloudtrail:GetTrail action`,
    );
    // Actions without a resource type name none.
    assert.equal(
      messageOf({ principal: principal('nobody'), action: 'cloudtrail:LookupEvents' }),
      `User: arn:aws:iam::${ACCOUNT}:user/nobody is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action`,
    );
  });

  it("allows what a group's AWS managed policy allows, and only that", async () => {
    await iam.createUser(CALL, { userName: 'auditor' });
    await iam.createGroup(CALL, { groupName: 'auditors' });
    await iam.addUserToGroup(CALL, 'auditors', 'auditor');
    await iam.attachPolicy(CALL, 'group', 'auditors', READ_ONLY);
    const p = principal('auditor');
    assert.deepEqual(
      decide({ principal: p, action: 'cloudtrail:GetTrail', targets: [{ resource: TRAIL }] }),
      {
        effect: 'Allow',
      },
    );
    assert.deepEqual(decide({ principal: p, action: 'cloudtrail:LookupEvents' }), { effect: 'Allow' });
    assert.equal(
      decide({ principal: p, action: 'cloudtrail:StopLogging', targets: [{ resource: TRAIL }] }).effect,
      'Deny',
    );
  });

  it("lets an explicit deny in the user's inline policy win over an allow", async () => {
    await iam.createUser(CALL, { userName: 'ops' });
    await iam.attachPolicy(CALL, 'user', 'ops', ADMIN);
    await iam.putInlinePolicy(
      CALL,
      'user',
      'ops',
      'no-stop',
      doc({ Effect: 'Deny', Action: ['cloudtrail:StopLogging', 'cloudtrail:DeleteTrail'], Resource: '*' }),
    );
    assert.equal(
      messageOf({
        principal: principal('ops'),
        action: 'cloudtrail:StopLogging',
        targets: [{ resource: TRAIL }],
      }),
      `User: arn:aws:iam::${ACCOUNT}:user/ops is not authorized to perform: cloudtrail:StopLogging on resource: ${TRAIL} with an explicit deny in an identity-based policy`,
    );
    assert.deepEqual(
      decide({
        principal: principal('ops'),
        action: 'cloudtrail:StartLogging',
        targets: [{ resource: TRAIL }],
      }),
      {
        effect: 'Allow',
      },
    );
  });

  it('limits a user by its permissions boundary', async () => {
    await iam.createUser(CALL, { userName: 'bounded' });
    await iam.attachPolicy(CALL, 'user', 'bounded', ADMIN);
    await iam.putPermissionsBoundary(CALL, 'user', 'bounded', READ_ONLY);
    const p = principal('bounded');
    assert.deepEqual(
      decide({ principal: p, action: 'cloudtrail:GetTrail', targets: [{ resource: TRAIL }] }),
      {
        effect: 'Allow',
      },
    );
    assert.equal(
      messageOf({ principal: p, action: 'cloudtrail:DeleteTrail', targets: [{ resource: TRAIL }] }),
      `User: arn:aws:iam::${ACCOUNT}:user/bounded is not authorized to perform: cloudtrail:DeleteTrail on resource: ${TRAIL} because no permissions boundary allows the cloudtrail:DeleteTrail action`,
    );
  });

  it('uses the new default version of a customer managed policy', async () => {
    await iam.createUser(CALL, { userName: 'dev' });
    const policy = await iam.createPolicy(CALL, {
      policyName: 'trails',
      policyDocument: doc({ Effect: 'Allow', Action: 'cloudtrail:GetTrail', Resource: '*' }),
    });
    const arn = iam.policyArn(CALL, policy);
    await iam.attachPolicy(CALL, 'user', 'dev', arn);
    const getStatus = {
      principal: principal('dev'),
      action: 'cloudtrail:GetTrailStatus',
      targets: [{ resource: TRAIL }],
    };
    assert.equal(decide(getStatus).effect, 'Deny');
    await iam.createPolicyVersion(
      CALL,
      arn,
      doc({ Effect: 'Allow', Action: 'cloudtrail:Get*', Resource: '*' }),
      true,
    );
    assert.equal(decide(getStatus).effect, 'Allow');
  });

  it('requires every target: a dependent action the caller lacks denies the call', async () => {
    await iam.createUser(CALL, { userName: 'maker' });
    await iam.putInlinePolicy(
      CALL,
      'user',
      'maker',
      'create',
      doc({ Effect: 'Allow', Action: 'cloudtrail:CreateTrail', Resource: '*' }),
    );
    const request = {
      principal: principal('maker'),
      action: 'cloudtrail:CreateTrail',
      targets: [{ resource: TRAIL }, { action: 'cloudtrail:AddTags', resource: TRAIL }],
    };
    assert.equal(
      messageOf(request),
      `User: arn:aws:iam::${ACCOUNT}:user/maker is not authorized to perform: cloudtrail:AddTags on resource: ${TRAIL} because no identity-based policy allows the cloudtrail:AddTags action`,
    );
  });

  // "AWS: Allows access based on MFA" / "Deny … BoolIfExists aws:MultiFactorAuthPresent false"
  // (IAM User Guide): long-term keys carry no MFA key at all, sessions carry true or false.
  it('gives aws:MultiFactorAuthPresent and aws:MultiFactorAuthAge as AWS does', async () => {
    await iam.createUser(CALL, { userName: 'mfa' });
    await iam.putInlinePolicy(
      CALL,
      'user',
      'mfa',
      'mfa',
      doc(
        { Effect: 'Allow', Action: 'cloudtrail:*', Resource: '*' },
        {
          Effect: 'Deny',
          Action: 'cloudtrail:UpdateTrail',
          Resource: '*',
          Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
        },
        {
          Effect: 'Deny',
          Action: 'cloudtrail:PutEventSelectors',
          Resource: '*',
          Condition: { NumericGreaterThan: { 'aws:MultiFactorAuthAge': '3600' } },
        },
      ),
    );
    const update = (p: Principal) =>
      decide({ principal: p, action: 'cloudtrail:UpdateTrail', targets: [{ resource: TRAIL }] });
    assert.equal(update(principal('mfa')).effect, 'Deny', 'long-term key: the key is absent, IfExists holds');
    assert.equal(update(principal('mfa', plainSession)).effect, 'Deny', 'session without MFA: false');
    assert.equal(update(principal('mfa', mfaSession(60))).effect, 'Allow');
    const put = (p: Principal) =>
      decide({ principal: p, action: 'cloudtrail:PutEventSelectors', targets: [{ resource: TRAIL }] });
    assert.equal(put(principal('mfa', mfaSession(60))).effect, 'Allow');
    assert.equal(put(principal('mfa', mfaSession(7200))).effect, 'Deny', 'MFA two hours ago');
    assert.equal(
      put(principal('mfa')).effect,
      'Allow',
      'a Numeric condition on a missing key does not match',
    );
  });

  it('gives aws:SourceIp, aws:SecureTransport, aws:RequestedRegion, aws:CurrentTime and principal keys', async () => {
    await iam.createUser(CALL, { userName: 'alice', tags: [{ Key: 'team', Value: 'audit' }] });
    await iam.putInlinePolicy(
      CALL,
      'user',
      'alice',
      'conditions',
      doc(
        {
          Effect: 'Allow',
          Action: 'cloudtrail:GetTrail',
          Resource: '*',
          Condition: {
            IpAddress: { 'aws:SourceIp': '203.0.113.0/24' },
            StringEquals: {
              'aws:RequestedRegion': 'us-east-1',
              'aws:PrincipalTag/team': 'audit',
              'aws:username': 'alice',
            },
            Bool: { 'aws:SecureTransport': 'false' },
            DateLessThan: { 'aws:CurrentTime': '2027-01-01T00:00:00Z' },
          },
        },
        {
          Effect: 'Allow',
          Action: 'cloudtrail:AddTags',
          Resource: `arn:aws:cloudtrail:*:*:trail/\${aws:username}-*`,
        },
      ),
    );
    const p = principal('alice');
    const get = (sourceIp: string, region = 'us-east-1') =>
      decide({
        principal: p,
        action: 'cloudtrail:GetTrail',
        region,
        context: { sourceIp, secureTransport: false },
      }).effect;
    assert.equal(get('203.0.113.7'), 'Allow');
    assert.equal(get('198.51.100.7'), 'Deny');
    assert.equal(get('203.0.113.7', 'eu-west-1'), 'Deny');
    const tag = (trail: string) =>
      decide({
        principal: p,
        action: 'cloudtrail:AddTags',
        targets: [{ resource: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/${trail}` }],
      }).effect;
    assert.equal(tag('alice-logs'), 'Allow');
    assert.equal(tag('bob-logs'), 'Deny');
  });

  it('answers sts:GetCallerIdentity and sts:GetSessionToken whatever the policies say', async () => {
    await iam.createUser(CALL, { userName: 'denied' });
    await iam.putInlinePolicy(
      CALL,
      'user',
      'denied',
      'none',
      doc({ Effect: 'Deny', Action: '*', Resource: '*' }),
    );
    assert.deepEqual(decide({ principal: principal('denied'), action: 'sts:GetCallerIdentity' }), {
      effect: 'Allow',
    });
    assert.deepEqual(decide({ principal: principal('denied'), action: 'sts:GetSessionToken' }), {
      effect: 'Allow',
    });
    assert.equal(decide({ principal: principal('denied'), action: 'sts:AssumeRole' }).effect, 'Deny');
  });

  it('refuses a destructive call without an MFA session, AdministratorAccess or not, and says how to get one', async () => {
    await iam.createUser(CALL, { userName: 'admin' });
    await iam.attachPolicy(CALL, 'user', 'admin', ADMIN);
    const stop = (p: Principal) => ({
      principal: p,
      action: 'cloudtrail:StopLogging',
      targets: [{ resource: TRAIL }],
      destructive: true,
    });
    const message = messageOf(stop(principal('admin')));
    assert.match(
      message ?? '',
      new RegExp(
        `^User: arn:aws:iam::${ACCOUNT}:user/admin is not authorized to perform: cloudtrail:StopLogging on resource: ${TRAIL} because .*MFA-authenticated session`,
      ),
    );
    assert.match(
      message ?? '',
      /aws sts get-session-token --serial-number arn:aws:iam::111122223333:mfa\/\S+ --token-code/,
    );
    assert.equal(decide(stop(principal('admin', plainSession))).effect, 'Deny');
    assert.deepEqual(decide(stop(principal('admin', mfaSession(10)))), { effect: 'Allow' });
    // Without the rule, the policies alone decide; the same call that is not destructive is allowed.
    assert.deepEqual(decide({ ...stop(principal('admin')), destructive: false }), { effect: 'Allow' });
    const lenient = new PolicyAuthorizer({
      policies: new IamCallerPolicies(iam),
      requireMfaForDestruction: false,
      now: () => NOW,
    });
    assert.deepEqual(lenient.authorize({ region: 'us-east-1', ...stop(principal('admin')) }), {
      effect: 'Allow',
    });
  });

  it('asks for MFA only once the policies allow: an unprivileged caller gets the ordinary denial', async () => {
    await iam.createUser(CALL, { userName: 'intruder' });
    assert.equal(
      messageOf({
        principal: principal('intruder'),
        action: 'cloudtrail:DeleteTrail',
        targets: [{ resource: TRAIL }],
        destructive: true,
      }),
      `User: arn:aws:iam::${ACCOUNT}:user/intruder is not authorized to perform: cloudtrail:DeleteTrail on resource: ${TRAIL} because no identity-based policy allows the cloudtrail:DeleteTrail action`,
    );
  });

  it('denies everything to a caller IAM no longer knows', () => {
    assert.equal(decide({ principal: principal('ghost'), action: 'cloudtrail:LookupEvents' }).effect, 'Deny');
  });
});

describe('PolicyAuthorizer and the root user', () => {
  const ROOT: Principal = {
    accountId: ACCOUNT,
    userName: ROOT_USER_NAME,
    userId: ACCOUNT,
    arn: `arn:aws:iam::${ACCOUNT}:root`,
    accessKeyId: 'AKIAROOTEXAMPLE00001',
  };
  const compiledScp = (document: string) => {
    const parsed = parsePolicy(document, 'scp', { id: 'p-denystop', sourceType: 'scp' });
    assert.ok(parsed.ok);
    return parsed.policy;
  };
  let iam: IamService;
  const authorizerWith = (options: Partial<PolicyAuthorizerOptions> = {}) =>
    new PolicyAuthorizer({
      policies: new IamCallerPolicies(iam),
      requireMfaForDestruction: true,
      now: () => NOW,
      ...options,
    });

  beforeEach(async () => {
    iam = await openEmptyIamService();
  });

  it('allows the root user everything in its own account without any policy', () => {
    const authorizer = authorizerWith();
    for (const action of ['cloudtrail:CreateTrail', 'cloudtrail:PutEventSelectors', 'iam:CreateUser']) {
      assert.deepEqual(
        authorizer.authorize({
          principal: ROOT,
          action,
          region: 'us-east-1',
          targets: [{ resource: TRAIL }],
        }),
        { effect: 'Allow' },
        action,
      );
    }
  });

  it("denies the root user another account's resource that no resource policy shares", () => {
    const other = 'arn:aws:cloudtrail:us-east-1:444455556666:trail/theirs';
    const decision = authorizerWith().authorize({
      principal: ROOT,
      action: 'cloudtrail:GetTrail',
      region: 'us-east-1',
      targets: [{ resource: other, resourceAccount: '444455556666' }],
    });
    assert.equal(decision.effect, 'Deny');
  });

  it("holds an SCP's explicit deny against a member account's root user", () => {
    const deny = compiledScp(doc({ Effect: 'Deny', Action: 'cloudtrail:StopLogging', Resource: '*' }));
    const allowAll = compiledScp(doc({ Effect: 'Allow', Action: '*', Resource: '*' }));
    const authorizer = authorizerWith({
      requireMfaForDestruction: false,
      serviceControlPolicies: (accountId) =>
        accountId === ACCOUNT ? [[allowAll], [allowAll, deny]] : undefined,
    });
    const request = { principal: ROOT, region: 'us-east-1', targets: [{ resource: TRAIL }] };
    const stop = authorizer.authorize({ ...request, action: 'cloudtrail:StopLogging' });
    assert.equal(stop.effect, 'Deny');
    assert.match(
      denialMessage({ ...request, action: 'cloudtrail:StopLogging' }, stop),
      new RegExp(
        `^User: arn:aws:iam::${ACCOUNT}:root is not authorized to perform: cloudtrail:StopLogging .*service control policy`,
      ),
    );
    assert.deepEqual(authorizer.authorize({ ...request, action: 'cloudtrail:StartLogging' }), {
      effect: 'Allow',
    });
  });

  it('asks the root user for an MFA session before destruction, and allows it with one', () => {
    const authorizer = authorizerWith();
    const request = {
      action: 'cloudtrail:StopLogging',
      region: 'us-east-1',
      targets: [{ resource: TRAIL }],
      destructive: true,
    };
    const denied = authorizer.authorize({ ...request, principal: ROOT });
    assert.equal(denied.effect, 'Deny');
    assert.match(
      denialMessage({ ...request, principal: ROOT }, denied),
      /requires an MFA-authenticated session .*aws sts get-session-token --serial-number/,
    );
    assert.equal(
      authorizer.authorize({ ...request, principal: { ...ROOT, session: plainSession } }).effect,
      'Deny',
      'a session without MFA is not enough',
    );
    assert.deepEqual(authorizer.authorize({ ...request, principal: { ...ROOT, session: mfaSession(60) } }), {
      effect: 'Allow',
    });
  });
});
