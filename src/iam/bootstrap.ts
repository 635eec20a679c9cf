import { chmod, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { partitionOf } from '../events/index.ts';
import type { IamService } from './iam-service.ts';
import type { IdentityStore } from './identity-store.ts';
import {
  newAccessKeyId,
  newAccountId,
  newSecretAccessKey,
  newUserId,
  ROOT_USER_NAME,
  type AccessKeyRecord,
} from './principal.ts';

export const ADMIN_USER = 'admin';
/** `<data-dir>/credentials`: the admin's key, profile `opentrail`. */
export const CREDENTIALS_FILE = 'credentials';
export const CREDENTIALS_PROFILE = 'opentrail';
/** `<data-dir>/root-credentials`: the root user's key, profile `opentrail-root`. */
export const ROOT_CREDENTIALS_FILE = 'root-credentials';
export const ROOT_CREDENTIALS_PROFILE = 'opentrail-root';
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
  /** Every access key, the root user's included: what the server authenticates with. */
  keys: AccessKeyRecord[];
  credentialsPath: string;
  created: boolean;
  /** The root user's active key, written to `rootCredentialsPath`; absent once root has none. */
  root?: AccessKeyRecord;
  rootCredentialsPath: string;
  /** Whether this start gave the account its root key (its first start, or the first since upgrade). */
  rootKeyIssued: boolean;
}

/** A new active access key of the account's `admin` user, a user of its own ID. */
export function newAdminKey(accountId: string): AccessKeyRecord {
  return {
    accessKeyId: newAccessKeyId(),
    secretAccessKey: newSecretAccessKey(),
    accountId,
    userName: ADMIN_USER,
    userId: newUserId(),
    status: 'Active',
  };
}

/** A new active access key of the account's root user, whose principal ID is the account ID. */
export function newRootKey(accountId: string): AccessKeyRecord {
  return {
    accessKeyId: newAccessKeyId(),
    secretAccessKey: newSecretAccessKey(),
    accountId,
    userName: ROOT_USER_NAME,
    userId: accountId,
    status: 'Active',
  };
}

/** A shared credentials file with one profile, mode 0600 whatever the file was before. */
async function writeCredentials(path: string, profile: string, key: AccessKeyRecord): Promise<void> {
  await writeFile(
    path,
    `[${profile}]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`,
    { mode: 0o600 },
  );
  await chmod(path, 0o600);
}

/**
 * On first start: creates the account (`--account-id` or a random 12-digit ID), an admin access
 * key and the root user's access key. Every start (re)writes `<data-dir>/credentials` (profile
 * `opentrail`, the admin's key) and `<data-dir>/root-credentials` (profile `opentrail-root`, the
 * root user's key), shared credentials INI files of mode 0600, so the AWS CLI and SDKs use them
 * unchanged. Runs before the server listens: the keys it returns are what the server
 * authenticates with from its first request (see writeCliConfig for the part that needs the port).
 *
 * The root user exists in every account, as on AWS; its key is for bootstrap (enable its MFA, make
 * the IAM users people work with) and is better deleted afterwards (`aws iam delete-access-key`
 * signed as root). An account made before OpenTrail had root keys is given one at its next start,
 * once: a root key deleted or made inactive is never issued again, and `root-credentials` is
 * removed while root has no active key.
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
    await store.createUserWithKey(newAdminKey(accountId), options.nowMs);
    created = true;
  } else if (options.accountId !== undefined && options.accountId !== accountId) {
    throw new Error(
      `--account-id ${options.accountId} does not match account ${accountId} already in ${options.dataDir}; use another --data-dir`,
    );
  }
  const rootKeyIssued = (await store.rootKeyIssuedMs(accountId)) === undefined;
  if (rootKeyIssued) {
    await store.issueRootKey(newRootKey(accountId), options.nowMs);
  }
  const keys = await store.listAccessKeys();
  const active = (userName: string): AccessKeyRecord | undefined =>
    keys.find((k) => k.accountId === accountId && k.userName === userName && k.status === 'Active');
  const admin = active(ADMIN_USER);
  if (!admin) throw new Error(`no active admin access key for account ${accountId}`);

  const credentialsPath = join(options.dataDir, CREDENTIALS_FILE);
  await writeCredentials(credentialsPath, CREDENTIALS_PROFILE, admin);
  const root = active(ROOT_USER_NAME);
  const rootCredentialsPath = join(options.dataDir, ROOT_CREDENTIALS_FILE);
  if (root) await writeCredentials(rootCredentialsPath, ROOT_CREDENTIALS_PROFILE, root);
  else await rm(rootCredentialsPath, { force: true });
  return {
    accountId,
    admin,
    keys,
    credentialsPath,
    created,
    ...(root ? { root } : {}),
    rootCredentialsPath,
    rootKeyIssued,
  };
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
