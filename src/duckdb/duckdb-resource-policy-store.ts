import type { ResourcePolicyStore, StoredResourcePolicy } from '../query/resource-policies.ts';
import type { DuckDbDatabase } from './database.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cloudtrail_resource_policies (
  resource_arn VARCHAR PRIMARY KEY,
  policy VARCHAR NOT NULL,
  updated_ms BIGINT NOT NULL
);
`;

/** CloudTrail resource-based policies, one row per channel, event data store or dashboard ARN. */
export class DuckDbResourcePolicyStore implements ResourcePolicyStore {
  private constructor(private readonly db: DuckDbDatabase) {}

  static async open(db: DuckDbDatabase): Promise<DuckDbResourcePolicyStore> {
    await db.withConnection((c) => c.run(SCHEMA));
    return new DuckDbResourcePolicyStore(db);
  }

  async loadAll(): Promise<StoredResourcePolicy[]> {
    return this.db.withConnection(async (c) => {
      const rows = await c.runAndReadAll(
        'SELECT resource_arn, policy, updated_ms FROM cloudtrail_resource_policies ORDER BY resource_arn',
      );
      return rows.getRowObjectsJS().map((r) => ({
        resourceArn: r.resource_arn as string,
        policy: r.policy as string,
        updatedMs: Number(r.updated_ms as bigint),
      }));
    });
  }

  async put(policy: StoredResourcePolicy): Promise<void> {
    await this.db.withConnection((c) =>
      c.run('INSERT OR REPLACE INTO cloudtrail_resource_policies VALUES ($1, $2, $3)', [
        policy.resourceArn,
        policy.policy,
        BigInt(policy.updatedMs),
      ]),
    );
  }

  async delete(resourceArn: string): Promise<void> {
    await this.db.withConnection((c) =>
      c.run('DELETE FROM cloudtrail_resource_policies WHERE resource_arn = $1', [resourceArn]),
    );
  }
}
