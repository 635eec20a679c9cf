import type { DuckDBConnection } from '@duckdb/node-api';
import type { KeyProvider } from '../kms/index.ts';
import type { AccessKeyRecord, IdentityStore } from '../iam/index.ts';

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
`;

/** Accounts, IAM users and access keys; secrets are sealed by the key provider at rest. */
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
    await this.connection.run('INSERT INTO accounts VALUES ($1, $2)', [accountId, BigInt(nowMs)]);
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
      await this.connection.run('INSERT INTO iam_users VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
        key.accountId,
        key.userName,
        key.userId,
        now,
      ]);
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

  async listAccessKeys(): Promise<AccessKeyRecord[]> {
    const rows = await this.connection.runAndReadAll(
      `SELECT k.access_key_id, k.account_id, k.user_name, u.user_id, k.secret_sealed, k.status
       FROM access_keys k JOIN iam_users u USING (account_id, user_name) ORDER BY k.created_at`,
    );
    return rows.getRowObjectsJS().map((r) => ({
      accessKeyId: r.access_key_id as string,
      accountId: r.account_id as string,
      userName: r.user_name as string,
      userId: r.user_id as string,
      secretAccessKey: this.keys.open(r.secret_sealed as string, `access-key:${r.access_key_id as string}`),
      status: r.status === 'Inactive' ? 'Inactive' : 'Active',
    }));
  }
}
