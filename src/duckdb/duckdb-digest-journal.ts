import type {
  DigestChain,
  DigestJournal,
  DigestState,
  JournalEntry,
  JournalFile,
} from '../delivery/index.ts';
import type { DuckDbDatabase } from './database.ts';

const SCHEMA = `
CREATE SEQUENCE IF NOT EXISTS digest_journal_ids START 1;
CREATE TABLE IF NOT EXISTS digest_journal (
  id BIGINT NOT NULL DEFAULT nextval('digest_journal_ids'),
  trail_arn VARCHAR NOT NULL,
  account_id VARCHAR NOT NULL,
  region VARCHAR NOT NULL,
  bucket VARCHAR NOT NULL,
  key VARCHAR NOT NULL,
  sha256 VARCHAR NOT NULL,
  oldest_event BIGINT NOT NULL,
  newest_event BIGINT NOT NULL,
  delivered_at BIGINT NOT NULL,
  PRIMARY KEY (trail_arn, key)
);
CREATE TABLE IF NOT EXISTS digest_state (
  trail_arn VARCHAR PRIMARY KEY,
  digested_through BIGINT NOT NULL,
  last_end BIGINT,
  planned_end BIGINT,
  planned_through BIGINT
);
CREATE TABLE IF NOT EXISTS digest_chains (
  trail_arn VARCHAR NOT NULL,
  account_id VARCHAR NOT NULL,
  region VARCHAR NOT NULL,
  start_time BIGINT NOT NULL,
  previous VARCHAR,
  PRIMARY KEY (trail_arn, account_id, region)
);
`;

type Row = Record<string, unknown>;

function num(v: unknown): number {
  return Number(v);
}

export class DuckDbDigestJournal implements DigestJournal {
  private constructor(private readonly db: DuckDbDatabase) {}

  static async open(db: DuckDbDatabase): Promise<DuckDbDigestJournal> {
    await db.withConnection((c) => c.run(SCHEMA));
    return new DuckDbDigestJournal(db);
  }

  async recordFiles(files: readonly JournalFile[]): Promise<void> {
    if (files.length === 0) return;
    await this.db.withConnection(async (c) => {
      await c.run('BEGIN TRANSACTION');
      try {
        for (const f of files) {
          // A replayed delivery rewrites the same key: keep the entry (and its id), refresh the hash.
          await c.run(
            `INSERT INTO digest_journal (trail_arn, account_id, region, bucket, key, sha256, oldest_event, newest_event, delivered_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (trail_arn, key) DO UPDATE SET sha256 = excluded.sha256,
               oldest_event = excluded.oldest_event, newest_event = excluded.newest_event`,
            [
              f.trailArn,
              f.accountId,
              f.region,
              f.bucket,
              f.key,
              f.sha256,
              BigInt(f.oldestEventMs),
              BigInt(f.newestEventMs),
              BigInt(f.deliveredAtMs),
            ],
          );
        }
        await c.run('COMMIT');
      } catch (error) {
        await c.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  async filesThrough(trailArn: string, afterId: bigint, throughId: bigint): Promise<JournalEntry[]> {
    return this.db.withConnection(async (c) => {
      const rows = await c.runAndReadAll(
        `SELECT * FROM digest_journal WHERE trail_arn = $1 AND id > $2 AND id <= $3 ORDER BY id`,
        [trailArn, afterId, throughId],
      );
      return rows.getRowObjectsJS().map((r: Row) => ({
        id: BigInt(r.id as bigint),
        trailArn: r.trail_arn as string,
        accountId: r.account_id as string,
        region: r.region as string,
        bucket: r.bucket as string,
        key: r.key as string,
        sha256: r.sha256 as string,
        oldestEventMs: num(r.oldest_event),
        newestEventMs: num(r.newest_event),
        deliveredAtMs: num(r.delivered_at),
      }));
    });
  }

  async maxFileId(trailArn: string): Promise<bigint> {
    return this.db.withConnection(async (c) => {
      const rows = await c.runAndReadAll(
        'SELECT coalesce(max(id), 0) AS m FROM digest_journal WHERE trail_arn = $1',
        [trailArn],
      );
      return BigInt(rows.getRowObjectsJS()[0]?.m as bigint);
    });
  }

  async state(trailArn: string): Promise<DigestState | undefined> {
    return this.db.withConnection(async (c) => {
      const rows = await c.runAndReadAll('SELECT * FROM digest_state WHERE trail_arn = $1', [trailArn]);
      const r = rows.getRowObjectsJS()[0];
      if (!r) return undefined;
      return {
        trailArn,
        digestedThroughId: BigInt(r.digested_through as bigint),
        ...(r.last_end !== null ? { lastEndMs: num(r.last_end) } : {}),
        ...(r.planned_end !== null
          ? { planned: { endMs: num(r.planned_end), throughId: BigInt(r.planned_through as bigint) } }
          : {}),
      };
    });
  }

  async chains(trailArn: string): Promise<DigestChain[]> {
    return this.db.withConnection(async (c) => {
      const rows = await c.runAndReadAll(
        'SELECT * FROM digest_chains WHERE trail_arn = $1 ORDER BY account_id, region',
        [trailArn],
      );
      return rows.getRowObjectsJS().map((r: Row) => ({
        trailArn,
        accountId: r.account_id as string,
        region: r.region as string,
        startMs: num(r.start_time),
        ...(r.previous !== null
          ? { previous: JSON.parse(r.previous as string) as DigestChain['previous'] }
          : {}),
      }));
    });
  }

  async plan(trailArn: string, planned: { endMs: number; throughId: bigint }): Promise<void> {
    await this.db.withConnection((c) =>
      c.run(
        `INSERT INTO digest_state VALUES ($1, 0, NULL, $2, $3)
         ON CONFLICT (trail_arn) DO UPDATE SET planned_end = excluded.planned_end, planned_through = excluded.planned_through`,
        [trailArn, BigInt(planned.endMs), planned.throughId],
      ),
    );
  }

  async commitRound(state: DigestState, chains: readonly DigestChain[]): Promise<void> {
    await this.db.withConnection(async (c) => {
      await c.run('BEGIN TRANSACTION');
      try {
        await c.run(
          `INSERT INTO digest_state VALUES ($1, $2, $3, NULL, NULL)
           ON CONFLICT (trail_arn) DO UPDATE SET digested_through = excluded.digested_through,
             last_end = excluded.last_end, planned_end = NULL, planned_through = NULL`,
          [
            state.trailArn,
            state.digestedThroughId,
            state.lastEndMs === undefined ? null : BigInt(state.lastEndMs),
          ],
        );
        for (const chain of chains) {
          await c.run(`INSERT OR REPLACE INTO digest_chains VALUES ($1, $2, $3, $4, $5)`, [
            chain.trailArn,
            chain.accountId,
            chain.region,
            BigInt(chain.startMs),
            chain.previous ? JSON.stringify(chain.previous) : null,
          ]);
        }
        await c.run('DELETE FROM digest_journal WHERE trail_arn = $1 AND id <= $2', [
          state.trailArn,
          state.digestedThroughId,
        ]);
        await c.run('COMMIT');
      } catch (error) {
        await c.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  async endChains(trailArn: string): Promise<void> {
    await this.db.withConnection(async (c) => {
      await c.run('DELETE FROM digest_chains WHERE trail_arn = $1', [trailArn]);
      await c.run('UPDATE digest_state SET last_end = NULL WHERE trail_arn = $1', [trailArn]);
    });
  }

  async deleteTrail(trailArn: string): Promise<void> {
    await this.db.withConnection(async (c) => {
      await c.run('DELETE FROM digest_chains WHERE trail_arn = $1', [trailArn]);
      await c.run('DELETE FROM digest_state WHERE trail_arn = $1', [trailArn]);
      await c.run('DELETE FROM digest_journal WHERE trail_arn = $1', [trailArn]);
    });
  }
}
