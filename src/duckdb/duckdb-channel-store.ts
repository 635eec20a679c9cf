import type { Channel } from '../query/channel.ts';
import type { ChannelStore } from '../query/channel-store.ts';
import type { DuckDbDatabase } from './database.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS lake_channels (
  arn VARCHAR PRIMARY KEY,
  body VARCHAR NOT NULL
);
`;

/** Channels as JSON documents keyed by ARN: the registry reads them once and writes each change. */
export class DuckDbChannelStore implements ChannelStore {
  private constructor(private readonly db: DuckDbDatabase) {}

  static async open(db: DuckDbDatabase): Promise<DuckDbChannelStore> {
    await db.withConnection((c) => c.run(SCHEMA));
    return new DuckDbChannelStore(db);
  }

  async loadAll(): Promise<Channel[]> {
    return this.db.withConnection(async (c) => {
      const rows = await c.runAndReadAll('SELECT body FROM lake_channels ORDER BY arn');
      return (rows.getColumnsJS()[0] ?? []).map((body) => JSON.parse(body as string) as Channel);
    });
  }

  async save(channel: Channel): Promise<void> {
    await this.db.withConnection((c) =>
      c.run('INSERT OR REPLACE INTO lake_channels VALUES ($1, $2)', [channel.arn, JSON.stringify(channel)]),
    );
  }

  async delete(arn: string): Promise<void> {
    await this.db.withConnection((c) => c.run('DELETE FROM lake_channels WHERE arn = $1', [arn]));
  }
}
