import type { DuckDBConnection } from '@duckdb/node-api';
import type { KeyProvider } from '../kms/index.ts';
import {
  ROOT_USER_NAME,
  type AccessKeyRecord,
  type IamAccessKey,
  type IamGroup,
  type IamRole,
  type IamSnapshot,
  type IamUser,
  type IamWrite,
  type IdentityStore,
  type ManagedPolicy,
} from '../iam/index.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS accounts (
  account_id VARCHAR PRIMARY KEY,
  created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS iam_users (
  account_id VARCHAR NOT NULL,
  user_name VARCHAR NOT NULL,
  user_id VARCHAR NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (account_id, user_name)
);
CREATE TABLE IF NOT EXISTS access_keys (
  access_key_id VARCHAR PRIMARY KEY,
  account_id VARCHAR NOT NULL,
  user_name VARCHAR NOT NULL,
  secret_sealed VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  created_at BIGINT NOT NULL
);
ALTER TABLE iam_users ADD COLUMN IF NOT EXISTS doc VARCHAR;
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS root_key_issued_at BIGINT;
CREATE TABLE IF NOT EXISTS iam_entities (
  account_id VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  doc VARCHAR NOT NULL,
  PRIMARY KEY (account_id, kind, name)
);
`;

/** What a user row holds besides its key columns (absent for the bootstrap's admin: defaults). */
type UserDoc = Omit<IamUser, 'accountId' | 'userName' | 'userId' | 'createdMs'>;

/**
 * Accounts, IAM users and access keys, groups, roles and managed policies; secrets are sealed by
 * the key provider at rest. Users keep their own table (access keys join it); groups, roles and
 * policies are JSON documents in iam_entities, one row each. The root user's keys are access keys
 * under ROOT_USER_NAME, which no IAM user can be named; `accounts.root_key_issued_at` says when
 * the bootstrap gave the account its root key (NULL in a data directory from before there was one).
 * Every change to the schema is additive (IF NOT EXISTS), so an older data directory opens as is.
 */
export class DuckDbIdentityStore implements IdentityStore {
  private constructor(
    private readonly connection: DuckDBConnection,
    private readonly keys: KeyProvider,
  ) {}

  static async open(connection: DuckDBConnection, keys: KeyProvider): Promise<DuckDbIdentityStore> {
    await connection.run(SCHEMA);
    return new DuckDbIdentityStore(connection, keys);
  }

  async listAccounts(): Promise<string[]> {
    const rows = await this.connection.runAndReadAll('SELECT account_id FROM accounts ORDER BY created_at');
    return (rows.getColumnsJS()[0] ?? []) as string[];
  }

  async createAccount(accountId: string, nowMs: number): Promise<void> {
    await this.connection.run('INSERT INTO accounts (account_id, created_at) VALUES ($1, $2)', [
      accountId,
      BigInt(nowMs),
    ]);
  }

  async accountCreatedMs(accountId: string): Promise<number | undefined> {
    const rows = await this.connection.runAndReadAll(
      'SELECT created_at FROM accounts WHERE account_id = $1',
      [accountId],
    );
    const created = rows.getColumnsJS()[0]?.[0] as bigint | undefined;
    return created === undefined ? undefined : Number(created);
  }

  async createUserWithKey(key: AccessKeyRecord, nowMs: number): Promise<void> {
    const now = BigInt(nowMs);
    await this.connection.run('BEGIN TRANSACTION');
    try {
      await this.connection.run(
        `INSERT INTO iam_users (account_id, user_name, user_id, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
        [key.accountId, key.userName, key.userId, now],
      );
      await this.connection.run('INSERT INTO access_keys VALUES ($1, $2, $3, $4, $5, $6)', [
        key.accessKeyId,
        key.accountId,
        key.userName,
        this.keys.seal(key.secretAccessKey, `access-key:${key.accessKeyId}`),
        key.status,
        now,
      ]);
      await this.connection.run('COMMIT');
    } catch (error) {
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async issueRootKey(key: AccessKeyRecord, nowMs: number): Promise<void> {
    await this.connection.run('BEGIN TRANSACTION');
    try {
      await this.connection.run('INSERT INTO access_keys VALUES ($1, $2, $3, $4, $5, $6)', [
        key.accessKeyId,
        key.accountId,
        ROOT_USER_NAME,
        this.keys.seal(key.secretAccessKey, `access-key:${key.accessKeyId}`),
        key.status,
        BigInt(nowMs),
      ]);
      await this.connection.run('UPDATE accounts SET root_key_issued_at = $2 WHERE account_id = $1', [
        key.accountId,
        BigInt(nowMs),
      ]);
      await this.connection.run('COMMIT');
    } catch (error) {
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async rootKeyIssuedMs(accountId: string): Promise<number | undefined> {
    const rows = await this.connection.runAndReadAll(
      'SELECT root_key_issued_at FROM accounts WHERE account_id = $1',
      [accountId],
    );
    const issued = rows.getColumnsJS()[0]?.[0] as bigint | null | undefined;
    return issued === undefined || issued === null ? undefined : Number(issued);
  }

  async listAccessKeys(): Promise<AccessKeyRecord[]> {
    // The root user's keys have no IAM user row: their principal ID is the account ID.
    const rows = await this.connection.runAndReadAll(
      `SELECT k.access_key_id, k.account_id, k.user_name,
              CASE WHEN k.user_name = $1 THEN k.account_id ELSE u.user_id END AS user_id,
              k.secret_sealed, k.status, u.doc
       FROM access_keys k LEFT JOIN iam_users u USING (account_id, user_name)
       WHERE u.user_id IS NOT NULL OR k.user_name = $1
       ORDER BY k.created_at`,
      [ROOT_USER_NAME],
    );
    return rows.getRowObjectsJS().map((r) => {
      // The user's path, which its calls' ARN carries (the bootstrap's admin has no doc: `/`).
      const path = typeof r.doc === 'string' ? (JSON.parse(r.doc) as Partial<UserDoc>).path : undefined;
      return {
        accessKeyId: r.access_key_id as string,
        accountId: r.account_id as string,
        userName: r.user_name as string,
        userId: r.user_id as string,
        secretAccessKey: this.keys.open(r.secret_sealed as string, `access-key:${r.access_key_id as string}`),
        status: r.status === 'Inactive' ? 'Inactive' : 'Active',
        ...(path !== undefined ? { path } : {}),
      };
    });
  }

  async loadIam(): Promise<IamSnapshot> {
    const users = await this.connection.runAndReadAll(
      'SELECT account_id, user_name, user_id, created_at, doc FROM iam_users ORDER BY created_at',
    );
    const entities = await this.connection.runAndReadAll('SELECT kind, doc FROM iam_entities');
    const keys = await this.connection.runAndReadAll(
      'SELECT access_key_id, account_id, user_name, status, created_at FROM access_keys ORDER BY created_at',
    );
    const snapshot: IamSnapshot = { users: [], groups: [], roles: [], policies: [], accessKeys: [] };
    for (const r of users.getRowObjectsJS()) {
      const doc = r.doc === null ? undefined : (JSON.parse(r.doc as string) as UserDoc);
      snapshot.users.push({
        path: '/',
        tags: [],
        inlinePolicies: [],
        attachedPolicies: [],
        groups: [],
        ...doc,
        accountId: r.account_id as string,
        userName: r.user_name as string,
        userId: r.user_id as string,
        createdMs: Number(r.created_at),
      });
    }
    for (const r of entities.getRowObjectsJS()) {
      const doc = JSON.parse(r.doc as string) as unknown;
      if (r.kind === 'group') snapshot.groups.push(doc as IamGroup);
      else if (r.kind === 'role') snapshot.roles.push(doc as IamRole);
      else if (r.kind === 'policy') snapshot.policies.push(doc as ManagedPolicy);
    }
    for (const r of keys.getRowObjectsJS()) {
      snapshot.accessKeys.push({
        accessKeyId: r.access_key_id as string,
        accountId: r.account_id as string,
        userName: r.user_name as string,
        status: r.status === 'Inactive' ? 'Inactive' : 'Active',
        createdMs: Number(r.created_at),
      } satisfies IamAccessKey);
    }
    return snapshot;
  }

  async writeIam(writes: readonly IamWrite[]): Promise<void> {
    await this.connection.run('BEGIN TRANSACTION');
    try {
      for (const w of writes) await this.writeOne(w);
      await this.connection.run('COMMIT');
    } catch (error) {
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  private async writeOne(w: IamWrite): Promise<void> {
    switch (w.kind) {
      case 'user': {
        if (w.user === null) {
          await this.connection.run('DELETE FROM iam_users WHERE account_id = $1 AND user_name = $2', [
            w.accountId,
            w.name,
          ]);
          return;
        }
        const { accountId, userName, userId, createdMs, ...doc } = w.user;
        await this.connection.run(
          `INSERT INTO iam_users (account_id, user_name, user_id, created_at, doc) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (account_id, user_name) DO UPDATE SET doc = excluded.doc`,
          [accountId, userName, userId, BigInt(createdMs), JSON.stringify(doc satisfies UserDoc)],
        );
        return;
      }
      case 'group':
      case 'role':
      case 'policy': {
        const doc = w.kind === 'group' ? w.group : w.kind === 'role' ? w.role : w.policy;
        if (doc === null) {
          await this.connection.run(
            'DELETE FROM iam_entities WHERE account_id = $1 AND kind = $2 AND name = $3',
            [w.accountId, w.kind, w.name],
          );
          return;
        }
        await this.connection.run(
          `INSERT INTO iam_entities VALUES ($1, $2, $3, $4)
           ON CONFLICT (account_id, kind, name) DO UPDATE SET doc = excluded.doc`,
          [w.accountId, w.kind, w.name, JSON.stringify(doc)],
        );
        return;
      }
      case 'accessKey': {
        if (w.key === null) {
          await this.connection.run('DELETE FROM access_keys WHERE access_key_id = $1', [w.accessKeyId]);
          return;
        }
        const k = w.key;
        await this.connection.run('INSERT INTO access_keys VALUES ($1, $2, $3, $4, $5, $6)', [
          k.accessKeyId,
          k.accountId,
          k.userName,
          this.keys.seal(k.secretAccessKey, `access-key:${k.accessKeyId}`),
          k.status,
          BigInt(k.createdMs),
        ]);
        return;
      }
      case 'accessKeyUpdate':
        await this.connection.run(
          'UPDATE access_keys SET status = $2, user_name = $3 WHERE access_key_id = $1',
          [w.accessKeyId, w.status, w.userName],
        );
        return;
    }
  }
}
