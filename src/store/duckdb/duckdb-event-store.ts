import {
  BIGINT,
  BOOLEAN,
  DuckDBDataChunk,
  DuckDBListType,
  UBIGINT,
  VARCHAR,
  listValue,
  type DuckDBConnection,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { AppendOutcome, EventStore, LookupQuery, NewEvent, StoredEvent } from '../event-store.ts';
import type { EventCategory } from '../../events/index.ts';
import { EventIdSet, bigIntToHash, eventIdHash, hashToBigInt } from '../event-id-set.ts';
import type { DuckDbDatabase } from './database.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq UBIGINT NOT NULL,
  event_id VARCHAR NOT NULL,
  id_hash BIGINT NOT NULL,
  account_id VARCHAR NOT NULL,
  region VARCHAR NOT NULL,
  event_time BIGINT NOT NULL,
  event_name VARCHAR NOT NULL,
  event_source VARCHAR NOT NULL,
  username VARCHAR,
  access_key_id VARCHAR,
  read_only BOOLEAN,
  category VARCHAR NOT NULL,
  resource_types VARCHAR[] NOT NULL,
  resource_names VARCHAR[] NOT NULL,
  recorded_at BIGINT NOT NULL,
  raw VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  key VARCHAR PRIMARY KEY,
  value VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS cursors (
  consumer VARCHAR PRIMARY KEY,
  seq UBIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
`;

const COLUMN_TYPES = [
  UBIGINT,
  VARCHAR,
  BIGINT,
  VARCHAR,
  VARCHAR,
  BIGINT,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  BOOLEAN,
  VARCHAR,
  new DuckDBListType(VARCHAR),
  new DuckDBListType(VARCHAR),
  BIGINT,
  VARCHAR,
];

const COLUMNS =
  'seq, event_id, id_hash, account_id, region, event_time, event_name, event_source, username, access_key_id, read_only, category, resource_types, resource_names, recorded_at, raw';

const EMPTY_LIST = listValue([]);

/** DuckDB's vector size: the most rows one data chunk holds. */
const CHUNK_ROWS = 2048;

const ATTRIBUTE_FILTERS: Record<NonNullable<LookupQuery['attribute']>['key'], string> = {
  EventId: 'event_id = $value',
  EventName: 'event_name = $value',
  ReadOnly: "read_only = ($value = 'true') AND $value IN ('true', 'false')",
  Username: 'username = $value',
  ResourceType: 'list_contains(resource_types, $value)',
  ResourceName: 'list_contains(resource_names, $value)',
  EventSource: 'event_source = $value',
  AccessKeyId: 'access_key_id = $value',
};

type Row = Record<string, unknown>;

function toStored(row: Row): StoredEvent {
  return {
    seq: BigInt(row.seq as bigint),
    eventId: row.event_id as string,
    accountId: row.account_id as string,
    region: row.region as string,
    eventTimeMs: Number(row.event_time),
    eventName: row.event_name as string,
    eventSource: row.event_source as string,
    username: (row.username as string | null) ?? null,
    accessKeyId: (row.access_key_id as string | null) ?? null,
    readOnly: (row.read_only as boolean | null) ?? null,
    category: row.category as EventCategory,
    resourceTypes: (row.resource_types as string[] | null) ?? [],
    resourceNames: (row.resource_names as string[] | null) ?? [],
    recordedAtMs: Number(row.recorded_at),
    raw: row.raw as string,
  };
}

/** Bumped whenever the tables change shape; a data directory of another version is refused. */
export const SCHEMA_VERSION = '1';

async function checkSchemaVersion(c: DuckDBConnection): Promise<void> {
  await c.run(`INSERT INTO meta VALUES ('schema_version', $1) ON CONFLICT DO NOTHING`, [SCHEMA_VERSION]);
  const rows = await c.runAndReadAll(`SELECT value FROM meta WHERE key = 'schema_version'`);
  const found = rows.getRowsJS()[0]?.[0] as string | undefined;
  if (found !== SCHEMA_VERSION) {
    throw new Error(
      `the data directory holds OpenTrail schema version ${found ?? "(none)"}; this OpenTrail needs ${SCHEMA_VERSION}`,
    );
  }
}

export class DuckDbEventStore implements EventStore {
  private seq = 0n;
  /** Hashes of every (account, eventID) in the log: appends deduplicate without a scan. */
  private readonly ids = new EventIdSet();
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: DuckDbDatabase,
    private readonly writer: DuckDBConnection,
    private readonly purger: DuckDBConnection,
    private readonly now: () => number,
  ) {}

  static async open(db: DuckDbDatabase, options: { now?: () => number } = {}): Promise<DuckDbEventStore> {
    const writer = await db.connect();
    await writer.run(SCHEMA);
    await checkSchemaVersion(writer);
    const purger = await db.connect();
    const store = new DuckDbEventStore(db, writer, purger, options.now ?? Date.now);
    const result = await writer.runAndReadAll('SELECT coalesce(max(seq), 0) AS s FROM events');
    store.seq = BigInt((result.getRowObjectsJS()[0] as Row).s as bigint);
    const hashes = await writer.stream('SELECT id_hash FROM events');
    for (
      let chunk = await hashes.fetchChunk();
      chunk && chunk.rowCount > 0;
      chunk = await hashes.fetchChunk()
    ) {
      for (const h of chunk.getColumnValues(0)) store.ids.add(bigIntToHash(h as bigint));
    }
    return store;
  }

  lastSeq(): bigint {
    return this.seq;
  }

  append(events: readonly NewEvent[]): Promise<AppendOutcome[]> {
    // One writer: appends run one after another, each in its own transaction.
    const run = this.writing.then(() => this.appendNow(events));
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async appendNow(events: readonly NewEvent[]): Promise<AppendOutcome[]> {
    if (events.length === 0) return [];
    const outcomes: AppendOutcome[] = new Array<AppendOutcome>(events.length);
    const hashes = events.map((e) => eventIdHash(e.accountId, e.eventId));
    const existing = await this.existingIds(hashes);
    const seen = new Set<string>();
    const fresh: number[] = [];
    events.forEach((e, i) => {
      const key = `${e.accountId}:${e.eventId}`;
      if (existing.has(key) || seen.has(key)) outcomes[i] = { status: 'duplicate' };
      else {
        seen.add(key);
        fresh.push(i);
      }
    });
    if (fresh.length === 0) return outcomes;

    const firstSeq = this.seq + 1n;
    const recordedAt = BigInt(this.now());
    await this.writer.run('BEGIN TRANSACTION');
    try {
      const appender = await this.writer.createAppender('events');
      for (let start = 0; start < fresh.length; start += CHUNK_ROWS) {
        const slice = fresh.slice(start, start + CHUNK_ROWS);
        const columns: DuckDBValue[][] = COLUMN_TYPES.map(() => new Array<DuckDBValue>(slice.length));
        slice.forEach((index, row) => {
          const e = events[index] as NewEvent;
          const values: DuckDBValue[] = [
            firstSeq + BigInt(start + row),
            e.eventId,
            hashToBigInt(hashes[index] as [number, number]),
            e.accountId,
            e.region,
            BigInt(e.eventTimeMs),
            e.eventName,
            e.eventSource,
            e.username,
            e.accessKeyId,
            e.readOnly,
            e.category,
            e.resourceTypes.length > 0 ? listValue(e.resourceTypes) : EMPTY_LIST,
            e.resourceNames.length > 0 ? listValue(e.resourceNames) : EMPTY_LIST,
            recordedAt,
            e.raw,
          ];
          values.forEach((v, c) => ((columns[c] as DuckDBValue[])[row] = v));
        });
        const chunk = DuckDBDataChunk.create(COLUMN_TYPES, slice.length);
        chunk.setColumns(columns);
        appender.appendDataChunk(chunk);
      }
      appender.closeSync();
      await this.writer.run('COMMIT');
    } catch (error) {
      await this.writer.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
    fresh.forEach((index, n) => {
      outcomes[index] = { status: 'recorded', seq: firstSeq + BigInt(n) };
      this.ids.add(hashes[index] as [number, number]);
    });
    this.seq = firstSeq + BigInt(fresh.length) - 1n;
    return outcomes;
  }

  /**
   * Which of these (account, eventID) pairs the log already holds, as `account:eventID`. Only
   * hashes the in-memory set knows are looked up in the log, so new events cost no query.
   */
  private async existingIds(hashes: [number, number][]): Promise<Set<string>> {
    const candidates = hashes.filter((h) => this.ids.has(h)).map(hashToBigInt);
    if (candidates.length === 0) return new Set();
    const result = await this.writer.runAndReadAll(
      'SELECT account_id, event_id FROM events WHERE id_hash IN (SELECT unnest($1::BIGINT[]))',
      [listValue(candidates)],
    );
    const found = new Set<string>();
    for (const row of result.getRowsJS()) found.add(`${row[0] as string}:${row[1] as string}`);
    return found;
  }

  async lookup(query: LookupQuery): Promise<StoredEvent[]> {
    const where = [
      'account_id = $account',
      'region = $region',
      'category = $category',
      'event_time BETWEEN $start AND $end',
      'seq <= $maxSeq',
    ];
    const params: Record<string, DuckDBValue> = {
      account: query.accountId,
      region: query.region,
      category: query.category,
      start: BigInt(query.startMs),
      end: BigInt(query.endMs),
      maxSeq: query.maxSeq,
      limit: query.limit,
    };
    if (query.after) {
      where.push('(event_time < $afterTime OR (event_time = $afterTime AND seq < $afterSeq))');
      params.afterTime = BigInt(query.after.eventTimeMs);
      params.afterSeq = query.after.seq;
    }
    if (query.attribute) {
      where.push(ATTRIBUTE_FILTERS[query.attribute.key]);
      params.value = query.attribute.value;
    }
    return this.db.withConnection(async (c) => {
      // Two steps: find the page's positions on narrow columns, then read the (wide) records.
      const positions = await c.runAndReadAll(
        `SELECT seq FROM events WHERE ${where.join(' AND ')} ORDER BY event_time DESC, seq DESC LIMIT $limit`,
        params,
      );
      const seqs = (positions.getColumnsJS()[0] ?? []) as bigint[];
      if (seqs.length === 0) return [];
      let lo = seqs[0] as bigint;
      let hi = lo;
      for (const s of seqs) {
        if (s < lo) lo = s;
        if (s > hi) hi = s;
      }
      const rows = await c.runAndReadAll(
        `SELECT ${COLUMNS} FROM events WHERE seq BETWEEN $lo AND $hi AND seq IN (SELECT unnest($seqs::UBIGINT[]))`,
        { lo, hi, seqs: listValue(seqs) },
      );
      const bySeq = new Map<bigint, StoredEvent>();
      for (const row of rows.getRowObjectsJS()) {
        const event = toStored(row);
        bySeq.set(event.seq, event);
      }
      return seqs.map((s) => bySeq.get(s)).filter((e): e is StoredEvent => e !== undefined);
    });
  }

  async readAfter(afterSeq: bigint, limit: number): Promise<StoredEvent[]> {
    return this.db.withConnection(async (c) => {
      const rows = await c.runAndReadAll(
        `SELECT ${COLUMNS} FROM events WHERE seq > $after ORDER BY seq LIMIT $limit`,
        { after: afterSeq, limit },
      );
      return rows.getRowObjectsJS().map(toStored);
    });
  }

  async getCursor(consumer: string): Promise<bigint | undefined> {
    return this.db.withConnection(async (c) => {
      const rows = await c.runAndReadAll('SELECT seq FROM cursors WHERE consumer = $1', [consumer]);
      const row = rows.getRowObjectsJS()[0];
      return row ? BigInt(row.seq as bigint) : undefined;
    });
  }

  async commitCursor(consumer: string, seq: bigint): Promise<void> {
    await this.db.withConnection((c) =>
      c.run(
        `INSERT INTO cursors VALUES ($1, $2, $3)
         ON CONFLICT (consumer) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at`,
        [consumer, seq, BigInt(this.now())],
      ),
    );
  }

  async purgeHistory(cutoffMs: number): Promise<number> {
    // Keep what any consumer has yet to read, and always the newest event (it anchors the
    // sequence counter across restarts).
    const result = await this.purger.run(
      `DELETE FROM events
       WHERE event_time < $cutoff
         AND seq <= coalesce((SELECT min(seq) FROM cursors), $last)
         AND seq < $last`,
      { cutoff: BigInt(cutoffMs), last: this.seq },
    );
    return Number(result.rowsChanged);
  }

  async close(): Promise<void> {
    await this.writing;
    this.writer.closeSync();
    this.purger.closeSync();
  }
}
