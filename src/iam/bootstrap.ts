import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
