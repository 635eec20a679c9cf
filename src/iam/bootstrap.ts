import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { partitionOf } from '../events/index.ts';
import type { IamService } from './iam-service.ts';
import type { IdentityStore } from './identity-store.ts';
import {
  newAccessKeyId,
  newAccountId,
  newSecretAccessKey,
  newUserId,
  type AccessKeyRecord,
} from './principal.ts';

export const ADMIN_USER = 'admin';
export const CREDENTIALS_PROFILE = 'opentrail';
export const ADMIN_POLICY_NAME = 'AdministratorAccess';

/**
 * Gives an account's `admin` user AdministratorAccess when it has no permissions at all (no
 * attached or inline policy, no group): at first start, and at the start of a data directory made
 * before policies were enforced, so its key keeps working. An admin whose permissions someone
 * changed is left as it is. Returns whether it attached the policy.
 */
export async function ensureAdminAccess(
  iam: IamService,
  options: { accountId: string; region: string; nowMs: number },
): Promise<boolean> {
  const partition = partitionOf(options.region);
  const call = { accountId: options.accountId, partition, nowMs: options.nowMs, callerUserName: ADMIN_USER };
  let admin;
  try {
    admin = iam.user(call, ADMIN_USER);
  } catch {
    return false;
  }
  if (admin.attachedPolicies.length > 0 || admin.inlinePolicies.length > 0 || admin.groups.length > 0) {
    return false;
  }
  await iam.attachPolicy(call, 'user', ADMIN_USER, `arn:${partition}:iam::aws:policy/${ADMIN_POLICY_NAME}`);
  return true;
}

export interface BootstrapResult {
  accountId: string;
  admin: AccessKeyRecord;
  keys: AccessKeyRecord[];
  credentialsPath: string;
  created: boolean;
}

/**
 * On first start: creates the account (`--account-id` or a random 12-digit ID) and an admin
 * access key. Every start (re)writes `<data-dir>/credentials` (shared credentials INI, mode 0600)
 * so the AWS CLI and SDKs can use the profile unchanged. Runs before the server listens: the keys
 * it returns are what the server authenticates with from its first request (see writeCliConfig
 * for the part that needs the port).
 */
export async function bootstrapIdentity(
  store: IdentityStore,
  options: { dataDir: string; accountId?: string; nowMs: number },
): Promise<BootstrapResult> {
  const accounts = await store.listAccounts();
  let created = false;
  let accountId = accounts[0];
  if (accountId === undefined) {
    accountId = options.accountId ?? newAccountId();
    await store.createAccount(accountId, options.nowMs);
    await store.createUserWithKey(
      {
        accessKeyId: newAccessKeyId(),
        secretAccessKey: newSecretAccessKey(),
        accountId,
        userName: ADMIN_USER,
        userId: newUserId(),
        status: 'Active',
      },
      options.nowMs,
    );
    created = true;
  } else if (options.accountId !== undefined && options.accountId !== accountId) {
    throw new Error(
      `--account-id ${options.accountId} does not match account ${accountId} already in ${options.dataDir}; use another --data-dir`,
    );
  }
  const keys = await store.listAccessKeys();
  const admin = keys.find(
    (k) => k.accountId === accountId && k.userName === ADMIN_USER && k.status === 'Active',
  );
  if (!admin) throw new Error(`no active admin access key for account ${accountId}`);

  const credentialsPath = join(options.dataDir, 'credentials');
  await writeFile(
    credentialsPath,
    `[${CREDENTIALS_PROFILE}]\naws_access_key_id = ${admin.accessKeyId}\naws_secret_access_key = ${admin.secretAccessKey}\n`,
    { mode: 0o600 },
  );
  await chmod(credentialsPath, 0o600);
  return { accountId, admin, keys, credentialsPath, created };
}

/**
 * (Re)writes `<data-dir>/config`, the AWS config profile naming the region and the endpoint URL.
 * Written once the server listens, since only then is the port known (`--port 0`).
 */
export async function writeCliConfig(
  dataDir: string,
  options: { region: string; endpointUrl: string },
): Promise<string> {
  const path = join(dataDir, 'config');
  await writeFile(
    path,
    `[profile ${CREDENTIALS_PROFILE}]\nregion = ${options.region}\nendpoint_url = ${options.endpointUrl}\n`,
    { mode: 0o600 },
  );
  await chmod(path, 0o600);
  return path;
}
