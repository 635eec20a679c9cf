import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertRejectsServiceError, assertServiceError } from '../../test/helpers/service-errors.ts';
import { AWS_MANAGED_POLICY_ENTITIES } from './aws-managed-policies.ts';
import type { IamSnapshot, IamWrite } from './iam-entities.ts';
import { IamService, page, policySize, type IamCall, type KeyRegistry } from './iam-service.ts';
import { NO_KEYS } from './iam-service.test-helpers.ts';
import type { AccessKeyRecord } from './principal.ts';

const CALL: IamCall = { accountId: '111122223333', partition: 'aws', nowMs: 1000, callerUserName: 'admin' };
const DOC =
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';

/** A store that keeps the batches it was given; `fail` makes the next write fail. */
function memoryStore(): {
  loadIam(): Promise<IamSnapshot>;
  writeIam(w: readonly IamWrite[]): Promise<void>;
  batches: IamWrite[][];
  fail: boolean;
} {
  const store = {
    batches: [] as IamWrite[][],
    fail: false,
    loadIam: () => Promise.resolve({ users: [], groups: [], roles: [], policies: [], accessKeys: [] }),
    writeIam(writes: readonly IamWrite[]) {
      if (store.fail) return Promise.reject(new Error('disk full'));
      store.batches.push([...writes]);
      return Promise.resolve();
    },
  };
  return store;
}

async function service(store = memoryStore()): Promise<IamService> {
  return IamService.open({ store, registry: NO_KEYS, awsPolicies: AWS_MANAGED_POLICY_ENTITIES });
}

describe('IamService', () => {
  it('finds users regardless of case, as IAM names are unique regardless of case', async () => {
    const iam = await service();
    await iam.createUser(CALL, { userName: 'Alice' });
    assert.equal(iam.user(CALL, 'alice').userName, 'Alice');
  });

  it('applies nothing when the store write fails, and goes on with the next change', async () => {
    const store = memoryStore();
    const iam = await service(store);
    store.fail = true;
    await assert.rejects(iam.createUser(CALL, { userName: 'bob' }), /disk full/);
    assertServiceError(
      () => iam.user(CALL, 'bob'),
      'NoSuchEntityException',
      'The user with name bob cannot be found.',
    );
    store.fail = false;
    await iam.createUser(CALL, { userName: 'bob' });
    assert.equal(store.batches.length, 1);
  });

  it('refuses to change AWS managed policies and a policy ARN with the wrong path', async () => {
    const iam = await service();
    await assertRejectsServiceError(
      iam.createPolicyVersion(CALL, 'arn:aws:iam::aws:policy/AdministratorAccess', DOC, false),
      'UnmodifiableEntityException',
    );
    await iam.createPolicy(CALL, { policyName: 'p', policyDocument: DOC, path: '/team/' });
    assert.equal(iam.policy(CALL, 'arn:aws:iam::111122223333:policy/team/p').path, '/team/');
    assertServiceError(
      () => iam.policy(CALL, 'arn:aws:iam::111122223333:policy/p'),
      'NoSuchEntityException',
      'Policy arn:aws:iam::111122223333:policy/p was not found.',
    );
  });

  it('refuses tag keys that differ only by case in one request', async () => {
    const iam = await service();
    await assertRejectsServiceError(
      iam.createUser(CALL, {
        userName: 'u',
        tags: [
          { Key: 'a', Value: '1' },
          { Key: 'A', Value: '2' },
        ],
      }),
      'InvalidInputException',
      'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
    );
  });

  it("tells the key registry a new key's user path, and the new name and path of a moved user", async () => {
    const registered = new Map<string, AccessKeyRecord>();
    const registry: KeyRegistry = {
      addKey: (k) => void registered.set(k.accessKeyId, k),
      updateKey: (id, change) => void registered.set(id, { ...registered.get(id)!, ...change }),
      removeKey: (id) => void registered.delete(id),
    };
    const iam = await IamService.open({ store: memoryStore(), registry, awsPolicies: [] });
    await iam.createUser(CALL, { userName: 'alice', path: '/division/' });
    const key = await iam.createAccessKey(CALL, 'alice');
    assert.equal(registered.get(key.accessKeyId)?.path, '/division/');
    await iam.updateUser(CALL, { userName: 'alice', newUserName: 'ally', newPath: '/sales/' });
    assert.deepEqual(
      { userName: registered.get(key.accessKeyId)?.userName, path: registered.get(key.accessKeyId)?.path },
      { userName: 'ally', path: '/sales/' },
    );
    await iam.updateUser(CALL, { userName: 'ally', newPath: '/eng/' });
    assert.equal(registered.get(key.accessKeyId)?.path, '/eng/');
  });

  it('page() pages by name with an opaque marker; policySize() does not count whitespace', () => {
    const items = ['c', 'a', 'b'].map((name) => ({ name }));
    const first = page(items, (i) => i.name, undefined, 2);
    assert.deepEqual(
      first.items.map((i) => i.name),
      ['a', 'b'],
    );
    const second = page(items, (i) => i.name, first.marker, 2);
    assert.deepEqual(second, { items: [{ name: 'c' }] });
    assert.equal(policySize('{ "a" :\n\t"b" }'), 9);
  });
});
