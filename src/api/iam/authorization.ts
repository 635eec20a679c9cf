/**
 * What each IAM operation is authorized on, per the Service Authorization Reference ("Actions,
 * resources, and condition keys for AWS Identity and Access Management (IAM)"): the resource type
 * each action acts on — user, group, role, policy and mfa, `arn:${Partition}:iam::${Account}:
 * user/${UserNameWithPath}` and likewise — or `*` for the actions that have none (ListUsers,
 * ListGroups, ListRoles, ListPolicies, GetAccountAuthorizationDetails, ListVirtualMFADevices,
 * SimulateCustomPolicy), with the condition keys the table lists for the action:
 *
 * - `iam:PolicyARN`, the policy an Attach*Policy or Detach*Policy names;
 * - `iam:PermissionsBoundary`: the boundary a CreateUser, CreateRole or Put*PermissionsBoundary
 *   sets, else the boundary the user or role has, for the actions that list the key;
 * - `aws:RequestTag/${TagKey}` and `aws:TagKeys` for the tags a Create* or Tag* adds, `aws:TagKeys`
 *   for the keys an Untag* removes;
 * - `aws:ResourceTag/${TagKey}` (users, roles and policies) and `iam:ResourceTag/${TagKey}` (users
 *   and roles) from the entity's own tags.
 *
 * An entity named by the call is looked up in IAM, so its ARN carries the path it really has (a
 * policy allowing `user/division/*` allows the users in that path only); one that does not exist
 * (yet) is named by the ARN it would have. Without UserName, the operations on a user's own
 * credentials act on the caller. UpdateUser needs the user under its old and its new name and path
 * ("the requester must have appropriate permissions on both the source object and the target
 * object", IAM API Reference). Denials name an existing user, group or role as IAM's texts do
 * (`on resource: user alice`, `on resource: role deploy`), a policy as `policy <ARN>`, anything
 * created by its ARN. Input is the parsed body; lookups are map reads, nothing waits.
 */
import {
  iamArn,
  type AuthorizationTarget,
  type IamCall,
  type IamGroup,
  type IamRole,
  type IamService,
  type IamUser,
  type Principal,
  type Tag,
} from '../../iam/index.ts';
import type { OperationAuthorization } from '../endpoint.ts';

type Input = Record<string, unknown>;
type Context = Record<string, string>;

/** How a rule resolves what the call names. */
class Named {
  constructor(
    readonly iam: IamService,
    readonly call: IamCall,
    readonly caller: Principal,
  ) {}

  arn(type: 'user' | 'group' | 'role' | 'policy', path: string, name: string): string {
    return iamArn(this.call.partition, this.call.accountId, type, path, name);
  }

  /** A user named by the call; without a name, the caller (the own credentials' operations). */
  user(name: string | undefined, keys: { boundary?: boolean } = {}): AuthorizationTarget {
    if (name === undefined) {
      // An IAM user's ARN carries its path already; another caller (root, a role session) is
      // what IAM then acts on, by its own ARN.
      const own = /:user\//.test(this.caller.arn)
        ? this.find(() => this.iam.user(this.call, this.caller.userName))
        : undefined;
      return own ? this.existing(own, 'user', own.userName, keys) : { resource: this.caller.arn };
    }
    const user = this.find(() => this.iam.user(this.call, name));
    return user ? this.existing(user, 'user', user.userName, keys) : this.absent('user', name);
  }

  /** The path a user has (`/` for one IAM does not know). */
  pathOfUser(name: string): string {
    return this.find(() => this.iam.user(this.call, name))?.path ?? '/';
  }

  /** The name of the user an access key belongs to, if IAM knows the key. */
  keyOwner(accessKeyId: string): string | undefined {
    return this.find(() => this.iam.accessKey(this.call, accessKeyId))?.userName;
  }

  group(name: string): AuthorizationTarget {
    const group = this.find(() => this.iam.group(this.call, name));
    return group ? this.existing(group, 'group', group.groupName, {}) : this.absent('group', name);
  }

  role(name: string, keys: { boundary?: boolean } = {}): AuthorizationTarget {
    const role = this.find(() => this.iam.role(this.call, name));
    return role ? this.existing(role, 'role', role.roleName, keys) : this.absent('role', name);
  }

  /** A managed policy by ARN, with its tags when it is the account's own. */
  policy(arn: string): AuthorizationTarget {
    const policy = this.find(() => this.iam.policy(this.call, arn));
    const context = policy ? resourceTags(policy.tags, false) : undefined;
    return { resource: arn, resourceLabel: `policy ${arn}`, ...(context ? { context } : {}) };
  }

  /** What a create makes: the ARN it will have. */
  created(type: 'user' | 'group' | 'role' | 'policy', input: Input, nameMember: string): AuthorizationTarget {
    return { resource: this.arn(type, stringOf(input.Path) ?? '/', stringOf(input[nameMember]) ?? '') };
  }

  private existing(
    entity: IamUser | IamGroup | IamRole,
    type: 'user' | 'group' | 'role',
    name: string,
    keys: { boundary?: boolean },
  ): AuthorizationTarget {
    const tagged = 'tags' in entity ? resourceTags(entity.tags, true) : undefined;
    const boundary =
      keys.boundary && 'permissionsBoundary' in entity ? entity.permissionsBoundary : undefined;
    const context: Context | undefined =
      boundary !== undefined ? { ...tagged, 'iam:PermissionsBoundary': boundary } : tagged;
    return {
      resource: this.iam.arnOf(this.call, entity),
      resourceLabel: `${type} ${name}`,
      ...(context ? { context } : {}),
    };
  }

  private absent(type: 'user' | 'group' | 'role', name: string): AuthorizationTarget {
    return { resource: this.arn(type, '/', name), resourceLabel: `${type} ${name}` };
  }

  /** The entity, or undefined when IAM has none (the handler answers NoSuchEntity then). */
  private find<T>(lookup: () => T): T | undefined {
    try {
      return lookup();
    } catch {
      return undefined;
    }
  }
}

type Rule = (input: Input, named: Named) => OperationAuthorization;

const ANY: Rule = () => ({});

const on = (...targets: AuthorizationTarget[]): OperationAuthorization => ({ targets });

/** A target with more condition keys. */
function withContext(target: AuthorizationTarget, context: Context | undefined): AuthorizationTarget {
  return context ? { ...target, context: { ...target.context, ...context } } : target;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** aws:ResourceTag/<key> (and iam:ResourceTag/<key> for users and roles) from an entity's tags. */
function resourceTags(tags: readonly Tag[], iamKeys: boolean): Context | undefined {
  if (tags.length === 0) return undefined;
  const context: Context = {};
  for (const tag of tags) {
    context[`aws:ResourceTag/${tag.Key}`] = tag.Value;
    if (iamKeys) context[`iam:ResourceTag/${tag.Key}`] = tag.Value;
  }
  return context;
}

/** The tags a request adds ([{Key, Value}], as the model reads them). */
function requestTags(input: Input): Record<string, string> | undefined {
  if (!Array.isArray(input.Tags) || input.Tags.length === 0) return undefined;
  const tags: Record<string, string> = {};
  for (const tag of input.Tags as { Key?: unknown; Value?: unknown }[]) {
    if (typeof tag.Key === 'string') tags[tag.Key] = typeof tag.Value === 'string' ? tag.Value : '';
  }
  return tags;
}

/** A create or tag call: its targets, with the tags it adds as aws:RequestTag/aws:TagKeys. */
function tagging(input: Input, ...targets: AuthorizationTarget[]): OperationAuthorization {
  const tags = requestTags(input);
  return { targets, ...(tags ? { requestTags: tags } : {}) };
}

/** An untag call: aws:TagKeys holds the keys it removes. */
function untagging(input: Input, target: AuthorizationTarget): OperationAuthorization {
  const keys = Array.isArray(input.TagKeys)
    ? (input.TagKeys as unknown[]).filter((k): k is string => typeof k === 'string')
    : [];
  return on({ ...target, context: { ...target.context, 'aws:TagKeys': keys } });
}

/** The boundary a call sets (CreateUser, CreateRole, Put*PermissionsBoundary). */
function settingBoundary(input: Input): Context | undefined {
  const arn = stringOf(input.PermissionsBoundary);
  return arn === undefined ? undefined : { 'iam:PermissionsBoundary': arn };
}

const req = (input: Input, member: string): string => stringOf(input[member]) ?? '';
const opt = (input: Input, member: string): string | undefined => stringOf(input[member]);

/** iam:PolicyARN for Attach*Policy and Detach*Policy. */
const policyArnKey = (input: Input): Context => ({ 'iam:PolicyARN': req(input, 'PolicyArn') });

const RULES: Record<string, Rule> = {
  // ----- users -----
  CreateUser: (i, n) => tagging(i, withContext(n.created('user', i, 'UserName'), settingBoundary(i))),
  GetUser: (i, n) => on(n.user(opt(i, 'UserName'))),
  ListUsers: ANY,
  UpdateUser: (i, n) => {
    const from = n.user(req(i, 'UserName'));
    const newName = opt(i, 'NewUserName');
    const newPath = opt(i, 'NewPath');
    if (newName === undefined && newPath === undefined) return on(from);
    const name = newName ?? req(i, 'UserName');
    const path = newPath ?? n.pathOfUser(req(i, 'UserName'));
    return on(from, { resource: n.arn('user', path, name), resourceLabel: `user ${name}` });
  },
  DeleteUser: (i, n) => on(n.user(req(i, 'UserName'))),
  TagUser: (i, n) => tagging(i, n.user(req(i, 'UserName'))),
  UntagUser: (i, n) => untagging(i, n.user(req(i, 'UserName'))),
  ListUserTags: (i, n) => on(n.user(req(i, 'UserName'))),

  // ----- access keys: the user whose keys they are -----
  CreateAccessKey: (i, n) => on(n.user(opt(i, 'UserName'))),
  ListAccessKeys: (i, n) => on(n.user(opt(i, 'UserName'))),
  UpdateAccessKey: (i, n) => on(n.user(opt(i, 'UserName'))),
  DeleteAccessKey: (i, n) => on(n.user(opt(i, 'UserName'))),
  GetAccessKeyLastUsed: (i, n) => {
    // The key's owner; a key IAM does not know has none to name (the handler answers NoSuchEntity).
    const owner = n.keyOwner(req(i, 'AccessKeyId'));
    return owner === undefined ? {} : on(n.user(owner));
  },

  // ----- groups -----
  CreateGroup: (i, n) => on(n.created('group', i, 'GroupName')),
  GetGroup: (i, n) => on(n.group(req(i, 'GroupName'))),
  ListGroups: ANY,
  DeleteGroup: (i, n) => on(n.group(req(i, 'GroupName'))),
  AddUserToGroup: (i, n) => on(n.group(req(i, 'GroupName'))),
  RemoveUserFromGroup: (i, n) => on(n.group(req(i, 'GroupName'))),
  ListGroupsForUser: (i, n) => on(n.user(req(i, 'UserName'))),

  // ----- roles -----
  CreateRole: (i, n) => tagging(i, withContext(n.created('role', i, 'RoleName'), settingBoundary(i))),
  GetRole: (i, n) => on(n.role(req(i, 'RoleName'), { boundary: true })),
  ListRoles: ANY,
  UpdateRole: (i, n) => on(n.role(req(i, 'RoleName'), { boundary: true })),
  UpdateAssumeRolePolicy: (i, n) => on(n.role(req(i, 'RoleName'), { boundary: true })),
  DeleteRole: (i, n) => on(n.role(req(i, 'RoleName'), { boundary: true })),
  TagRole: (i, n) => tagging(i, n.role(req(i, 'RoleName'))),
  UntagRole: (i, n) => untagging(i, n.role(req(i, 'RoleName'))),
  ListRoleTags: (i, n) => on(n.role(req(i, 'RoleName'))),

  // ----- managed policies -----
  CreatePolicy: (i, n) => tagging(i, n.created('policy', i, 'PolicyName')),
  GetPolicy: (i, n) => on(n.policy(req(i, 'PolicyArn'))),
  CreatePolicyVersion: (i, n) => on(n.policy(req(i, 'PolicyArn'))),
  GetPolicyVersion: (i, n) => on(n.policy(req(i, 'PolicyArn'))),
  ListPolicyVersions: (i, n) => on(n.policy(req(i, 'PolicyArn'))),
  SetDefaultPolicyVersion: (i, n) => on(n.policy(req(i, 'PolicyArn'))),
  DeletePolicyVersion: (i, n) => on(n.policy(req(i, 'PolicyArn'))),
  DeletePolicy: (i, n) => on(n.policy(req(i, 'PolicyArn'))),
  ListPolicies: ANY,
  ListEntitiesForPolicy: (i, n) => on(n.policy(req(i, 'PolicyArn'))),
  GetAccountAuthorizationDetails: ANY,

  // ----- attachments -----
  AttachUserPolicy: (i, n) =>
    on(withContext(n.user(req(i, 'UserName'), { boundary: true }), policyArnKey(i))),
  AttachGroupPolicy: (i, n) => on(withContext(n.group(req(i, 'GroupName')), policyArnKey(i))),
  AttachRolePolicy: (i, n) =>
    on(withContext(n.role(req(i, 'RoleName'), { boundary: true }), policyArnKey(i))),
  DetachUserPolicy: (i, n) =>
    on(withContext(n.user(req(i, 'UserName'), { boundary: true }), policyArnKey(i))),
  DetachGroupPolicy: (i, n) => on(withContext(n.group(req(i, 'GroupName')), policyArnKey(i))),
  DetachRolePolicy: (i, n) =>
    on(withContext(n.role(req(i, 'RoleName'), { boundary: true }), policyArnKey(i))),
  ListAttachedUserPolicies: (i, n) => on(n.user(req(i, 'UserName'))),
  ListAttachedGroupPolicies: (i, n) => on(n.group(req(i, 'GroupName'))),
  ListAttachedRolePolicies: (i, n) => on(n.role(req(i, 'RoleName'))),

  // ----- inline policies -----
  PutUserPolicy: (i, n) => on(n.user(req(i, 'UserName'), { boundary: true })),
  PutGroupPolicy: (i, n) => on(n.group(req(i, 'GroupName'))),
  PutRolePolicy: (i, n) => on(n.role(req(i, 'RoleName'), { boundary: true })),
  GetUserPolicy: (i, n) => on(n.user(req(i, 'UserName'))),
  GetGroupPolicy: (i, n) => on(n.group(req(i, 'GroupName'))),
  GetRolePolicy: (i, n) => on(n.role(req(i, 'RoleName'))),
  ListUserPolicies: (i, n) => on(n.user(req(i, 'UserName'))),
  ListGroupPolicies: (i, n) => on(n.group(req(i, 'GroupName'))),
  ListRolePolicies: (i, n) => on(n.role(req(i, 'RoleName'))),
  DeleteUserPolicy: (i, n) => on(n.user(req(i, 'UserName'), { boundary: true })),
  DeleteGroupPolicy: (i, n) => on(n.group(req(i, 'GroupName'))),
  DeleteRolePolicy: (i, n) => on(n.role(req(i, 'RoleName'), { boundary: true })),

  // ----- permissions boundaries: the one set, or the one removed -----
  PutUserPermissionsBoundary: (i, n) => on(withContext(n.user(req(i, 'UserName')), settingBoundary(i))),
  PutRolePermissionsBoundary: (i, n) => on(withContext(n.role(req(i, 'RoleName')), settingBoundary(i))),
  DeleteUserPermissionsBoundary: (i, n) => on(n.user(req(i, 'UserName'), { boundary: true })),
  DeleteRolePermissionsBoundary: (i, n) => on(n.role(req(i, 'RoleName'), { boundary: true })),

  // ----- virtual MFA devices: the device (mfa/${MfaTokenIdWithPath}), or the user it is for -----
  CreateVirtualMFADevice: (i, n) =>
    tagging(i, {
      resource: `arn:${n.call.partition}:iam::${n.call.accountId}:mfa${opt(i, 'Path') ?? '/'}${req(i, 'VirtualMFADeviceName')}`,
    }),
  EnableMFADevice: (i, n) => on(n.user(opt(i, 'UserName'))),
  DeactivateMFADevice: (i, n) => on(n.user(opt(i, 'UserName'))),
  DeleteVirtualMFADevice: (i) => on({ resource: req(i, 'SerialNumber') }),
  ListMFADevices: (i, n) => on(n.user(opt(i, 'UserName'))),
  ListVirtualMFADevices: ANY,

  // ----- the policy simulator: the user, group or role simulated -----
  SimulatePrincipalPolicy: (i) => on({ resource: req(i, 'PolicySourceArn') }),
  SimulateCustomPolicy: ANY,
};

/** The IAM operations authorized on their resources (every one OpenTrail serves). */
export const IAM_AUTHORIZED_OPERATIONS: ReadonlySet<string> = new Set(Object.keys(RULES));

/** The authorization of one call of IAM operation `name`; `*` for an operation with no rule. */
export function iamAuthorization(
  name: string,
  input: Input,
  iam: IamService,
  call: IamCall,
  caller: Principal,
): OperationAuthorization {
  const rule = RULES[name];
  return rule ? rule(input, new Named(iam, call, caller)) : {};
}
