import type { KeyLastUse, KeyLastUseStore } from '../iam/index.ts';
import type { DuckDbDatabase } from './database.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS access_key_last_used (
  access_key_id VARCHAR PRIMARY KEY,
  used_at BIGINT NOT NULL,
  service VARCHAR NOT NULL,
  region VARCHAR NOT NULL
);
`;

/** Access keys' last uses (IAM GetAccessKeyLastUsed), one row per key, written in batches. */
export class DuckDbKeyLastUseStore implements KeyLastUseStore {
  private constructor(private readonly db: DuckDbDatabase) {}

  static async open(db: DuckDbDatabase): Promise<DuckDbKeyLastUseStore> {
    await db.withConnection((c) => c.run(SCHEMA));
    return new DuckDbKeyLastUseStore(db);
  }

  async loadKeyLastUses(): Promise<Map<string, KeyLastUse>> {
    return this.db.withConnection(async (c) => {
      const rows = await c.runAndReadAll(
        'SELECT access_key_id, used_at, service, region FROM access_key_last_used',
      );
      const uses = new Map<string, KeyLastUse>();
      for (const r of rows.getRowObjectsJS()) {
        uses.set(r.access_key_id as string, {
          timeMs: Number(r.used_at),
          service: r.service as string,
          region: r.region as string,
        });
      }
      return uses;
    });
  }

  async saveKeyLastUses(changes: ReadonlyMap<string, KeyLastUse | null>): Promise<void> {
    if (changes.size === 0) return;
    const upserts: (string | bigint)[] = [];
    const deletes: string[] = [];
    for (const [id, use] of changes) {
      if (use === null) deletes.push(id);
      else upserts.push(id, BigInt(use.timeMs), use.service, use.region);
    }
    await this.db.withConnection(async (c) => {
      await c.run('BEGIN TRANSACTION');
      try {
        if (upserts.length > 0) {
          const rows = Array.from({ length: upserts.length / 4 }, (_, i) => {
            const n = i * 4;
            return `($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4})`;
          });
          await c.run(
            `INSERT INTO access_key_last_used VALUES ${rows.join(', ')}
             ON CONFLICT (access_key_id) DO UPDATE SET
               used_at = excluded.used_at, service = excluded.service, region = excluded.region`,
            upserts,
          );
        }
        if (deletes.length > 0) {
          const list = deletes.map((_, i) => `$${i + 1}`).join(', ');
          await c.run(`DELETE FROM access_key_last_used WHERE access_key_id IN (${list})`, deletes);
        }
        await c.run('COMMIT');
      } catch (error) {
        await c.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }
}
