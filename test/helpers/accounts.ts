/**
 * More than one account on one server. OpenTrail has no API for a second account yet: a test starts
 * a server once so the bootstrap makes the data directory and its account, stops it, adds keys for
 * other accounts to the identity store (where the bootstrap keeps the first one) and writes the
 * organization to organizations.json; the next start loads them.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../src/config.ts';
import { DuckDbDatabase, DuckDbIdentityStore } from '../../src/duckdb/index.ts';
import { newAdminKey, newRootKey, type AccessKeyRecord } from '../../src/iam/index.ts';
import { LocalKeyProvider } from '../../src/local/index.ts';
import type { Organization } from '../../src/trails/index.ts';
import type { AwsCli } from './aws-cli.ts';
import { AWS_CLI_V2 } from './run.ts';
import { makeTempDir, startTestServer } from './server.ts';

/**
 * A data directory a server has started in once and stopped (a new temporary one unless
 * `options.dataDir` names one): its account and keys are made, and it takes more.
 */
export async function bootstrappedDataDir(options: Partial<Config> = {}): Promise<string> {
  const dataDir = options.dataDir ?? (await makeTempDir());
  const first = await startTestServer({ ...options, dataDir });
  await first.close();
  return dataDir;
}

/** Runs `use` on the identity store of a stopped server's data directory. */
async function withIdentityStore(
  dataDir: string,
  use: (identities: DuckDbIdentityStore) => Promise<void>,
): Promise<void> {
  const db = await DuckDbDatabase.open(join(dataDir, 'opentrail.duckdb'));
  try {
    const connection = await db.connect();
    try {
      await use(await DuckDbIdentityStore.open(connection, await LocalKeyProvider.open(dataDir)));
    } finally {
      connection.closeSync();
    }
  } finally {
    db.close();
  }
}

/** Adds the account `accountId` with an `admin` user and an active access key, and answers the key. */
export async function addAccountKey(dataDir: string, accountId: string): Promise<AccessKeyRecord> {
  const key = newAdminKey(accountId);
  await withIdentityStore(dataDir, async (identities) => {
    await identities.createAccount(accountId, Date.now());
    await identities.createUserWithKey(key, Date.now());
  });
  return key;
}

/** Gives the account `accountId` (already in the store) a root user key, as a bootstrap would. */
export async function addRootKey(dataDir: string, accountId: string): Promise<AccessKeyRecord> {
  const key = newRootKey(accountId);
  await withIdentityStore(dataDir, (identities) => identities.issueRootKey(key, Date.now()));
  return key;
}

/** Writes `<data-dir>/organizations.json` holding these organizations (as `opentrail orgs` keeps them). */
export async function writeOrganizations(dataDir: string, ...organizations: Organization[]): Promise<void> {
  await writeFile(join(dataDir, 'organizations.json'), JSON.stringify({ organizations }));
}

/**
 * Writes `document` to `file` and attaches it to `targetId` as a service control policy through
 * the organizations API (AWS CLI v2, as the management account's admin): `deny-stop`, "keep trails
 * logging". Answers the policy's ID.
 */
export async function attachDenyStopScp(
  cli: Pick<AwsCli, 'ok'>,
  file: string,
  document: unknown,
  targetId: string,
): Promise<string> {
  await writeFile(file, JSON.stringify(document));
  const created = await cli.ok<{ Policy: { PolicySummary: { Id: string } } }>(AWS_CLI_V2, [
    'organizations',
    'create-policy',
    '--type',
    'SERVICE_CONTROL_POLICY',
    '--name',
    'deny-stop',
    '--description',
    'keep trails logging',
    '--content',
    `file://${file}`,
  ]);
  const id = created.Policy.PolicySummary.Id;
  await cli.ok(AWS_CLI_V2, ['organizations', 'attach-policy', '--policy-id', id, '--target-id', targetId]);
  return id;
}
