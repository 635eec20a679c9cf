import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { AuthorizationTarget, IamCall, IamService, MfaDevices, Principal } from '../../iam/index.ts';
import { openEmptyIamService } from '../../iam/iam-service.test-helpers.ts';
import { IAM_AUTHORIZED_OPERATIONS, iamAuthorization } from './authorization.ts';
import { IAM_SERVED_OPERATIONS } from './endpoint.ts';
import { mfaHandlers } from './mfa.ts';
import { simulateHandlers } from './simulate.ts';

const ACCOUNT = '111122223333';
const arn = (resource: string): string => `arn:aws:iam::${ACCOUNT}:${resource}`;
const CALL: IamCall = { accountId: ACCOUNT, partition: 'aws', nowMs: 1000, callerUserName: 'alice' };
const DOC =
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';
const TRUST =
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}';
const BOUNDARY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const READER = arn('policy/teams/reader');

/**
 * The Service Authorization Reference's IAM Actions table, row by row, for the operations OpenTrail
 * serves: the resource type each acts on (`*`: none) and the condition keys it lists besides the
 * resource types' own (aws:ResourceTag/iam:ResourceTag) and the FIDO keys of security keys.
 */
const SAR: Record<string, { resource: string; keys?: string[] }> = {
  CreateUser: { resource: 'user', keys: ['aws:RequestTag', 'aws:TagKeys', 'iam:PermissionsBoundary'] },
  GetUser: { resource: 'user' },
  ListUsers: { resource: '*' },
  UpdateUser: { resource: 'user' },
  DeleteUser: { resource: 'user' },
  TagUser: { resource: 'user', keys: ['aws:RequestTag', 'aws:TagKeys'] },
  UntagUser: { resource: 'user', keys: ['aws:TagKeys'] },
  ListUserTags: { resource: 'user' },
  CreateAccessKey: { resource: 'user' },
  ListAccessKeys: { resource: 'user' },
  UpdateAccessKey: { resource: 'user' },
  DeleteAccessKey: { resource: 'user' },
  GetAccessKeyLastUsed: { resource: 'user' },
  CreateGroup: { resource: 'group' },
  GetGroup: { resource: 'group' },
  ListGroups: { resource: '*' },
  DeleteGroup: { resource: 'group' },
  AddUserToGroup: { resource: 'group' },
  RemoveUserFromGroup: { resource: 'group' },
  ListGroupsForUser: { resource: 'user' },
  CreateRole: { resource: 'role', keys: ['aws:RequestTag', 'aws:TagKeys', 'iam:PermissionsBoundary'] },
  GetRole: { resource: 'role', keys: ['iam:PermissionsBoundary'] },
  ListRoles: { resource: '*' },
  UpdateRole: { resource: 'role', keys: ['iam:PermissionsBoundary'] },
  UpdateAssumeRolePolicy: { resource: 'role', keys: ['iam:PermissionsBoundary'] },
  DeleteRole: { resource: 'role', keys: ['iam:PermissionsBoundary'] },
  TagRole: { resource: 'role', keys: ['aws:RequestTag', 'aws:TagKeys'] },
  UntagRole: { resource: 'role', keys: ['aws:TagKeys'] },
  ListRoleTags: { resource: 'role' },
  CreatePolicy: { resource: 'policy', keys: ['aws:RequestTag', 'aws:TagKeys'] },
  GetPolicy: { resource: 'policy' },
  CreatePolicyVersion: { resource: 'policy' },
  GetPolicyVersion: { resource: 'policy' },
  ListPolicyVersions: { resource: 'policy' },
  SetDefaultPolicyVersion: { resource: 'policy' },
  DeletePolicyVersion: { resource: 'policy' },
  DeletePolicy: { resource: 'policy' },
  ListPolicies: { resource: '*' },
  ListEntitiesForPolicy: { resource: 'policy' },
  GetAccountAuthorizationDetails: { resource: '*' },
  AttachUserPolicy: { resource: 'user', keys: ['iam:PermissionsBoundary', 'iam:PolicyARN'] },
  AttachGroupPolicy: { resource: 'group', keys: ['iam:PolicyARN'] },
  AttachRolePolicy: { resource: 'role', keys: ['iam:PermissionsBoundary', 'iam:PolicyARN'] },
  DetachUserPolicy: { resource: 'user', keys: ['iam:PermissionsBoundary', 'iam:PolicyARN'] },
  DetachGroupPolicy: { resource: 'group', keys: ['iam:PolicyARN'] },
  DetachRolePolicy: { resource: 'role', keys: ['iam:PermissionsBoundary', 'iam:PolicyARN'] },
  ListAttachedUserPolicies: { resource: 'user' },
  ListAttachedGroupPolicies: { resource: 'group' },
  ListAttachedRolePolicies: { resource: 'role' },
  PutUserPolicy: { resource: 'user', keys: ['iam:PermissionsBoundary'] },
  PutGroupPolicy: { resource: 'group' },
  PutRolePolicy: { resource: 'role', keys: ['iam:PermissionsBoundary'] },
  GetUserPolicy: { resource: 'user' },
  GetGroupPolicy: { resource: 'group' },
  GetRolePolicy: { resource: 'role' },
  ListUserPolicies: { resource: 'user' },
  ListGroupPolicies: { resource: 'group' },
  ListRolePolicies: { resource: 'role' },
  DeleteUserPolicy: { resource: 'user', keys: ['iam:PermissionsBoundary'] },
  DeleteGroupPolicy: { resource: 'group' },
  DeleteRolePolicy: { resource: 'role', keys: ['iam:PermissionsBoundary'] },
  PutUserPermissionsBoundary: { resource: 'user', keys: ['iam:PermissionsBoundary'] },
  PutRolePermissionsBoundary: { resource: 'role', keys: ['iam:PermissionsBoundary'] },
  DeleteUserPermissionsBoundary: { resource: 'user', keys: ['iam:PermissionsBoundary'] },
  DeleteRolePermissionsBoundary: { resource: 'role', keys: ['iam:PermissionsBoundary'] },
  CreateVirtualMFADevice: { resource: 'mfa', keys: ['aws:RequestTag', 'aws:TagKeys'] },
  EnableMFADevice: { resource: 'user' },
  DeactivateMFADevice: { resource: 'user' },
  DeleteVirtualMFADevice: { resource: 'mfa' },
  ListMFADevices: { resource: 'user' },
  ListVirtualMFADevices: { resource: '*' },
  SimulatePrincipalPolicy: { resource: 'user' },
  SimulateCustomPolicy: { resource: '*' },
};

const alice: Principal = {
  accountId: ACCOUNT,
  userName: 'alice',
  userId: 'AIDAALICE',
  arn: arn('user/division/alice'),
  accessKeyId: 'AKIAALICE',
};

let iam: IamService;
let aliceKey: string;

/** One input naming everything any operation reads. */
const everything = () => ({
  UserName: 'alice',
  GroupName: 'ops',
  RoleName: 'deploy',
  PolicyName: 'inline',
  PolicyArn: READER,
  AccessKeyId: aliceKey,
  VirtualMFADeviceName: 'phone',
  SerialNumber: arn('mfa/phone'),
  PolicySourceArn: arn('user/division/alice'),
  PermissionsBoundary: BOUNDARY,
  Tags: [{ Key: 'cost', Value: 'c1' }],
  TagKeys: ['cost'],
});

const authorize = (name: string, input: Record<string, unknown>, caller = alice) =>
  iamAuthorization(name, input, iam, CALL, caller);

/** The resource type of an IAM ARN (`user`, `group`, …). */
const typeOf = (target: AuthorizationTarget): string =>
  /^arn:aws:iam::\d{12}:([a-z-]+)\//.exec(target.resource)?.[1] ?? target.resource;

describe('iamAuthorization()', () => {
  before(async () => {
    iam = await openEmptyIamService();
    await iam.createUser(CALL, {
      userName: 'alice',
      path: '/division/',
      tags: [{ Key: 'team', Value: 'red' }],
      permissionsBoundary: BOUNDARY,
    });
    await iam.createUser(CALL, { userName: 'bob' });
    await iam.createGroup(CALL, { groupName: 'ops', path: '/eng/' });
    await iam.createRole(CALL, {
      roleName: 'deploy',
      path: '/ci/',
      assumeRolePolicyDocument: TRUST,
      tags: [{ Key: 'env', Value: 'prod' }],
      permissionsBoundary: BOUNDARY,
    });
    await iam.createPolicy(CALL, {
      policyName: 'reader',
      path: '/teams/',
      policyDocument: DOC,
      tags: [{ Key: 'owner', Value: 'sec' }],
    });
    aliceKey = (await iam.createAccessKey(CALL, 'alice')).accessKeyId;
  });

  it('has a rule for every IAM operation OpenTrail serves', () => {
    const served = [
      ...IAM_SERVED_OPERATIONS,
      ...Object.keys(mfaHandlers({} as MfaDevices)),
      ...Object.keys(simulateHandlers({} as never)),
    ];
    assert.deepEqual(
      served.filter((name) => !IAM_AUTHORIZED_OPERATIONS.has(name)),
      [],
    );
    assert.deepEqual([...IAM_AUTHORIZED_OPERATIONS].sort(), Object.keys(SAR).sort());
  });

  for (const [name, row] of Object.entries(SAR)) {
    it(`${name}: on the Service Authorization Reference's ${row.resource} with its condition keys`, () => {
      const { targets = [], requestTags } = authorize(name, everything());
      assert.deepEqual(targets.map(typeOf), row.resource === '*' ? [] : [row.resource]);
      const keys = new Set<string>();
      if (requestTags) keys.add('aws:RequestTag').add('aws:TagKeys');
      for (const target of targets) {
        for (const key of Object.keys(target.context ?? {})) {
          if (!/^(aws|iam):ResourceTag\//.test(key)) keys.add(key.replace(/\/.*$/, ''));
        }
      }
      assert.deepEqual([...keys].sort(), [...(row.keys ?? [])].sort());
    });
  }

  it('names an existing user by the ARN with its path, with its tags and, where listed, its boundary', () => {
    assert.deepEqual(authorize('AttachUserPolicy', { UserName: 'ALICE', PolicyArn: READER }), {
      targets: [
        {
          resource: arn('user/division/alice'),
          resourceLabel: 'user alice',
          context: {
            'aws:ResourceTag/team': 'red',
            'iam:ResourceTag/team': 'red',
            'iam:PermissionsBoundary': BOUNDARY,
            'iam:PolicyARN': READER,
          },
        },
      ],
    });
    assert.deepEqual(authorize('GetUser', { UserName: 'bob' }), {
      targets: [{ resource: arn('user/bob'), resourceLabel: 'user bob' }],
    });
  });

  it('names a user, group or role IAM does not know by the ARN it would have', () => {
    assert.deepEqual(authorize('GetUser', { UserName: 'nobody' }).targets, [
      { resource: arn('user/nobody'), resourceLabel: 'user nobody' },
    ]);
    assert.deepEqual(authorize('GetGroup', { GroupName: 'none' }).targets, [
      { resource: arn('group/none'), resourceLabel: 'group none' },
    ]);
    assert.deepEqual(authorize('DeleteRole', { RoleName: 'gone' }).targets, [
      { resource: arn('role/gone'), resourceLabel: 'role gone' },
    ]);
  });

  it('authorizes a create on the ARN the request makes, with its boundary and tags', () => {
    assert.deepEqual(
      authorize('CreateUser', {
        UserName: 'carol',
        Path: '/division/',
        PermissionsBoundary: BOUNDARY,
        Tags: [{ Key: 'team', Value: 'blue' }],
      }),
      {
        targets: [{ resource: arn('user/division/carol'), context: { 'iam:PermissionsBoundary': BOUNDARY } }],
        requestTags: { team: 'blue' },
      },
    );
    assert.deepEqual(authorize('CreateRole', { RoleName: 'r', AssumeRolePolicyDocument: TRUST }), {
      targets: [{ resource: arn('role/r') }],
    });
    assert.deepEqual(authorize('CreatePolicy', { PolicyName: 'p', PolicyDocument: DOC }), {
      targets: [{ resource: arn('policy/p') }],
    });
    assert.deepEqual(authorize('CreateVirtualMFADevice', { VirtualMFADeviceName: 'key', Path: '/x/' }), {
      targets: [{ resource: arn('mfa/x/key') }],
    });
  });

  it('acts on the caller when the own-credentials operations name no user', () => {
    for (const name of [
      'GetUser',
      'CreateAccessKey',
      'ListAccessKeys',
      'ListMFADevices',
      'DeactivateMFADevice',
    ]) {
      assert.deepEqual(
        authorize(name, {}).targets,
        [
          {
            resource: arn('user/division/alice'),
            resourceLabel: 'user alice',
            context: { 'aws:ResourceTag/team': 'red', 'iam:ResourceTag/team': 'red' },
          },
        ],
        name,
      );
    }
    const root: Principal = { ...alice, userName: '<root_account>', arn: arn('root') };
    assert.deepEqual(authorize('CreateAccessKey', {}, root).targets, [{ resource: arn('root') }]);
  });

  it('names a policy by its ARN and "policy <ARN>", with its own tags', () => {
    assert.deepEqual(authorize('GetPolicyVersion', { PolicyArn: READER, VersionId: 'v1' }).targets, [
      { resource: READER, resourceLabel: `policy ${READER}`, context: { 'aws:ResourceTag/owner': 'sec' } },
    ]);
    assert.deepEqual(authorize('GetPolicy', { PolicyArn: BOUNDARY }).targets, [
      { resource: BOUNDARY, resourceLabel: `policy ${BOUNDARY}` },
    ]);
  });

  it('gives a role its tags and boundary, and a group its path', () => {
    assert.deepEqual(
      authorize('UpdateAssumeRolePolicy', { RoleName: 'deploy', PolicyDocument: TRUST }).targets,
      [
        {
          resource: arn('role/ci/deploy'),
          resourceLabel: 'role deploy',
          context: {
            'aws:ResourceTag/env': 'prod',
            'iam:ResourceTag/env': 'prod',
            'iam:PermissionsBoundary': BOUNDARY,
          },
        },
      ],
    );
    assert.deepEqual(authorize('AddUserToGroup', { GroupName: 'ops', UserName: 'bob' }).targets, [
      { resource: arn('group/eng/ops'), resourceLabel: 'group ops' },
    ]);
  });

  it('sets aws:TagKeys alone for an untag', () => {
    assert.deepEqual(
      authorize('UntagRole', { RoleName: 'deploy', TagKeys: ['env', 'x'] }).targets?.[0]?.context,
      {
        'aws:ResourceTag/env': 'prod',
        'iam:ResourceTag/env': 'prod',
        'aws:TagKeys': ['env', 'x'],
      },
    );
  });

  it('authorizes UpdateUser on the user under its old and its new name and path', () => {
    assert.deepEqual(
      authorize('UpdateUser', { UserName: 'bob', NewUserName: 'robert' }).targets?.map((t) => t.resource),
      [arn('user/bob'), arn('user/robert')],
    );
    assert.deepEqual(
      authorize('UpdateUser', { UserName: 'alice', NewPath: '/sales/' }).targets?.map((t) => t.resource),
      [arn('user/division/alice'), arn('user/sales/alice')],
    );
    assert.deepEqual(
      authorize('UpdateUser', { UserName: 'alice', NewUserName: 'ally' }).targets?.map((t) => t.resource),
      [arn('user/division/alice'), arn('user/division/ally')],
    );
  });

  it("authorizes GetAccessKeyLastUsed on the key's owner, and on * for a key IAM does not know", () => {
    assert.deepEqual(
      authorize('GetAccessKeyLastUsed', { AccessKeyId: aliceKey }).targets?.map((t) => t.resource),
      [arn('user/division/alice')],
    );
    assert.deepEqual(authorize('GetAccessKeyLastUsed', { AccessKeyId: 'AKIANOSUCHKEY0000000' }), {});
  });
});
