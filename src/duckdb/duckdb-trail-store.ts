import type { Trail, TrailStore } from '../trails/index.ts';
import type { DuckDbDatabase } from './database.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS trails (
  arn VARCHAR PRIMARY KEY,
  body VARCHAR NOT NULL
);
`;

/** Trails as JSON documents keyed by ARN: the registry reads them once and writes each change. */
export class DuckDbTrailStore implements TrailStore {
  private constructor(private readonly db: DuckDbDatabase) {}

  static async open(db: DuckDbDatabase): Promise<DuckDbTrailStore> {
    await db.withConnection((c) => c.run(SCHEMA));
    return new DuckDbTrailStore(db);
  }

  async loadAll(): Promise<Trail[]> {
    return this.db.withConnection(async (c) => {
      const rows = await c.runAndReadAll('SELECT body FROM trails ORDER BY arn');
      return (rows.getColumnsJS()[0] ?? []).map((body) => JSON.parse(body as string) as Trail);
    });
  }

  async save(trail: Trail): Promise<void> {
    await this.db.withConnection((c) =>
      c.run('INSERT OR REPLACE INTO trails VALUES ($1, $2)', [trail.arn, JSON.stringify(trail)]),
    );
  }

  async delete(arn: string): Promise<void> {
    await this.db.withConnection((c) => c.run('DELETE FROM trails WHERE arn = $1', [arn]));
  }
}
