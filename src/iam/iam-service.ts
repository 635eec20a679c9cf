/**
 * IAM's rules over an account's users, groups, roles, managed policies and access keys, with
 * AWS's semantics, quotas and messages (the IAM API Reference and "IAM and AWS STS quotas"). The
 * state is held in memory and written through the IdentityStore: every change is checked against
 * the state, written in one store transaction, and only then applied, one change at a time. A
 * change to an access key reaches the Authenticator at once: a key made Inactive or deleted stops
 * signing the next request, as on AWS.
 */
import { iamError, noSuchEntity } from './iam-errors.ts';
import {
  iamArn,
  nameKey,
  newUniqueId,
  parsePolicyArn,
  policyArnOf,
  type IamAccessKey,
  type IamGroup,
  type IamRole,
  type IamSnapshot,
  type IamUser,
  type IamWrite,
  type InlinePolicy,
  type ManagedPolicy,
  type Tag,
} from './iam-entities.ts';
import { ROOT_USER_NAME, newAccessKeyId, newSecretAccessKey, type AccessKeyRecord } from './principal.ts';

/** AWS's default IAM quotas ("IAM and AWS STS quotas"). */
export const IAM_QUOTAS = {
  usersPerAccount: 5000,
  groupsPerAccount: 300,
  rolesPerAccount: 1000,
  policiesPerAccount: 1500,
  accessKeysPerUser: 2,
  groupsPerUser: 10,
  managedPoliciesPerEntity: 10,
  versionsPerPolicy: 5,
  tagsPerEntity: 50,
  /** Characters, whitespace not counted. */
  managedPolicySize: 6144,
  userInlinePolicySize: 2048,
  groupInlinePolicySize: 5120,
  roleInlinePolicySize: 10240,
  roleTrustPolicySize: 2048,
} as const;

/** Where the service's state persists (the IdentityStore's IAM part). */
export interface IamStore {
  loadIam(): Promise<IamSnapshot>;
  writeIam(writes: readonly IamWrite[]): Promise<void>;
}

/** The signing keys the server accepts (the Authenticator), told of every key change. */
export interface KeyRegistry {
  addKey(key: AccessKeyRecord): void;
  updateKey(
    accessKeyId: string,
    change: { status?: 'Active' | 'Inactive'; userName?: string; path?: string },
  ): void;
  removeKey(accessKeyId: string): void;
}

/**
 * A policy document check beyond JSON and size (the policy grammar, with AWS's
 * MalformedPolicyDocument messages); throws ServiceError. `kind` says which grammar applies.
 */
export type PolicyDocumentCheck = (document: unknown, kind: 'identity' | 'trust') => void;

/** Who calls and when: the account, the partition of the call's Region, and the calling user. */
export interface IamCall {
  accountId: string;
  partition: string;
  nowMs: number;
  callerUserName: string;
}

export interface Page<T> {
  items: T[];
  marker?: string;
}

export type IdentityKind = 'user' | 'group' | 'role';

interface AccountIam {
  users: Map<string, IamUser>;
  groups: Map<string, IamGroup>;
  roles: Map<string, IamRole>;
  policies: Map<string, ManagedPolicy>;
  keys: Map<string, IamAccessKey>;
}

const DEFAULT_MAX_ITEMS = 100;

function emptyAccount(): AccountIam {
  return { users: new Map(), groups: new Map(), roles: new Map(), policies: new Map(), keys: new Map() };
}

/** Policy size as IAM counts it: whitespace outside nothing counts (AWS: "not counting whitespace"). */
export function policySize(document: string): number {
  return document.replace(/\s/g, '').length;
}

/** Items sorted by name from `marker` on (the last name of the previous page), at most `maxItems`. */
export function page<T>(
  items: readonly T[],
  nameOf: (item: T) => string,
  marker: string | undefined,
  maxItems: number | undefined,
): Page<T> {
  const sorted = [...items].sort((a, b) => compare(nameKey(nameOf(a)), nameKey(nameOf(b))));
  const after = marker === undefined ? undefined : Buffer.from(marker, 'base64url').toString('utf8');
  const rest = after === undefined ? sorted : sorted.filter((i) => nameKey(nameOf(i)) > after);
  const n = maxItems ?? DEFAULT_MAX_ITEMS;
  const itemsOut = rest.slice(0, n);
  const last = itemsOut[itemsOut.length - 1];
  return rest.length > n && last !== undefined
    ? { items: itemsOut, marker: Buffer.from(nameKey(nameOf(last)), 'utf8').toString('base64url') }
    : { items: itemsOut };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function withPath<T extends { path: string }>(items: Iterable<T>, prefix: string | undefined): T[] {
  return [...items].filter((i) => prefix === undefined || i.path.startsWith(prefix));
}

/** Tags merged as TagUser/TagRole do: a key given again (in any case) takes the new value. */
function mergeTags(current: readonly Tag[], added: readonly Tag[], quotaName: string): Tag[] {
  const keys = new Set<string>();
  for (const tag of added) {
    if (keys.has(tag.Key.toLowerCase())) {
      throw iamError(
        'InvalidInputException',
        'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
      );
    }
    keys.add(tag.Key.toLowerCase());
  }
  const merged = [...current.filter((t) => !keys.has(t.Key.toLowerCase())), ...added];
  if (merged.length > IAM_QUOTAS.tagsPerEntity) {
    throw iamError(
      'LimitExceededException',
      `Cannot exceed quota for ${quotaName}: ${IAM_QUOTAS.tagsPerEntity}`,
    );
  }
  return merged;
}

export class IamService {
  private readonly accounts = new Map<string, AccountIam>();
  private readonly awsPolicies = new Map<string, ManagedPolicy>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly store: IamStore,
    private readonly registry: KeyRegistry,
    private readonly checkDocument: PolicyDocumentCheck | undefined,
    awsPolicies: readonly ManagedPolicy[],
  ) {
    for (const p of awsPolicies) this.awsPolicies.set(nameKey(p.policyName), p);
  }

  /** Loads the state; `awsPolicies` are the AWS managed policies every account sees. */
  static async open(options: {
    store: IamStore;
    registry: KeyRegistry;
    awsPolicies: readonly ManagedPolicy[];
    checkDocument?: PolicyDocumentCheck;
  }): Promise<IamService> {
    const service = new IamService(
      options.store,
      options.registry,
      options.checkDocument,
      options.awsPolicies,
    );
    const snapshot = await options.store.loadIam();
    for (const u of snapshot.users) service.account(u.accountId).users.set(nameKey(u.userName), u);
    for (const g of snapshot.groups) service.account(g.accountId).groups.set(nameKey(g.groupName), g);
    for (const r of snapshot.roles) service.account(r.accountId).roles.set(nameKey(r.roleName), r);
    for (const p of snapshot.policies) service.account(p.accountId).policies.set(nameKey(p.policyName), p);
    for (const k of snapshot.accessKeys) service.account(k.accountId).keys.set(k.accessKeyId, k);
    return service;
  }

  private account(accountId: string): AccountIam {
    let account = this.accounts.get(accountId);
    if (!account) {
      account = emptyAccount();
      this.accounts.set(accountId, account);
    }
    return account;
  }

  /**
   * Runs one change: `plan` checks it against the current state and returns the store writes and
   * what to apply once they are durable. Changes run one at a time.
   */
  private change<T>(plan: () => { writes: IamWrite[]; apply: () => T }): Promise<T> {
    const run = this.queue.then(async () => {
      const { writes, apply } = plan();
      if (writes.length > 0) await this.store.writeIam(writes);
      return apply();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  // ----- users -----

  user(call: IamCall, userName: string): IamUser {
    const user = this.account(call.accountId).users.get(nameKey(userName));
    if (!user) throw noSuchEntity(`The user with name ${userName} cannot be found.`);
    return user;
  }

  createUser(
    call: IamCall,
    input: { userName: string; path?: string; tags?: Tag[]; permissionsBoundary?: string },
  ): Promise<IamUser> {
    return this.change(() => {
      const account = this.account(call.accountId);
      if (account.users.has(nameKey(input.userName))) {
        throw iamError('EntityAlreadyExistsException', `User with name ${input.userName} already exists.`);
      }
      if (account.users.size >= IAM_QUOTAS.usersPerAccount) {
        throw iamError(
          'LimitExceededException',
          `Cannot exceed quota for UsersPerAccount: ${IAM_QUOTAS.usersPerAccount}`,
        );
      }
      if (input.permissionsBoundary !== undefined) this.attachable(call, input.permissionsBoundary);
      const user: IamUser = {
        accountId: call.accountId,
        userName: input.userName,
        userId: newUniqueId('AIDA'),
        path: input.path ?? '/',
        createdMs: call.nowMs,
        tags: mergeTags([], input.tags ?? [], 'TagsPerUser'),
        inlinePolicies: [],
        attachedPolicies: [],
        groups: [],
        ...(input.permissionsBoundary !== undefined
          ? { permissionsBoundary: input.permissionsBoundary }
          : {}),
      };
      return this.putUser(call, user);
    });
  }

  private putUser(call: IamCall, user: IamUser): { writes: IamWrite[]; apply: () => IamUser } {
    return {
      writes: [{ kind: 'user', accountId: call.accountId, name: user.userName, user }],
      apply: () => {
        this.account(call.accountId).users.set(nameKey(user.userName), user);
        return user;
      },
    };
  }

  listUsers(
    call: IamCall,
    input: { pathPrefix?: string; marker?: string; maxItems?: number },
  ): Page<IamUser> {
    const users = withPath(this.account(call.accountId).users.values(), input.pathPrefix);
    return page(users, (u) => u.userName, input.marker, input.maxItems);
  }

  updateUser(
    call: IamCall,
    input: { userName: string; newUserName?: string; newPath?: string },
  ): Promise<void> {
    return this.change(() => {
      const account = this.account(call.accountId);
      const user = this.user(call, input.userName);
      const newName = input.newUserName ?? user.userName;
      if (nameKey(newName) !== nameKey(user.userName) && account.users.has(nameKey(newName))) {
        throw iamError('EntityAlreadyExistsException', `User with name ${newName} already exists.`);
      }
      const updated: IamUser = { ...user, userName: newName, path: input.newPath ?? user.path };
      const keys = [...account.keys.values()].filter((k) => k.userName === user.userName);
      const writes: IamWrite[] = [];
      if (newName !== user.userName) {
        writes.push({ kind: 'user', accountId: call.accountId, name: user.userName, user: null });
        for (const k of keys) {
          writes.push({
            kind: 'accessKeyUpdate',
            accessKeyId: k.accessKeyId,
            status: k.status,
            userName: newName,
          });
        }
      }
      writes.push({ kind: 'user', accountId: call.accountId, name: newName, user: updated });
      return {
        writes,
        apply: () => {
          account.users.delete(nameKey(user.userName));
          account.users.set(nameKey(newName), updated);
          for (const k of keys) {
            account.keys.set(k.accessKeyId, { ...k, userName: newName });
            // The user's calls carry its new name and path (userIdentity.arn, access-denied texts).
            this.registry.updateKey(k.accessKeyId, { userName: newName, path: updated.path });
          }
        },
      };
    });
  }

  deleteUser(call: IamCall, userName: string): Promise<void> {
    return this.change(() => {
      const account = this.account(call.accountId);
      const user = this.user(call, userName);
      const conflict = (what: string): never => {
        throw iamError('DeleteConflictException', `Cannot delete entity, must ${what} first.`);
      };
      if ([...account.keys.values()].some((k) => k.userName === user.userName))
        conflict('delete access keys');
      if (user.inlinePolicies.length > 0) conflict('delete policies');
      if (user.attachedPolicies.length > 0) conflict('detach all policies');
      if (user.groups.length > 0) conflict('remove user from all groups');
      return {
        writes: [{ kind: 'user', accountId: call.accountId, name: user.userName, user: null }],
        apply: () => void account.users.delete(nameKey(user.userName)),
      };
    });
  }

  tagUser(call: IamCall, userName: string, tags: Tag[]): Promise<void> {
    return this.change(() => {
      const user = this.user(call, userName);
      const updated = { ...user, tags: mergeTags(user.tags, tags, 'TagsPerUser') };
      const { writes, apply } = this.putUser(call, updated);
      return { writes, apply: () => void apply() };
    });
  }

  untagUser(call: IamCall, userName: string, tagKeys: string[]): Promise<void> {
    return this.change(() => {
      const user = this.user(call, userName);
      const drop = new Set(tagKeys.map((k) => k.toLowerCase()));
      const { writes, apply } = this.putUser(call, {
        ...user,
        tags: user.tags.filter((t) => !drop.has(t.Key.toLowerCase())),
      });
      return { writes, apply: () => void apply() };
    });
  }

  // ----- access keys -----

  /**
   * Whose keys a call names: an IAM user, or the root user (ROOT_USER_NAME: the API layer names it
   * only for a root caller that gives no UserName, as IAM does for the caller's own keys).
   */
  private keyOwner(call: IamCall, userName: string): { userName: string; userId: string; path?: string } {
    if (userName === ROOT_USER_NAME) return { userName, userId: call.accountId };
    return this.user(call, userName);
  }

  accessKeysOf(call: IamCall, userName: string): IamAccessKey[] {
    const user = this.keyOwner(call, userName);
    return [...this.account(call.accountId).keys.values()]
      .filter((k) => k.userName === user.userName)
      .sort((a, b) => a.createdMs - b.createdMs);
  }

  /** The new key with its secret: the only time the secret is shown, as on AWS. */
  createAccessKey(call: IamCall, userName: string): Promise<IamAccessKey & { secretAccessKey: string }> {
    return this.change(() => {
      const user = this.keyOwner(call, userName);
      if (this.accessKeysOf(call, user.userName).length >= IAM_QUOTAS.accessKeysPerUser) {
        throw iamError(
          'LimitExceededException',
          `Cannot exceed quota for AccessKeysPerUser: ${IAM_QUOTAS.accessKeysPerUser}`,
        );
      }
      const key = {
        accessKeyId: newAccessKeyId(),
        accountId: call.accountId,
        userName: user.userName,
        status: 'Active' as const,
        createdMs: call.nowMs,
        secretAccessKey: newSecretAccessKey(),
      };
      return {
        writes: [{ kind: 'accessKey', accessKeyId: key.accessKeyId, key }],
        apply: () => {
          const { secretAccessKey, ...meta } = key;
          this.account(call.accountId).keys.set(key.accessKeyId, meta);
          this.registry.addKey({
            accessKeyId: key.accessKeyId,
            secretAccessKey,
            accountId: call.accountId,
            userName: user.userName,
            userId: user.userId,
            status: 'Active',
            ...(user.path !== undefined ? { path: user.path } : {}),
          });
          return key;
        },
      };
    });
  }

  private keyOf(call: IamCall, userName: string, accessKeyId: string): IamAccessKey {
    const user = this.keyOwner(call, userName);
    const key = this.account(call.accountId).keys.get(accessKeyId);
    if (!key || key.userName !== user.userName) {
      throw noSuchEntity(`The Access Key with id ${accessKeyId} cannot be found.`);
    }
    return key;
  }

  updateAccessKey(
    call: IamCall,
    userName: string,
    accessKeyId: string,
    status: 'Active' | 'Inactive',
  ): Promise<void> {
    return this.change(() => {
      const key = this.keyOf(call, userName, accessKeyId);
      return {
        writes: [{ kind: 'accessKeyUpdate', accessKeyId, status, userName: key.userName }],
        apply: () => {
          this.account(call.accountId).keys.set(accessKeyId, { ...key, status });
          this.registry.updateKey(accessKeyId, { status });
        },
      };
    });
  }

  deleteAccessKey(call: IamCall, userName: string, accessKeyId: string): Promise<void> {
    return this.change(() => {
      this.keyOf(call, userName, accessKeyId);
      return {
        writes: [{ kind: 'accessKey', accessKeyId, key: null }],
        apply: () => {
          this.account(call.accountId).keys.delete(accessKeyId);
          this.registry.removeKey(accessKeyId);
        },
      };
    });
  }

  /** The key of any user of the account (GetAccessKeyLastUsed names only the key). */
  accessKey(call: IamCall, accessKeyId: string): IamAccessKey {
    const key = this.account(call.accountId).keys.get(accessKeyId);
    if (!key) throw noSuchEntity(`The Access Key with id ${accessKeyId} cannot be found.`);
    return key;
  }

  // ----- groups -----

  group(call: IamCall, groupName: string): IamGroup {
    const group = this.account(call.accountId).groups.get(nameKey(groupName));
    if (!group) throw noSuchEntity(`The group with name ${groupName} cannot be found.`);
    return group;
  }

  createGroup(call: IamCall, input: { groupName: string; path?: string }): Promise<IamGroup> {
    return this.change(() => {
      const account = this.account(call.accountId);
      if (account.groups.has(nameKey(input.groupName))) {
        throw iamError('EntityAlreadyExistsException', `Group with name ${input.groupName} already exists.`);
      }
      if (account.groups.size >= IAM_QUOTAS.groupsPerAccount) {
        throw iamError(
          'LimitExceededException',
          `Cannot exceed quota for GroupsPerAccount: ${IAM_QUOTAS.groupsPerAccount}`,
        );
      }
      const group: IamGroup = {
        accountId: call.accountId,
        groupName: input.groupName,
        groupId: newUniqueId('AGPA'),
        path: input.path ?? '/',
        createdMs: call.nowMs,
        inlinePolicies: [],
        attachedPolicies: [],
      };
      return this.putGroup(call, group);
    });
  }

  private putGroup(call: IamCall, group: IamGroup): { writes: IamWrite[]; apply: () => IamGroup } {
    return {
      writes: [{ kind: 'group', accountId: call.accountId, name: group.groupName, group }],
      apply: () => {
        this.account(call.accountId).groups.set(nameKey(group.groupName), group);
        return group;
      },
    };
  }

  listGroups(
    call: IamCall,
    input: { pathPrefix?: string; marker?: string; maxItems?: number },
  ): Page<IamGroup> {
    const groups = withPath(this.account(call.accountId).groups.values(), input.pathPrefix);
    return page(groups, (g) => g.groupName, input.marker, input.maxItems);
  }

  membersOf(call: IamCall, groupName: string): IamUser[] {
    const group = this.group(call, groupName);
    return [...this.account(call.accountId).users.values()].filter((u) => u.groups.includes(group.groupName));
  }

  groupsOf(call: IamCall, userName: string): IamGroup[] {
    const user = this.user(call, userName);
    return user.groups.map((g) => this.group(call, g));
  }

  deleteGroup(call: IamCall, groupName: string): Promise<void> {
    return this.change(() => {
      const group = this.group(call, groupName);
      if (this.membersOf(call, group.groupName).length > 0) {
        throw iamError(
          'DeleteConflictException',
          'Cannot delete entity, must remove users from group first.',
        );
      }
      if (group.inlinePolicies.length > 0) {
        throw iamError('DeleteConflictException', 'Cannot delete entity, must delete policies first.');
      }
      if (group.attachedPolicies.length > 0) {
        throw iamError('DeleteConflictException', 'Cannot delete entity, must detach all policies first.');
      }
      return {
        writes: [{ kind: 'group', accountId: call.accountId, name: group.groupName, group: null }],
        apply: () => void this.account(call.accountId).groups.delete(nameKey(group.groupName)),
      };
    });
  }

  addUserToGroup(call: IamCall, groupName: string, userName: string): Promise<void> {
    return this.change(() => {
      const group = this.group(call, groupName);
      const user = this.user(call, userName);
      if (user.groups.includes(group.groupName)) return { writes: [], apply: () => undefined };
      if (user.groups.length >= IAM_QUOTAS.groupsPerUser) {
        throw iamError(
          'LimitExceededException',
          `Cannot exceed quota for GroupsPerUser: ${IAM_QUOTAS.groupsPerUser}`,
        );
      }
      const { writes, apply } = this.putUser(call, { ...user, groups: [...user.groups, group.groupName] });
      return { writes, apply: () => void apply() };
    });
  }

  removeUserFromGroup(call: IamCall, groupName: string, userName: string): Promise<void> {
    return this.change(() => {
      const group = this.group(call, groupName);
      const user = this.user(call, userName);
      if (!user.groups.includes(group.groupName)) {
        throw noSuchEntity(
          `The user with name ${user.userName} cannot be found in group ${group.groupName}.`,
        );
      }
      const { writes, apply } = this.putUser(call, {
        ...user,
        groups: user.groups.filter((g) => g !== group.groupName),
      });
      return { writes, apply: () => void apply() };
    });
  }

  // ----- roles -----

  role(call: IamCall, roleName: string): IamRole {
    const role = this.account(call.accountId).roles.get(nameKey(roleName));
    if (!role) throw noSuchEntity(`The role with name ${roleName} cannot be found.`);
    return role;
  }

  createRole(
    call: IamCall,
    input: {
      roleName: string;
      assumeRolePolicyDocument: string;
      path?: string;
      description?: string;
      maxSessionDuration?: number;
      permissionsBoundary?: string;
      tags?: Tag[];
    },
  ): Promise<IamRole> {
    return this.change(() => {
      const account = this.account(call.accountId);
      if (account.roles.has(nameKey(input.roleName))) {
        throw iamError('EntityAlreadyExistsException', `Role with name ${input.roleName} already exists.`);
      }
      if (account.roles.size >= IAM_QUOTAS.rolesPerAccount) {
        throw iamError(
          'LimitExceededException',
          `Cannot exceed quota for RolesPerAccount: ${IAM_QUOTAS.rolesPerAccount}`,
        );
      }
      this.checkTrustPolicy(input.assumeRolePolicyDocument);
      if (input.permissionsBoundary !== undefined) this.attachable(call, input.permissionsBoundary);
      const role: IamRole = {
        accountId: call.accountId,
        roleName: input.roleName,
        roleId: newUniqueId('AROA'),
        path: input.path ?? '/',
        createdMs: call.nowMs,
        assumeRolePolicyDocument: input.assumeRolePolicyDocument,
        maxSessionDurationS: input.maxSessionDuration ?? 3600,
        tags: mergeTags([], input.tags ?? [], 'TagsPerRole'),
        inlinePolicies: [],
        attachedPolicies: [],
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.permissionsBoundary !== undefined
          ? { permissionsBoundary: input.permissionsBoundary }
          : {}),
      };
      return this.putRole(call, role);
    });
  }

  private putRole(call: IamCall, role: IamRole): { writes: IamWrite[]; apply: () => IamRole } {
    return {
      writes: [{ kind: 'role', accountId: call.accountId, name: role.roleName, role }],
      apply: () => {
        this.account(call.accountId).roles.set(nameKey(role.roleName), role);
        return role;
      },
    };
  }

  private checkTrustPolicy(document: string): void {
    this.parseDocument(document, 'trust');
    if (policySize(document) > IAM_QUOTAS.roleTrustPolicySize) {
      throw iamError(
        'LimitExceededException',
        `Cannot exceed quota for ACLSizePerRole: ${IAM_QUOTAS.roleTrustPolicySize}`,
      );
    }
  }

  listRoles(
    call: IamCall,
    input: { pathPrefix?: string; marker?: string; maxItems?: number },
  ): Page<IamRole> {
    const roles = withPath(this.account(call.accountId).roles.values(), input.pathPrefix);
    return page(roles, (r) => r.roleName, input.marker, input.maxItems);
  }

  updateRole(
    call: IamCall,
    input: { roleName: string; description?: string; maxSessionDuration?: number },
  ): Promise<void> {
    return this.change(() => {
      const role = this.role(call, input.roleName);
      const { writes, apply } = this.putRole(call, {
        ...role,
        ...(input.description !== undefined ? { description: input.description } : {}),
        maxSessionDurationS: input.maxSessionDuration ?? role.maxSessionDurationS,
      });
      return { writes, apply: () => void apply() };
    });
  }

  updateAssumeRolePolicy(call: IamCall, roleName: string, document: string): Promise<void> {
    return this.change(() => {
      const role = this.role(call, roleName);
      this.checkTrustPolicy(document);
      const { writes, apply } = this.putRole(call, { ...role, assumeRolePolicyDocument: document });
      return { writes, apply: () => void apply() };
    });
  }

  deleteRole(call: IamCall, roleName: string): Promise<void> {
    return this.change(() => {
      const role = this.role(call, roleName);
      if (role.attachedPolicies.length > 0) {
        throw iamError('DeleteConflictException', 'Cannot delete entity, must detach all policies first.');
      }
      if (role.inlinePolicies.length > 0) {
        throw iamError('DeleteConflictException', 'Cannot delete entity, must delete policies first.');
      }
      return {
        writes: [{ kind: 'role', accountId: call.accountId, name: role.roleName, role: null }],
        apply: () => void this.account(call.accountId).roles.delete(nameKey(role.roleName)),
      };
    });
  }

  tagRole(call: IamCall, roleName: string, tags: Tag[]): Promise<void> {
    return this.change(() => {
      const role = this.role(call, roleName);
      const { writes, apply } = this.putRole(call, {
        ...role,
        tags: mergeTags(role.tags, tags, 'TagsPerRole'),
      });
      return { writes, apply: () => void apply() };
    });
  }

  untagRole(call: IamCall, roleName: string, tagKeys: string[]): Promise<void> {
    return this.change(() => {
      const role = this.role(call, roleName);
      const drop = new Set(tagKeys.map((k) => k.toLowerCase()));
      const { writes, apply } = this.putRole(call, {
        ...role,
        tags: role.tags.filter((t) => !drop.has(t.Key.toLowerCase())),
      });
      return { writes, apply: () => void apply() };
    });
  }

  // ----- managed policies -----

  /** A managed policy by ARN: the account's own, or an AWS managed one. */
  policy(call: IamCall, arn: string, notFound = 'was not found.'): ManagedPolicy {
    const parts = parsePolicyArn(arn);
    const policy =
      parts === undefined
        ? undefined
        : parts.accountId === 'aws'
          ? this.awsPolicies.get(nameKey(parts.name))
          : parts.accountId === call.accountId
            ? this.account(call.accountId).policies.get(nameKey(parts.name))
            : undefined;
    if (!policy || policyArnOf(parts?.partition ?? call.partition, policy) !== arn) {
      throw noSuchEntity(`Policy ${arn} ${notFound}`);
    }
    return policy;
  }

  /** A policy that can be attached (or set as a boundary); AWS's message when it cannot. */
  private attachable(call: IamCall, arn: string): ManagedPolicy {
    return this.policy(call, arn, 'does not exist or is not attachable.');
  }

  private ownPolicy(call: IamCall, arn: string): ManagedPolicy {
    const policy = this.policy(call, arn);
    if (policy.accountId === 'aws') {
      throw iamError('UnmodifiableEntityException', `Cannot modify an AWS managed policy: ${arn}.`);
    }
    return policy;
  }

  policyArn(call: IamCall, policy: ManagedPolicy): string {
    return policyArnOf(call.partition, policy);
  }

  createPolicy(
    call: IamCall,
    input: { policyName: string; policyDocument: string; path?: string; description?: string; tags?: Tag[] },
  ): Promise<ManagedPolicy> {
    return this.change(() => {
      const account = this.account(call.accountId);
      if (account.policies.has(nameKey(input.policyName))) {
        throw iamError(
          'EntityAlreadyExistsException',
          `A policy called ${input.policyName} already exists. Duplicate names are not allowed.`,
        );
      }
      if (account.policies.size >= IAM_QUOTAS.policiesPerAccount) {
        throw iamError(
          'LimitExceededException',
          `Cannot exceed quota for PoliciesPerAccount: ${IAM_QUOTAS.policiesPerAccount}`,
        );
      }
      this.checkManagedDocument(input.policyDocument);
      const policy: ManagedPolicy = {
        accountId: call.accountId,
        policyName: input.policyName,
        policyId: newUniqueId('ANPA'),
        path: input.path ?? '/',
        createdMs: call.nowMs,
        updatedMs: call.nowMs,
        defaultVersionId: 'v1',
        versions: [{ versionId: 'v1', document: input.policyDocument, createdMs: call.nowMs }],
        nextVersion: 2,
        tags: mergeTags([], input.tags ?? [], 'TagsPerPolicy'),
        ...(input.description !== undefined ? { description: input.description } : {}),
      };
      return this.putPolicy(call, policy);
    });
  }

  private putPolicy(
    call: IamCall,
    policy: ManagedPolicy,
  ): { writes: IamWrite[]; apply: () => ManagedPolicy } {
    return {
      writes: [{ kind: 'policy', accountId: call.accountId, name: policy.policyName, policy }],
      apply: () => {
        this.account(call.accountId).policies.set(nameKey(policy.policyName), policy);
        return policy;
      },
    };
  }

  private checkManagedDocument(document: string): void {
    this.parseDocument(document, 'identity');
    if (policySize(document) > IAM_QUOTAS.managedPolicySize) {
      throw iamError(
        'LimitExceededException',
        `Cannot exceed quota for PolicySize: ${IAM_QUOTAS.managedPolicySize}`,
      );
    }
  }

  private parseDocument(document: string, kind: 'identity' | 'trust'): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(document);
    } catch {
      throw iamError('MalformedPolicyDocumentException', 'Syntax errors in policy.');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw iamError('MalformedPolicyDocumentException', 'Syntax errors in policy.');
    }
    this.checkDocument?.(parsed, kind);
  }

  createPolicyVersion(
    call: IamCall,
    arn: string,
    document: string,
    setAsDefault: boolean,
  ): Promise<{ policy: ManagedPolicy; versionId: string }> {
    return this.change(() => {
      const policy = this.ownPolicy(call, arn);
      if (policy.versions.length >= IAM_QUOTAS.versionsPerPolicy) {
        throw iamError(
          'LimitExceededException',
          `A managed policy can have up to ${IAM_QUOTAS.versionsPerPolicy} versions. Before you create a new version, you must delete an existing version.`,
        );
      }
      this.checkManagedDocument(document);
      const versionId = `v${policy.nextVersion}`;
      const updated: ManagedPolicy = {
        ...policy,
        versions: [{ versionId, document, createdMs: call.nowMs }, ...policy.versions],
        nextVersion: policy.nextVersion + 1,
        defaultVersionId: setAsDefault ? versionId : policy.defaultVersionId,
        updatedMs: setAsDefault ? call.nowMs : policy.updatedMs,
      };
      const { writes, apply } = this.putPolicy(call, updated);
      return { writes, apply: () => ({ policy: apply(), versionId }) };
    });
  }

  version(
    call: IamCall,
    arn: string,
    versionId: string,
  ): { policy: ManagedPolicy; document: string; createdMs: number } {
    const policy = this.policy(call, arn);
    const version = policy.versions.find((v) => v.versionId === versionId);
    if (!version)
      throw noSuchEntity(`Policy ${arn} version ${versionId} does not exist or is not attachable.`);
    return { policy, document: version.document, createdMs: version.createdMs };
  }

  setDefaultPolicyVersion(call: IamCall, arn: string, versionId: string): Promise<void> {
    return this.change(() => {
      const policy = this.ownPolicy(call, arn);
      this.version(call, arn, versionId);
      const { writes, apply } = this.putPolicy(call, {
        ...policy,
        defaultVersionId: versionId,
        updatedMs: call.nowMs,
      });
      return { writes, apply: () => void apply() };
    });
  }

  deletePolicyVersion(call: IamCall, arn: string, versionId: string): Promise<void> {
    return this.change(() => {
      const policy = this.ownPolicy(call, arn);
      this.version(call, arn, versionId);
      if (policy.defaultVersionId === versionId) {
        throw iamError('DeleteConflictException', 'Cannot delete the default version of a policy.');
      }
      const { writes, apply } = this.putPolicy(call, {
        ...policy,
        versions: policy.versions.filter((v) => v.versionId !== versionId),
      });
      return { writes, apply: () => void apply() };
    });
  }

  deletePolicy(call: IamCall, arn: string): Promise<void> {
    return this.change(() => {
      const policy = this.ownPolicy(call, arn);
      const usage = this.usage(call, arn);
      if (usage.attachments > 0 || usage.boundaries > 0) {
        throw iamError('DeleteConflictException', 'Cannot delete a policy attached to entities.');
      }
      if (policy.versions.length > 1) {
        throw iamError(
          'DeleteConflictException',
          "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
        );
      }
      return {
        writes: [{ kind: 'policy', accountId: call.accountId, name: policy.policyName, policy: null }],
        apply: () => void this.account(call.accountId).policies.delete(nameKey(policy.policyName)),
      };
    });
  }

  /** How many users, groups and roles have the policy attached, and use it as their boundary. */
  usage(call: IamCall, arn: string): { attachments: number; boundaries: number } {
    const account = this.account(call.accountId);
    const identities = [...account.users.values(), ...account.groups.values(), ...account.roles.values()];
    return {
      attachments: identities.filter((i) => i.attachedPolicies.includes(arn)).length,
      boundaries: [...account.users.values(), ...account.roles.values()].filter(
        (i) => i.permissionsBoundary === arn,
      ).length,
    };
  }

  /** The account's own policies and the AWS managed ones, sorted by name. */
  policies(call: IamCall, scope: 'All' | 'AWS' | 'Local'): ManagedPolicy[] {
    const own = scope === 'AWS' ? [] : [...this.account(call.accountId).policies.values()];
    const aws = scope === 'Local' ? [] : [...this.awsPolicies.values()];
    return [...aws, ...own];
  }

  entitiesFor(call: IamCall, arn: string): { users: IamUser[]; groups: IamGroup[]; roles: IamRole[] } {
    this.policy(call, arn);
    const account = this.account(call.accountId);
    return {
      users: [...account.users.values()].filter((u) => u.attachedPolicies.includes(arn)),
      groups: [...account.groups.values()].filter((g) => g.attachedPolicies.includes(arn)),
      roles: [...account.roles.values()].filter((r) => r.attachedPolicies.includes(arn)),
    };
  }

  boundaryUsersOf(call: IamCall, arn: string): { users: IamUser[]; roles: IamRole[] } {
    const account = this.account(call.accountId);
    return {
      users: [...account.users.values()].filter((u) => u.permissionsBoundary === arn),
      roles: [...account.roles.values()].filter((r) => r.permissionsBoundary === arn),
    };
  }

  snapshot(call: IamCall): {
    users: IamUser[];
    groups: IamGroup[];
    roles: IamRole[];
    policies: ManagedPolicy[];
  } {
    const account = this.account(call.accountId);
    const byName = <T>(items: Iterable<T>, name: (i: T) => string): T[] =>
      [...items].sort((a, b) => compare(nameKey(name(a)), nameKey(name(b))));
    return {
      users: byName(account.users.values(), (u) => u.userName),
      groups: byName(account.groups.values(), (g) => g.groupName),
      roles: byName(account.roles.values(), (r) => r.roleName),
      policies: byName(account.policies.values(), (p) => p.policyName),
    };
  }

  // ----- identities: attachments, inline policies, boundaries -----

  private identity(call: IamCall, kind: IdentityKind, name: string): IamUser | IamGroup | IamRole {
    return kind === 'user'
      ? this.user(call, name)
      : kind === 'group'
        ? this.group(call, name)
        : this.role(call, name);
  }

  private putIdentity(
    call: IamCall,
    kind: IdentityKind,
    identity: IamUser | IamGroup | IamRole,
  ): { writes: IamWrite[]; apply: () => void } {
    const done = (p: { writes: IamWrite[]; apply: () => unknown }) => ({
      writes: p.writes,
      apply: () => void p.apply(),
    });
    if (kind === 'user') return done(this.putUser(call, identity as IamUser));
    if (kind === 'group') return done(this.putGroup(call, identity as IamGroup));
    return done(this.putRole(call, identity as IamRole));
  }

  attachedPolicies(call: IamCall, kind: IdentityKind, name: string): ManagedPolicy[] {
    return this.identity(call, kind, name).attachedPolicies.map((arn) => this.policy(call, arn));
  }

  attachPolicy(call: IamCall, kind: IdentityKind, name: string, arn: string): Promise<void> {
    return this.change(() => {
      const identity = this.identity(call, kind, name);
      this.attachable(call, arn);
      if (identity.attachedPolicies.includes(arn)) return { writes: [], apply: () => undefined };
      if (identity.attachedPolicies.length >= IAM_QUOTAS.managedPoliciesPerEntity) {
        const quota =
          kind === 'user' ? 'PoliciesPerUser' : kind === 'group' ? 'PoliciesPerGroup' : 'PoliciesPerRole';
        throw iamError(
          'LimitExceededException',
          `Cannot exceed quota for ${quota}: ${IAM_QUOTAS.managedPoliciesPerEntity}`,
        );
      }
      return this.putIdentity(call, kind, {
        ...identity,
        attachedPolicies: [...identity.attachedPolicies, arn],
      });
    });
  }

  detachPolicy(call: IamCall, kind: IdentityKind, name: string, arn: string): Promise<void> {
    return this.change(() => {
      const identity = this.identity(call, kind, name);
      if (!identity.attachedPolicies.includes(arn)) throw noSuchEntity(`Policy ${arn} was not found.`);
      return this.putIdentity(call, kind, {
        ...identity,
        attachedPolicies: identity.attachedPolicies.filter((a) => a !== arn),
      });
    });
  }

  inlinePolicies(call: IamCall, kind: IdentityKind, name: string): InlinePolicy[] {
    return [...this.identity(call, kind, name).inlinePolicies].sort((a, b) => compare(a.name, b.name));
  }

  inlinePolicy(
    call: IamCall,
    kind: IdentityKind,
    name: string,
    policyName: string,
  ): { owner: string; policy: InlinePolicy } {
    const identity = this.identity(call, kind, name);
    const policy = identity.inlinePolicies.find((p) => p.name === policyName);
    if (!policy) throw noSuchEntity(`The ${kind} policy with name ${policyName} cannot be found.`);
    return { owner: identityName(identity), policy };
  }

  putInlinePolicy(
    call: IamCall,
    kind: IdentityKind,
    name: string,
    policyName: string,
    document: string,
  ): Promise<void> {
    return this.change(() => {
      const identity = this.identity(call, kind, name);
      this.parseDocument(document, 'identity');
      const policies = [
        ...identity.inlinePolicies.filter((p) => p.name !== policyName),
        { name: policyName, document },
      ];
      // The quota is on all of an identity's inline policies together.
      const limit =
        kind === 'user'
          ? IAM_QUOTAS.userInlinePolicySize
          : kind === 'group'
            ? IAM_QUOTAS.groupInlinePolicySize
            : IAM_QUOTAS.roleInlinePolicySize;
      const total = policies.reduce((n, p) => n + policySize(p.document), 0);
      if (total > limit) {
        throw iamError(
          'LimitExceededException',
          `Maximum policy size of ${limit} bytes exceeded for ${kind} ${identityName(identity)}`,
        );
      }
      return this.putIdentity(call, kind, { ...identity, inlinePolicies: policies });
    });
  }

  deleteInlinePolicy(call: IamCall, kind: IdentityKind, name: string, policyName: string): Promise<void> {
    return this.change(() => {
      const identity = this.identity(call, kind, name);
      this.inlinePolicy(call, kind, name, policyName);
      return this.putIdentity(call, kind, {
        ...identity,
        inlinePolicies: identity.inlinePolicies.filter((p) => p.name !== policyName),
      });
    });
  }

  putPermissionsBoundary(call: IamCall, kind: 'user' | 'role', name: string, arn: string): Promise<void> {
    return this.change(() => {
      const identity = this.identity(call, kind, name);
      this.attachable(call, arn);
      return this.putIdentity(call, kind, { ...identity, permissionsBoundary: arn });
    });
  }

  deletePermissionsBoundary(call: IamCall, kind: 'user' | 'role', name: string): Promise<void> {
    return this.change(() => {
      const identity = this.identity(call, kind, name) as IamUser | IamRole;
      const { permissionsBoundary: _dropped, ...rest } = identity;
      return this.putIdentity(call, kind, rest);
    });
  }

  /** The ARN of a user, group or role. */
  arnOf(call: IamCall, identity: IamUser | IamGroup | IamRole): string {
    if ('userName' in identity)
      return iamArn(call.partition, identity.accountId, 'user', identity.path, identity.userName);
    if ('groupName' in identity)
      return iamArn(call.partition, identity.accountId, 'group', identity.path, identity.groupName);
    return iamArn(call.partition, identity.accountId, 'role', identity.path, identity.roleName);
  }
}

function identityName(identity: IamUser | IamGroup | IamRole): string {
  return 'userName' in identity
    ? identity.userName
    : 'groupName' in identity
      ? identity.groupName
      : identity.roleName;
}
