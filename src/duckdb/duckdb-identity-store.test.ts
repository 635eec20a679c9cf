import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import {
  IamService,
  ROOT_USER_NAME,
  bootstrapIdentity,
  type AccessKeyRecord,
  type IamCall,
  type KeyRegistry,
} from '../iam/index.ts';
import { LocalKeyProvider } from '../local/index.ts';
import { DuckDbDatabase } from './database.ts';
import { DuckDbIdentityStore } from './duckdb-identity-store.ts';

const DOC = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'cloudtrail:GetTrail', Resource: '*' }],
});

/** The keys the service hands the authenticator, kept as a map. */
function registry(): KeyRegistry & { keys: Map<string, AccessKeyRecord> } {
  const keys = new Map<string, AccessKeyRecord>();
  return {
    keys,
    addKey: (k) => void keys.set(k.accessKeyId, k),
    updateKey: (id, change) => {
      const k = keys.get(id);
      if (k) keys.set(id, { ...k, ...change });
    },
    removeKey: (id) => void keys.delete(id),
  };
}

it('DuckDbIdentityStore keeps IAM users, groups, roles, policies and keys across a reopen, secrets sealed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'opentrail-identities-'));
  const path = join(dir, 'db.duckdb');
  try {
    const keys = await LocalKeyProvider.open(dir);
    let db = await DuckDbDatabase.open(path);
    let store = await DuckDbIdentityStore.open(await db.connect(), keys);
    const boot = await bootstrapIdentity(store, { dataDir: dir, nowMs: 1000 });
    const call: IamCall = {
      accountId: boot.accountId,
      partition: 'aws',
      nowMs: 2000,
      callerUserName: 'admin',
    };
    let iam = await IamService.open({ store, registry: registry(), awsPolicies: [] });
    await iam.createUser(call, { userName: 'alice', path: '/x/', tags: [{ Key: 'k', Value: 'v' }] });
    await iam.createGroup(call, { groupName: 'g' });
    await iam.addUserToGroup(call, 'g', 'alice');
    const policy = await iam.createPolicy(call, { policyName: 'p', policyDocument: DOC });
    const arn = iam.policyArn(call, policy);
    await iam.createPolicyVersion(call, arn, DOC.replace('GetTrail', 'ListTrails'), true);
    await iam.attachPolicy(call, 'user', 'alice', arn);
    await iam.createRole(call, {
      roleName: 'r',
      assumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    });
    await iam.putInlinePolicy(call, 'role', 'r', 'inline', DOC);
    const key = await iam.createAccessKey(call, 'alice');
    await iam.updateAccessKey(call, 'alice', key.accessKeyId, 'Inactive');
    await iam.updateUser(call, { userName: 'alice', newUserName: 'alice2' });
    db.close();

    db = await DuckDbDatabase.open(path);
    store = await DuckDbIdentityStore.open(await db.connect(), keys);
    const listed = await store.listAccessKeys();
    const reopenedKey = listed.find((k) => k.accessKeyId === key.accessKeyId);
    assert.deepEqual(reopenedKey, {
      accessKeyId: key.accessKeyId,
      accountId: boot.accountId,
      userName: 'alice2',
      userId: reopenedKey?.userId,
      secretAccessKey: key.secretAccessKey,
      status: 'Inactive',
      // The user's path, which the key's calls carry in their ARN.
      path: '/x/',
    });
    const file = await readFile(path);
    assert.ok(!file.includes(key.secretAccessKey), 'the secret is sealed at rest');

    iam = await IamService.open({ store, registry: registry(), awsPolicies: [] });
    const user = iam.user(call, 'alice2');
    assert.deepEqual(
      { path: user.path, tags: user.tags, groups: user.groups, attached: user.attachedPolicies },
      { path: '/x/', tags: [{ Key: 'k', Value: 'v' }], groups: ['g'], attached: [arn] },
    );
    assert.equal(iam.user(call, 'admin').userId, boot.admin.userId);
    assert.equal(iam.policy(call, arn).defaultVersionId, 'v2');
    assert.deepEqual(iam.inlinePolicies(call, 'role', 'r'), [{ name: 'inline', document: DOC }]);
    assert.deepEqual(
      iam.accessKeysOf(call, 'alice2').map((k) => k.status),
      ['Inactive'],
    );
    await iam.deleteAccessKey(call, 'alice2', key.accessKeyId);
    await iam.removeUserFromGroup(call, 'g', 'alice2');
    await iam.detachPolicy(call, 'user', 'alice2', arn);
    await iam.deleteUser(call, 'alice2');
    db.close();

    db = await DuckDbDatabase.open(path);
    store = await DuckDbIdentityStore.open(await db.connect(), keys);
    const snapshot = await store.loadIam();
    assert.deepEqual(
      snapshot.users.map((u) => u.userName),
      ['admin'],
    );
    assert.deepEqual(snapshot.accessKeys.map((k) => k.userName).sort(), [ROOT_USER_NAME, 'admin'].sort());
    db.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
