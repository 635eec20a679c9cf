import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkResourcePolicy } from './resource-policy-validation.ts';

const CHANNEL = 'arn:aws:cloudtrail:us-east-1:777788889999:channel/EXAMPLE-80b5-40a7-ae65-6e099392355b';
const STORE =
  'arn:aws:cloudtrail:us-east-1:555555555555:eventdatastore/example80-699f-4045-a7d2-730dbf313ccf';
const DASHBOARD = 'arn:aws:cloudtrail:us-east-1:123456789012:dashboard/exampleDash';

/** The channel example of "CloudTrail resource-based policy examples" (CloudTrail User Guide). */
const CHANNEL_EXAMPLE = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'ChannelPolicy',
      Effect: 'Allow',
      Principal: {
        AWS: [
          'arn:aws:iam::111122223333:root',
          'arn:aws:iam::444455556666:root',
          'arn:aws:iam::123456789012:root',
        ],
      },
      Action: 'cloudtrail-data:PutAuditEvents',
      Resource: CHANNEL,
      Condition: { StringEquals: { 'cloudtrail:ExternalId': 'UniqueExternalIDFromPartner' } },
    },
  ],
};

/** The guide's examples for event data stores: other accounts' queries, and CloudTrail's for dashboards. */
const STORE_EXAMPLE = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'policy1',
      Effect: 'Allow',
      Principal: {
        AWS: [
          'arn:aws:iam::111122223333:root',
          'arn:aws:iam::777777777777:root',
          'arn:aws:iam::999999999999:root',
          'arn:aws:iam::111111111111:root',
        ],
      },
      Action: ['cloudtrail:StartQuery', 'cloudtrail:GetEventDataStore', 'cloudtrail:GetQueryResults'],
      Resource: STORE,
    },
    {
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: ['cloudtrail:StartQuery'],
      Resource: 'arn:aws:cloudtrail:us-east-1:123456789012:dashboard/*',
      Condition: {
        StringLike: {
          'AWS:SourceArn': ['arn:aws:cloudtrail:us-east-1:123456789012:dashboard/example-dashboard1'],
          'AWS:SourceAccount': '123456789012',
        },
      },
    },
  ],
};

/** The guide's dashboard example: CloudTrail may refresh the dashboard. */
const DASHBOARD_EXAMPLE = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: ['cloudtrail:StartDashboardRefresh'],
      Resource: 'arn:aws:cloudtrail:us-east-1:123456789012:dashboard/*',
      Condition: {
        StringEquals: { 'AWS:SourceArn': DASHBOARD, 'AWS:SourceAccount': '123456789012' },
      },
    },
  ],
};

type Statement = Record<string, unknown>;

function withStatement(base: { Version: string; Statement: Statement[] }, change: Statement): string {
  const [first, ...rest] = base.Statement;
  return JSON.stringify({ ...base, Statement: [{ ...first, ...change }, ...rest] });
}

function rejects(
  text: string,
  type: 'channel' | 'eventdatastore' | 'dashboard',
  arn: string,
  message: RegExp,
) {
  assert.throws(() => checkResourcePolicy(text, type, arn), {
    code: 'ResourcePolicyNotValidException',
    message,
  });
}

describe('checkResourcePolicy()', () => {
  it("accepts the CloudTrail User Guide's example policies for channels, event data stores and dashboards", () => {
    assert.equal(
      checkResourcePolicy(JSON.stringify(CHANNEL_EXAMPLE), 'channel', CHANNEL).statements.length,
      1,
    );
    assert.equal(
      checkResourcePolicy(JSON.stringify(STORE_EXAMPLE), 'eventdatastore', STORE).statements.length,
      2,
    );
    assert.equal(
      checkResourcePolicy(JSON.stringify(DASHBOARD_EXAMPLE), 'dashboard', DASHBOARD).statements.length,
      1,
    );
  });

  it('refuses an empty policy and one over 8,192 characters (the model)', () => {
    rejects('', 'channel', CHANNEL, /has 0 characters; it must have 1 to 8192/);
    const long = JSON.stringify({ ...CHANNEL_EXAMPLE, Id: 'x'.repeat(8200) });
    rejects(long, 'channel', CHANNEL, /it must have 1 to 8192/);
  });

  it("answers the IAM grammar's messages: syntax, and Principal required in a resource policy", () => {
    rejects('{"Version": "2012-10-17", "Statement": [', 'channel', CHANNEL, /^Syntax errors in policy\.$/);
    const noPrincipal = JSON.parse(JSON.stringify(CHANNEL_EXAMPLE)) as typeof CHANNEL_EXAMPLE;
    delete (noPrincipal.Statement[0] as Partial<(typeof noPrincipal.Statement)[0]>).Principal;
    rejects(JSON.stringify(noPrincipal), 'channel', CHANNEL, /^Missing required field Principal$/);
    rejects(
      withStatement(CHANNEL_EXAMPLE, { Action: 'PutAuditEvents' }),
      'channel',
      CHANNEL,
      /prefaced by a vendor/,
    );
  });

  it('holds a channel policy to its one action and to the ARN of the channel it is attached to', () => {
    rejects(
      withStatement(CHANNEL_EXAMPLE, { Action: ['cloudtrail-data:PutAuditEvents', 'cloudtrail:StartQuery'] }),
      'channel',
      CHANNEL,
      /Statement 1 \(Sid ChannelPolicy\) names the action cloudtrail:StartQuery; a resource policy on a channel may contain only the action cloudtrail-data:PutAuditEvents\./,
    );
    rejects(
      withStatement(CHANNEL_EXAMPLE, { Action: 'cloudtrail-data:*' }),
      'channel',
      CHANNEL,
      /only the action/,
    );
    rejects(
      withStatement(CHANNEL_EXAMPLE, { Action: undefined, NotAction: 'cloudtrail:StopLogging' }),
      'channel',
      CHANNEL,
      /uses NotAction/,
    );
    rejects(
      withStatement(CHANNEL_EXAMPLE, { Resource: `${CHANNEL.slice(0, -1)}c` }),
      'channel',
      CHANNEL,
      /must match the channel ARN arn:aws:cloudtrail:us-east-1:777788889999:channel\/EXAMPLE-80b5-40a7-ae65-6e099392355b/,
    );
    rejects(
      withStatement(CHANNEL_EXAMPLE, { Resource: '*' }),
      'channel',
      CHANNEL,
      /must match the channel ARN/,
    );
    // Action names are case-insensitive, as IAM compares them.
    checkResourcePolicy(
      withStatement(CHANNEL_EXAMPLE, { Action: 'CloudTrail-Data:putauditevents' }),
      'channel',
      CHANNEL,
    );
  });

  it('takes at most 20 statements and 50 principals a statement', () => {
    const statement = CHANNEL_EXAMPLE.Statement[0]!;
    const many = (n: number) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: Array.from({ length: n }, (_, i) => ({ ...statement, Sid: `S${i}` })),
      });
    checkResourcePolicy(many(20), 'channel', CHANNEL);
    rejects(many(21), 'channel', CHANNEL, /has 21 statements; a resource policy can have at most 20/);
    const accounts = (n: number) => Array.from({ length: n }, (_, i) => String(100000000000 + i));
    checkResourcePolicy(
      withStatement(CHANNEL_EXAMPLE, { Principal: { AWS: accounts(50) } }),
      'channel',
      CHANNEL,
    );
    rejects(
      withStatement(CHANNEL_EXAMPLE, { Principal: { AWS: accounts(51) } }),
      'channel',
      CHANNEL,
      /has 51 principals; a statement can have at most 50/,
    );
  });

  it('takes accounts, users, roles and federated users as principals, and refuses everyone and services on a channel', () => {
    for (const principal of [
      '111122223333',
      'arn:aws:iam::111122223333:user/partner/ingest',
      'arn:aws:iam::111122223333:role/Ingest',
      'arn:aws:sts::111122223333:federated-user/bob',
      'arn:aws:sts::111122223333:assumed-role/Ingest/session',
      'arn:aws-cn:iam::111122223333:root',
    ]) {
      checkResourcePolicy(
        withStatement(CHANNEL_EXAMPLE, { Principal: { AWS: principal } }),
        'channel',
        CHANNEL,
      );
    }
    rejects(
      withStatement(CHANNEL_EXAMPLE, { Principal: '*' }),
      'channel',
      CHANNEL,
      /principal that is not valid: \*/,
    );
    rejects(
      withStatement(CHANNEL_EXAMPLE, { Principal: { AWS: '*' } }),
      'channel',
      CHANNEL,
      /principal that is not valid: \*/,
    );
    rejects(
      withStatement(CHANNEL_EXAMPLE, { Principal: { AWS: 'arn:aws:iam::1111:root' } }),
      'channel',
      CHANNEL,
      /principal that is not valid: arn:aws:iam::1111:root/,
    );
    rejects(
      withStatement(CHANNEL_EXAMPLE, { Principal: { Service: 'cloudtrail.amazonaws.com' } }),
      'channel',
      CHANNEL,
      /principal that is not valid: Service cloudtrail\.amazonaws\.com/,
    );
    rejects(
      withStatement(CHANNEL_EXAMPLE, { Principal: undefined, NotPrincipal: { AWS: '111122223333' } }),
      'channel',
      CHANNEL,
      /uses NotPrincipal/,
    );
  });

  it("holds an event data store's policy to the actions the guide lists for it", () => {
    for (const action of [
      'cloudtrail:StartQuery',
      'cloudtrail:CancelQuery',
      'cloudtrail:ListQueries',
      'cloudtrail:DescribeQuery',
      'cloudtrail:GetQueryResults',
      'cloudtrail:GenerateQuery',
      'cloudtrail:GenerateQueryResultsSummary',
      'cloudtrail:GetEventDataStore',
    ]) {
      checkResourcePolicy(withStatement(STORE_EXAMPLE, { Action: action }), 'eventdatastore', STORE);
    }
    rejects(
      withStatement(STORE_EXAMPLE, { Action: 'cloudtrail:DeleteEventDataStore' }),
      'eventdatastore',
      STORE,
      /names the action cloudtrail:DeleteEventDataStore; a resource policy on an event data store may contain only the actions cloudtrail:StartQuery, cloudtrail:CancelQuery/,
    );
    rejects(
      withStatement(STORE_EXAMPLE, { Action: 'cloudtrail:*' }),
      'eventdatastore',
      STORE,
      /may contain only/,
    );
    rejects(
      withStatement(STORE_EXAMPLE, { Principal: { Service: 'ec2.amazonaws.com' } }),
      'eventdatastore',
      STORE,
      /principal that is not valid: ec2\.amazonaws\.com/,
    );
  });

  it("holds a dashboard's policy to CloudTrail, StartDashboardRefresh and the dashboard's ARN and account", () => {
    rejects(
      withStatement(DASHBOARD_EXAMPLE, { Principal: { AWS: '123456789012' } }),
      'dashboard',
      DASHBOARD,
      /The only principal of a dashboard's policy is cloudtrail\.amazonaws\.com/,
    );
    rejects(
      withStatement(DASHBOARD_EXAMPLE, { Action: 'cloudtrail:StartQuery' }),
      'dashboard',
      DASHBOARD,
      /may contain only the action cloudtrail:StartDashboardRefresh/,
    );
    rejects(
      withStatement(DASHBOARD_EXAMPLE, { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1' } } }),
      'dashboard',
      DASHBOARD,
      /tests aws:PrincipalOrgID/,
    );
  });
});
