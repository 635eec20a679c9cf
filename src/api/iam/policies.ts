/**
 * Managed policies and their versions, inline policies, attachments, permissions boundaries,
 * ListEntitiesForPolicy and GetAccountAuthorizationDetails.
 */
import {
  page,
  type IdentityKind,
  type IamCall,
  type IamService,
  type ManagedPolicy,
} from '../../iam/index.ts';
import { optionalList } from './identities.ts';
import { opt, req, truncation, type IamHandler } from './operation.ts';
import {
  attachedView,
  encodeDocument,
  groupView,
  policyView,
  roleView,
  userView,
  versionView,
} from './views.ts';

export const createPolicy: IamHandler = async (input, { iam, call }) => {
  const path = opt(input, 'Path');
  const description = opt(input, 'Description');
  const tags = input.Tags as { Key: string; Value: string }[] | undefined;
  const policy = await iam.createPolicy(call, {
    policyName: req(input, 'PolicyName'),
    policyDocument: req(input, 'PolicyDocument'),
    ...(path !== undefined ? { path } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(tags !== undefined ? { tags } : {}),
  });
  return { output: { Policy: policyView(iam, call, policy) } };
};

export const getPolicy: IamHandler = (input, { iam, call }) => {
  const policy = iam.policy(call, req(input, 'PolicyArn'));
  return Promise.resolve({ output: { Policy: policyView(iam, call, policy) } });
};

export const createPolicyVersion: IamHandler = async (input, { iam, call }) => {
  const { policy, versionId } = await iam.createPolicyVersion(
    call,
    req(input, 'PolicyArn'),
    req(input, 'PolicyDocument'),
    input.SetAsDefault === true,
  );
  const version = policy.versions.find((v) => v.versionId === versionId);
  return {
    output: {
      PolicyVersion: versionView(policy, { versionId, createdMs: version?.createdMs ?? call.nowMs }),
    },
  };
};

export const getPolicyVersion: IamHandler = (input, { iam, call }) => {
  const versionId = req(input, 'VersionId');
  const { policy, document, createdMs } = iam.version(call, req(input, 'PolicyArn'), versionId);
  return Promise.resolve({
    output: { PolicyVersion: versionView(policy, { versionId, createdMs, document }) },
  });
};

export const listPolicyVersions: IamHandler = (input, { iam, call }) => {
  const policy = iam.policy(call, req(input, 'PolicyArn'));
  return Promise.resolve({
    output: {
      // ListPolicyVersions answers no documents.
      Versions: policy.versions.map(({ versionId, createdMs }) =>
        versionView(policy, { versionId, createdMs }),
      ),
      IsTruncated: false,
    },
  });
};

export const setDefaultPolicyVersion: IamHandler = async (input, { iam, call }) => {
  await iam.setDefaultPolicyVersion(call, req(input, 'PolicyArn'), req(input, 'VersionId'));
  return {};
};

export const deletePolicyVersion: IamHandler = async (input, { iam, call }) => {
  await iam.deletePolicyVersion(call, req(input, 'PolicyArn'), req(input, 'VersionId'));
  return {};
};

export const deletePolicy: IamHandler = async (input, { iam, call }) => {
  await iam.deletePolicy(call, req(input, 'PolicyArn'));
  return {};
};

function usedAs(iam: IamService, call: IamCall, policy: ManagedPolicy, filter: string | undefined): boolean {
  const usage = iam.usage(call, iam.policyArn(call, policy));
  if (filter === 'PermissionsPolicy') return usage.attachments > 0;
  if (filter === 'PermissionsBoundary') return usage.boundaries > 0;
  return usage.attachments > 0 || usage.boundaries > 0;
}

export const listPolicies: IamHandler = (input, { iam, call }) => {
  const scope = (opt(input, 'Scope') ?? 'All') as 'All' | 'AWS' | 'Local';
  const prefix = opt(input, 'PathPrefix');
  const filter = opt(input, 'PolicyUsageFilter');
  const policies = iam
    .policies(call, scope)
    .filter((p) => prefix === undefined || p.path.startsWith(prefix))
    .filter((p) => (input.OnlyAttached !== true && filter === undefined) || usedAs(iam, call, p, filter));
  const { marker, maxItems } = optionalList(input);
  const found = page(policies, (p) => `${p.accountId}:${p.policyName}`, marker, maxItems);
  return Promise.resolve({
    output: {
      Policies: found.items.map((p) => policyView(iam, call, p, false)),
      ...truncation(found.marker),
    },
  });
};

// ----- attachments, inline policies, boundaries: the same for users, groups and roles -----

const NAME_MEMBER: Record<IdentityKind, string> = { user: 'UserName', group: 'GroupName', role: 'RoleName' };

function attach(kind: IdentityKind): IamHandler {
  return async (input, { iam, call }) => {
    await iam.attachPolicy(call, kind, req(input, NAME_MEMBER[kind]), req(input, 'PolicyArn'));
    return {};
  };
}

function detach(kind: IdentityKind): IamHandler {
  return async (input, { iam, call }) => {
    await iam.detachPolicy(call, kind, req(input, NAME_MEMBER[kind]), req(input, 'PolicyArn'));
    return {};
  };
}

function listAttached(kind: IdentityKind): IamHandler {
  return (input, { iam, call }) => {
    const prefix = opt(input, 'PathPrefix');
    const policies = iam
      .attachedPolicies(call, kind, req(input, NAME_MEMBER[kind]))
      .filter((p) => prefix === undefined || p.path.startsWith(prefix));
    return Promise.resolve({
      output: { AttachedPolicies: policies.map((p) => attachedView(iam, call, p)), IsTruncated: false },
    });
  };
}

function putInline(kind: IdentityKind): IamHandler {
  return async (input, { iam, call }) => {
    await iam.putInlinePolicy(
      call,
      kind,
      req(input, NAME_MEMBER[kind]),
      req(input, 'PolicyName'),
      req(input, 'PolicyDocument'),
    );
    return {};
  };
}

function getInline(kind: IdentityKind): IamHandler {
  return (input, { iam, call }) => {
    const { owner, policy } = iam.inlinePolicy(
      call,
      kind,
      req(input, NAME_MEMBER[kind]),
      req(input, 'PolicyName'),
    );
    return Promise.resolve({
      output: {
        [NAME_MEMBER[kind]]: owner,
        PolicyName: policy.name,
        PolicyDocument: encodeDocument(policy.document),
      },
    });
  };
}

function listInline(kind: IdentityKind): IamHandler {
  return (input, { iam, call }) => {
    const policies = iam.inlinePolicies(call, kind, req(input, NAME_MEMBER[kind]));
    return Promise.resolve({ output: { PolicyNames: policies.map((p) => p.name), IsTruncated: false } });
  };
}

function deleteInline(kind: IdentityKind): IamHandler {
  return async (input, { iam, call }) => {
    await iam.deleteInlinePolicy(call, kind, req(input, NAME_MEMBER[kind]), req(input, 'PolicyName'));
    return {};
  };
}

function putBoundary(kind: 'user' | 'role'): IamHandler {
  return async (input, { iam, call }) => {
    await iam.putPermissionsBoundary(
      call,
      kind,
      req(input, NAME_MEMBER[kind]),
      req(input, 'PermissionsBoundary'),
    );
    return {};
  };
}

function deleteBoundary(kind: 'user' | 'role'): IamHandler {
  return async (input, { iam, call }) => {
    await iam.deletePermissionsBoundary(call, kind, req(input, NAME_MEMBER[kind]));
    return {};
  };
}

export const attachUserPolicy = attach('user');
export const attachGroupPolicy = attach('group');
export const attachRolePolicy = attach('role');
export const detachUserPolicy = detach('user');
export const detachGroupPolicy = detach('group');
export const detachRolePolicy = detach('role');
export const listAttachedUserPolicies = listAttached('user');
export const listAttachedGroupPolicies = listAttached('group');
export const listAttachedRolePolicies = listAttached('role');
export const putUserPolicy = putInline('user');
export const putGroupPolicy = putInline('group');
export const putRolePolicy = putInline('role');
export const getUserPolicy = getInline('user');
export const getGroupPolicy = getInline('group');
export const getRolePolicy = getInline('role');
export const listUserPolicies = listInline('user');
export const listGroupPolicies = listInline('group');
export const listRolePolicies = listInline('role');
export const deleteUserPolicy = deleteInline('user');
export const deleteGroupPolicy = deleteInline('group');
export const deleteRolePolicy = deleteInline('role');
export const putUserPermissionsBoundary = putBoundary('user');
export const putRolePermissionsBoundary = putBoundary('role');
export const deleteUserPermissionsBoundary = deleteBoundary('user');
export const deleteRolePermissionsBoundary = deleteBoundary('role');

export const listEntitiesForPolicy: IamHandler = (input, { iam, call }) => {
  const arn = req(input, 'PolicyArn');
  const filter = opt(input, 'EntityFilter');
  const usage = opt(input, 'PolicyUsageFilter');
  const prefix = opt(input, 'PathPrefix');
  const attached =
    usage === 'PermissionsBoundary' ? { users: [], groups: [], roles: [] } : iam.entitiesFor(call, arn);
  const bounded = usage === 'PermissionsPolicy' ? { users: [], roles: [] } : iam.boundaryUsersOf(call, arn);
  const keep = <T extends { path: string }>(items: T[], kind: string): T[] =>
    filter !== undefined && filter !== kind
      ? []
      : items.filter((i) => prefix === undefined || i.path.startsWith(prefix));
  const unique = <T>(items: T[]): T[] => [...new Set(items)];
  return Promise.resolve({
    output: {
      PolicyGroups: keep(attached.groups, 'Group').map((g) => ({
        GroupName: g.groupName,
        GroupId: g.groupId,
      })),
      PolicyUsers: unique(keep([...attached.users, ...bounded.users], 'User')).map((u) => ({
        UserName: u.userName,
        UserId: u.userId,
      })),
      PolicyRoles: unique(keep([...attached.roles, ...bounded.roles], 'Role')).map((r) => ({
        RoleName: r.roleName,
        RoleId: r.roleId,
      })),
      IsTruncated: false,
    },
  });
};

export const getAccountAuthorizationDetails: IamHandler = (input, { iam, call }) => {
  const filter = (input.Filter as string[] | undefined) ?? [];
  const wants = (kind: string): boolean => filter.length === 0 || filter.includes(kind);
  const all = iam.snapshot(call);
  const inline = (policies: { name: string; document: string }[]): Record<string, unknown>[] =>
    policies.map((p) => ({ PolicyName: p.name, PolicyDocument: encodeDocument(p.document) }));
  const attached = (arns: string[]): Record<string, unknown>[] =>
    arns.map((arn) => attachedView(iam, call, iam.policy(call, arn)));
  const boundary = (arn: string | undefined): Record<string, unknown> | undefined =>
    arn === undefined ? undefined : { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: arn };
  const used = new Set<string>();
  for (const i of [...all.users, ...all.groups, ...all.roles])
    for (const arn of i.attachedPolicies) used.add(arn);
  for (const i of [...all.users, ...all.roles]) if (i.permissionsBoundary) used.add(i.permissionsBoundary);
  // AWS managed policies are listed when something in the account uses them.
  const policies = [
    ...(wants('AWSManagedPolicy')
      ? iam.policies(call, 'AWS').filter((p) => used.has(iam.policyArn(call, p)))
      : []),
    ...(wants('LocalManagedPolicy') ? all.policies : []),
  ];
  return Promise.resolve({
    output: {
      UserDetailList: wants('User')
        ? all.users.map((u) => ({
            ...userView(iam, call, u, false),
            UserPolicyList: inline(u.inlinePolicies),
            GroupList: u.groups,
            AttachedManagedPolicies: attached(u.attachedPolicies),
            PermissionsBoundary: boundary(u.permissionsBoundary),
            Tags: u.tags,
          }))
        : [],
      GroupDetailList: wants('Group')
        ? all.groups.map((g) => ({
            ...groupView(iam, call, g),
            GroupPolicyList: inline(g.inlinePolicies),
            AttachedManagedPolicies: attached(g.attachedPolicies),
          }))
        : [],
      RoleDetailList: wants('Role')
        ? all.roles.map((r) => ({
            ...roleView(iam, call, r, false),
            InstanceProfileList: [],
            RolePolicyList: inline(r.inlinePolicies),
            AttachedManagedPolicies: attached(r.attachedPolicies),
            PermissionsBoundary: boundary(r.permissionsBoundary),
            Tags: r.tags,
            RoleLastUsed: {},
          }))
        : [],
      Policies: policies.map((p) => ({
        ...policyView(iam, call, p, false),
        Description: p.description,
        PolicyVersionList: p.versions.map((v) => versionView(p, v)),
      })),
      IsTruncated: false,
    },
  });
};
