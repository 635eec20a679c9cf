/**
 * The root user's bootstrap key on the DuckDB identity store: written at first start next to the
 * admin's, given once to an account of a data directory from before root keys (its schema as that
 * version left it), and never issued again once deleted.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { IamService, ROOT_USER_NAME, bootstrapIdentity, type IamCall } from '../iam/index.ts';
import { NO_KEYS } from '../iam/iam-service.test-helpers.ts';
import { LocalKeyProvider } from '../local/index.ts';
import { DuckDbDatabase } from './database.ts';
import { DuckDbIdentityStore } from './duckdb-identity-store.ts';

const ACCOUNT = '210987654321';

/** The identity tables as the OpenTrail before root keys created them. */
const SCHEMA_BEFORE_ROOT_KEYS = `
CREATE TABLE accounts (account_id VARCHAR PRIMARY KEY, created_at BIGINT NOT NULL);
CREATE TABLE iam_users (account_id VARCHAR NOT NULL, user_name VARCHAR NOT NULL,
  user_id VARCHAR NOT NULL, created_at BIGINT NOT NULL, doc VARCHAR, PRIMARY KEY (account_id, user_name));
CREATE TABLE access_keys (access_key_id VARCHAR PRIMARY KEY, account_id VARCHAR NOT NULL,
  user_name VARCHAR NOT NULL, secret_sealed VARCHAR NOT NULL, status VARCHAR NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE iam_entities (account_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, name VARCHAR NOT NULL,
  doc VARCHAR NOT NULL, PRIMARY KEY (account_id, kind, name));
`;

function profileOf(text: string, profile: string): { id: string; secret: string } | undefined {
  const section = new RegExp(
    `^\\[${profile}\\]\\naws_access_key_id = (\\S+)\\naws_secret_access_key = (\\S+)\\n$`,
  ).exec(text);
  return section ? { id: section[1]!, secret: section[2]! } : undefined;
}

async function modeOf(path: string): Promise<string> {
  return ((await stat(path)).mode & 0o777).toString(8).padStart(4, '0');
}

describe('bootstrapIdentity() and the root user key', () => {
  let dir = '';
  let db: DuckDbDatabase;
  let keys: LocalKeyProvider;
  const store = async (): Promise<DuckDbIdentityStore> => DuckDbIdentityStore.open(await db.connect(), keys);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opentrail-root-key-'));
    keys = await LocalKeyProvider.open(dir);
    db = await DuckDbDatabase.open(join(dir, 'db.duckdb'));
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the admin key to credentials and the root key to root-credentials, both 0600', async () => {
    const boot = await bootstrapIdentity(await store(), { dataDir: dir, accountId: ACCOUNT, nowMs: 1000 });
    assert.equal(boot.created, true);
    assert.equal(boot.rootKeyIssued, true);

    const credentials = await readFile(join(dir, 'credentials'), 'utf8');
    const rootCredentials = await readFile(join(dir, 'root-credentials'), 'utf8');
    assert.deepEqual(profileOf(credentials, 'opentrail'), {
      id: boot.admin.accessKeyId,
      secret: boot.admin.secretAccessKey,
    });
    const root = profileOf(rootCredentials, 'opentrail-root');
    assert.ok(root, rootCredentials);
    assert.match(root.id, /^AKIA[A-Z2-7]{16}$/);
    assert.notEqual(root.id, boot.admin.accessKeyId);
    assert.equal(await modeOf(join(dir, 'credentials')), '0600');
    assert.equal(await modeOf(join(dir, 'root-credentials')), '0600');

    // The key the server authenticates with: the root user's, principal ID the account ID.
    assert.deepEqual(
      boot.keys.find((k) => k.accessKeyId === root.id),
      {
        accessKeyId: root.id,
        secretAccessKey: root.secret,
        accountId: ACCOUNT,
        userName: ROOT_USER_NAME,
        userId: ACCOUNT,
        status: 'Active',
      },
    );
    db.close();
    const file = await readFile(join(dir, 'db.duckdb'));
    assert.ok(!file.includes(root.secret), 'the root secret is sealed at rest');
    db = await DuckDbDatabase.open(join(dir, 'db.duckdb'));

    // A second start keeps the same keys.
    const again = await bootstrapIdentity(await store(), { dataDir: dir, nowMs: 2000 });
    assert.equal(again.rootKeyIssued, false);
    assert.equal(again.root?.accessKeyId, root.id);
    assert.equal(await readFile(join(dir, 'root-credentials'), 'utf8'), rootCredentials);
  });

  it('gives an account of an older data directory its root key once, and never again once deleted', async () => {
    // The data directory as the OpenTrail before root keys left it: an account and its admin.
    const connection = await db.connect();
    await connection.run(SCHEMA_BEFORE_ROOT_KEYS);
    await connection.run(`INSERT INTO accounts VALUES ('${ACCOUNT}', 500)`);
    await connection.run(
      `INSERT INTO iam_users VALUES ('${ACCOUNT}', 'admin', 'AIDAEXAMPLEADMIN0001', 500, NULL)`,
    );
    await connection.run('INSERT INTO access_keys VALUES ($1, $2, $3, $4, $5, $6)', [
      'AKIAOLDADMINKEY00001',
      ACCOUNT,
      'admin',
      keys.seal('old-admin-secret', 'access-key:AKIAOLDADMINKEY00001'),
      'Active',
      500n,
    ]);
    connection.closeSync();

    const upgraded = await bootstrapIdentity(await store(), { dataDir: dir, nowMs: 1000 });
    assert.equal(upgraded.created, false);
    assert.equal(upgraded.rootKeyIssued, true, 'the first start after the upgrade issues a root key');
    assert.equal(upgraded.admin.accessKeyId, 'AKIAOLDADMINKEY00001', 'the admin key is kept');
    const root = upgraded.root;
    assert.ok(root);
    assert.deepEqual(profileOf(await readFile(join(dir, 'root-credentials'), 'utf8'), 'opentrail-root'), {
      id: root.accessKeyId,
      secret: root.secretAccessKey,
    });

    // Root deletes its own key (IAM DeleteAccessKey signed as root, without UserName).
    const identities = await store();
    const iam = await IamService.open({
      store: identities,
      registry: NO_KEYS,
      awsPolicies: [],
    });
    const asRoot: IamCall = {
      accountId: ACCOUNT,
      partition: 'aws',
      nowMs: 2000,
      callerUserName: ROOT_USER_NAME,
    };
    assert.deepEqual(
      iam.accessKeysOf(asRoot, ROOT_USER_NAME).map((k) => k.accessKeyId),
      [root.accessKeyId],
    );
    await iam.deleteAccessKey(asRoot, ROOT_USER_NAME, root.accessKeyId);

    const after = await bootstrapIdentity(await store(), { dataDir: dir, nowMs: 3000 });
    assert.equal(after.rootKeyIssued, false, 'a deleted root key is not issued again');
    assert.equal(after.root, undefined);
    assert.equal(
      after.keys.some((k) => k.userName === ROOT_USER_NAME),
      false,
    );
    await assert.rejects(readFile(join(dir, 'root-credentials')), { code: 'ENOENT' });
  });
});
