/** IAM users, access keys, groups and membership, roles, and their tags. */
import { ROOT_USER_NAME, iamError, page, type Tag } from '../../iam/index.ts';
import { opt, optNumber, req, truncation, type IamHandler } from './operation.ts';
import { accessKeyView, groupView, roleView, rootUserView, userView } from './views.ts';

function tags(input: Record<string, unknown>): Tag[] | undefined {
  return input.Tags as Tag[] | undefined;
}

/**
 * The user a call names, or without UserName the calling user (as IAM does for access keys): for
 * a root caller the root user (ROOT_USER_NAME), whose own keys it manages so.
 */
function userOf(input: Record<string, unknown>, callerUserName: string): string {
  return opt(input, 'UserName') ?? callerUserName;
}

export const createUser: IamHandler = async (input, { iam, call }) => {
  const boundary = opt(input, 'PermissionsBoundary');
  const path = opt(input, 'Path');
  const tagList = tags(input);
  const user = await iam.createUser(call, {
    userName: req(input, 'UserName'),
    ...(path !== undefined ? { path } : {}),
    ...(tagList !== undefined ? { tags: tagList } : {}),
    ...(boundary !== undefined ? { permissionsBoundary: boundary } : {}),
  });
  return { output: { User: userView(iam, call, user) } };
};

export const getUser: IamHandler = async (input, { iam, call, accountCreatedMs }) => {
  const userName = userOf(input, call.callerUserName);
  // Signed as root without UserName: the root user itself (no IAM user name can name it).
  if (userName === ROOT_USER_NAME) {
    return { output: { User: rootUserView(call, await accountCreatedMs?.(call.accountId)) } };
  }
  return { output: { User: userView(iam, call, iam.user(call, userName)) } };
};

export const listUsers: IamHandler = (input, { iam, call }) => {
  const found = iam.listUsers(call, optionalList(input));
  return Promise.resolve({
    output: { Users: found.items.map((u) => userView(iam, call, u, false)), ...truncation(found.marker) },
  });
};

/** PathPrefix, Marker and MaxItems of a list request, those given. */
export function optionalList(input: Record<string, unknown>): {
  pathPrefix?: string;
  marker?: string;
  maxItems?: number;
} {
  const pathPrefix = opt(input, 'PathPrefix');
  const marker = opt(input, 'Marker');
  const maxItems = optNumber(input, 'MaxItems');
  return {
    ...(pathPrefix !== undefined ? { pathPrefix } : {}),
    ...(marker !== undefined ? { marker } : {}),
    ...(maxItems !== undefined ? { maxItems } : {}),
  };
}

export const updateUser: IamHandler = async (input, { iam, call }) => {
  const newUserName = opt(input, 'NewUserName');
  const newPath = opt(input, 'NewPath');
  await iam.updateUser(call, {
    userName: req(input, 'UserName'),
    ...(newUserName !== undefined ? { newUserName } : {}),
    ...(newPath !== undefined ? { newPath } : {}),
  });
  return {};
};

export const deleteUser: IamHandler = async (input, { iam, call }) => {
  await iam.deleteUser(call, req(input, 'UserName'));
  return {};
};

export const tagUser: IamHandler = async (input, { iam, call }) => {
  await iam.tagUser(call, req(input, 'UserName'), tags(input) ?? []);
  return {};
};

export const untagUser: IamHandler = async (input, { iam, call }) => {
  await iam.untagUser(call, req(input, 'UserName'), input.TagKeys as string[]);
  return {};
};

export const listUserTags: IamHandler = (input, { iam, call }) => {
  const user = iam.user(call, req(input, 'UserName'));
  return Promise.resolve({ output: { Tags: user.tags, IsTruncated: false } });
};

// ----- access keys -----

export const createAccessKey: IamHandler = async (input, { iam, call }) => {
  const key = await iam.createAccessKey(call, userOf(input, call.callerUserName));
  const view = accessKeyView(key);
  // The secret is answered once and never recorded (AWS's records of CreateAccessKey omit it).
  return {
    output: { AccessKey: { ...view, SecretAccessKey: key.secretAccessKey } },
    record: { AccessKey: view },
  };
};

export const listAccessKeys: IamHandler = (input, { iam, call }) => {
  const keys = iam.accessKeysOf(call, userOf(input, call.callerUserName));
  return Promise.resolve({ output: { AccessKeyMetadata: keys.map(accessKeyView), IsTruncated: false } });
};

export const updateAccessKey: IamHandler = async (input, { iam, call }) => {
  const status = req(input, 'Status');
  // The model's status enum also has Expired, which IAM sets itself; a caller sets only these two.
  if (status !== 'Active' && status !== 'Inactive') {
    throw iamError('InvalidInputException', `Status ${status} cannot be set; use Active or Inactive.`);
  }
  await iam.updateAccessKey(call, userOf(input, call.callerUserName), req(input, 'AccessKeyId'), status);
  return {};
};

export const deleteAccessKey: IamHandler = async (input, { iam, call }) => {
  await iam.deleteAccessKey(call, userOf(input, call.callerUserName), req(input, 'AccessKeyId'));
  return {};
};

export const getAccessKeyLastUsed: IamHandler = (input, { iam, call, lastUse }) => {
  const key = iam.accessKey(call, req(input, 'AccessKeyId'));
  const used = lastUse(key.accessKeyId);
  // A key never used answers ServiceName and Region N/A, without LastUsedDate (IAM API Reference).
  return Promise.resolve({
    output: {
      UserName: key.userName,
      AccessKeyLastUsed: used
        ? { LastUsedDate: new Date(used.timeMs), ServiceName: used.service, Region: used.region }
        : { ServiceName: 'N/A', Region: 'N/A' },
    },
  });
};

// ----- groups -----

export const createGroup: IamHandler = async (input, { iam, call }) => {
  const path = opt(input, 'Path');
  const group = await iam.createGroup(call, {
    groupName: req(input, 'GroupName'),
    ...(path !== undefined ? { path } : {}),
  });
  return { output: { Group: groupView(iam, call, group) } };
};

export const getGroup: IamHandler = (input, { iam, call }) => {
  const group = iam.group(call, req(input, 'GroupName'));
  const { marker, maxItems } = optionalList(input);
  const members = iam.membersOf(call, group.groupName);
  const found = page(members, (u) => u.userName, marker, maxItems);
  return Promise.resolve({
    output: {
      Group: groupView(iam, call, group),
      Users: found.items.map((u) => userView(iam, call, u, false)),
      ...truncation(found.marker),
    },
  });
};

export const listGroups: IamHandler = (input, { iam, call }) => {
  const found = iam.listGroups(call, optionalList(input));
  return Promise.resolve({
    output: { Groups: found.items.map((g) => groupView(iam, call, g)), ...truncation(found.marker) },
  });
};

export const deleteGroup: IamHandler = async (input, { iam, call }) => {
  await iam.deleteGroup(call, req(input, 'GroupName'));
  return {};
};

export const addUserToGroup: IamHandler = async (input, { iam, call }) => {
  await iam.addUserToGroup(call, req(input, 'GroupName'), req(input, 'UserName'));
  return {};
};

export const removeUserFromGroup: IamHandler = async (input, { iam, call }) => {
  await iam.removeUserFromGroup(call, req(input, 'GroupName'), req(input, 'UserName'));
  return {};
};

export const listGroupsForUser: IamHandler = (input, { iam, call }) => {
  const groups = iam.groupsOf(call, req(input, 'UserName'));
  return Promise.resolve({
    output: { Groups: groups.map((g) => groupView(iam, call, g)), IsTruncated: false },
  });
};

// ----- roles -----

export const createRole: IamHandler = async (input, { iam, call }) => {
  const path = opt(input, 'Path');
  const description = opt(input, 'Description');
  const maxSessionDuration = optNumber(input, 'MaxSessionDuration');
  const boundary = opt(input, 'PermissionsBoundary');
  const tagList = tags(input);
  const role = await iam.createRole(call, {
    roleName: req(input, 'RoleName'),
    assumeRolePolicyDocument: req(input, 'AssumeRolePolicyDocument'),
    ...(path !== undefined ? { path } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(maxSessionDuration !== undefined ? { maxSessionDuration } : {}),
    ...(boundary !== undefined ? { permissionsBoundary: boundary } : {}),
    ...(tagList !== undefined ? { tags: tagList } : {}),
  });
  const view = roleView(iam, call, role);
  // CreateRole answers no RoleLastUsed; AWS's record of it carries none either.
  delete view.RoleLastUsed;
  return { output: { Role: view } };
};

export const getRole: IamHandler = (input, { iam, call }) => {
  const role = iam.role(call, req(input, 'RoleName'));
  return Promise.resolve({ output: { Role: roleView(iam, call, role) } });
};

export const listRoles: IamHandler = (input, { iam, call }) => {
  const found = iam.listRoles(call, optionalList(input));
  return Promise.resolve({
    output: { Roles: found.items.map((r) => roleView(iam, call, r, false)), ...truncation(found.marker) },
  });
};

export const updateRole: IamHandler = async (input, { iam, call }) => {
  const description = opt(input, 'Description');
  const maxSessionDuration = optNumber(input, 'MaxSessionDuration');
  await iam.updateRole(call, {
    roleName: req(input, 'RoleName'),
    ...(description !== undefined ? { description } : {}),
    ...(maxSessionDuration !== undefined ? { maxSessionDuration } : {}),
  });
  return {};
};

export const updateAssumeRolePolicy: IamHandler = async (input, { iam, call }) => {
  await iam.updateAssumeRolePolicy(call, req(input, 'RoleName'), req(input, 'PolicyDocument'));
  return {};
};

export const deleteRole: IamHandler = async (input, { iam, call }) => {
  await iam.deleteRole(call, req(input, 'RoleName'));
  return {};
};

export const tagRole: IamHandler = async (input, { iam, call }) => {
  await iam.tagRole(call, req(input, 'RoleName'), tags(input) ?? []);
  return {};
};

export const untagRole: IamHandler = async (input, { iam, call }) => {
  await iam.untagRole(call, req(input, 'RoleName'), input.TagKeys as string[]);
  return {};
};

export const listRoleTags: IamHandler = (input, { iam, call }) => {
  const role = iam.role(call, req(input, 'RoleName'));
  return Promise.resolve({ output: { Tags: role.tags, IsTruncated: false } });
};
