import type { OrganizationScps, ScpStore } from '../iam/index.ts';
import type { DuckDbDatabase } from './database.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS organization_scps (
  organization_id VARCHAR PRIMARY KEY,
  state VARCHAR NOT NULL
);
`;

/** Service control policies and their attachments: one JSON row per organization. */
export class DuckDbScpStore implements ScpStore {
  private constructor(private readonly db: DuckDbDatabase) {}

  static async open(db: DuckDbDatabase): Promise<DuckDbScpStore> {
    await db.withConnection((c) => c.run(SCHEMA));
    return new DuckDbScpStore(db);
  }

  async loadAll(): Promise<OrganizationScps[]> {
    return this.db.withConnection(async (c) => {
      const rows = await c.runAndReadAll('SELECT state FROM organization_scps ORDER BY organization_id');
      return rows.getRowObjectsJS().map((r) => JSON.parse(r.state as string) as OrganizationScps);
    });
  }

  async put(state: OrganizationScps): Promise<void> {
    await this.db.withConnection((c) =>
      c.run('INSERT OR REPLACE INTO organization_scps VALUES ($1, $2)', [
        state.organizationId,
        JSON.stringify(state),
      ]),
    );
  }
}
