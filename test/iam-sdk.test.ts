/**
 * The IAM API through the AWS SDK for JavaScript v3 (@aws-sdk/client-iam) against the real
 * server: users, access keys that sign at once and stop when Inactive, groups, roles, managed
 * policies with versions, inline policies, attachments, boundaries, tags, the account's
 * authorization details, AWS's error codes and statuses, and the calls' records in us-east-1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloudTrailClient, ListTrailsCommand, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteGroupCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteUserCommand,
  DeleteUserPermissionsBoundaryCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountAuthorizationDetailsCommand,
  GetGroupCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListGroupsForUserCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  SetDefaultPolicyVersionCommand,
  TagRoleCommand,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateUserCommand,
} from '@aws-sdk/client-iam';
import { iamFailure } from './helpers/iam-errors.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

const READ_ONLY = 'arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess';
const FULL_ACCESS = 'arn:aws:iam::aws:policy/AWSCloudTrail_FullAccess';

/** RFC 3986 percent-encoding, as IAM encodes the policy documents it answers (%20 for a space). */
function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function doc(action: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: action, Resource: '*', ...extra }],
  });
}

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** The members of an audit record these tests read. */
interface AuditRecord {
  eventName: string;
  awsRegion: string;
  readOnly: boolean;
  errorCode?: string;
  errorMessage?: string;
  requestParameters?: { userName?: string };
  responseElements: {
    user: { userName: string; createDate: string };
    accessKey: { accessKeyId: string; secretAccessKey?: string };
  };
}

describe('IAM through the AWS SDK v3', () => {
  let server: TestServer;
  let iam: IAMClient;
  let account: string;

  before(async () => {
    server = await startTestServer();
    account = server.accountId;
    iam = new IAMClient({
      region: 'us-east-1',
      endpoint: server.url,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
  });
  after(async () => {
    iam.destroy();
    await server.dispose();
  });

  it('creates, reads, lists, renames and deletes users; GetUser without a name is the caller', async () => {
    const created = await iam.send(
      new CreateUserCommand({ UserName: 'alice', Path: '/sec/', Tags: [{ Key: 'team', Value: 'audit' }] }),
    );
    assert.equal(created.User?.Arn, `arn:aws:iam::${account}:user/sec/alice`);
    assert.match(created.User?.UserId ?? '', /^AIDA[A-Z2-7]{17}$/);
    assert.ok(created.User?.CreateDate instanceof Date);
    assert.deepEqual(created.User?.Tags, [{ Key: 'team', Value: 'audit' }]);

    assert.equal((await iam.send(new GetUserCommand({}))).User?.UserName, 'admin');
    assert.equal((await iam.send(new GetUserCommand({ UserName: 'alice' }))).User?.Path, '/sec/');

    // Names are unique regardless of case.
    assert.deepEqual(await iamFailure(iam.send(new CreateUserCommand({ UserName: 'ALICE' }))), {
      code: 'EntityAlreadyExists',
      status: 409,
      message: 'User with name ALICE already exists.',
    });
    const listed = await iam.send(new ListUsersCommand({ PathPrefix: '/sec/' }));
    assert.deepEqual(
      listed.Users?.map((u) => u.UserName),
      ['alice'],
    );
    assert.equal(listed.IsTruncated, false);

    await iam.send(new UpdateUserCommand({ UserName: 'alice', NewUserName: 'alice2' }));
    assert.equal(
      (await iamFailure(iam.send(new GetUserCommand({ UserName: 'alice' })))).code,
      'NoSuchEntity',
    );
    assert.equal(
      (await iam.send(new GetUserCommand({ UserName: 'alice2' }))).User?.UserId,
      created.User?.UserId,
    );

    await iam.send(
      new TagUserCommand({
        UserName: 'alice2',
        Tags: [
          { Key: 'TEAM', Value: 'ops' },
          { Key: 'x', Value: '1' },
        ],
      }),
    );
    await iam.send(new UntagUserCommand({ UserName: 'alice2', TagKeys: ['x'] }));
    assert.deepEqual((await iam.send(new ListUserTagsCommand({ UserName: 'alice2' }))).Tags, [
      { Key: 'TEAM', Value: 'ops' },
    ]);

    await iam.send(new DeleteUserCommand({ UserName: 'alice2' }));
    assert.deepEqual(await iamFailure(iam.send(new DeleteUserCommand({ UserName: 'alice2' }))), {
      code: 'NoSuchEntity',
      status: 404,
      message: 'The user with name alice2 cannot be found.',
    });
  });

  it('pages ListUsers with MaxItems and Marker', async () => {
    for (const n of ['p1', 'p2', 'p3'])
      await iam.send(new CreateUserCommand({ UserName: n, Path: '/paged/' }));
    const first = await iam.send(new ListUsersCommand({ PathPrefix: '/paged/', MaxItems: 2 }));
    assert.deepEqual(
      first.Users?.map((u) => u.UserName),
      ['p1', 'p2'],
    );
    assert.equal(first.IsTruncated, true);
    const second = await iam.send(
      new ListUsersCommand({ PathPrefix: '/paged/', MaxItems: 2, Marker: first.Marker }),
    );
    assert.deepEqual(
      second.Users?.map((u) => u.UserName),
      ['p3'],
    );
    assert.equal(second.IsTruncated, false);
  });

  it('answers ValidationError for a name outside the model pattern and MaxItems out of range', async () => {
    assert.deepEqual(await iamFailure(iam.send(new CreateUserCommand({ UserName: 'a b' }))), {
      code: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value 'a b' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    });
    const tooMany = await iamFailure(iam.send(new ListUsersCommand({ MaxItems: 1001 })));
    assert.equal(tooMany.code, 'ValidationError');
    assert.match(tooMany.message, /Member must have value less than or equal to 1000/);
  });

  it('signs with a key made through IAM at once, refuses it once Inactive and accepts it again once Active', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'keyuser' }));
    // With policies enforced, the key may read IAM and CloudTrail as ReadOnlyAccess allows.
    await iam.send(
      new AttachUserPolicyCommand({
        UserName: 'keyuser',
        PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
      }),
    );
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'keyuser' }));
    assert.ok(AccessKey?.AccessKeyId && AccessKey.SecretAccessKey);
    assert.equal(AccessKey.Status, 'Active');
    const credentials = { accessKeyId: AccessKey.AccessKeyId, secretAccessKey: AccessKey.SecretAccessKey };
    const trail = new CloudTrailClient({ region: 'eu-west-1', endpoint: server.url, credentials });
    const asUser = new IAMClient({ region: 'us-east-1', endpoint: server.url, credentials });
    try {
      assert.ok(Array.isArray((await trail.send(new ListTrailsCommand({}))).Trails));
      assert.equal((await asUser.send(new GetUserCommand({}))).User?.UserName, 'keyuser');

      const lastUsed = await iam.send(
        new GetAccessKeyLastUsedCommand({ AccessKeyId: AccessKey.AccessKeyId }),
      );
      assert.equal(lastUsed.UserName, 'keyuser');
      assert.equal(lastUsed.AccessKeyLastUsed?.ServiceName, 'iam');
      assert.ok(lastUsed.AccessKeyLastUsed?.LastUsedDate instanceof Date);

      await iam.send(
        new UpdateAccessKeyCommand({
          UserName: 'keyuser',
          AccessKeyId: AccessKey.AccessKeyId,
          Status: 'Inactive',
        }),
      );
      await assert.rejects(trail.send(new ListTrailsCommand({})), { name: 'UnrecognizedClientException' });
      const refused = await iamFailure(asUser.send(new GetUserCommand({})));
      assert.equal(refused.code, 'InvalidClientTokenId');
      assert.equal(refused.message, 'The security token included in the request is invalid.');
      const keys = await iam.send(new ListAccessKeysCommand({ UserName: 'keyuser' }));
      assert.deepEqual(
        keys.AccessKeyMetadata?.map((k) => k.Status),
        ['Inactive'],
      );

      await iam.send(
        new UpdateAccessKeyCommand({
          UserName: 'keyuser',
          AccessKeyId: AccessKey.AccessKeyId,
          Status: 'Active',
        }),
      );
      assert.ok(Array.isArray((await trail.send(new ListTrailsCommand({}))).Trails));

      // A user holds at most two keys; a user with keys cannot be deleted.
      await iam.send(new CreateAccessKeyCommand({ UserName: 'keyuser' }));
      assert.deepEqual(await iamFailure(iam.send(new CreateAccessKeyCommand({ UserName: 'keyuser' }))), {
        code: 'LimitExceeded',
        status: 409,
        message: 'Cannot exceed quota for AccessKeysPerUser: 2',
      });
      assert.deepEqual(await iamFailure(iam.send(new DeleteUserCommand({ UserName: 'keyuser' }))), {
        code: 'DeleteConflict',
        status: 409,
        message: 'Cannot delete entity, must delete access keys first.',
      });

      await iam.send(new DeleteAccessKeyCommand({ UserName: 'keyuser', AccessKeyId: AccessKey.AccessKeyId }));
      await assert.rejects(trail.send(new ListTrailsCommand({})), { name: 'UnrecognizedClientException' });
    } finally {
      trail.destroy();
      asUser.destroy();
    }
  });

  it('keeps managed policy versions: SetAsDefault, at most five, the default not deletable', async () => {
    const { Policy } = await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'trail-reader',
        PolicyDocument: doc('cloudtrail:LookupEvents'),
        Description: 'd',
      }),
    );
    const arn = `arn:aws:iam::${account}:policy/trail-reader`;
    assert.equal(Policy?.Arn, arn);
    assert.equal(Policy?.DefaultVersionId, 'v1');
    assert.match(Policy?.PolicyId ?? '', /^ANPA[A-Z2-7]{17}$/);

    const v2 = await iam.send(
      new CreatePolicyVersionCommand({
        PolicyArn: arn,
        PolicyDocument: doc('cloudtrail:GetTrail'),
        SetAsDefault: true,
      }),
    );
    assert.deepEqual(
      { id: v2.PolicyVersion?.VersionId, isDefault: v2.PolicyVersion?.IsDefaultVersion },
      { id: 'v2', isDefault: true },
    );
    for (let i = 0; i < 3; i++) {
      await iam.send(
        new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc(`cloudtrail:Get${i}`) }),
      );
    }
    assert.deepEqual(
      await iamFailure(
        iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('cloudtrail:X') })),
      ),
      {
        code: 'LimitExceeded',
        status: 409,
        message:
          'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
      },
    );
    const versions = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }));
    assert.deepEqual(
      versions.Versions?.map((v) => [v.VersionId, v.IsDefaultVersion]),
      [
        ['v5', false],
        ['v4', false],
        ['v3', false],
        ['v2', true],
        ['v1', false],
      ],
    );
    assert.deepEqual(
      await iamFailure(iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' }))),
      {
        code: 'DeleteConflict',
        status: 409,
        message: 'Cannot delete the default version of a policy.',
      },
    );
    await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v3' }));
    await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.DefaultVersionId, 'v1');

    // The document comes back URL-encoded, as IAM returns it.
    const v1 = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    assert.equal(v1.PolicyVersion?.Document, rfc3986(doc('cloudtrail:LookupEvents')));
    assert.equal(decodeURIComponent(v1.PolicyVersion?.Document ?? ''), doc('cloudtrail:LookupEvents'));

    const deleteConflict = await iamFailure(iam.send(new DeletePolicyCommand({ PolicyArn: arn })));
    assert.equal(deleteConflict.code, 'DeleteConflict');
    for (const v of ['v2', 'v4', 'v5'])
      await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: v }));
    await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
    assert.deepEqual(await iamFailure(iam.send(new GetPolicyCommand({ PolicyArn: arn }))), {
      code: 'NoSuchEntity',
      status: 404,
      message: `Policy ${arn} was not found.`,
    });
  });

  it('checks policy documents: JSON, the grammar, and the managed size limit without whitespace', async () => {
    assert.deepEqual(
      await iamFailure(
        iam.send(new CreatePolicyCommand({ PolicyName: 'bad', PolicyDocument: '{"Version":' })),
      ),
      {
        code: 'MalformedPolicyDocument',
        status: 400,
        message: 'Syntax errors in policy.',
      },
    );
    const noResource = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'iam:GetUser' }],
    });
    const grammar = await iamFailure(
      iam.send(new CreatePolicyCommand({ PolicyName: 'bad', PolicyDocument: noResource })),
    );
    assert.equal(grammar.code, 'MalformedPolicyDocument');
    assert.equal(grammar.message, 'Policy statement must contain resources.');

    // 6,144 characters not counting whitespace: padding with spaces stays within it.
    const actions = Array.from({ length: 300 }, (_, i) => `cloudtrail:Action${String(i).padStart(4, '0')}`);
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
    });
    assert.ok(big.length > 6144);
    assert.equal(
      (await iamFailure(iam.send(new CreatePolicyCommand({ PolicyName: 'big', PolicyDocument: big }))))
        .message,
      'Cannot exceed quota for PolicySize: 6144',
    );
    const spaced = doc('cloudtrail:GetTrail').replace(/,/g, `,${' '.repeat(3000)}`);
    assert.ok(spaced.length > 6144);
    await iam.send(new CreatePolicyCommand({ PolicyName: 'spaced', PolicyDocument: spaced }));
  });

  it('attaches AWS and customer managed policies, counts them, lists the entities and refuses to delete attached ones', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'auditor' }));
    await iam.send(new CreateGroupCommand({ GroupName: 'auditors' }));
    await iam.send(new CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: TRUST }));
    const { Policy } = await iam.send(
      new CreatePolicyCommand({ PolicyName: 'mine', PolicyDocument: doc('cloudtrail:GetTrail') }),
    );
    const mine = Policy?.Arn ?? '';

    await iam.send(new AttachUserPolicyCommand({ UserName: 'auditor', PolicyArn: READ_ONLY }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'auditor', PolicyArn: mine }));
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'auditors', PolicyArn: READ_ONLY }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'reader', PolicyArn: READ_ONLY }));

    const attached = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'auditor' }));
    assert.deepEqual(attached.AttachedPolicies, [
      { PolicyName: 'AWSCloudTrail_ReadOnlyAccess', PolicyArn: READ_ONLY },
      { PolicyName: 'mine', PolicyArn: mine },
    ]);
    assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: READ_ONLY }))).Policy?.AttachmentCount, 3);
    const entities = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: READ_ONLY }));
    assert.deepEqual(
      entities.PolicyUsers?.map((u) => u.UserName),
      ['auditor'],
    );
    assert.deepEqual(
      entities.PolicyGroups?.map((g) => g.GroupName),
      ['auditors'],
    );
    assert.deepEqual(
      entities.PolicyRoles?.map((r) => r.RoleName),
      ['reader'],
    );

    const attachedOnly = await iam.send(new ListPoliciesCommand({ OnlyAttached: true, Scope: 'AWS' }));
    assert.deepEqual(
      attachedOnly.Policies?.map((p) => p.PolicyName),
      // The bootstrap admin's AdministratorAccess, keyuser's ReadOnlyAccess (an earlier test), this one.
      ['AdministratorAccess', 'AWSCloudTrail_ReadOnlyAccess', 'ReadOnlyAccess'],
    );
    const aws = await iam.send(new ListPoliciesCommand({ Scope: 'AWS' }));
    for (const name of [
      'AWSCloudTrail_FullAccess',
      'AWSCloudTrail_ReadOnlyAccess',
      'AdministratorAccess',
      'ReadOnlyAccess',
    ]) {
      assert.ok(
        aws.Policies?.some((p) => p.PolicyName === name),
        name,
      );
    }
    const full = await iam.send(new GetPolicyVersionCommand({ PolicyArn: FULL_ACCESS, VersionId: 'v3' }));
    assert.match(decodeURIComponent(full.PolicyVersion?.Document ?? ''), /cloudtrail:\*/);

    assert.deepEqual(await iamFailure(iam.send(new DeletePolicyCommand({ PolicyArn: mine }))), {
      code: 'DeleteConflict',
      status: 409,
      message: 'Cannot delete a policy attached to entities.',
    });
    assert.deepEqual(await iamFailure(iam.send(new DeleteRoleCommand({ RoleName: 'reader' }))), {
      code: 'DeleteConflict',
      status: 409,
      message: 'Cannot delete entity, must detach all policies first.',
    });
    const unknown = `arn:aws:iam::${account}:policy/none`;
    assert.deepEqual(
      await iamFailure(iam.send(new AttachUserPolicyCommand({ UserName: 'auditor', PolicyArn: unknown }))),
      {
        code: 'NoSuchEntity',
        status: 404,
        message: `Policy ${unknown} does not exist or is not attachable.`,
      },
    );
    await iam.send(new DetachUserPolicyCommand({ UserName: 'auditor', PolicyArn: mine }));
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'reader', PolicyArn: READ_ONLY }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'reader' }));
    assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: mine }))).Policy?.AttachmentCount, 0);
  });

  it('manages groups and membership', async () => {
    await iam.send(new CreateGroupCommand({ GroupName: 'ops', Path: '/teams/' }));
    await iam.send(new CreateUserCommand({ UserName: 'bob' }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'ops', UserName: 'bob' }));
    const group = await iam.send(new GetGroupCommand({ GroupName: 'ops' }));
    assert.equal(group.Group?.Arn, `arn:aws:iam::${account}:group/teams/ops`);
    assert.match(group.Group?.GroupId ?? '', /^AGPA/);
    assert.deepEqual(
      group.Users?.map((u) => u.UserName),
      ['bob'],
    );
    assert.deepEqual(
      (await iam.send(new ListGroupsForUserCommand({ UserName: 'bob' }))).Groups?.map((g) => g.GroupName),
      ['ops'],
    );
    assert.deepEqual(await iamFailure(iam.send(new DeleteGroupCommand({ GroupName: 'ops' }))), {
      code: 'DeleteConflict',
      status: 409,
      message: 'Cannot delete entity, must remove users from group first.',
    });
    assert.equal(
      (await iamFailure(iam.send(new DeleteUserCommand({ UserName: 'bob' })))).code,
      'DeleteConflict',
    );
    await iam.send(
      new PutGroupPolicyCommand({
        GroupName: 'ops',
        PolicyName: 'inline',
        PolicyDocument: doc('cloudtrail:GetTrail'),
      }),
    );
    await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'ops', UserName: 'bob' }));
    assert.equal(
      (await iamFailure(iam.send(new DeleteGroupCommand({ GroupName: 'ops' })))).message,
      'Cannot delete entity, must delete policies first.',
    );
    await iam.send(new DeleteUserCommand({ UserName: 'bob' }));
  });

  it('keeps roles with trust policies, inline policies, tags and MaxSessionDuration', async () => {
    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: 'ops-role',
        AssumeRolePolicyDocument: TRUST,
        MaxSessionDuration: 7200,
        Description: 'ops',
      }),
    );
    assert.equal(created.Role?.Arn, `arn:aws:iam::${account}:role/ops-role`);
    assert.match(created.Role?.RoleId ?? '', /^AROA/);
    assert.equal(decodeURIComponent(created.Role?.AssumeRolePolicyDocument ?? ''), TRUST);

    const tooLong = await iamFailure(
      iam.send(
        new CreateRoleCommand({ RoleName: 'r2', AssumeRolePolicyDocument: TRUST, MaxSessionDuration: 43201 }),
      ),
    );
    assert.equal(tooLong.code, 'ValidationError');
    assert.match(
      tooLong.message,
      /at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200/,
    );

    // A trust policy names a principal; an identity policy must not.
    assert.equal(
      (
        await iamFailure(
          iam.send(
            new UpdateAssumeRolePolicyCommand({
              RoleName: 'ops-role',
              PolicyDocument: doc('sts:AssumeRole'),
            }),
          ),
        )
      ).code,
      'MalformedPolicyDocument',
    );
    const trust2 = TRUST.replace('ec2.amazonaws.com', 'lambda.amazonaws.com');
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'ops-role', PolicyDocument: trust2 }));

    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'ops-role',
        PolicyName: 'read',
        PolicyDocument: doc('cloudtrail:GetTrail'),
      }),
    );
    const inline = await iam.send(new GetRolePolicyCommand({ RoleName: 'ops-role', PolicyName: 'read' }));
    assert.equal(decodeURIComponent(inline.PolicyDocument ?? ''), doc('cloudtrail:GetTrail'));
    assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: 'ops-role' }))).PolicyNames, [
      'read',
    ]);
    assert.deepEqual(
      await iamFailure(iam.send(new GetRolePolicyCommand({ RoleName: 'ops-role', PolicyName: 'none' }))),
      {
        code: 'NoSuchEntity',
        status: 404,
        message: 'The role policy with name none cannot be found.',
      },
    );

    await iam.send(new TagRoleCommand({ RoleName: 'ops-role', Tags: [{ Key: 'env', Value: 'prod' }] }));
    assert.deepEqual((await iam.send(new ListRoleTagsCommand({ RoleName: 'ops-role' }))).Tags, [
      { Key: 'env', Value: 'prod' },
    ]);

    const role = await iam.send(new GetRoleCommand({ RoleName: 'ops-role' }));
    assert.equal(role.Role?.MaxSessionDuration, 7200);
    assert.equal(role.Role?.Description, 'ops');
    assert.equal(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? ''), trust2);
    assert.deepEqual(role.Role?.Tags, [{ Key: 'env', Value: 'prod' }]);

    assert.equal(
      (await iamFailure(iam.send(new DeleteRoleCommand({ RoleName: 'ops-role' })))).message,
      'Cannot delete entity, must delete policies first.',
    );
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'ops-role', PolicyName: 'read' }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'ops-role' }));
  });

  it('limits inline user policies to 2,048 characters together, whitespace not counted', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'inline' }));
    const actions = (n: number): string[] =>
      Array.from({ length: n }, (_, i) => `cloudtrail:A${String(i).padStart(5, '0')}`);
    const policy = (n: number): string =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: actions(n), Resource: '*' }],
      });
    await iam.send(
      new PutUserPolicyCommand({ UserName: 'inline', PolicyName: 'a', PolicyDocument: policy(50) }),
    );
    assert.deepEqual(
      await iamFailure(
        iam.send(
          new PutUserPolicyCommand({ UserName: 'inline', PolicyName: 'b', PolicyDocument: policy(50) }),
        ),
      ),
      {
        code: 'LimitExceeded',
        status: 409,
        message: 'Maximum policy size of 2048 bytes exceeded for user inline',
      },
    );
  });

  it('sets and removes permissions boundaries and reports them', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'bounded', PermissionsBoundary: FULL_ACCESS }));
    assert.deepEqual(
      (await iam.send(new GetUserCommand({ UserName: 'bounded' }))).User?.PermissionsBoundary,
      {
        PermissionsBoundaryType: 'Policy',
        PermissionsBoundaryArn: FULL_ACCESS,
      },
    );
    await iam.send(
      new PutUserPermissionsBoundaryCommand({ UserName: 'bounded', PermissionsBoundary: READ_ONLY }),
    );
    assert.equal(
      (await iam.send(new GetPolicyCommand({ PolicyArn: READ_ONLY }))).Policy?.PermissionsBoundaryUsageCount,
      1,
    );
    await iam.send(new DeleteUserPermissionsBoundaryCommand({ UserName: 'bounded' }));
    assert.equal(
      (await iam.send(new GetUserCommand({ UserName: 'bounded' }))).User?.PermissionsBoundary,
      undefined,
    );
  });

  it('answers the account authorization details with documents URL-encoded', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'detailed' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'detailed',
        PolicyName: 'p',
        PolicyDocument: doc('cloudtrail:GetTrail'),
      }),
    );
    const details = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['User'] }));
    const user = details.UserDetailList?.find((u) => u.UserName === 'detailed');
    assert.deepEqual(user?.UserPolicyList, [
      { PolicyName: 'p', PolicyDocument: rfc3986(doc('cloudtrail:GetTrail')) },
    ]);
    assert.deepEqual(details.GroupDetailList, []);
    assert.deepEqual(details.Policies, []);
  });

  it('records IAM calls in us-east-1 with eventSource iam.amazonaws.com, the key without its secret', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'recorded' }));
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'recorded' }));
    await iamFailure(iam.send(new GetUserCommand({ UserName: 'missing-user' })));
    const trail = new CloudTrailClient({
      region: 'us-east-1',
      endpoint: server.url,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    try {
      const events = await trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: 'iam.amazonaws.com' }],
          MaxResults: 50,
        }),
      );
      const records = (events.Events ?? []).map((e) => JSON.parse(e.CloudTrailEvent ?? '{}') as AuditRecord);
      const create = records.find(
        (r) => r.eventName === 'CreateUser' && r.requestParameters?.userName === 'recorded',
      );
      assert.ok(create, 'CreateUser is recorded');
      assert.equal(create.awsRegion, 'us-east-1');
      assert.equal(create.readOnly, false);
      assert.equal(create.responseElements.user.userName, 'recorded');
      assert.match(
        create.responseElements.user.createDate,
        /^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M$/,
      );

      const keyRecord = records.find((r) => r.eventName === 'CreateAccessKey');
      assert.equal(keyRecord?.responseElements.accessKey.accessKeyId, key.AccessKey?.AccessKeyId);
      assert.equal(keyRecord?.responseElements.accessKey.secretAccessKey, undefined);
      assert.ok(!JSON.stringify(keyRecord).includes(key.AccessKey?.SecretAccessKey ?? '-'));

      const failed = records.find(
        (r) => r.eventName === 'GetUser' && r.requestParameters?.userName === 'missing-user',
      );
      assert.equal(failed?.errorCode, 'NoSuchEntityException');
      assert.equal(failed?.errorMessage, 'The user with name missing-user cannot be found.');
      assert.equal(failed?.readOnly, true);
    } finally {
      trail.destroy();
    }
  });
});
