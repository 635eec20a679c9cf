/**
 * AWS Organizations service control policies for the organizations `opentrail orgs` manages, as
 * the Organizations API Reference and "Service control policies (SCPs)" describe them:
 *
 * - an organization has one root (`r-` and 4 lower-case letters or digits) whose children here are
 *   its accounts (OpenTrail has no OUs), so an account's SCPs come in two levels, root then
 *   account ("SCP evaluation": every level must allow);
 * - with SCPs enabled, the AWS managed `FullAWSAccess` (p-FullAWSAccess, Allow * on *) is attached
 *   to the root and to every account, an account that joins later included; it can be detached
 *   like any other, and "every root, OU, and account must have at least one SCP attached"
 *   (DetachPolicy), so a replacement is attached first;
 * - only the management account manages policies ("You can only call this operation from the
 *   management account"); SCPs never restrict the management account.
 *
 * State is held in memory per organization and written through the ScpStore port, one record per
 * organization. `scpLevelsFor` compiles each policy with the engine once per content and caches
 * an account's levels until a policy, an attachment or the organization changes.
 */
import { randomInt } from 'node:crypto';
import { ServiceError } from '../errors.ts';
import type { Organization, Organizations } from '../trails/index.ts';
import { parsePolicy, type CompiledPolicy } from './policy/index.ts';

export const SERVICE_CONTROL_POLICY = 'SERVICE_CONTROL_POLICY';
export const FULL_AWS_ACCESS_ID = 'p-FullAWSAccess';
export const FULL_AWS_ACCESS_ARN = 'arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess';
/** The content AWS publishes for FullAWSAccess. */
export const FULL_AWS_ACCESS_CONTENT =
  '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Effect": "Allow",\n      "Action": "*",\n      "Resource": "*"\n    }\n  ]\n}';
const FULL_AWS_ACCESS_DESCRIPTION = 'Allows access to every operation';
/** "Maximum size of a policy document: Service control policies: 5,120 characters" (Organizations quotas). */
export const MAX_SCP_CHARACTERS = 5120;
const NAME_MAX = 128;
const DESCRIPTION_MAX = 512;
const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A customer managed SCP of one organization. */
export interface ServiceControlPolicy {
  id: string;
  name: string;
  description: string;
  content: string;
}

/** What the store keeps of one organization. */
export interface OrganizationScps {
  organizationId: string;
  rootId: string;
  policies: ServiceControlPolicy[];
  /** Attachments of customer managed policies. */
  attachments: { policyId: string; targetId: string }[];
  /** Targets FullAWSAccess was detached from (it is attached to every other). */
  fullAccessDetached: string[];
}

/** Where SCP state persists. */
export interface ScpStore {
  loadAll(): Promise<OrganizationScps[]>;
  put(state: OrganizationScps): Promise<void>;
}

/** The store held in memory (tests, and servers without persistence). */
export class MemoryScpStore implements ScpStore {
  private readonly states = new Map<string, OrganizationScps>();
  loadAll(): Promise<OrganizationScps[]> {
    return Promise.resolve([...this.states.values()].map((s) => structuredClone(s)));
  }
  put(state: OrganizationScps): Promise<void> {
    this.states.set(state.organizationId, structuredClone(state));
    return Promise.resolve();
  }
}

/** PolicySummary of the Organizations API. */
export interface PolicySummary {
  Id: string;
  Arn: string;
  Name: string;
  Description: string;
  Type: typeof SERVICE_CONTROL_POLICY;
  AwsManaged: boolean;
}

/** PolicyTargetSummary of the Organizations API. */
export interface PolicyTargetSummary {
  TargetId: string;
  Arn: string;
  Name: string;
  Type: 'ROOT' | 'ACCOUNT';
}

export interface RootSummary {
  Id: string;
  Arn: string;
  Name: string;
  PolicyTypes: { Type: string; Status: string }[];
}

export interface OrganizationSummary {
  Id: string;
  Arn: string;
  FeatureSet: 'ALL';
  MasterAccountArn: string;
  MasterAccountId: string;
  MasterAccountEmail: string;
  AvailablePolicyTypes: { Type: string; Status: string }[];
}

export interface PolicyChange {
  name?: string;
  description?: string;
  content?: string;
}

export interface ServiceControlPoliciesOptions {
  /** A random integer in [0, max): IDs are drawn from it. */
  random?: (max: number) => number;
}

const ENABLED_SCP = [{ Type: SERVICE_CONTROL_POLICY, Status: 'ENABLED' }];

function invalidInput(message: string): ServiceError {
  return new ServiceError('InvalidInputException', message);
}

function policyNotFound(): ServiceError {
  return new ServiceError(
    'PolicyNotFoundException',
    "We can't find a policy with the PolicyId that you specified.",
  );
}

function targetNotFound(): ServiceError {
  return new ServiceError(
    'TargetNotFoundException',
    "We can't find a root, OU, account, or policy with the TargetId that you specified.",
  );
}

/** SCP-only: other policy types are not enabled in these organizations. */
function checkType(type: string | undefined): void {
  if (type === undefined) throw invalidInput('You must specify a policy type.');
  if (type !== SERVICE_CONTROL_POLICY) {
    throw new ServiceError(
      'PolicyTypeNotAvailableForOrganizationException',
      `You can't use policy type ${type} in this organization. OpenTrail organizations enable ${SERVICE_CONTROL_POLICY} only.`,
    );
  }
}

function checkPolicyId(id: string): void {
  if (!/^p-[0-9a-zA-Z_]{8,128}$/.test(id)) {
    throw invalidInput(
      `Invalid PolicyId: a policy ID is "p-" followed by 8 to 128 lowercase or uppercase letters, digits, or underscores.`,
    );
  }
}

interface CompiledEntry {
  content: string;
  policy: CompiledPolicy;
}

export class ServiceControlPolicies {
  private readonly states = new Map<string, OrganizationScps>();
  private readonly compiled = new Map<string, CompiledEntry>();
  private readonly levelsCache = new Map<
    string,
    { org: Organization | undefined; version: number; levels: CompiledPolicy[][] | undefined }
  >();
  private version = 0;
  private readonly random: (max: number) => number;

  private constructor(
    private readonly store: ScpStore,
    private readonly organizations: Organizations,
    options: ServiceControlPoliciesOptions,
  ) {
    this.random = options.random ?? ((max) => randomInt(max));
  }

  static async open(
    store: ScpStore,
    organizations: Organizations,
    options: ServiceControlPoliciesOptions = {},
  ): Promise<ServiceControlPolicies> {
    const service = new ServiceControlPolicies(store, organizations, options);
    for (const state of await store.loadAll()) service.states.set(state.organizationId, state);
    return service;
  }

  /**
   * The SCPs that apply to `accountId`, one list per level from the root to the account, compiled
   * for evaluatePolicies' `serviceControlPolicies`; undefined for an account in no organization
   * and for an organization's management account (SCPs never restrict it).
   */
  scpLevelsFor(accountId: string): CompiledPolicy[][] | undefined {
    const org = this.organizations.organizationOf(accountId);
    const cached = this.levelsCache.get(accountId);
    if (cached && cached.org === org && cached.version === this.version) return cached.levels;
    let levels: CompiledPolicy[][] | undefined;
    if (org !== undefined && org.managementAccountId !== accountId) {
      const state = this.states.get(org.id);
      const rootId = state?.rootId;
      levels = [
        this.attachedTo(state, rootId).map((p) => this.compile(org, p)),
        this.attachedTo(state, accountId).map((p) => this.compile(org, p)),
      ];
    }
    this.levelsCache.set(accountId, { org, version: this.version, levels });
    return levels;
  }

  /** DescribeOrganization: any account of the organization may call it. */
  describeOrganization(callerAccount: string): OrganizationSummary {
    const org = this.organizationOf(callerAccount);
    const mgmt = org.managementAccountId;
    return {
      Id: org.id,
      Arn: `arn:aws:organizations::${mgmt}:organization/${org.id}`,
      FeatureSet: 'ALL',
      MasterAccountArn: `arn:aws:organizations::${mgmt}:account/${org.id}/${mgmt}`,
      MasterAccountId: mgmt,
      // OpenTrail accounts have no e-mail address; a placeholder in the reserved domain.
      MasterAccountEmail: `${mgmt}@example.invalid`,
      AvailablePolicyTypes: ENABLED_SCP,
    };
  }

  async listRoots(callerAccount: string): Promise<RootSummary[]> {
    const { org, state } = await this.managed(callerAccount);
    return [{ Id: state.rootId, Arn: rootArn(org, state.rootId), Name: 'Root', PolicyTypes: ENABLED_SCP }];
  }

  async createPolicy(
    callerAccount: string,
    input: { name: string; description: string; content: string; type: string },
  ): Promise<{ summary: PolicySummary; content: string }> {
    const { org, state } = await this.managed(callerAccount);
    checkType(input.type);
    checkName(input.name);
    checkDescription(input.description);
    checkContent(input.content);
    if (state.policies.some((p) => p.name === input.name)) {
      throw new ServiceError('DuplicatePolicyException', 'A policy with the same name already exists.');
    }
    let id: string;
    do id = `p-${this.randomId(8)}`;
    while (state.policies.some((p) => p.id === id));
    const policy: ServiceControlPolicy = {
      id,
      name: input.name,
      description: input.description,
      content: input.content,
    };
    await this.save({ ...state, policies: [...state.policies, policy] });
    return { summary: summaryOf(org, policy), content: policy.content };
  }

  async describePolicy(
    callerAccount: string,
    policyId: string,
  ): Promise<{ summary: PolicySummary; content: string }> {
    const { org, state } = await this.managed(callerAccount);
    checkPolicyId(policyId);
    if (policyId === FULL_AWS_ACCESS_ID)
      return { summary: fullAccessSummary(), content: FULL_AWS_ACCESS_CONTENT };
    const policy = state.policies.find((p) => p.id === policyId);
    if (!policy) throw policyNotFound();
    return { summary: summaryOf(org, policy), content: policy.content };
  }

  async updatePolicy(
    callerAccount: string,
    policyId: string,
    change: PolicyChange,
  ): Promise<{ summary: PolicySummary; content: string }> {
    const { org, state } = await this.managed(callerAccount);
    checkPolicyId(policyId);
    if (policyId === FULL_AWS_ACCESS_ID) throw awsManagedUnmodifiable();
    const policy = state.policies.find((p) => p.id === policyId);
    if (!policy) throw policyNotFound();
    if (change.name !== undefined) {
      checkName(change.name);
      if (state.policies.some((p) => p.id !== policyId && p.name === change.name)) {
        throw new ServiceError('DuplicatePolicyException', 'A policy with the same name already exists.');
      }
    }
    if (change.description !== undefined) checkDescription(change.description);
    if (change.content !== undefined) checkContent(change.content);
    const updated: ServiceControlPolicy = {
      ...policy,
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(change.description !== undefined ? { description: change.description } : {}),
      ...(change.content !== undefined ? { content: change.content } : {}),
    };
    await this.save({ ...state, policies: state.policies.map((p) => (p.id === policyId ? updated : p)) });
    return { summary: summaryOf(org, updated), content: updated.content };
  }

  async deletePolicy(callerAccount: string, policyId: string): Promise<void> {
    const { state } = await this.managed(callerAccount);
    checkPolicyId(policyId);
    if (policyId === FULL_AWS_ACCESS_ID) throw awsManagedUnmodifiable();
    if (!state.policies.some((p) => p.id === policyId)) throw policyNotFound();
    if (state.attachments.some((a) => a.policyId === policyId)) {
      throw new ServiceError(
        'PolicyInUseException',
        'The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.',
      );
    }
    await this.save({ ...state, policies: state.policies.filter((p) => p.id !== policyId) });
  }

  async listPolicies(callerAccount: string, filter: string): Promise<PolicySummary[]> {
    const { org, state } = await this.managed(callerAccount);
    checkType(filter);
    return [fullAccessSummary(), ...state.policies.map((p) => summaryOf(org, p))];
  }

  async attachPolicy(callerAccount: string, policyId: string, targetId: string): Promise<void> {
    const { org, state } = await this.managed(callerAccount);
    checkPolicyId(policyId);
    this.checkPolicyExists(state, policyId);
    this.checkTarget(org, state, targetId);
    if (this.isAttached(state, policyId, targetId)) {
      throw new ServiceError(
        'DuplicatePolicyAttachmentException',
        'The selected policy is already attached to the specified target.',
      );
    }
    await this.save(
      policyId === FULL_AWS_ACCESS_ID
        ? { ...state, fullAccessDetached: state.fullAccessDetached.filter((t) => t !== targetId) }
        : { ...state, attachments: [...state.attachments, { policyId, targetId }] },
    );
  }

  async detachPolicy(callerAccount: string, policyId: string, targetId: string): Promise<void> {
    const { org, state } = await this.managed(callerAccount);
    checkPolicyId(policyId);
    this.checkPolicyExists(state, policyId);
    this.checkTarget(org, state, targetId);
    if (!this.isAttached(state, policyId, targetId)) {
      throw new ServiceError(
        'PolicyNotAttachedException',
        "The policy isn't attached to the specified target in the specified root.",
      );
    }
    if (this.attachedTo(state, targetId).length <= 1) {
      throw new ServiceError(
        'ConstraintViolationException',
        'You attempted to detach a policy from an entity that would cause the entity to have fewer than the minimum number of policies of a certain type required.',
      );
    }
    await this.save(
      policyId === FULL_AWS_ACCESS_ID
        ? { ...state, fullAccessDetached: [...state.fullAccessDetached, targetId] }
        : {
            ...state,
            attachments: state.attachments.filter(
              (a) => !(a.policyId === policyId && a.targetId === targetId),
            ),
          },
    );
  }

  async listTargetsForPolicy(callerAccount: string, policyId: string): Promise<PolicyTargetSummary[]> {
    const { org, state } = await this.managed(callerAccount);
    checkPolicyId(policyId);
    this.checkPolicyExists(state, policyId);
    return this.targetsOf(org, state)
      .filter((t) => this.isAttached(state, policyId, t.TargetId))
      .sort((a, b) => a.TargetId.localeCompare(b.TargetId));
  }

  async listPoliciesForTarget(
    callerAccount: string,
    targetId: string,
    filter: string,
  ): Promise<PolicySummary[]> {
    const { org, state } = await this.managed(callerAccount);
    checkType(filter);
    this.checkTarget(org, state, targetId);
    return this.attachedTo(state, targetId).map((p) =>
      p.id === FULL_AWS_ACCESS_ID ? fullAccessSummary() : summaryOf(org, p),
    );
  }

  /** The organization of the caller, who must be its management account. */
  private async managed(callerAccount: string): Promise<{ org: Organization; state: OrganizationScps }> {
    const org = this.organizationOf(callerAccount);
    if (org.managementAccountId !== callerAccount) {
      throw new ServiceError(
        'AccessDeniedException',
        "You don't have permissions to access this resource. This operation can be called only from the organization's management account.",
      );
    }
    let state = this.states.get(org.id);
    if (!state) {
      state = {
        organizationId: org.id,
        rootId: `r-${this.randomId(4)}`,
        policies: [],
        attachments: [],
        fullAccessDetached: [],
      };
      await this.save(state);
    }
    return { org, state };
  }

  private organizationOf(callerAccount: string): Organization {
    const org = this.organizations.organizationOf(callerAccount);
    if (!org) {
      throw new ServiceError(
        'AWSOrganizationsNotInUseException',
        'Your account is not a member of an organization.',
      );
    }
    return org;
  }

  private async save(state: OrganizationScps): Promise<void> {
    await this.store.put(state);
    this.states.set(state.organizationId, state);
    this.version++;
  }

  private randomId(length: number): string {
    let id = '';
    for (let i = 0; i < length; i++) id += ID_ALPHABET[this.random(ID_ALPHABET.length)];
    return id;
  }

  private checkPolicyExists(state: OrganizationScps, policyId: string): void {
    if (policyId !== FULL_AWS_ACCESS_ID && !state.policies.some((p) => p.id === policyId))
      throw policyNotFound();
  }

  private checkTarget(org: Organization, state: OrganizationScps, targetId: string): void {
    if (!/^(r-[0-9a-z]{4,32})|(\d{12})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/.test(targetId)) {
      throw invalidInput(
        'Invalid TargetId: a target is a root ID ("r-" followed by 4 to 32 lowercase letters or digits), a 12-digit account ID, or an OU ID.',
      );
    }
    if (!this.targetsOf(org, state).some((t) => t.TargetId === targetId)) throw targetNotFound();
  }

  private targetsOf(org: Organization, state: OrganizationScps): PolicyTargetSummary[] {
    const account = (id: string): PolicyTargetSummary => ({
      TargetId: id,
      Arn: `arn:aws:organizations::${org.managementAccountId}:account/${org.id}/${id}`,
      Name: id,
      Type: 'ACCOUNT',
    });
    return [
      { TargetId: state.rootId, Arn: rootArn(org, state.rootId), Name: 'Root', Type: 'ROOT' },
      account(org.managementAccountId),
      ...org.memberAccountIds.map(account),
    ];
  }

  private isAttached(state: OrganizationScps, policyId: string, targetId: string): boolean {
    if (policyId === FULL_AWS_ACCESS_ID) return !state.fullAccessDetached.includes(targetId);
    return state.attachments.some((a) => a.policyId === policyId && a.targetId === targetId);
  }

  /** The policies attached to a target, FullAWSAccess first (as AWS lists them). */
  private attachedTo(
    state: OrganizationScps | undefined,
    targetId: string | undefined,
  ): ServiceControlPolicy[] {
    // Before the organization's SCP state exists, FullAWSAccess alone is attached everywhere.
    if (state === undefined || targetId === undefined) return [FULL_ACCESS];
    const attached = state.fullAccessDetached.includes(targetId) ? [] : [FULL_ACCESS];
    for (const a of state.attachments) {
      if (a.targetId !== targetId) continue;
      const policy = state.policies.find((p) => p.id === a.policyId);
      if (policy) attached.push(policy);
    }
    return attached;
  }

  private compile(org: Organization, policy: ServiceControlPolicy): CompiledPolicy {
    const key = `${org.id}/${policy.id}`;
    const entry = this.compiled.get(key);
    if (entry && entry.content === policy.content) return entry.policy;
    const arn = policy.id === FULL_AWS_ACCESS_ID ? FULL_AWS_ACCESS_ARN : policyArn(org, policy.id);
    const result = parsePolicy(policy.content, 'scp', { id: arn, arn, sourceType: 'scp' });
    // Content is validated before it is stored; a document that no longer validates is a bug.
    if (!result.ok) throw new Error(`SCP ${policy.id} does not validate: ${result.message}`);
    this.compiled.set(key, { content: policy.content, policy: result.policy });
    return result.policy;
  }
}

const FULL_ACCESS: ServiceControlPolicy = {
  id: FULL_AWS_ACCESS_ID,
  name: 'FullAWSAccess',
  description: FULL_AWS_ACCESS_DESCRIPTION,
  content: FULL_AWS_ACCESS_CONTENT,
};

function rootArn(org: Organization, rootId: string): string {
  return `arn:aws:organizations::${org.managementAccountId}:root/${org.id}/${rootId}`;
}

function policyArn(org: Organization, policyId: string): string {
  return `arn:aws:organizations::${org.managementAccountId}:policy/${org.id}/service_control_policy/${policyId}`;
}

function summaryOf(org: Organization, policy: ServiceControlPolicy): PolicySummary {
  return {
    Id: policy.id,
    Arn: policyArn(org, policy.id),
    Name: policy.name,
    Description: policy.description,
    Type: SERVICE_CONTROL_POLICY,
    AwsManaged: false,
  };
}

function fullAccessSummary(): PolicySummary {
  return {
    Id: FULL_AWS_ACCESS_ID,
    Arn: FULL_AWS_ACCESS_ARN,
    Name: 'FullAWSAccess',
    Description: FULL_AWS_ACCESS_DESCRIPTION,
    Type: SERVICE_CONTROL_POLICY,
    AwsManaged: true,
  };
}

function awsManagedUnmodifiable(): ServiceError {
  return new ServiceError(
    'AccessDeniedException',
    "You don't have permissions to access this resource. FullAWSAccess is an AWS managed policy and can't be modified or deleted.",
  );
}

function checkName(name: string): void {
  if (name.length < 1 || name.length > NAME_MAX) {
    throw invalidInput(`Invalid Name: a policy name must be 1 to ${NAME_MAX} characters long.`);
  }
}

function checkDescription(description: string): void {
  if (description.length > DESCRIPTION_MAX) {
    throw invalidInput(
      `Invalid Description: a policy description can be at most ${DESCRIPTION_MAX} characters long.`,
    );
  }
}

/** The content as an SCP: the size quota, then the engine's grammar with IAM's messages. */
function checkContent(content: string): void {
  if (content.length > MAX_SCP_CHARACTERS) {
    throw new ServiceError(
      'ConstraintViolationException',
      `You attempted to create a policy that is larger than the maximum size (${MAX_SCP_CHARACTERS} characters for a service control policy).`,
    );
  }
  const result = parsePolicy(content, 'scp', { id: 'content' });
  if (!result.ok) throw new ServiceError('MalformedPolicyDocumentException', result.message);
}
