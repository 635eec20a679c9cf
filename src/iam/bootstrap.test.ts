import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AWS_MANAGED_POLICY_ENTITIES } from './aws-managed-policies.ts';
import { ensureAdminAccess } from './bootstrap.ts';
import type { IamUser } from './iam-entities.ts';
import { IamService, type IamCall } from './iam-service.ts';
import { NO_KEYS } from './iam-service.test-helpers.ts';

const ACCOUNT = '111122223333';
const CALL: IamCall = { accountId: ACCOUNT, partition: 'aws', nowMs: 0, callerUserName: 'admin' };

/** IAM as an older data directory holds it: an `admin` user made by the bootstrap, no policies. */
async function iamWithAdmin(admin: Partial<IamUser> = {}): Promise<IamService> {
  const user: IamUser = {
    accountId: ACCOUNT,
    userName: 'admin',
    userId: 'AIDAEXAMPLEEXAMPLEEX',
    path: '/',
    createdMs: 0,
    tags: [],
    groups: [],
    inlinePolicies: [],
    attachedPolicies: [],
    ...admin,
  };
  return IamService.open({
    store: {
      loadIam: () => Promise.resolve({ users: [user], groups: [], roles: [], policies: [], accessKeys: [] }),
      writeIam: () => Promise.resolve(),
    },
    registry: NO_KEYS,
    awsPolicies: AWS_MANAGED_POLICY_ENTITIES,
  });
}

describe('ensureAdminAccess()', () => {
  it('attaches AdministratorAccess to an admin without any policy, once', async () => {
    const iam = await iamWithAdmin();
    assert.equal(await ensureAdminAccess(iam, { accountId: ACCOUNT, region: 'us-east-1', nowMs: 0 }), true);
    assert.deepEqual(iam.user(CALL, 'admin').attachedPolicies, [
      'arn:aws:iam::aws:policy/AdministratorAccess',
    ]);
    assert.equal(await ensureAdminAccess(iam, { accountId: ACCOUNT, region: 'us-east-1', nowMs: 0 }), false);
  });

  it('names the policy in the partition of the Region', async () => {
    const iam = await iamWithAdmin();
    await ensureAdminAccess(iam, { accountId: ACCOUNT, region: 'cn-north-1', nowMs: 0 });
    assert.deepEqual(iam.user({ ...CALL, partition: 'aws-cn' }, 'admin').attachedPolicies, [
      'arn:aws-cn:iam::aws:policy/AdministratorAccess',
    ]);
  });

  it('leaves an admin whose permissions were set alone, and an account without admin', async () => {
    const limited = await iamWithAdmin({ inlinePolicies: [{ name: 'own', document: '{}' }] });
    assert.equal(
      await ensureAdminAccess(limited, { accountId: ACCOUNT, region: 'us-east-1', nowMs: 0 }),
      false,
    );
    assert.deepEqual(limited.user(CALL, 'admin').attachedPolicies, []);
    assert.equal(
      await ensureAdminAccess(limited, { accountId: '444455556666', region: 'us-east-1', nowMs: 0 }),
      false,
    );
  });
});
