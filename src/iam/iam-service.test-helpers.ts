/** What the tests of IAM's rules and of the authorizers over them share: an IamService with nothing in it. */
import { AWS_MANAGED_POLICY_ENTITIES } from './aws-managed-policies.ts';
import { IamService, type KeyRegistry } from './iam-service.ts';

/** A key registry that keeps nothing: for tests that never sign with the keys IAM makes. */
export const NO_KEYS: KeyRegistry = {
  addKey: () => undefined,
  updateKey: () => undefined,
  removeKey: () => undefined,
};

/** An IamService over accounts with no IAM entities, writing nowhere, with the AWS managed policies. */
export function openEmptyIamService(): Promise<IamService> {
  return IamService.open({
    store: {
      loadIam: () => Promise.resolve({ users: [], groups: [], roles: [], policies: [], accessKeys: [] }),
      writeIam: () => Promise.resolve(),
    },
    registry: NO_KEYS,
    awsPolicies: AWS_MANAGED_POLICY_ENTITIES,
  });
}
