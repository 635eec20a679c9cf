/**
 * Policy evaluation table. Every expected decision comes from the AWS document cited above its
 * group (IAM User Guide pages), not from this implementation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  accessDeniedMessage,
  compiledAwsManagedPolicy,
  evaluatePolicies,
  parsePolicy,
  type CompiledPolicy,
  type EvalDecision,
  type EvaluationRequest,
  type PolicyKind,
  type RequestPrincipal,
} from './index.ts';

const A = '111122223333';
const B = '444455556666';

function policy(document: unknown, kind: PolicyKind = 'identity', id = 'test-policy'): CompiledPolicy {
  const result = parsePolicy(JSON.stringify(document), kind, { id, arn: `arn:aws:iam::${A}:policy/${id}` });
  if (!result.ok) throw new Error(`${id}: ${result.message}`);
  return result.policy;
}

function user(name: string, account = A, extra: Partial<RequestPrincipal> = {}): RequestPrincipal {
  return {
    type: 'IAMUser',
    arn: `arn:aws:iam::${account}:user/${name}`,
    accountId: account,
    userName: name,
    userId: `AIDA${name.toUpperCase()}`,
    ...extra,
  };
}

function roleSession(
  role: string,
  session: string,
  account = A,
  extra: Partial<RequestPrincipal> = {},
): RequestPrincipal {
  return {
    type: 'AssumedRole',
    arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
    roleArn: `arn:aws:iam::${account}:role/${role}`,
    accountId: account,
    userId: `AROAEXAMPLE:${session}`,
    ...extra,
  };
}

const root = (account = A): RequestPrincipal => ({
  type: 'Root',
  arn: `arn:aws:iam::${account}:root`,
  accountId: account,
  userId: account,
});

function statement(fields: Record<string, unknown>): unknown {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', ...fields }] };
}

interface Case {
  name: string;
  request: Partial<EvaluationRequest> & { identity?: unknown[] };
  expect: EvalDecision;
  deniedBy?: string;
}

function run(c: Case): void {
  test(c.name, () => {
    const { identity, ...rest } = c.request;
    const request: EvaluationRequest = {
      principal: user('alice'),
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::bucket/key',
      ...rest,
      identityPolicies:
        rest.identityPolicies ?? (identity ?? []).map((d, i) => policy(d, 'identity', `p${i}`)),
    };
    const result = evaluatePolicies(request);
    assert.equal(result.decision, c.expect);
    if (c.deniedBy !== undefined) assert.equal(result.deniedBy, c.deniedBy);
  });
}

/** One Allow statement on everything with `condition`: allowed iff the condition holds. */
function condition(
  name: string,
  cond: unknown,
  context: EvaluationRequest['context'],
  holds: boolean,
  extra: Partial<EvaluationRequest> = {},
): void {
  run({
    name: `condition ${name}`,
    request: { identity: [statement({ Condition: cond })], context, ...extra },
    expect: holds ? 'allowed' : 'implicitDeny',
  });
}

// --- Action / NotAction ("IAM JSON policy elements: Action", "…: NotAction"; evaluation logic
// example "AllowGetList"/"DenyReports"). Action names are case-insensitive.
const getList = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'AllowGetList', Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' },
    { Sid: 'DenyReports', Effect: 'Deny', Action: 'iam:*Report', Resource: '*' },
  ],
};
for (const [action, expect] of [
  ['iam:GetUser', 'allowed'],
  ['iam:ListUsers', 'allowed'],
  ['IAM:listusers', 'allowed'],
  ['iam:CreatePolicy', 'implicitDeny'],
  ['iam:GetOrganizationsAccessReport', 'explicitDeny'],
  ['iam:GenerateCredentialReport', 'explicitDeny'],
] as const) {
  run({
    name: `Action: AllowGetList/DenyReports decides ${action}`,
    request: { identity: [getList], action, resource: '*' },
    expect,
  });
}
run({
  name: 'Action: ? matches one character',
  request: { identity: [statement({ Action: 'iam:Get?ser' })], action: 'iam:GetUser' },
  expect: 'allowed',
});
run({
  name: 'Action: ? does not match two characters',
  request: { identity: [statement({ Action: 'iam:Get?ser' })], action: 'iam:GetUUser' },
  expect: 'implicitDeny',
});
run({
  name: 'Action: * alone matches every action',
  request: { identity: [statement({ Action: '*' })], action: 'cloudtrail:StopLogging' },
  expect: 'allowed',
});
run({
  name: 'Action: another service does not match',
  request: { identity: [statement({ Action: 's3:*' })], action: 'cloudtrail:StopLogging' },
  expect: 'implicitDeny',
});
run({
  name: 'Action: list entries are ORed',
  request: {
    identity: [statement({ Action: ['sqs:SendMessage', 'cloudtrail:StopLogging'] })],
    action: 'cloudtrail:StopLogging',
  },
  expect: 'allowed',
});
// NotAction with Allow: everything but the listed actions ("…: NotAction", "NotAction with Allow").
const allExceptIam = statement({ Action: undefined, NotAction: 'iam:*' });
run({
  name: 'NotAction Allow: allows actions not listed',
  request: { identity: [allExceptIam], action: 's3:ListBucket' },
  expect: 'allowed',
});
run({
  name: 'NotAction Allow: listed actions are not allowed',
  request: { identity: [allExceptIam], action: 'iam:CreateUser' },
  expect: 'implicitDeny',
});
// NotAction with Deny: "DenyAllUsersNotUsingMFA"-style deny of everything but IAM.
const denyNotIam = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: '*', Resource: '*' },
    {
      Effect: 'Deny',
      NotAction: 'iam:*',
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    },
  ],
};
run({
  name: 'NotAction Deny: denies non-IAM actions without MFA',
  request: { identity: [denyNotIam], action: 's3:GetObject' },
  expect: 'explicitDeny',
});
run({
  name: 'NotAction Deny: IAM actions stay allowed without MFA',
  request: { identity: [denyNotIam], action: 'iam:ListUsers', resource: '*' },
  expect: 'allowed',
});
run({
  name: 'NotAction Deny: MFA sessions pass',
  request: { identity: [denyNotIam], context: { 'aws:MultiFactorAuthPresent': true } },
  expect: 'allowed',
});

// --- Resource / NotResource ("IAM JSON policy elements: Resource", "…: NotResource").
const inBucket = statement({ Action: 's3:*', Resource: 'arn:aws:s3:::DOC-EXAMPLE-BUCKET/*/test/*' });
for (const [key, expect] of [
  ['1/test/object.jpg', 'allowed'],
  ['1/2/test/object.jpg', 'allowed'],
  ['1/2/test/3/object.jpg', 'allowed'],
  ['1/2/3/test/4/object.jpg', 'allowed'],
  ['1///test///object.jpg', 'allowed'],
  ['1/test/.jpg', 'allowed'],
  ['/test/object.jpg', 'allowed'],
  ['1/test/', 'allowed'],
  ['1-test/object.jpg', 'implicitDeny'],
  ['test/object.jpg', 'implicitDeny'],
  ['1/2/test.jpg', 'implicitDeny'],
] as const) {
  run({
    name: `Resource: DOC-EXAMPLE-BUCKET/*/test/* vs ${key}`,
    request: { identity: [inBucket], resource: `arn:aws:s3:::DOC-EXAMPLE-BUCKET/${key}` },
    expect,
  });
}
const accounting = statement({ Action: 'iam:*', Resource: `arn:aws:iam::${A}:user/accounting/*` });
run({
  name: 'Resource: user path wildcard covers users in /accounting/',
  request: {
    identity: [accounting],
    action: 'iam:GetUser',
    resource: `arn:aws:iam::${A}:user/accounting/bob`,
  },
  expect: 'allowed',
});
run({
  name: 'Resource: user path wildcard leaves other paths out',
  request: { identity: [accounting], action: 'iam:GetUser', resource: `arn:aws:iam::${A}:user/sales/bob` },
  expect: 'implicitDeny',
});
const bob = statement({ Action: 'iam:*', Resource: `arn:aws:iam::${A}:user/Bob` });
run({
  name: 'Resource: the user name is case sensitive (Bob)',
  request: { identity: [bob], action: 'iam:GetUser', resource: `arn:aws:iam::${A}:user/Bob` },
  expect: 'allowed',
});
run({
  name: 'Resource: the user name is case sensitive (bob)',
  request: { identity: [bob], action: 'iam:GetUser', resource: `arn:aws:iam::${A}:user/bob` },
  expect: 'implicitDeny',
});
const anyRegion = statement({ Action: 'sns:*', Resource: 'arn:aws:sns:*:*:aws-cloudtrail-logs*' });
run({
  name: 'Resource: wildcards in region and account segments',
  request: {
    identity: [anyRegion],
    action: 'sns:CreateTopic',
    resource: `arn:aws:sns:eu-west-1:${A}:aws-cloudtrail-logs-1`,
  },
  expect: 'allowed',
});
run({
  name: 'Resource: a wildcard does not span a colon',
  request: {
    identity: [statement({ Resource: `arn:aws:sns:*:${A}:topic` })],
    resource: `arn:aws:sns:us-east-1:${B}:x:${A}:topic`,
  },
  expect: 'implicitDeny',
});
run({
  name: 'Resource: a trailing * spans the remaining parts',
  request: {
    identity: [statement({ Resource: 'arn:aws:sqs:*' })],
    resource: `arn:aws:sqs:us-east-2:${A}:queue1`,
  },
  expect: 'allowed',
});
run({
  name: 'Resource: ? matches one character of a segment',
  request: {
    identity: [statement({ Resource: `arn:aws:sqs:us-east-?:${A}:queue1` })],
    resource: `arn:aws:sqs:us-east-2:${A}:queue1`,
  },
  expect: 'allowed',
});
run({
  name: 'Resource: exact queue ARN',
  request: {
    identity: [statement({ Resource: `arn:aws:sqs:us-east-2:${A}:queue1` })],
    resource: `arn:aws:sqs:us-east-2:${A}:queue2`,
  },
  expect: 'implicitDeny',
});
// NotResource: "Deny access to all resources except the HR payroll" style.
const notPayroll = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 's3:*', Resource: '*' },
    {
      Effect: 'Deny',
      Action: 's3:*',
      NotResource: ['arn:aws:s3:::HRBucket/Payroll', 'arn:aws:s3:::HRBucket/Payroll/*'],
    },
  ],
};
run({
  name: 'NotResource Deny: denies everything but the listed resources',
  request: { identity: [notPayroll], resource: 'arn:aws:s3:::HRBucket/Other' },
  expect: 'explicitDeny',
});
run({
  name: 'NotResource Deny: the listed resources are not denied',
  request: { identity: [notPayroll], resource: 'arn:aws:s3:::HRBucket/Payroll/2024.csv' },
  expect: 'allowed',
});
run({
  name: 'NotResource Allow: allows what is not listed',
  request: {
    identity: [statement({ Action: 's3:*', Resource: undefined, NotResource: 'arn:aws:s3:::secret/*' })],
    resource: 'arn:aws:s3:::public/a',
  },
  expect: 'allowed',
});
run({
  name: 'NotResource Allow: the listed resources stay implicitly denied',
  request: {
    identity: [statement({ Action: 's3:*', Resource: undefined, NotResource: 'arn:aws:s3:::secret/*' })],
    resource: 'arn:aws:s3:::secret/a',
  },
  expect: 'implicitDeny',
});

// --- Evaluation logic example: carlossalazar (Policy evaluation logic, "Example identity-based
// and resource-based policy evaluation").
const carlosIdentity = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'AllowS3ListRead',
      Effect: 'Allow',
      Action: [
        's3:GetBucketLocation',
        's3:GetAccountPublicAccessBlock',
        's3:ListAccessPoints',
        's3:ListAllMyBuckets',
      ],
      Resource: 'arn:aws:s3:::*',
    },
    {
      Sid: 'AllowS3Self',
      Effect: 'Allow',
      Action: 's3:*',
      Resource: ['arn:aws:s3:::carlossalazar/*', 'arn:aws:s3:::carlossalazar'],
    },
    { Sid: 'DenyS3Logs', Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::*log*' },
  ],
};
const carlosBucket = policy(
  {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${A}:user/carlossalazar` },
        Action: 's3:*',
        Resource: ['arn:aws:s3:::carlossalazar/*', 'arn:aws:s3:::carlossalazar'],
      },
    ],
  },
  'resource',
  'bucket-policy',
);
run({
  name: 'carlossalazar: saving to carlossalazar-logs is explicitly denied',
  request: {
    principal: user('carlossalazar'),
    identity: [carlosIdentity],
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::carlossalazar-logs/file',
  },
  expect: 'explicitDeny',
  deniedBy: 'identity',
});
run({
  name: 'carlossalazar: saving to his bucket is allowed by both policies',
  request: {
    principal: user('carlossalazar'),
    identity: [carlosIdentity],
    resourcePolicy: carlosBucket,
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::carlossalazar/file',
  },
  expect: 'allowed',
});
run({
  name: 'carlossalazar: the bucket policy alone allows within the account',
  request: {
    principal: user('carlossalazar'),
    identity: [],
    resourcePolicy: carlosBucket,
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::carlossalazar/file',
  },
  expect: 'allowed',
});
run({
  name: 'carlossalazar: listing buckets is allowed',
  request: {
    principal: user('carlossalazar'),
    identity: [carlosIdentity],
    action: 's3:ListAllMyBuckets',
    resource: 'arn:aws:s3:::x',
  },
  expect: 'allowed',
});
run({
  name: 'carlossalazar: another user is not named by the bucket policy',
  request: {
    principal: user('mary'),
    resourcePolicy: carlosBucket,
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::carlossalazar/file',
  },
  expect: 'implicitDeny',
  deniedBy: 'identity',
});
run({
  name: 'Explicit deny in a resource policy overrides an identity allow',
  request: {
    identity: [statement({})],
    resourcePolicy: policy(
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' }],
      },
      'resource',
    ),
  },
  expect: 'explicitDeny',
  deniedBy: 'resource',
});
run({
  name: 'No policy at all: implicit deny',
  request: { identity: [] },
  expect: 'implicitDeny',
  deniedBy: 'identity',
});
run({
  name: 'Root user: full access in its own account without policies',
  request: { principal: root() },
  expect: 'allowed',
});
run({
  name: 'Root user: an explicit deny in a resource policy still applies',
  request: {
    principal: root(),
    resourcePolicy: policy(
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Principal: { AWS: A }, Action: 's3:*', Resource: '*' }],
      },
      'resource',
    ),
  },
  expect: 'explicitDeny',
});

// --- Resource-based policies and implicit denies in other policy types, same account (Policy
// evaluation logic; Permissions boundaries, "Evaluating effective permissions with boundaries").
const grantTo = (aws: string): CompiledPolicy =>
  policy(
    {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: aws },
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::bucket/*',
        },
      ],
    },
    'resource',
    'rbp',
  );
const narrowBoundary = policy(statement({ Action: 'sqs:*' }), 'identity', 'boundary');
const narrowSession = policy(statement({ Action: 'sqs:*' }), 'identity', 'session');
run({
  name: 'RBP to IAM user ARN: not limited by a missing identity allow',
  request: { resourcePolicy: grantTo(`arn:aws:iam::${A}:user/alice`) },
  expect: 'allowed',
});
run({
  name: 'RBP to IAM user ARN: not limited by a boundary implicit deny',
  request: { resourcePolicy: grantTo(`arn:aws:iam::${A}:user/alice`), permissionsBoundary: narrowBoundary },
  expect: 'allowed',
});
run({
  name: 'RBP to IAM user ARN: an explicit deny in the boundary still denies',
  request: {
    resourcePolicy: grantTo(`arn:aws:iam::${A}:user/alice`),
    permissionsBoundary: policy(
      { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: '*' }] },
      'identity',
      'b',
    ),
  },
  expect: 'explicitDeny',
  deniedBy: 'permissionsBoundary',
});
run({
  name: 'RBP to role ARN: allowed for the session without identity allow',
  request: {
    principal: roleSession('examplerole', 's1'),
    resourcePolicy: grantTo(`arn:aws:iam::${A}:role/examplerole`),
  },
  expect: 'allowed',
});
run({
  name: 'RBP to role ARN: limited by a boundary implicit deny',
  request: {
    principal: roleSession('examplerole', 's1'),
    resourcePolicy: grantTo(`arn:aws:iam::${A}:role/examplerole`),
    permissionsBoundary: narrowBoundary,
  },
  expect: 'implicitDeny',
  deniedBy: 'permissionsBoundary',
});
run({
  name: 'RBP to role ARN: limited by a session policy implicit deny',
  request: {
    principal: roleSession('examplerole', 's1'),
    resourcePolicy: grantTo(`arn:aws:iam::${A}:role/examplerole`),
    sessionPolicies: [narrowSession],
  },
  expect: 'implicitDeny',
  deniedBy: 'session',
});
run({
  name: 'RBP to role session ARN: not limited by boundary or session policy',
  request: {
    principal: roleSession('examplerole', 's1'),
    resourcePolicy: grantTo(`arn:aws:sts::${A}:assumed-role/examplerole/s1`),
    permissionsBoundary: narrowBoundary,
    sessionPolicies: [narrowSession],
  },
  expect: 'allowed',
});
run({
  name: 'RBP to another session of the role does not name this one',
  request: {
    principal: roleSession('examplerole', 's1'),
    resourcePolicy: grantTo(`arn:aws:sts::${A}:assumed-role/examplerole/s2`),
  },
  expect: 'implicitDeny',
});
const fedUser: RequestPrincipal = {
  type: 'FederatedUser',
  arn: `arn:aws:sts::${A}:federated-user/exampleuser`,
  accountId: A,
  federatingUserArn: `arn:aws:iam::${A}:user/exampleuser`,
};
run({
  name: 'RBP to federated user session ARN: granted directly to the session',
  request: {
    principal: fedUser,
    resourcePolicy: grantTo(`arn:aws:sts::${A}:federated-user/exampleuser`),
    sessionPolicies: [narrowSession],
  },
  expect: 'allowed',
});
run({
  name: 'RBP to the IAM user who federated: limited by the session policy',
  request: {
    principal: fedUser,
    resourcePolicy: grantTo(`arn:aws:iam::${A}:user/exampleuser`),
    sessionPolicies: [narrowSession],
  },
  expect: 'implicitDeny',
  deniedBy: 'session',
});
run({
  name: 'RBP to the account: the identity policy must still allow',
  request: { resourcePolicy: grantTo(A) },
  expect: 'implicitDeny',
  deniedBy: 'identity',
});
run({
  name: 'RBP to the account root ARN and an identity allow: allowed',
  request: {
    resourcePolicy: grantTo(`arn:aws:iam::${A}:root`),
    identity: [statement({ Action: 's3:GetObject' })],
  },
  expect: 'allowed',
});
run({ name: 'RBP to "*": allowed directly', request: { resourcePolicy: grantTo('*') }, expect: 'allowed' });
run({
  name: 'RBP Principal "*" string form: allowed directly',
  request: {
    resourcePolicy: policy(
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*' }],
      },
      'resource',
    ),
  },
  expect: 'allowed',
});
run({
  name: 'RBP for another action does not apply',
  request: { resourcePolicy: grantTo('*'), action: 's3:PutObject' },
  expect: 'implicitDeny',
});

// --- Permissions boundaries ("Permissions boundaries for IAM entities": the intersection).
const s3Only = policy(statement({ Action: 's3:*' }), 'identity', 's3-boundary');
run({
  name: 'Boundary: identity and boundary both allow',
  request: { identity: [statement({ Action: 's3:GetObject' })], permissionsBoundary: s3Only },
  expect: 'allowed',
});
run({
  name: 'Boundary: identity allows, boundary does not',
  request: {
    identity: [statement({})],
    permissionsBoundary: s3Only,
    action: 'iam:CreateUser',
    resource: '*',
  },
  expect: 'implicitDeny',
  deniedBy: 'permissionsBoundary',
});
run({
  name: 'Boundary: boundary allows, identity does not',
  request: { identity: [], permissionsBoundary: s3Only },
  expect: 'implicitDeny',
  deniedBy: 'identity',
});
run({
  name: 'Boundary: explicit deny in the boundary',
  request: {
    identity: [statement({})],
    permissionsBoundary: policy(
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: '*', Resource: '*' },
          { Effect: 'Deny', Action: 's3:GetObject', Resource: '*' },
        ],
      },
      'identity',
      'b',
    ),
  },
  expect: 'explicitDeny',
  deniedBy: 'permissionsBoundary',
});

// --- Session policies ("Policies and permissions in IAM", session policies: the intersection).
run({
  name: 'Session policy: role session with identity and session policy allowing',
  request: {
    principal: roleSession('r', 's'),
    identity: [statement({})],
    sessionPolicies: [policy(statement({ Action: 's3:*' }))],
  },
  expect: 'allowed',
});
run({
  name: 'Session policy: session policy leaves the action out',
  request: { principal: roleSession('r', 's'), identity: [statement({})], sessionPolicies: [narrowSession] },
  expect: 'implicitDeny',
  deniedBy: 'session',
});
run({
  name: 'Session policy: none passed, the role session keeps its role permissions',
  request: { principal: roleSession('r', 's'), identity: [statement({})] },
  expect: 'allowed',
});
run({
  name: 'Session policy: a session policy cannot grant beyond the identity policy',
  request: { principal: roleSession('r', 's'), identity: [], sessionPolicies: [policy(statement({}))] },
  expect: 'implicitDeny',
  deniedBy: 'identity',
});
run({
  name: 'Session policy: explicit deny',
  request: {
    principal: roleSession('r', 's'),
    identity: [statement({})],
    sessionPolicies: [
      policy({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] }),
    ],
  },
  expect: 'explicitDeny',
  deniedBy: 'session',
});
run({
  name: 'Session policy: a federated user session without one is implicitly denied',
  request: { principal: fedUser, identity: [statement({})] },
  expect: 'implicitDeny',
  deniedBy: 'session',
});

// --- SCPs (Policy evaluation logic, "Organizations SCPs"; AWS Organizations "SCP evaluation":
// every level from the root down must allow; a deny at any level denies; root users included).
const fullAws = policy(
  { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  'scp',
  'p-FullAWSAccess',
);
const denyStop = policy(
  {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyStop',
        Effect: 'Deny',
        Action: ['cloudtrail:StopLogging', 'cloudtrail:DeleteTrail'],
        Resource: '*',
      },
    ],
  },
  'scp',
  'p-deny-stop',
);
const allowS3 = policy(
  { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] },
  'scp',
  'p-s3',
);
const admin = compiledAwsManagedPolicy('arn:aws:iam::aws:policy/AdministratorAccess')!;
run({
  name: 'SCP: FullAWSAccess at every level and an admin user: allowed',
  request: {
    identityPolicies: [admin],
    serviceControlPolicies: [[fullAws], [fullAws], [fullAws]],
    action: 'cloudtrail:StopLogging',
    resource: '*',
  },
  expect: 'allowed',
});
run({
  name: 'SCP: a deny at the OU holds against an admin',
  request: {
    identityPolicies: [admin],
    serviceControlPolicies: [[fullAws], [fullAws, denyStop], [fullAws]],
    action: 'cloudtrail:StopLogging',
    resource: '*',
  },
  expect: 'explicitDeny',
  deniedBy: 'scp',
});
run({
  name: 'SCP: a deny holds against the member account root user',
  request: {
    principal: root(),
    serviceControlPolicies: [[fullAws, denyStop]],
    action: 'cloudtrail:DeleteTrail',
    resource: '*',
  },
  expect: 'explicitDeny',
  deniedBy: 'scp',
});
run({
  name: 'SCP: the deny leaves other actions alone',
  request: {
    identityPolicies: [admin],
    serviceControlPolicies: [[fullAws, denyStop]],
    action: 'cloudtrail:LookupEvents',
    resource: '*',
  },
  expect: 'allowed',
});
run({
  name: 'SCP: a level without an allow denies (allow list at the account)',
  request: {
    identityPolicies: [admin],
    serviceControlPolicies: [[fullAws], [allowS3]],
    action: 'cloudtrail:LookupEvents',
    resource: '*',
  },
  expect: 'implicitDeny',
  deniedBy: 'scp',
});
run({
  name: 'SCP: the allow list covers its actions',
  request: { identityPolicies: [admin], serviceControlPolicies: [[fullAws], [allowS3]] },
  expect: 'allowed',
});
run({
  name: 'SCP: an SCP allow grants nothing by itself',
  request: { identity: [], serviceControlPolicies: [[fullAws]] },
  expect: 'implicitDeny',
  deniedBy: 'identity',
});
run({
  name: 'SCP: SCP, boundary and identity must all allow',
  request: {
    identityPolicies: [admin],
    permissionsBoundary: s3Only,
    serviceControlPolicies: [[fullAws]],
    action: 'sqs:SendMessage',
    resource: '*',
  },
  expect: 'implicitDeny',
  deniedBy: 'permissionsBoundary',
});
run({
  name: 'SCP: a same-account resource policy cannot bypass the SCP',
  request: {
    resourcePolicy: grantTo('*'),
    serviceControlPolicies: [[cloudTrailOnlyScp()]],
    action: 's3:GetObject',
  },
  expect: 'implicitDeny',
  deniedBy: 'scp',
});
function cloudTrailOnlyScp(): CompiledPolicy {
  return policy(
    { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'cloudtrail:*', Resource: '*' }] },
    'scp',
    'p-ct',
  );
}
run({
  name: 'SCP: conditions in an SCP deny (MFA required to stop logging)',
  request: {
    identityPolicies: [admin],
    serviceControlPolicies: [
      [
        fullAws,
        policy(
          {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Deny',
                Action: 'cloudtrail:StopLogging',
                Resource: '*',
                Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
              },
            ],
          },
          'scp',
        ),
      ],
    ],
    action: 'cloudtrail:StopLogging',
    resource: '*',
  },
  expect: 'explicitDeny',
  deniedBy: 'scp',
});
run({
  name: 'SCP: the MFA-conditioned deny lets an MFA session through',
  request: {
    identityPolicies: [admin],
    serviceControlPolicies: [
      [
        fullAws,
        policy(
          {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Deny',
                Action: 'cloudtrail:StopLogging',
                Resource: '*',
                Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
              },
            ],
          },
          'scp',
        ),
      ],
    ],
    action: 'cloudtrail:StopLogging',
    resource: '*',
    context: { 'aws:MultiFactorAuthPresent': 'true' },
  },
  expect: 'allowed',
});

// --- Cross-account ("Cross-account policy evaluation logic": both accounts must allow).
const bucketForB = (aws: string): CompiledPolicy =>
  policy(
    {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: aws },
          Action: 's3:PutObject',
          Resource: 'arn:aws:s3:::Production-logs/*',
        },
      ],
    },
    'resource',
    'prod-logs',
  );
const carlosB = user('carlossalazar', B);
const putLogs = { action: 's3:PutObject', resource: 'arn:aws:s3:::Production-logs/f', resourceAccount: A };
run({
  name: 'Cross-account: identity and resource policy both allow',
  request: {
    principal: carlosB,
    identity: [statement({ Action: 's3:PutObject', Resource: 'arn:aws:s3:::Production-logs/*' })],
    resourcePolicy: bucketForB(B),
    ...putLogs,
  },
  expect: 'allowed',
});
run({
  name: 'Cross-account: the resource policy alone does not suffice',
  request: {
    principal: carlosB,
    identity: [],
    resourcePolicy: bucketForB(`arn:aws:iam::${B}:user/carlossalazar`),
    ...putLogs,
  },
  expect: 'implicitDeny',
  deniedBy: 'identity',
});
run({
  name: 'Cross-account: the identity policy alone does not suffice',
  request: { principal: carlosB, identity: [statement({})], ...putLogs },
  expect: 'implicitDeny',
  deniedBy: 'resource',
});
run({
  name: 'Cross-account: a resource policy naming another account does not apply',
  request: {
    principal: carlosB,
    identity: [statement({})],
    resourcePolicy: bucketForB('999999999999'),
    ...putLogs,
  },
  expect: 'implicitDeny',
  deniedBy: 'resource',
});
run({
  name: 'Cross-account: an explicit deny in the resource policy denies',
  request: {
    principal: carlosB,
    identity: [statement({})],
    resourcePolicy: policy(
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: B }, Action: 's3:*', Resource: '*' },
          { Effect: 'Deny', Principal: { AWS: B }, Action: 's3:PutObject', Resource: '*' },
        ],
      },
      'resource',
    ),
    ...putLogs,
  },
  expect: 'explicitDeny',
  deniedBy: 'resource',
});
run({
  name: 'Cross-account: the root of the trusted account with a grant to its account',
  request: { principal: root(B), resourcePolicy: bucketForB(B), ...putLogs },
  expect: 'allowed',
});
run({
  name: 'Cross-account: the caller SCP still applies',
  request: {
    principal: carlosB,
    identity: [statement({})],
    resourcePolicy: bucketForB(B),
    serviceControlPolicies: [[cloudTrailOnlyScp()]],
    ...putLogs,
  },
  expect: 'implicitDeny',
  deniedBy: 'scp',
});

// --- Role trust policies (Policy evaluation logic: trust policies must allow the principal;
// "Troubleshooting access denied": "because no role trust policy allows the sts:AssumeRole action").
const trust = (aws: string): CompiledPolicy =>
  policy(
    {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: aws }, Action: 'sts:AssumeRole' }],
    },
    'trust',
    'trust',
  );
const assume = {
  action: 'sts:AssumeRole',
  resource: `arn:aws:iam::${A}:role/auditor`,
  resourcePolicyType: 'trust' as const,
};
run({
  name: 'Trust: same account, trust names the user: allowed',
  request: { resourcePolicy: trust(`arn:aws:iam::${A}:user/alice`), ...assume },
  expect: 'allowed',
});
run({
  name: 'Trust: same account, trust names the account: identity must allow',
  request: { resourcePolicy: trust(A), ...assume },
  expect: 'implicitDeny',
  deniedBy: 'identity',
});
run({
  name: 'Trust: same account, trust names the account and identity allows',
  request: { resourcePolicy: trust(A), identity: [statement({ Action: 'sts:AssumeRole' })], ...assume },
  expect: 'allowed',
});
run({
  name: 'Trust: an identity allow without a trusting policy is denied',
  request: { resourcePolicy: trust('999999999999'), identity: [statement({})], ...assume },
  expect: 'implicitDeny',
  deniedBy: 'trust',
});
run({
  name: 'Trust: cross-account needs the caller identity allow',
  request: { principal: user('bob', B), resourcePolicy: trust(B), resourceAccount: A, ...assume },
  expect: 'implicitDeny',
  deniedBy: 'identity',
});
run({
  name: 'Trust: cross-account with both sides allowing',
  request: {
    principal: user('bob', B),
    resourcePolicy: trust(B),
    identity: [statement({ Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${A}:role/auditor` })],
    resourceAccount: A,
    ...assume,
  },
  expect: 'allowed',
});
run({
  name: 'Trust: service principal',
  request: {
    principal: { type: 'AWSService', arn: 'cloudtrail.amazonaws.com', accountId: A },
    resourcePolicy: policy(
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
      'trust',
    ),
    ...assume,
  },
  expect: 'allowed',
});
run({
  name: 'Trust: another service principal is not trusted',
  request: {
    principal: { type: 'AWSService', arn: 'ec2.amazonaws.com', accountId: A },
    resourcePolicy: policy(
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
      'trust',
    ),
    ...assume,
  },
  expect: 'implicitDeny',
});
run({
  name: 'Trust: ExternalId condition holds',
  request: {
    principal: user('bob', B),
    resourcePolicy: policy(
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: B },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': 'Unique-1' } },
          },
        ],
      },
      'trust',
    ),
    identity: [statement({})],
    resourceAccount: A,
    context: { 'sts:ExternalId': 'Unique-1' },
    ...assume,
  },
  expect: 'allowed',
});
run({
  name: 'Trust: ExternalId missing',
  request: {
    principal: user('bob', B),
    resourcePolicy: policy(
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: B },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': 'Unique-1' } },
          },
        ],
      },
      'trust',
    ),
    identity: [statement({})],
    resourceAccount: A,
    ...assume,
  },
  expect: 'implicitDeny',
  deniedBy: 'trust',
});

// --- NotPrincipal ("AWS JSON policy elements: NotPrincipal", "NotPrincipal with Deny").
const denyAllBut = (...aws: string[]): CompiledPolicy =>
  policy(
    {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' },
        {
          Effect: 'Deny',
          NotPrincipal: { AWS: aws },
          Action: 's3:*',
          Resource: ['arn:aws:s3:::BUCKETNAME', 'arn:aws:s3:::BUCKETNAME/*'],
        },
      ],
    },
    'resource',
    'np',
  );
const bobB = user('Bob', B);
const onBucket = { resource: 'arn:aws:s3:::BUCKETNAME/k', resourceAccount: A, identity: [statement({})] };
run({
  name: 'NotPrincipal: Bob and his account listed, Bob is not denied',
  request: {
    principal: bobB,
    resourcePolicy: denyAllBut(`arn:aws:iam::${B}:user/Bob`, `arn:aws:iam::${B}:root`),
    ...onBucket,
  },
  expect: 'allowed',
});
run({
  name: 'NotPrincipal: other users are denied',
  request: {
    principal: user('Alice', B),
    resourcePolicy: denyAllBut(`arn:aws:iam::${B}:user/Bob`, `arn:aws:iam::${B}:root`),
    ...onBucket,
  },
  expect: 'explicitDeny',
  deniedBy: 'resource',
});
run({
  name: 'NotPrincipal: only Bob listed, the deny reaches him through his account',
  request: { principal: bobB, resourcePolicy: denyAllBut(`arn:aws:iam::${B}:user/Bob`), ...onBucket },
  expect: 'explicitDeny',
});
const auditApp = roleSession('cross-account-read-only-role', 'cross-account-audit-app', B);
run({
  name: 'NotPrincipal: session, role and account listed, the session is exempt',
  request: {
    principal: auditApp,
    resourcePolicy: denyAllBut(
      `arn:aws:sts::${B}:assumed-role/cross-account-read-only-role/cross-account-audit-app`,
      `arn:aws:iam::${B}:role/cross-account-read-only-role`,
      `arn:aws:iam::${B}:root`,
    ),
    ...onBucket,
  },
  expect: 'allowed',
});
run({
  name: 'NotPrincipal: the role ARN missing, the session is denied',
  request: {
    principal: auditApp,
    resourcePolicy: denyAllBut(
      `arn:aws:sts::${B}:assumed-role/cross-account-read-only-role/cross-account-audit-app`,
      `arn:aws:iam::${B}:root`,
    ),
    ...onBucket,
  },
  expect: 'explicitDeny',
});
run({
  name: 'NotPrincipal: a resource outside the statement is not denied',
  request: {
    principal: user('Alice', B),
    resourcePolicy: denyAllBut(`arn:aws:iam::${B}:user/Bob`),
    ...onBucket,
    resource: 'arn:aws:s3:::OTHER/k',
  },
  expect: 'allowed',
});

// --- Policy variables ("IAM policy elements: Variables and tags").
const home = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: 'arn:aws:s3:::mybucket/${aws:username}/*',
    },
  ],
};
run({
  name: 'Variables: ${aws:username} in Resource, own prefix',
  request: { principal: user('David'), identity: [home], resource: 'arn:aws:s3:::mybucket/David/a.txt' },
  expect: 'allowed',
});
run({
  name: 'Variables: ${aws:username} in Resource, other prefix',
  request: { principal: user('David'), identity: [home], resource: 'arn:aws:s3:::mybucket/Adele/a.txt' },
  expect: 'implicitDeny',
});
run({
  name: 'Variables: aws:username is absent for role sessions, the resource matches nothing',
  request: {
    principal: roleSession('David', 'David'),
    identity: [home],
    resource: 'arn:aws:s3:::mybucket/David/a.txt',
  },
  expect: 'implicitDeny',
});
run({
  name: 'Variables: ${aws:userid}',
  request: {
    principal: user('david'),
    identity: [statement({ Resource: 'arn:aws:s3:::bucket-name/home/${aws:userid}/*' })],
    resource: 'arn:aws:s3:::bucket-name/home/AIDADAVID/x',
  },
  expect: 'allowed',
});
run({
  name: 'Variables: in 2008-10-17 documents ${…} is literal',
  request: {
    principal: user('David'),
    identityPolicies: [policyV2008()],
    resource: 'arn:aws:s3:::mybucket/David/a.txt',
  },
  expect: 'implicitDeny',
});
run({
  name: 'Variables: in 2008-10-17 documents ${…} matches only itself',
  request: {
    principal: user('David'),
    identityPolicies: [policyV2008()],
    resource: 'arn:aws:s3:::mybucket/${aws:username}/a.txt',
  },
  expect: 'allowed',
});
function policyV2008(): CompiledPolicy {
  const r = parsePolicy(
    {
      Version: '2008-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::mybucket/${aws:username}/*' }],
    },
    'scp',
    { id: 'v2008' },
  );
  if (!r.ok) throw new Error(r.message);
  return r.policy;
}
run({
  name: 'Variables: ${aws:PrincipalTag/department} in Resource',
  request: {
    principal: user('a', A, { tags: { department: 'finance' } }),
    identity: [statement({ Resource: 'arn:aws:s3:::bucket/${aws:PrincipalTag/department}' })],
    resource: 'arn:aws:s3:::bucket/finance',
  },
  expect: 'allowed',
});
run({
  name: 'Variables: a default value when the tag is missing',
  request: {
    principal: user('a'),
    identity: [
      statement({ Resource: "arn:aws:s3:::DOC-EXAMPLE-BUCKET-${aws:PrincipalTag/team, 'company-wide'}" }),
    ],
    resource: 'arn:aws:s3:::DOC-EXAMPLE-BUCKET-company-wide',
  },
  expect: 'allowed',
});
run({
  name: 'Variables: the tag wins over the default',
  request: {
    principal: user('a', A, { tags: { team: 'yellow' } }),
    identity: [
      statement({ Resource: "arn:aws:s3:::DOC-EXAMPLE-BUCKET-${aws:PrincipalTag/team, 'company-wide'}" }),
    ],
    resource: 'arn:aws:s3:::DOC-EXAMPLE-BUCKET-company-wide',
  },
  expect: 'implicitDeny',
});
run({
  name: 'Variables: ${*} is a literal asterisk',
  request: {
    identity: [statement({ Resource: 'arn:aws:s3:::bucket/a${*}b' })],
    resource: 'arn:aws:s3:::bucket/a*b',
  },
  expect: 'allowed',
});
run({
  name: 'Variables: ${*} does not act as a wildcard',
  request: {
    identity: [statement({ Resource: 'arn:aws:s3:::bucket/a${*}b' })],
    resource: 'arn:aws:s3:::bucket/axxb',
  },
  expect: 'implicitDeny',
});
run({
  name: 'Variables: ${?} and ${$} are literal',
  request: {
    identity: [statement({ Resource: 'arn:aws:s3:::bucket/${?}${$}' })],
    resource: 'arn:aws:s3:::bucket/?$',
  },
  expect: 'allowed',
});
run({
  name: 'Variables: key names in variables are case-insensitive',
  request: {
    principal: user('David'),
    identity: [statement({ Resource: 'arn:aws:s3:::mybucket/${AWS:UserName}/*' })],
    resource: 'arn:aws:s3:::mybucket/David/x',
  },
  expect: 'allowed',
});
run({
  name: 'Variables: a substituted value with * stays literal',
  request: {
    principal: user('a', A, { tags: { p: '*' } }),
    identity: [statement({ Resource: 'arn:aws:s3:::b/${aws:PrincipalTag/p}' })],
    resource: 'arn:aws:s3:::b/anything',
  },
  expect: 'implicitDeny',
});
condition(
  'StringLike with ${aws:username} in values',
  { StringLike: { 's3:prefix': ['', 'home/', 'home/${aws:username}/'] } },
  { 's3:prefix': 'home/David/' },
  true,
  { principal: user('David') },
);
condition(
  'StringLike with ${aws:username}, another home',
  { StringLike: { 's3:prefix': ['', 'home/', 'home/${aws:username}/'] } },
  { 's3:prefix': 'home/Adele/' },
  false,
  { principal: user('David') },
);
condition(
  'StringEquals resource tag against ${aws:username}',
  { StringEquals: { 'ec2:ResourceTag/VolumeUser': '${aws:username}' } },
  { 'ec2:ResourceTag/VolumeUser': 'David' },
  true,
  { principal: user('David') },
);
condition(
  'StringEquals with a variable that has no value does not match',
  { StringEquals: { 's3:ExistingObjectTag/Team': '${aws:PrincipalTag/Team}' } },
  { 's3:ExistingObjectTag/Team': 'red' },
  false,
);
condition(
  'StringNotEquals with a variable that has no value matches',
  { StringNotEquals: { 's3:ExistingObjectTag/Team': '${aws:PrincipalTag/Team}' } },
  { 's3:ExistingObjectTag/Team': 'red' },
  true,
);
condition(
  'ArnLike with ${aws:username}',
  { ArnLike: { 'aws:SourceArn': 'arn:aws:sns:*:*:${aws:username}-topic' } },
  { 'aws:SourceArn': `arn:aws:sns:us-east-1:${A}:David-topic` },
  true,
  { principal: user('David') },
);

// --- String operators ("IAM JSON policy elements: Condition operators", String; "…: Condition").
condition(
  'StringEquals aws:username johndoe',
  { StringEquals: { 'aws:username': 'johndoe' } },
  undefined,
  true,
  { principal: user('johndoe') },
);
condition(
  'StringEquals is case sensitive (JohnDoe)',
  { StringEquals: { 'aws:username': 'johndoe' } },
  undefined,
  false,
  { principal: user('JohnDoe') },
);
condition(
  'StringEqualsIgnoreCase matches JohnDoe',
  { StringEqualsIgnoreCase: { 'aws:username': 'johndoe' } },
  undefined,
  true,
  { principal: user('JohnDoe') },
);
condition(
  'StringNotEqualsIgnoreCase rejects JohnDoe',
  { StringNotEqualsIgnoreCase: { 'aws:username': 'johndoe' } },
  undefined,
  false,
  { principal: user('JohnDoe') },
);
condition(
  'StringNotEquals matches another value',
  { StringNotEquals: { 'aws:PrincipalTag/job-category': 'iamuser-admin' } },
  { 'aws:PrincipalTag/job-category': 'dev' },
  true,
);
condition(
  'StringNotEquals fails on the value',
  { StringNotEquals: { 'aws:PrincipalTag/job-category': 'iamuser-admin' } },
  { 'aws:PrincipalTag/job-category': 'iamuser-admin' },
  false,
);
condition(
  'StringEquals on a principal tag',
  { StringEquals: { 'aws:PrincipalTag/job-category': 'iamuser-admin' } },
  undefined,
  true,
  { principal: user('a', A, { tags: { 'job-category': 'iamuser-admin' } }) },
);
condition(
  'StringEquals on a missing principal tag is false',
  { StringEquals: { 'aws:PrincipalTag/job-category': 'iamuser-admin' } },
  undefined,
  false,
);
condition(
  'StringLike with * wildcards',
  { StringLike: { 'ec2:InstanceType': ['t1.*', 't2.*', 'm3.*'] } },
  { 'ec2:InstanceType': 't2.micro' },
  true,
);
condition(
  'StringLike does not match other prefixes',
  { StringLike: { 'ec2:InstanceType': ['t1.*', 't2.*', 'm3.*'] } },
  { 'ec2:InstanceType': 'c5.large' },
  false,
);
condition(
  'StringLike is case sensitive',
  { StringLike: { 'ec2:InstanceType': 't2.*' } },
  { 'ec2:InstanceType': 'T2.micro' },
  false,
);
condition('StringLike with ?', { StringLike: { 's3:prefix': 'home/?' } }, { 's3:prefix': 'home/a' }, true);
condition(
  'StringLike without wildcards needs the whole value',
  { StringLike: { 's3:prefix': 'home' } },
  { 's3:prefix': 'home/a' },
  false,
);
condition(
  'StringNotLike matches a value outside the pattern',
  { StringNotLike: { 's3:prefix': 'private/*' } },
  { 's3:prefix': 'public/a' },
  true,
);
condition(
  'StringNotLike fails on a value inside the pattern',
  { StringNotLike: { 's3:prefix': 'private/*' } },
  { 's3:prefix': 'private/a' },
  false,
);
condition(
  'StringEquals with multiple values is OR',
  { StringEqualsIgnoreCase: { 'aws:PrincipalTag/department': ['finance', 'hr', 'legal'] } },
  { 'aws:PrincipalTag/department': 'HR' },
  true,
);
condition(
  'StringNotEquals with multiple values is NOR (one listed)',
  { StringNotEquals: { 'aws:PrincipalAccount': [A, B] } },
  undefined,
  false,
);
condition(
  'StringNotEquals with multiple values is NOR (none listed)',
  { StringNotEquals: { 'aws:PrincipalAccount': ['999999999999', B] } },
  undefined,
  true,
);
condition(
  'keys under one operator are ANDed (both tags)',
  {
    StringEqualsIgnoreCase: {
      'aws:PrincipalTag/department': ['finance', 'hr'],
      'aws:PrincipalTag/role': ['audit', 'security'],
    },
    StringEquals: { 'aws:PrincipalAccount': A },
  },
  undefined,
  true,
  { principal: user('a', A, { tags: { department: 'finance', role: 'audit' } }) },
);
condition(
  'keys under one operator are ANDed (one tag missing)',
  {
    StringEqualsIgnoreCase: {
      'aws:PrincipalTag/department': ['finance', 'hr'],
      'aws:PrincipalTag/role': ['audit', 'security'],
    },
  },
  undefined,
  false,
  { principal: user('a', A, { tags: { department: 'finance' } }) },
);
condition(
  'operators are ANDed (account differs)',
  {
    StringEqualsIgnoreCase: { 'aws:PrincipalTag/department': 'finance' },
    StringEquals: { 'aws:PrincipalAccount': B },
  },
  undefined,
  false,
  { principal: user('a', A, { tags: { department: 'finance' } }) },
);
condition(
  'condition key names are case-insensitive (aws:SourceIP vs AWS:SourceIp)',
  { IpAddress: { 'aws:SourceIP': '203.0.113.0/24' } },
  { 'AWS:SourceIp': '203.0.113.9' },
  true,
);
condition(
  'tag key names are case-insensitive (TagKey1 vs tagkey1)',
  { StringEquals: { 'aws:ResourceTag/TagKey1': 'Value1' } },
  { 'aws:ResourceTag/tagkey1': 'Value1' },
  true,
);
condition(
  'tag values stay case-sensitive',
  { StringEquals: { 'aws:ResourceTag/TagKey1': 'Value1' } },
  { 'aws:ResourceTag/TagKey1': 'value1' },
  false,
);

// --- Numeric ("Condition operators", Numeric: s3:max-keys up to 10).
condition(
  'NumericLessThanEquals 10 with 10',
  { NumericLessThanEquals: { 's3:max-keys': '10' } },
  { 's3:max-keys': '10' },
  true,
);
condition(
  'NumericLessThanEquals 10 with 11',
  { NumericLessThanEquals: { 's3:max-keys': '10' } },
  { 's3:max-keys': '11' },
  false,
);
condition(
  'NumericLessThan 10 with 10',
  { NumericLessThan: { 's3:max-keys': '10' } },
  { 's3:max-keys': 10 },
  false,
);
condition(
  'NumericLessThan 10 with 9.5',
  { NumericLessThan: { 's3:max-keys': '10' } },
  { 's3:max-keys': '9.5' },
  true,
);
condition(
  'NumericGreaterThan 10 with 11',
  { NumericGreaterThan: { 's3:max-keys': '10' } },
  { 's3:max-keys': '11' },
  true,
);
condition(
  'NumericGreaterThanEquals 10 with 10',
  { NumericGreaterThanEquals: { 's3:max-keys': '10' } },
  { 's3:max-keys': '10' },
  true,
);
condition(
  'NumericGreaterThanEquals 10 with 9',
  { NumericGreaterThanEquals: { 's3:max-keys': '10' } },
  { 's3:max-keys': '9' },
  false,
);
condition(
  'NumericEquals 10 with 10.0',
  { NumericEquals: { 's3:max-keys': '10' } },
  { 's3:max-keys': '10.0' },
  true,
);
condition(
  'NumericNotEquals 10 with 10',
  { NumericNotEquals: { 's3:max-keys': '10' } },
  { 's3:max-keys': '10' },
  false,
);
condition(
  'NumericNotEquals 10 with 5',
  { NumericNotEquals: { 's3:max-keys': '10' } },
  { 's3:max-keys': '5' },
  true,
);
condition(
  'Numeric with a missing key is false',
  { NumericLessThanEquals: { 's3:max-keys': '10' } },
  undefined,
  false,
);
condition(
  'aws:MultiFactorAuthAge within an hour',
  { NumericLessThanEquals: { 'aws:MultiFactorAuthAge': '3600' } },
  { 'aws:MultiFactorAuthAge': 120 },
  true,
);
condition(
  'aws:MultiFactorAuthAge older than an hour',
  { NumericLessThanEquals: { 'aws:MultiFactorAuthAge': '3600' } },
  { 'aws:MultiFactorAuthAge': 7200 },
  false,
);
condition(
  'aws:MultiFactorAuthAge not present for long-term keys',
  { NumericLessThanEquals: { 'aws:MultiFactorAuthAge': '3600' } },
  undefined,
  false,
);
condition(
  'Numeric with a non-number request value does not match',
  { NumericEquals: { 's3:max-keys': '10' } },
  { 's3:max-keys': 'ten' },
  false,
);

// --- Date ("Condition operators", Date: ISO 8601 or epoch; aws:CurrentTime, aws:EpochTime).
const NOW = new Date('2024-06-15T12:00:00Z');
condition(
  'DateGreaterThan aws:TokenIssueTime in 2020',
  { DateGreaterThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:01Z' } },
  { 'aws:TokenIssueTime': '2020-05-01T10:00:00Z' },
  true,
);
condition(
  'DateGreaterThan aws:TokenIssueTime before',
  { DateGreaterThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:01Z' } },
  { 'aws:TokenIssueTime': '2019-12-31T23:59:59Z' },
  false,
);
condition(
  'DateGreaterThan without temporary credentials (key absent)',
  { DateGreaterThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:01Z' } },
  undefined,
  false,
);
condition(
  'date range on aws:CurrentTime (inside)',
  {
    DateGreaterThan: { 'aws:CurrentTime': '2024-01-01T00:00:00Z' },
    DateLessThan: { 'aws:CurrentTime': '2024-12-31T23:59:59Z' },
  },
  undefined,
  true,
  { now: NOW },
);
condition(
  'date range on aws:CurrentTime (after)',
  {
    DateGreaterThan: { 'aws:CurrentTime': '2017-07-01T00:00:00Z' },
    DateLessThan: { 'aws:CurrentTime': '2017-12-31T23:59:59Z' },
  },
  undefined,
  false,
  { now: NOW },
);
condition(
  'DateLessThan with an epoch value',
  { DateLessThan: { 'aws:CurrentTime': String(Date.parse('2025-01-01T00:00:00Z') / 1000) } },
  undefined,
  true,
  { now: NOW },
);
condition(
  'DateGreaterThanEquals on aws:EpochTime with an ISO value',
  { DateGreaterThanEquals: { 'aws:EpochTime': '2024-06-15T12:00:00Z' } },
  undefined,
  true,
  { now: NOW },
);
condition(
  'DateLessThanEquals equal instant',
  { DateLessThanEquals: { 'aws:CurrentTime': '2024-06-15T12:00:00Z' } },
  undefined,
  true,
  { now: NOW },
);
condition(
  'DateEquals with a time zone offset',
  { DateEquals: { 'aws:CurrentTime': '2024-06-15T14:00:00+02:00' } },
  undefined,
  true,
  { now: NOW },
);
condition(
  'DateNotEquals another instant',
  { DateNotEquals: { 'aws:CurrentTime': '2024-06-15T12:00:01Z' } },
  undefined,
  true,
  { now: NOW },
);
condition(
  'DateNotEquals same instant',
  { DateNotEquals: { 'aws:CurrentTime': '2024-06-15T12:00:00Z' } },
  undefined,
  false,
  { now: NOW },
);
condition(
  'Date with a date-only value',
  { DateGreaterThan: { 'aws:CurrentTime': '2024-06-15' } },
  undefined,
  true,
  { now: NOW },
);

// --- Bool ("Condition operators", Boolean: aws:SecureTransport; MFA examples).
const denyInsecure = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 's3:*', Resource: '*' },
    {
      Sid: 'BooleanExample',
      Effect: 'Deny',
      Action: 's3:*',
      Resource: ['arn:aws:s3:::DOC-EXAMPLE-BUCKET', 'arn:aws:s3:::DOC-EXAMPLE-BUCKET/*'],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ],
};
run({
  name: 'Bool: deny over plain HTTP',
  request: {
    identity: [denyInsecure],
    resource: 'arn:aws:s3:::DOC-EXAMPLE-BUCKET/a',
    context: { 'aws:SecureTransport': false },
  },
  expect: 'explicitDeny',
});
run({
  name: 'Bool: allow over TLS',
  request: {
    identity: [denyInsecure],
    resource: 'arn:aws:s3:::DOC-EXAMPLE-BUCKET/a',
    context: { 'aws:SecureTransport': 'true' },
  },
  expect: 'allowed',
});
condition(
  'Bool true matches "true"',
  { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
  { 'aws:MultiFactorAuthPresent': 'true' },
  true,
);
condition(
  'Bool values are case-insensitive',
  { Bool: { 'aws:MultiFactorAuthPresent': 'True' } },
  { 'aws:MultiFactorAuthPresent': 'true' },
  true,
);
condition(
  'Bool with a JSON boolean in the policy',
  { Bool: { 'aws:MultiFactorAuthPresent': true } },
  { 'aws:MultiFactorAuthPresent': true },
  true,
);
condition(
  'Bool false does not match true',
  { Bool: { 'aws:MultiFactorAuthPresent': 'false' } },
  { 'aws:MultiFactorAuthPresent': 'true' },
  false,
);
condition(
  'Bool on a missing key is false (long-term keys, no MFA key)',
  { Bool: { 'aws:MultiFactorAuthPresent': 'false' } },
  undefined,
  false,
);
condition(
  'BoolIfExists false with a missing key is true',
  { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
  undefined,
  true,
);
condition(
  'BoolIfExists false with MFA present is false',
  { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
  { 'aws:MultiFactorAuthPresent': 'true' },
  false,
);

// --- Binary ("Condition operators", BinaryEquals compares bytes of base-64 values).
condition(
  'BinaryEquals same bytes',
  { BinaryEquals: { key: 'QmluYXJ5VmFsdWVJbkJhc2U2NA==' } },
  { key: 'QmluYXJ5VmFsdWVJbkJhc2U2NA==' },
  true,
);
condition(
  'BinaryEquals other bytes',
  { BinaryEquals: { key: 'QmluYXJ5VmFsdWVJbkJhc2U2NA==' } },
  { key: 'T3RoZXI=' },
  false,
);
condition(
  'BinaryEquals missing key',
  { BinaryEquals: { key: 'QmluYXJ5VmFsdWVJbkJhc2U2NA==' } },
  undefined,
  false,
);

// --- IP address ("Condition operators", IP address: CIDR, IPv4 and IPv6, bare address = /32).
condition(
  'IpAddress inside 203.0.113.0/24',
  { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
  { 'aws:SourceIp': '203.0.113.255' },
  true,
);
condition(
  'IpAddress outside 203.0.113.0/24',
  { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
  { 'aws:SourceIp': '203.0.114.1' },
  false,
);
condition(
  'IpAddress without a prefix is /32 (same)',
  { IpAddress: { 'aws:SourceIp': '203.0.113.7' } },
  { 'aws:SourceIp': '203.0.113.7' },
  true,
);
condition(
  'IpAddress without a prefix is /32 (neighbour)',
  { IpAddress: { 'aws:SourceIp': '203.0.113.7' } },
  { 'aws:SourceIp': '203.0.113.8' },
  false,
);
condition(
  'IpAddress IPv6 range',
  { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:DB8:1234:5678::/64'] } },
  { 'aws:SourceIp': '2001:db8:1234:5678:abcd::1' },
  true,
);
condition(
  'IpAddress IPv6 outside the range',
  { IpAddress: { 'aws:SourceIp': '2001:DB8:1234:5678::/64' } },
  { 'aws:SourceIp': '2001:db8:1234:5679::1' },
  false,
);
condition(
  'IpAddress IPv4 does not match an IPv6 range',
  { IpAddress: { 'aws:SourceIp': '2001:DB8:1234:5678::/64' } },
  { 'aws:SourceIp': '203.0.113.1' },
  false,
);
condition(
  'NotIpAddress outside the range',
  { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '203.0.113.0/24'] } },
  { 'aws:SourceIp': '198.51.100.1' },
  true,
);
condition(
  'NotIpAddress inside one of the ranges',
  { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '203.0.113.0/24'] } },
  { 'aws:SourceIp': '192.0.2.10' },
  false,
);
condition(
  'IpAddress with the key absent (VPC endpoint request)',
  { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
  undefined,
  false,
);
condition(
  'NotIpAddress with the key absent is true',
  { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
  undefined,
  true,
);
condition(
  'IpAddress 0.0.0.0/0 covers every IPv4 address',
  { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } },
  { 'aws:SourceIp': '8.8.8.8' },
  true,
);

// --- ARN ("Condition operators", ARN: per colon-delimited component; ArnEquals = ArnLike).
const financePattern = 'arn:aws:someservice:*:111122223333:finance/*';
const trickyArn = 'arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt';
condition(
  'StringLike matches across colons',
  { StringLike: { 'aws:SourceArn': financePattern } },
  { 'aws:SourceArn': trickyArn },
  true,
);
condition(
  'ArnLike matches per component',
  { ArnLike: { 'aws:SourceArn': financePattern } },
  { 'aws:SourceArn': trickyArn },
  false,
);
condition(
  'ArnLike matching ARN',
  { ArnLike: { 'aws:SourceArn': financePattern } },
  { 'aws:SourceArn': 'arn:aws:someservice:us-east-2:111122223333:finance/document.txt' },
  true,
);
condition(
  'ArnEquals behaves like ArnLike',
  { ArnEquals: { 'aws:SourceArn': financePattern } },
  { 'aws:SourceArn': 'arn:aws:someservice:eu-west-1:111122223333:finance/x' },
  true,
);
condition(
  'ArnEquals SNS topic',
  { ArnEquals: { 'aws:SourceArn': `arn:aws:sns:us-east-1:${A}:TOPIC-ID` } },
  { 'aws:SourceArn': `arn:aws:sns:us-east-1:${A}:TOPIC-ID` },
  true,
);
condition(
  'ArnEquals is case sensitive',
  { ArnEquals: { 'aws:SourceArn': `arn:aws:sns:us-east-1:${A}:TOPIC-ID` } },
  { 'aws:SourceArn': `arn:aws:sns:us-east-1:${A}:topic-id` },
  false,
);
condition(
  'ArnEquals with the key absent (direct call)',
  { ArnEquals: { 'aws:SourceArn': `arn:aws:sns:us-east-1:${A}:TOPIC-ID` } },
  undefined,
  false,
);
condition(
  'ArnNotLike with another account',
  { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${A}:role/admin-*` } },
  { 'aws:PrincipalArn': `arn:aws:iam::${A}:role/dev` },
  true,
);
condition(
  'ArnNotEquals with the same ARN',
  { ArnNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${A}:role/admin` } },
  { 'aws:PrincipalArn': `arn:aws:iam::${A}:role/admin` },
  false,
);
condition(
  'ArnNotLike with the key absent is true',
  { ArnNotLike: { 'aws:SourceArn': financePattern } },
  undefined,
  true,
);
condition(
  'aws:PrincipalArn of a role session is the role ARN',
  { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${A}:role/auditor` } },
  undefined,
  true,
  { principal: roleSession('auditor', 'x') },
);

// --- …IfExists ("Condition operators", …IfExists).
condition(
  'StringLikeIfExists with the key present and matching',
  { StringLikeIfExists: { 'ec2:InstanceType': ['t1.*', 't2.*', 'm3.*'] } },
  { 'ec2:InstanceType': 'm3.large' },
  true,
);
condition(
  'StringLikeIfExists with the key present, not matching',
  { StringLikeIfExists: { 'ec2:InstanceType': ['t1.*', 't2.*', 'm3.*'] } },
  { 'ec2:InstanceType': 'c5.large' },
  false,
);
condition(
  'StringLikeIfExists with the key absent (other resources of RunInstances)',
  { StringLikeIfExists: { 'ec2:InstanceType': ['t1.*', 't2.*', 'm3.*'] } },
  undefined,
  true,
);
condition(
  'StringLike without IfExists and the key absent (THISPOLICYDOESNOTWORK)',
  { StringLike: { 'ec2:InstanceType': ['t1.*', 't2.*', 'm3.*'] } },
  undefined,
  false,
);
condition(
  'NumericLessThanEqualsIfExists absent',
  { NumericLessThanEqualsIfExists: { 's3:max-keys': '10' } },
  undefined,
  true,
);
condition(
  'DateGreaterThanIfExists absent',
  { DateGreaterThanIfExists: { 'aws:TokenIssueTime': '2020-01-01T00:00:01Z' } },
  undefined,
  true,
);
condition(
  'IpAddressIfExists absent',
  { IpAddressIfExists: { 'aws:SourceIp': '203.0.113.0/24' } },
  undefined,
  true,
);
condition(
  'ArnLikeIfExists present and different',
  { ArnLikeIfExists: { 'aws:SourceArn': 'arn:aws:sns:*:*:a' } },
  { 'aws:SourceArn': 'arn:aws:sns:us-east-1:111122223333:b' },
  false,
);
run({
  name: 'IfExists: a Deny with StringNotEqualsIfExists still denies when the tag is missing',
  request: {
    identity: [
      statement({}),
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Deny',
            Action: '*',
            Resource: '*',
            Condition: { StringNotEqualsIfExists: { 'aws:ResourceTag/team': 'blue' } },
          },
        ],
      },
    ],
  },
  expect: 'explicitDeny',
});
run({
  name: 'IfExists: a Deny with StringNotEqualsIfExists denies another tag value',
  request: {
    identity: [
      statement({}),
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Deny',
            Action: '*',
            Resource: '*',
            Condition: { StringNotEqualsIfExists: { 'aws:ResourceTag/team': 'blue' } },
          },
        ],
      },
    ],
    context: { 'aws:ResourceTag/team': 'red' },
  },
  expect: 'explicitDeny',
});

// --- Null ("Condition operators", Null check).
condition(
  'Null true with aws:TokenIssueTime absent (long-term keys)',
  { Null: { 'aws:TokenIssueTime': 'true' } },
  undefined,
  true,
);
condition(
  'Null true with temporary credentials',
  { Null: { 'aws:TokenIssueTime': 'true' } },
  { 'aws:TokenIssueTime': '2024-06-15T11:00:00Z' },
  false,
);
condition(
  'Null false with the key present',
  { Null: { 'aws:TokenIssueTime': 'false' } },
  { 'aws:TokenIssueTime': '2024-06-15T11:00:00Z' },
  true,
);
condition('Null false with the key absent', { Null: { 'aws:TokenIssueTime': 'false' } }, undefined, false);
condition(
  'Null false on aws:RequestTag requires the tag',
  { Null: { 'aws:RequestTag/CostCenter': 'false' } },
  { 'aws:RequestTag/costcenter': 'A-123' },
  true,
);

// --- Missing keys ("Condition operators", Important: absent keys; negated operators match).
condition(
  'StringNotLike with the key absent is true',
  { StringNotLike: { 's3:prefix': 'private/*' } },
  undefined,
  true,
);
condition(
  'StringNotEquals with the key absent is true',
  { StringNotEquals: { 'aws:PrincipalTag/team': 'blue' } },
  undefined,
  true,
);
condition(
  'StringNotEqualsIgnoreCase with the key absent is true',
  { StringNotEqualsIgnoreCase: { 'aws:PrincipalTag/team': 'blue' } },
  undefined,
  true,
);
condition(
  'DateNotEquals with the key absent is true',
  { DateNotEquals: { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' } },
  undefined,
  true,
);
condition(
  'NumericNotEquals with the key absent is true',
  { NumericNotEquals: { 's3:max-keys': '10' } },
  undefined,
  true,
);
condition(
  'StringEquals with the key absent is false',
  { StringEquals: { 'aws:PrincipalTag/team': 'blue' } },
  undefined,
  false,
);
condition(
  'an empty request value list counts as absent',
  { StringEquals: { 'aws:TagKeys': 'a' } },
  { 'aws:TagKeys': [] },
  false,
);

// --- Set operators ("Creating a condition with multiple keys or values": dynamodb:Attributes).
const allowedAttributes = {
  'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['PostDateTime', 'Message', 'Tags'] },
};
condition(
  'ForAllValues every requested attribute listed',
  allowedAttributes,
  { 'dynamodb:Attributes': ['Message', 'Tags'] },
  true,
);
condition(
  'ForAllValues UserName is not listed',
  allowedAttributes,
  { 'dynamodb:Attributes': ['PostDateTime', 'UserName'] },
  false,
);
condition('ForAllValues with no values in the request is true', allowedAttributes, undefined, true);
condition('ForAllValues with an empty list is true', allowedAttributes, { 'dynamodb:Attributes': [] }, true);
const forbidden = { 'ForAnyValue:StringEquals': { 'dynamodb:Attributes': ['ID', 'PostDateTime'] } };
condition(
  'ForAnyValue PostDateTime among UserName, Message, PostDateTime',
  forbidden,
  { 'dynamodb:Attributes': ['UserName', 'Message', 'PostDateTime'] },
  true,
);
condition('ForAnyValue only UserName', forbidden, { 'dynamodb:Attributes': ['UserName'] }, false);
condition('ForAnyValue with no values in the request is false', forbidden, undefined, false);
run({
  name: 'ForAnyValue Deny: PutItem updating PostDateTime is denied',
  request: {
    identity: [
      statement({}),
      {
        Version: '2012-10-17',
        Statement: {
          Effect: 'Deny',
          Action: 'dynamodb:PutItem',
          Resource: 'arn:aws:dynamodb:*:*:table/Thread',
          Condition: forbidden,
        },
      },
    ],
    action: 'dynamodb:PutItem',
    resource: `arn:aws:dynamodb:us-east-1:${A}:table/Thread`,
    context: { 'dynamodb:Attributes': ['PostDateTime', 'Message'] },
  },
  expect: 'explicitDeny',
});
run({
  name: 'ForAnyValue Deny: PutItem with only UserName is not denied',
  request: {
    identity: [
      statement({}),
      {
        Version: '2012-10-17',
        Statement: {
          Effect: 'Deny',
          Action: 'dynamodb:PutItem',
          Resource: 'arn:aws:dynamodb:*:*:table/Thread',
          Condition: forbidden,
        },
      },
    ],
    action: 'dynamodb:PutItem',
    resource: `arn:aws:dynamodb:us-east-1:${A}:table/Thread`,
    context: { 'dynamodb:Attributes': ['UserName'] },
  },
  expect: 'allowed',
});
condition(
  'ForAllValues:StringLike on aws:TagKeys',
  { 'ForAllValues:StringLike': { 'aws:TagKeys': ['key1*', 'CostCenter'] } },
  { 'aws:TagKeys': ['key1-a', 'CostCenter'] },
  true,
);
condition(
  'ForAnyValue:StringLike on aws:TagKeys',
  { 'ForAnyValue:StringLike': { 'aws:TagKeys': 'environment*' } },
  { 'aws:TagKeys': ['owner', 'environment-x'] },
  true,
);
condition(
  'ForAllValues:StringEquals tag keys with an extra key',
  { 'ForAllValues:StringEquals': { 'aws:TagKeys': 'CostCenter' } },
  { 'aws:TagKeys': ['CostCenter', 'Owner'] },
  false,
);
condition(
  'ForAllValues:StringNotEquals none of the values listed',
  { 'ForAllValues:StringNotEquals': { 'aws:TagKeys': ['secret', 'internal'] } },
  { 'aws:TagKeys': ['a', 'b'] },
  true,
);
condition(
  'ForAllValues:StringNotEquals one value listed',
  { 'ForAllValues:StringNotEquals': { 'aws:TagKeys': ['secret', 'internal'] } },
  { 'aws:TagKeys': ['a', 'secret'] },
  false,
);
condition(
  'ForAnyValue:StringNotEquals one value not listed',
  { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['a', 'b'] } },
  { 'aws:TagKeys': ['a', 'c'] },
  true,
);
condition(
  'ForAnyValue:StringNotEquals every value listed',
  { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['a', 'b'] } },
  { 'aws:TagKeys': ['a', 'b'] },
  false,
);
condition(
  'ForAnyValue:StringEqualsIfExists absent is true',
  { 'ForAnyValue:StringEqualsIfExists': { 'aws:TagKeys': 'a' } },
  undefined,
  true,
);
condition(
  'request tag and tag keys together (AddTag example)',
  {
    StringEquals: { 'aws:RequestTag/CostCenter': ['A-123', 'B-456'] },
    'ForAllValues:StringEquals': { 'aws:TagKeys': 'CostCenter' },
  },
  { 'aws:RequestTag/CostCenter': 'B-456', 'aws:TagKeys': ['CostCenter'] },
  true,
);

// --- Managed policies (the published documents, evaluated).
const readOnly = compiledAwsManagedPolicy('arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess')!;
const ctFull = compiledAwsManagedPolicy('arn:aws:iam::aws:policy/AWSCloudTrail_FullAccess')!;
const roAll = compiledAwsManagedPolicy('arn:aws:iam::aws:policy/ReadOnlyAccess')!;
for (const [action, expect] of [
  ['cloudtrail:LookupEvents', 'allowed'],
  ['cloudtrail:GetTrail', 'allowed'],
  ['cloudtrail:DescribeTrails', 'allowed'],
  ['cloudtrail:ListEventDataStores', 'allowed'],
  ['cloudtrail:StopLogging', 'implicitDeny'],
  ['cloudtrail:DeleteTrail', 'implicitDeny'],
  ['cloudtrail:PutEventSelectors', 'implicitDeny'],
  ['cloudtrail:UpdateEventDataStore', 'implicitDeny'],
] as const) {
  run({
    name: `AWSCloudTrail_ReadOnlyAccess: ${action}`,
    request: { identityPolicies: [readOnly], action, resource: `arn:aws:cloudtrail:us-east-1:${A}:trail/t` },
    expect,
  });
}
run({
  name: 'AWSCloudTrail_FullAccess: StopLogging',
  request: {
    identityPolicies: [ctFull],
    action: 'cloudtrail:StopLogging',
    resource: `arn:aws:cloudtrail:us-east-1:${A}:trail/t`,
  },
  expect: 'allowed',
});
run({
  name: 'AWSCloudTrail_FullAccess: PassRole to CloudTrail',
  request: {
    identityPolicies: [ctFull],
    action: 'iam:PassRole',
    resource: `arn:aws:iam::${A}:role/ct`,
    context: { 'iam:PassedToService': 'cloudtrail.amazonaws.com' },
  },
  expect: 'allowed',
});
run({
  name: 'AWSCloudTrail_FullAccess: PassRole to another service',
  request: {
    identityPolicies: [ctFull],
    action: 'iam:PassRole',
    resource: `arn:aws:iam::${A}:role/ct`,
    context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
  },
  expect: 'implicitDeny',
});
run({
  name: 'AWSCloudTrail_FullAccess: CreateBucket only for aws-cloudtrail-logs*',
  request: { identityPolicies: [ctFull], action: 's3:CreateBucket', resource: 'arn:aws:s3:::my-bucket' },
  expect: 'implicitDeny',
});
run({
  name: 'AWSCloudTrail_FullAccess: CreateBucket aws-cloudtrail-logs-1',
  request: {
    identityPolicies: [ctFull],
    action: 's3:CreateBucket',
    resource: 'arn:aws:s3:::aws-cloudtrail-logs-1',
  },
  expect: 'allowed',
});
run({
  name: 'ReadOnlyAccess: cloudtrail:LookupEvents',
  request: { identityPolicies: [roAll], action: 'cloudtrail:LookupEvents', resource: '*' },
  expect: 'allowed',
});
run({
  name: 'ReadOnlyAccess: cloudtrail:StopLogging',
  request: { identityPolicies: [roAll], action: 'cloudtrail:StopLogging', resource: '*' },
  expect: 'implicitDeny',
});
run({
  name: 'ReadOnlyAccess: iam:ListUsers',
  request: { identityPolicies: [roAll], action: 'iam:ListUsers', resource: '*' },
  expect: 'allowed',
});
run({
  name: 'ReadOnlyAccess: iam:CreateUser',
  request: { identityPolicies: [roAll], action: 'iam:CreateUser', resource: '*' },
  expect: 'implicitDeny',
});
run({
  name: 'AdministratorAccess: anything',
  request: { identityPolicies: [admin], action: 'organizations:CreatePolicy', resource: '*' },
  expect: 'allowed',
});

// --- Results: matched statements, missing context values, messages ("Troubleshooting access
// denied error messages" for the texts).
test('evaluatePolicies() names the matched statements with their policy and Sid', () => {
  const p = policy(getList, 'identity', 'GetList');
  const r = evaluatePolicies({
    principal: user('JohnDoe'),
    action: 'iam:GenerateCredentialReport',
    resource: '*',
    identityPolicies: [p],
  });
  assert.deepEqual(
    r.matchedStatements.map((m) => [m.sourcePolicyId, m.sid, m.effect]),
    [['GetList', 'DenyReports', 'Deny']],
  );
  assert.equal(r.denyingPolicy?.id, 'GetList');
});

test('evaluatePolicies() reports condition keys the request lacks', () => {
  const p = policy(
    statement({
      Condition: {
        NumericLessThanEquals: { 'aws:MultiFactorAuthAge': '3600' },
        StringEquals: { 'aws:PrincipalTag/team': 'x' },
      },
    }),
  );
  const r = evaluatePolicies({
    principal: user('a'),
    action: 's3:GetObject',
    resource: '*',
    identityPolicies: [p],
  });
  // As the policy writes them: the simulator's MissingContextValues name them so.
  assert.deepEqual([...r.missingContextValues].sort(), ['aws:MultiFactorAuthAge', 'aws:PrincipalTag/team']);
  assert.equal(r.decision, 'implicitDeny');
});

test('evaluatePolicies() names a missing key once, as first written, variables included', () => {
  const p = policy({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      },
      {
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
        Condition: { BoolIfExists: { 'AWS:multifactorauthpresent': 'true' } },
      },
      {
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
        Condition: { StringEquals: { 'aws:PrincipalArn': '${aws:PrincipalTag/Dept}' } },
      },
    ],
  });
  const r = evaluatePolicies({
    principal: user('a'),
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::bucket/x/y',
    identityPolicies: [p],
  });
  assert.deepEqual([...r.missingContextValues], ['aws:MultiFactorAuthPresent', 'aws:PrincipalTag/Dept']);
});

test('evaluatePolicies() reports the Organizations and boundary details', () => {
  const r = evaluatePolicies({
    principal: user('a'),
    action: 'sqs:SendMessage',
    resource: '*',
    identityPolicies: [admin],
    permissionsBoundary: s3Only,
    serviceControlPolicies: [[fullAws]],
  });
  assert.equal(r.allowedByOrganizations, true);
  assert.equal(r.allowedByPermissionsBoundary, false);
});

const JOHN = `arn:aws:iam::123456789012:user/JohnDoe`;
test('accessDeniedMessage() for an implicit deny by identity-based policies', () => {
  const r = evaluatePolicies({
    principal: user('JohnDoe', '123456789012'),
    action: 'codecommit:ListRepositories',
    resource: '*',
  });
  assert.equal(
    accessDeniedMessage(r, { principalArn: JOHN, action: 'codecommit:ListRepositories', resource: '*' }),
    `User: ${JOHN} is not authorized to perform: codecommit:ListRepositories because no identity-based policy allows the codecommit:ListRepositories action`,
  );
});

test('accessDeniedMessage() for an explicit deny in an identity-based policy, with the resource', () => {
  const p = policy({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Deny', Action: 'codedeploy:*', Resource: '*' }],
  });
  const resource = 'arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:*';
  const r = evaluatePolicies({
    principal: user('JohnDoe', '123456789012'),
    action: 'codedeploy:ListDeployments',
    resource,
    identityPolicies: [p],
  });
  assert.equal(
    accessDeniedMessage(r, { principalArn: JOHN, action: 'codedeploy:ListDeployments', resource }),
    `User: ${JOHN} is not authorized to perform: codedeploy:ListDeployments on resource: ${resource} with an explicit deny in an identity-based policy`,
  );
});

test('accessDeniedMessage() for a permissions boundary implicit deny', () => {
  const resource = 'arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:*';
  const r = evaluatePolicies({
    principal: user('JohnDoe', '123456789012'),
    action: 'codedeploy:ListDeployments',
    resource,
    identityPolicies: [admin],
    permissionsBoundary: s3Only,
  });
  assert.equal(
    accessDeniedMessage(r, { principalArn: JOHN, action: 'codedeploy:ListDeployments', resource }),
    `User: ${JOHN} is not authorized to perform: codedeploy:ListDeployments on resource: ${resource} because no permissions boundary allows the codedeploy:ListDeployments action`,
  );
});

test('accessDeniedMessage() for an SCP explicit deny, optionally with the policy ARN', () => {
  const arn =
    'arn:aws:organizations::777788889999:policy/o-exampleorgid/service_control_policy/p-examplepolicyid';
  const r = parsePolicy(
    { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'codecommit:*', Resource: '*' }] },
    'scp',
    { id: 'p-examplepolicyid', arn },
  );
  assert.ok(r.ok);
  const result = evaluatePolicies({
    principal: user('JohnDoe', '777788889999'),
    action: 'codecommit:ListRepositories',
    resource: '*',
    identityPolicies: [admin],
    serviceControlPolicies: [[fullAws, r.policy]],
  });
  const principalArn = 'arn:aws:iam::777788889999:user/JohnDoe';
  assert.equal(
    accessDeniedMessage(result, { principalArn, action: 'codecommit:ListRepositories' }),
    `User: ${principalArn} is not authorized to perform: codecommit:ListRepositories with an explicit deny in a service control policy`,
  );
  assert.equal(
    accessDeniedMessage(result, {
      principalArn,
      action: 'codecommit:ListRepositories',
      includePolicyArn: true,
    }),
    `User: ${principalArn} is not authorized to perform: codecommit:ListRepositories with an explicit deny in a service control policy, with policy ARN: ${arn}`,
  );
});

test('accessDeniedMessage() for SCP, session, resource-based and trust implicit denies', () => {
  const base = { principal: user('JohnDoe', '123456789012'), identityPolicies: [admin] };
  const msg = (r: ReturnType<typeof evaluatePolicies>, action: string): string | undefined =>
    accessDeniedMessage(r, { principalArn: JOHN, action });
  assert.match(
    msg(
      evaluatePolicies({
        ...base,
        action: 'codecommit:ListRepositories',
        resource: '*',
        serviceControlPolicies: [[allowS3]],
      }),
      'codecommit:ListRepositories',
    )!,
    /because no service control policy allows the codecommit:ListRepositories action$/,
  );
  assert.match(
    msg(
      evaluatePolicies({
        ...base,
        principal: roleSession('r', 's', '123456789012'),
        action: 'codecommit:ListRepositories',
        resource: '*',
        sessionPolicies: [narrowSession],
      }),
      'codecommit:ListRepositories',
    )!,
    /because no session policy allows the codecommit:ListRepositories action$/,
  );
  assert.match(
    msg(
      evaluatePolicies({
        ...base,
        action: 'secretsmanager:GetSecretValue',
        resource: '*',
        resourceAccount: B,
      }),
      'secretsmanager:GetSecretValue',
    )!,
    /because no resource-based policy allows the secretsmanager:GetSecretValue action$/,
  );
  assert.match(
    msg(evaluatePolicies({ ...base, resourcePolicy: trust('999999999999'), ...assume }), 'sts:AssumeRole')!,
    /because no role trust policy allows the sts:AssumeRole action$/,
  );
  assert.equal(
    accessDeniedMessage(evaluatePolicies({ ...base, action: 's3:GetObject', resource: '*' }), {
      principalArn: JOHN,
      action: 's3:GetObject',
    }),
    undefined,
  );
});

test('every AWS managed policy validates as an identity policy', () => {
  for (const arn of [
    'AdministratorAccess',
    'AWSCloudTrail_FullAccess',
    'AWSCloudTrail_ReadOnlyAccess',
    'ReadOnlyAccess',
  ]) {
    assert.ok(compiledAwsManagedPolicy(`arn:aws:iam::aws:policy/${arn}`), arn);
  }
});
