import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  evaluatePolicies,
  parsePolicy,
  type CompiledPolicy,
  type RequestPrincipal,
} from '../iam/policy/index.ts';
import { MemoryResourcePolicyStore, ResourcePolicies } from './resource-policies.ts';
import { resourcePolicyStoreContract } from './resource-policy-store.contract.ts';
import { checkResourcePolicy } from './resource-policy-validation.ts';

const OWNER = '777788889999';
const PARTNER = '111122223333';
const CHANNEL = `arn:aws:cloudtrail:us-east-1:${OWNER}:channel/0f0f0f0f-0000-4000-8000-000000000001`;
const STORE = `arn:aws:cloudtrail:us-east-1:${OWNER}:eventdatastore/0f0f0f0f-0000-4000-8000-000000000002`;

const partner: RequestPrincipal = {
  type: 'IAMUser',
  arn: `arn:aws:iam::${PARTNER}:user/ingest`,
  accountId: PARTNER,
  userName: 'ingest',
};

const channelPolicy = (account: string): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: 'cloudtrail-data:PutAuditEvents',
        Resource: CHANNEL,
      },
    ],
  });

const administrator = parsePolicy(
  { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  'identity',
  { id: 'AdministratorAccess' },
);

/** The partner's own side allows everything (AdministratorAccess). */
function identityAllowingAll(): CompiledPolicy[] {
  if (!administrator.ok) throw new Error(administrator.message);
  return [administrator.policy];
}

/** The partner's PutAuditEvents on the owner's channel, its own policies allowing it. */
function decide(resourcePolicy: CompiledPolicy | undefined, identity: readonly CompiledPolicy[]): string {
  return evaluatePolicies({
    principal: partner,
    action: 'cloudtrail-data:PutAuditEvents',
    resource: CHANNEL,
    resourceAccount: OWNER,
    identityPolicies: identity,
    ...(resourcePolicy ? { resourcePolicy } : {}),
  }).decision;
}

describe('MemoryResourcePolicyStore', () => {
  resourcePolicyStoreContract(() => {
    const store = new MemoryResourcePolicyStore();
    return Promise.resolve({ store, reopen: () => Promise.resolve(store) });
  });
});

describe('ResourcePolicies', () => {
  it('put() attaches a policy, get() returns its text as given, delete() detaches it once', async () => {
    const policies = await ResourcePolicies.open(new MemoryResourcePolicyStore());
    const text = channelPolicy(PARTNER);
    const stored = await policies.put(CHANNEL, text, checkResourcePolicy(text, 'channel', CHANNEL), 1000);
    assert.deepEqual(stored, { resourceArn: CHANNEL, policy: text, updatedMs: 1000 });
    assert.deepEqual(policies.get(CHANNEL), stored);
    assert.equal(policies.has(CHANNEL), true);
    assert.equal(policies.has(STORE), false);
    assert.equal(await policies.delete(CHANNEL), true);
    assert.equal(await policies.delete(CHANNEL), false);
    assert.equal(policies.get(CHANNEL), undefined);
    assert.equal(policies.compiledFor(CHANNEL), undefined);
  });

  it('compiledFor() is what lets another account in: the policy naming it, not one naming another', async () => {
    const store = new MemoryResourcePolicyStore();
    const policies = await ResourcePolicies.open(store);
    const identity = identityAllowingAll();
    assert.equal(decide(policies.compiledFor(CHANNEL), identity), 'implicitDeny');
    const text = channelPolicy(PARTNER);
    await policies.put(CHANNEL, text, checkResourcePolicy(text, 'channel', CHANNEL), 1000);
    assert.equal(decide(policies.compiledFor(CHANNEL), identity), 'allowed');
    // Both sides must allow: the partner's own policies still decide.
    assert.equal(decide(policies.compiledFor(CHANNEL), []), 'implicitDeny');
    const other = channelPolicy('444455556666');
    await policies.put(CHANNEL, other, checkResourcePolicy(other, 'channel', CHANNEL), 2000);
    assert.equal(decide(policies.compiledFor(CHANNEL), identity), 'implicitDeny');
  });

  it('open() reads and compiles the policies a store kept', async () => {
    const store = new MemoryResourcePolicyStore();
    const text = channelPolicy(PARTNER);
    await store.put({ resourceArn: CHANNEL, policy: text, updatedMs: 5 });
    const policies = await ResourcePolicies.open(store);
    assert.equal(policies.get(CHANNEL)?.policy, text);
    assert.equal(decide(policies.compiledFor(CHANNEL), identityAllowingAll()), 'allowed');
  });

  it("evaluates an organization store's delegated-administrator policy in tandem with its own", async () => {
    const delegatedText = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${PARTNER}:root` },
          Action: ['cloudtrail:StartQuery'],
          Resource: STORE,
        },
      ],
    });
    const policies = await ResourcePolicies.open(new MemoryResourcePolicyStore(), {
      delegatedAdminPolicy: (arn) => (arn === STORE ? delegatedText : undefined),
    });
    assert.equal(policies.has(STORE), true);
    assert.equal(policies.get(STORE), undefined);
    assert.equal(policies.delegatedAdminPolicy(STORE), delegatedText);
    const query = (action: string, policy: CompiledPolicy | undefined): string =>
      evaluatePolicies({
        principal: partner,
        action,
        resource: STORE,
        resourceAccount: OWNER,
        identityPolicies: identityAllowingAll(),
        ...(policy ? { resourcePolicy: policy } : {}),
      }).decision;
    assert.equal(query('cloudtrail:StartQuery', policies.compiledFor(STORE)), 'allowed');
    assert.equal(query('cloudtrail:GetQueryResults', policies.compiledFor(STORE)), 'implicitDeny');
    const own = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: PARTNER },
          Action: 'cloudtrail:GetQueryResults',
          Resource: STORE,
        },
      ],
    });
    await policies.put(STORE, own, checkResourcePolicy(own, 'eventdatastore', STORE), 1);
    assert.equal(query('cloudtrail:StartQuery', policies.compiledFor(STORE)), 'allowed');
    assert.equal(query('cloudtrail:GetQueryResults', policies.compiledFor(STORE)), 'allowed');
  });
});
