/**
 * CloudTrail's resource-based policies (PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy):
 * one policy per channel, event data store or dashboard, held in memory and written through to the
 * ResourcePolicyStore, each compiled once for the policy authorizer, which evaluates it with the
 * caller's own policies (a cross-account caller needs both to allow; within the account a policy
 * naming the caller allows on its own — "Policy evaluation logic").
 *
 * An organization event data store also carries CloudTrail's default policy for the delegated
 * administrators ("Default resource policy for delegated administrators"), made from the
 * organization by whoever knows it (`delegatedAdminPolicy`): GetResourcePolicy returns it as
 * DelegatedAdminResourcePolicy, and it is "evaluated in tandem with any policy you submit".
 */
import pLimit from 'p-limit';
import {
  compilePolicy,
  readPolicyDocument,
  type CompiledPolicy,
  type PolicyDocument,
} from '../iam/policy/index.ts';

/** A resource's policy as PutResourcePolicy attached it: the text as given. */
export interface StoredResourcePolicy {
  /** The ARN of the channel, event data store or dashboard. */
  resourceArn: string;
  policy: string;
  updatedMs: number;
}

/** Where resource policies persist; the registry reads them once and writes each change. */
export interface ResourcePolicyStore {
  loadAll(): Promise<StoredResourcePolicy[]>;
  put(policy: StoredResourcePolicy): Promise<void>;
  delete(resourceArn: string): Promise<void>;
}

/** Resource policies in memory: unit tests and the contract suite's reference. */
export class MemoryResourcePolicyStore implements ResourcePolicyStore {
  private readonly policies = new Map<string, StoredResourcePolicy>();

  loadAll(): Promise<StoredResourcePolicy[]> {
    return Promise.resolve(
      [...this.policies.values()]
        .sort((a, b) => a.resourceArn.localeCompare(b.resourceArn))
        .map((p) => ({ ...p })),
    );
  }

  put(policy: StoredResourcePolicy): Promise<void> {
    this.policies.set(policy.resourceArn, { ...policy });
    return Promise.resolve();
  }

  delete(resourceArn: string): Promise<void> {
    this.policies.delete(resourceArn);
    return Promise.resolve();
  }
}

export interface ResourcePoliciesOptions {
  /**
   * CloudTrail's default policy for an organization event data store's delegated administrators
   * (JSON text), or undefined for a resource that has none.
   */
  delegatedAdminPolicy?: (resourceArn: string) => string | undefined;
}

interface Entry {
  stored: StoredResourcePolicy;
  compiled: CompiledPolicy | undefined;
}

export class ResourcePolicies {
  private readonly entries = new Map<string, Entry>();
  /** Compiled combinations with the delegated administrators' policy, by its text. */
  private readonly combined = new Map<
    string,
    { text: string; own: Entry | undefined; policy: CompiledPolicy }
  >();
  /** Runs a change after every earlier one has finished. */
  private readonly serialize = pLimit(1);

  private constructor(
    private readonly store: ResourcePolicyStore,
    private readonly options: ResourcePoliciesOptions,
  ) {}

  static async open(
    store: ResourcePolicyStore,
    options: ResourcePoliciesOptions = {},
  ): Promise<ResourcePolicies> {
    const policies = new ResourcePolicies(store, options);
    for (const stored of await store.loadAll()) {
      policies.entries.set(stored.resourceArn, { stored, compiled: compileStored(stored) });
    }
    return policies;
  }

  /** The policy attached to the resource, if any. */
  get(resourceArn: string): StoredResourcePolicy | undefined {
    return this.entries.get(resourceArn)?.stored;
  }

  /** The delegated administrators' default policy of the resource, if it has one. */
  delegatedAdminPolicy(resourceArn: string): string | undefined {
    return this.options.delegatedAdminPolicy?.(resourceArn);
  }

  /** Whether the resource has any resource-based policy (its own or the delegated administrators'). */
  has(resourceArn: string): boolean {
    return this.entries.has(resourceArn) || this.delegatedAdminPolicy(resourceArn) !== undefined;
  }

  /**
   * Attaches `document` (already checked: checkResourcePolicy) as the resource's policy,
   * replacing the one it had; `text` is what GetResourcePolicy returns.
   */
  put(
    resourceArn: string,
    text: string,
    document: PolicyDocument,
    nowMs: number,
  ): Promise<StoredResourcePolicy> {
    return this.serialize(async () => {
      const stored: StoredResourcePolicy = { resourceArn, policy: text, updatedMs: nowMs };
      await this.store.put(stored);
      this.entries.set(resourceArn, { stored, compiled: compileDocument(resourceArn, document) });
      return stored;
    });
  }

  /** Detaches the resource's policy; false when it had none. */
  delete(resourceArn: string): Promise<boolean> {
    return this.serialize(async () => {
      if (!this.entries.has(resourceArn)) return false;
      await this.store.delete(resourceArn);
      this.entries.delete(resourceArn);
      this.combined.delete(resourceArn);
      return true;
    });
  }

  /**
   * The policy the authorizer evaluates for the resource: its own and the delegated
   * administrators' as one (their statements side by side), compiled; undefined without either.
   */
  compiledFor(resourceArn: string): CompiledPolicy | undefined {
    const own = this.entries.get(resourceArn);
    const delegated = this.delegatedAdminPolicy(resourceArn);
    if (delegated === undefined) return own?.compiled;
    const cached = this.combined.get(resourceArn);
    if (cached && cached.text === delegated && cached.own === own) return cached.policy;
    const read = readPolicyDocument(delegated, 'resource');
    if (!read.ok) return own?.compiled;
    const statements = [...(own?.compiled?.document.statements ?? []), ...read.document.statements];
    const policy = compileDocument(resourceArn, { version: '2012-10-17', id: undefined, statements });
    this.combined.set(resourceArn, { text: delegated, own, policy });
    return policy;
  }
}

function compileDocument(resourceArn: string, document: PolicyDocument): CompiledPolicy {
  return compilePolicy(document, { id: resourceArn, sourceType: 'resource' });
}

/** A stored policy compiled again at start; one that no longer reads (it always should) grants nothing. */
function compileStored(stored: StoredResourcePolicy): CompiledPolicy | undefined {
  const read = readPolicyDocument(stored.policy, 'resource');
  return read.ok ? compileDocument(stored.resourceArn, read.document) : undefined;
}
