/**
 * The IAM API through boto3 and the AWS CLI v1 and v2 against the real server: what botocore's
 * query parser reads from OpenTrail's XML (policy documents decoded to objects, lists, dates,
 * error codes), keys made through IAM signing CloudTrail calls at once and refused once Inactive,
 * and the CLI's error output. One Python process runs the boto3 steps; CLI commands are batched.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AWS_CLI_V1, AWS_CLI_V2, run } from './helpers/run.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

const BOTO3_STEPS = String.raw`
import json, sys, boto3
from botocore.exceptions import ClientError
url = sys.argv[1]
iam = boto3.client('iam', endpoint_url=url)
out = {}
def error(fn, **kw):
    try:
        fn(**kw)
        return None
    except ClientError as e:
        return [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'], e.response['Error']['Message']]

doc = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 'cloudtrail:LookupEvents', 'Resource': '*'}]}
trust = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'Service': 'ec2.amazonaws.com'}, 'Action': 'sts:AssumeRole'}]}
out['user'] = iam.create_user(UserName='boto-user', Tags=[{'Key': 'k', 'Value': 'v'}])['User']['Arn']
iam.create_group(GroupName='boto-group')
iam.add_user_to_group(GroupName='boto-group', UserName='boto-user')
out['members'] = [u['UserName'] for u in iam.get_group(GroupName='boto-group')['Users']]
arn = iam.create_policy(PolicyName='boto-policy', PolicyDocument=json.dumps(doc))['Policy']['Arn']
doc2 = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': ['cloudtrail:GetTrail', 'cloudtrail:ListTrails'], 'Resource': '*'}]}
out['v2'] = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(doc2, indent=2), SetAsDefault=True)['PolicyVersion']['VersionId']
version = iam.get_policy_version(PolicyArn=arn, VersionId='v2')['PolicyVersion']
out['document'] = version['Document']
out['isDefault'] = version['IsDefaultVersion']
out['versions'] = [v['VersionId'] for v in iam.list_policy_versions(PolicyArn=arn)['Versions']]
iam.attach_user_policy(UserName='boto-user', PolicyArn=arn)
iam.attach_user_policy(UserName='boto-user', PolicyArn='arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess')
out['attached'] = [p['PolicyName'] for p in iam.list_attached_user_policies(UserName='boto-user')['AttachedPolicies']]
out['policyUsers'] = [u['UserName'] for u in iam.list_entities_for_policy(PolicyArn=arn)['PolicyUsers']]
role = iam.create_role(RoleName='boto-role', AssumeRolePolicyDocument=json.dumps(trust), MaxSessionDuration=3600)['Role']
out['trust'] = iam.get_role(RoleName='boto-role')['Role']['AssumeRolePolicyDocument']
iam.put_role_policy(RoleName='boto-role', PolicyName='inline', PolicyDocument=json.dumps(doc))
out['inline'] = iam.get_role_policy(RoleName='boto-role', PolicyName='inline')['PolicyDocument']
out['created'] = role['CreateDate'].isoformat()
names = []
for page in iam.get_paginator('list_users').paginate(PaginationConfig={'PageSize': 1}):
    names += [u['UserName'] for u in page['Users']]
out['users'] = names
details = iam.get_account_authorization_details()
out['detailPolicies'] = sorted(p['PolicyName'] for p in details['Policies'])
out['detailDocument'] = [p for p in details['UserDetailList'] if p['UserName'] == 'boto-user'][0]['GroupList']

# With policies enforced, the new key may read IAM and CloudTrail as ReadOnlyAccess allows.
iam.attach_user_policy(UserName='boto-user', PolicyArn='arn:aws:iam::aws:policy/ReadOnlyAccess')
key = iam.create_access_key(UserName='boto-user')['AccessKey']
session = boto3.session.Session(aws_access_key_id=key['AccessKeyId'], aws_secret_access_key=key['SecretAccessKey'], region_name='eu-west-1')
trail = session.client('cloudtrail', endpoint_url=url)
out['trailsWithNewKey'] = trail.list_trails()['Trails']
out['callerWithNewKey'] = session.client('iam', endpoint_url=url).get_user()['User']['UserName']
iam.update_access_key(UserName='boto-user', AccessKeyId=key['AccessKeyId'], Status='Inactive')
out['trailInactive'] = error(trail.list_trails)
out['iamInactive'] = error(session.client('iam', endpoint_url=url).get_user)
out['lastUsed'] = iam.get_access_key_last_used(AccessKeyId=key['AccessKeyId'])['AccessKeyLastUsed']['ServiceName']

out['noSuchUser'] = error(iam.get_user, UserName='nobody')
out['exists'] = error(iam.create_user, UserName='BOTO-USER')
out['deleteConflict'] = error(iam.delete_user, UserName='boto-user')
out['malformed'] = error(iam.put_user_policy, UserName='boto-user', PolicyName='p', PolicyDocument='not json')
out['validation'] = error(iam.create_group, GroupName='bad/name')
print(json.dumps(out, default=str))
`;

describe('IAM through boto3 and the AWS CLI', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.dispose();
  });

  it('boto3 reads every answer: documents as objects, lists, pages, keys that sign at once, error codes', async () => {
    const result = await run('python3', ['-c', BOTO3_STEPS, server.url], { env: server.awsEnv });
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as Record<string, unknown>;
    const account = server.accountId;
    const readOnly = { Effect: 'Allow', Action: 'cloudtrail:LookupEvents', Resource: '*' };
    assert.deepEqual(out, {
      user: `arn:aws:iam::${account}:user/boto-user`,
      members: ['boto-user'],
      v2: 'v2',
      document: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['cloudtrail:GetTrail', 'cloudtrail:ListTrails'], Resource: '*' },
        ],
      },
      isDefault: true,
      versions: ['v2', 'v1'],
      attached: ['boto-policy', 'AWSCloudTrail_ReadOnlyAccess'],
      policyUsers: ['boto-user'],
      trust: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
      inline: { Version: '2012-10-17', Statement: [readOnly] },
      created: out.created,
      users: ['admin', 'boto-user'],
      detailPolicies: ['AWSCloudTrail_ReadOnlyAccess', 'AdministratorAccess', 'boto-policy'],
      detailDocument: ['boto-group'],
      trailsWithNewKey: [],
      callerWithNewKey: 'boto-user',
      trailInactive: [
        'UnrecognizedClientException',
        400,
        'The security token included in the request is invalid.',
      ],
      iamInactive: ['InvalidClientTokenId', 403, 'The security token included in the request is invalid.'],
      lastUsed: 'iam',
      noSuchUser: ['NoSuchEntity', 404, 'The user with name nobody cannot be found.'],
      exists: ['EntityAlreadyExists', 409, 'User with name BOTO-USER already exists.'],
      deleteConflict: ['DeleteConflict', 409, 'Cannot delete entity, must delete access keys first.'],
      malformed: ['MalformedPolicyDocument', 400, 'Syntax errors in policy.'],
      validation: [
        'ValidationError',
        400,
        "1 validation error detected: Value 'bad/name' at 'groupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
      ],
    });
    assert.match(String(out.created), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
  });

  for (const [label, cli] of [
    ['v1', AWS_CLI_V1],
    ['v2', AWS_CLI_V2],
  ] as const) {
    it(`AWS CLI ${label}: create-user, attach-user-policy, get-policy-version and a NoSuchEntity error`, async () => {
      const aws = (...args: string[]) =>
        run(cli, [...args, '--endpoint-url', server.url, '--output', 'json'], { env: server.awsEnv });
      const user = `cli-${label}`;
      const [created, policy] = await Promise.all([
        aws('iam', 'create-user', '--user-name', user),
        aws(
          'iam',
          'get-policy-version',
          '--policy-arn',
          'arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess',
          '--version-id',
          'v1',
        ),
      ]);
      assert.equal(created.code, 0, created.stderr);
      assert.equal((JSON.parse(created.stdout) as { User: { UserName: string } }).User.UserName, user);
      assert.equal(policy.code, 0, policy.stderr);
      // AWS's published AWSCloudTrail_ReadOnlyAccess (AWS Managed Policy Reference), decoded by the CLI.
      assert.deepEqual(
        (JSON.parse(policy.stdout) as { PolicyVersion: { Document: unknown } }).PolicyVersion.Document,
        {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: [
                'cloudtrail:Get*',
                'cloudtrail:Describe*',
                'cloudtrail:List*',
                'cloudtrail:LookupEvents',
              ],
              Resource: '*',
            },
          ],
        },
      );
      const [attach, missing] = await Promise.all([
        aws(
          'iam',
          'attach-user-policy',
          '--user-name',
          user,
          '--policy-arn',
          'arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess',
        ),
        aws('iam', 'get-user', '--user-name', 'nobody'),
      ]);
      assert.equal(attach.code, 0, attach.stderr);
      assert.notEqual(missing.code, 0);
      assert.match(
        missing.stderr,
        /An error occurred \(NoSuchEntity\) when calling the GetUser operation: The user with name nobody cannot be found\./,
      );
      const listed = await aws('iam', 'list-attached-user-policies', '--user-name', user);
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(JSON.parse(listed.stdout), {
        AttachedPolicies: [
          {
            PolicyName: 'AWSCloudTrail_ReadOnlyAccess',
            PolicyArn: 'arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess',
          },
        ],
      });
    });
  }
});
