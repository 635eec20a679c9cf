import { listValue, type DuckDBConnection } from '@duckdb/node-api';
import pLimit from 'p-limit';
import { lakeConsumer, lakeTableOf, type EventDataStore } from '../query/event-data-store.ts';
import { createTableSql, rowsFromJsonSql } from '../query/lake-schema.ts';
import type {
  ImportFailure,
  ImportRecord,
  LakeStore,
  LogCopyFilter,
  QueryRecord,
  StoreSize,
} from '../query/lake-store.ts';
import type { DuckDbDatabase } from './database.ts';
import type { DuckDbEventStore } from './duckdb-event-store.ts';

const SCHEMA = `
CREATE SCHEMA IF NOT EXISTS lake;
CREATE TABLE IF NOT EXISTS lake_event_data_stores (
  arn VARCHAR PRIMARY KEY,
  body VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS lake_store_sizes (
  store_id VARCHAR PRIMARY KEY,
  events BIGINT NOT NULL,
  bytes BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS lake_queries (
  query_id VARCHAR PRIMARY KEY,
  created_ms BIGINT NOT NULL,
  body VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS lake_query_rows (
  query_id VARCHAR NOT NULL,
  chunk INTEGER NOT NULL,
  rows VARCHAR NOT NULL,
  PRIMARY KEY (query_id, chunk)
);
CREATE TABLE IF NOT EXISTS lake_imports (
  import_id VARCHAR PRIMARY KEY,
  created_ms BIGINT NOT NULL,
  body VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS lake_import_failures (
  import_id VARCHAR NOT NULL,
  n INTEGER NOT NULL,
  location VARCHAR NOT NULL,
  error_type VARCHAR NOT NULL,
  error_message VARCHAR NOT NULL,
  time_ms BIGINT NOT NULL,
  PRIMARY KEY (import_id, n)
);
CREATE TABLE IF NOT EXISTS lake_import_files (
  import_id VARCHAR NOT NULL,
  source VARCHAR NOT NULL,
  events BIGINT NOT NULL,
  PRIMARY KEY (import_id, source)
);
`;

/** Rows of query results kept per stored chunk. */
const RESULT_CHUNK_ROWS = 1000;

/** Records keep their original text in eventJson; the checksum column is left empty. */
const RECORD_OVERRIDES = { eventJson: 'json', eventJsonChecksum: 'NULL' };

/**
 * Event data stores in the embedded database: one table per store in schema `lake`, filled by
 * converting record JSON inside DuckDB (`rowsFromJsonSql`). All writes go through one connection,
 * one transaction at a time.
 */
export class DuckDbLakeStore implements LakeStore {
  /** The writer's transactions, one at a time. */
  private readonly writes = pLimit(1);

  private constructor(
    private readonly db: DuckDbDatabase,
    private readonly writer: DuckDBConnection,
    private readonly log: DuckDbEventStore,
  ) {}

  /** `log` is the event log of the same database, which live ingestion and history imports copy from. */
  static async open(db: DuckDbDatabase, log: DuckDbEventStore): Promise<DuckDbLakeStore> {
    const writer = await db.connect();
    await writer.run(SCHEMA);
    await writer.run('CREATE TEMP TABLE IF NOT EXISTS lake_staging (json VARCHAR NOT NULL)');
    const store = new DuckDbLakeStore(db, writer, log);
    await store.moveFailuresOutOfRecords();
    return store;
  }

  /** Records saved before failures had their own table kept them in their body: move them. */
  private async moveFailuresOutOfRecords(): Promise<void> {
    const rows = await this.writer.runAndReadAll(
      "SELECT body FROM lake_imports WHERE json_exists(body, '$.failures')",
    );
    for (const body of rows.getColumnsJS()[0] ?? []) {
      const { failures, ...record } = JSON.parse(body as string) as ImportRecord & {
        failures: ImportFailure[];
      };
      await this.write(async (c) => {
        await this.putImport(c, record);
        for (const [index, entry] of failures.entries()) await putFailure(c, record.id, index, entry);
      });
    }
  }

  private async putImport(c: DuckDBConnection, record: ImportRecord): Promise<void> {
    await c.run('INSERT OR REPLACE INTO lake_imports VALUES ($1, $2, $3)', [
      record.id,
      BigInt(record.createdMs),
      JSON.stringify(record),
    ]);
  }

  /** Runs `fn` on the writer after every earlier write, inside one transaction. */
  private write<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.writes(async () => {
      await this.writer.run('BEGIN TRANSACTION');
      try {
        const result = await fn(this.writer);
        await this.writer.run('COMMIT');
        return result;
      } catch (error) {
        await this.writer.run('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        await this.writer.run('DELETE FROM lake_staging').catch(() => undefined);
      }
    });
  }

  async loadStores(): Promise<EventDataStore[]> {
    return this.db.withConnection(async (c) => {
      const rows = await c.runAndReadAll('SELECT body FROM lake_event_data_stores ORDER BY arn');
      return (rows.getColumnsJS()[0] ?? []).map((body) => JSON.parse(body as string) as EventDataStore);
    });
  }

  saveStore(store: EventDataStore): Promise<void> {
    return this.write(async (c) => {
      await c.run(createTableSql(lakeTableOf(store.id), store.kind));
      await c.run('INSERT OR REPLACE INTO lake_event_data_stores VALUES ($1, $2)', [
        store.arn,
        JSON.stringify(store),
      ]);
      await c.run('INSERT INTO lake_store_sizes VALUES ($1, 0, 0) ON CONFLICT DO NOTHING', [store.id]);
    });
  }

  dropStore(store: EventDataStore): Promise<void> {
    return this.write(async (c) => {
      await c.run(`DROP TABLE IF EXISTS ${lakeTableOf(store.id)}`);
      await c.run('DELETE FROM lake_event_data_stores WHERE arn = $1', [store.arn]);
      await c.run('DELETE FROM lake_store_sizes WHERE store_id = $1', [store.id]);
      await this.log.deleteCursorOn(c, lakeConsumer(store));
    });
  }

  /**
   * Inserts the rows `select` yields into the store and adds them and `bytes` (their JSON size, as
   * the caller knows it) to the store's counters; returns how many rows. (DuckDB has no DML in
   * CTEs, so sizes come from the caller.)
   */
  private async insertRows(
    c: DuckDBConnection,
    store: EventDataStore,
    select: string,
    bytes: (events: number) => Promise<number> | number,
  ): Promise<number> {
    const result = await c.run(`INSERT INTO ${lakeTableOf(store.id)} ${select}`);
    const events = Number(result.rowsChanged);
    await this.addSize(c, store, BigInt(events), BigInt(Math.round(await bytes(events))));
    return events;
  }

  private async addSize(
    c: DuckDBConnection,
    store: EventDataStore,
    events: bigint,
    bytes: bigint,
  ): Promise<void> {
    await c.run(
      `INSERT INTO lake_store_sizes VALUES ($1, $2, $3)
       ON CONFLICT (store_id) DO UPDATE SET events = events + excluded.events, bytes = bytes + excluded.bytes`,
      [store.id, events, bytes],
    );
  }

  ingestFromLog(store: EventDataStore, consumer: string, filter: LogCopyFilter): Promise<number> {
    return this.write(async (c) => {
      const added = await this.insertFromLog(c, store, filter, { leaveOutHeld: false });
      await this.log.commitCursorOn(c, consumer, filter.toSeq);
      return added;
    });
  }

  copyFromLog(
    store: EventDataStore,
    filter: LogCopyFilter,
    progress: (events: number) => ImportRecord,
  ): Promise<number> {
    return this.write(async (c) => {
      const added = await this.insertFromLog(c, store, filter, { leaveOutHeld: true });
      await this.putImport(c, progress(added));
      return added;
    });
  }

  /**
   * Adds the events of the log that `filter` takes to the store, leaving out (when asked) any whose
   * eventID the store already holds; returns how many. Runs inside the caller's transaction.
   */
  private async insertFromLog(
    c: DuckDBConnection,
    store: EventDataStore,
    filter: LogCopyFilter,
    options: { leaveOutHeld: boolean },
  ): Promise<number> {
    if (!(await this.log.selectInto(c, 'lake_copy', filter))) return 0;
    const table = lakeTableOf(store.id);
    try {
      if (filter.selects) {
        const rows = await c.runAndReadAll('SELECT seq, raw FROM lake_copy');
        const [seqs = [], raws = []] = rows.getColumnsJS();
        const rejected = seqs.filter((_, i) => !filter.selects?.(raws[i] as string)) as bigint[];
        if (rejected.length > 0)
          await c.run(`DELETE FROM lake_copy WHERE list_contains(${listSql(rejected)}, seq)`);
      }
      const span = await c.runAndReadAll('SELECT min(event_time), max(event_time) FROM lake_copy');
      const [from, to] = (span.getRowsJS()[0] ?? [null, null]) as [bigint | null, bigint | null];
      if (from === null || to === null) return 0;
      if (options.leaveOutHeld) {
        // eventTime has whole seconds: a second either side of the batch's span covers them.
        await c.run(
          `DELETE FROM lake_copy WHERE event_id IN (SELECT eventID FROM ${table} WHERE eventTime BETWEEN ` +
            `make_timestamp(${from}::BIGINT * 1000 - 1000000) AND make_timestamp(${to}::BIGINT * 1000 + 1000000))`,
        );
      }
      const bytes = await c.runAndReadAll('SELECT coalesce(sum(strlen(raw)), 0)::BIGINT FROM lake_copy');
      return await this.insertRows(
        c,
        store,
        rowsFromJsonSql('cloudtrail', '(SELECT raw AS json FROM lake_copy ORDER BY seq)', RECORD_OVERRIDES),
        () => Number(bytes.getRowsJS()[0]?.[0] ?? 0n),
      );
    } finally {
      await c.run('DROP TABLE IF EXISTS lake_copy');
    }
  }

  appendLogFiles(
    store: EventDataStore,
    files: readonly { source: string; text: string }[],
    options: {
      scope: string;
      startMs?: number;
      endMs?: number;
      progress?: (events: number) => ImportRecord;
    },
  ): Promise<{ events: number; skipped: string[] }> {
    return this.write(async (c) => {
      const done = await c.runAndReadAll(
        'SELECT source FROM lake_import_files WHERE import_id = $1 AND source IN (SELECT unnest($2::VARCHAR[]))',
        [options.scope, listValue(files.map((f) => f.source))],
      );
      const skipped = new Set((done.getColumnsJS()[0] ?? []).map((v) => v as string));
      const fresh = files.filter((f) => !skipped.has(f.source));
      if (fresh.length === 0) {
        if (options.progress) await this.putImport(c, options.progress(0));
        return { events: 0, skipped: [...skipped] };
      }
      await stage(
        c,
        fresh.map((f) => f.text),
      );
      // DuckDB splits the Records array itself (each record as compact JSON text).
      const records =
        "(SELECT unnest(json_extract(json, '$.Records[*]'))::VARCHAR AS json FROM lake_staging)";
      const window = [
        options.startMs !== undefined
          ? `eventTime >= make_timestamp(${Math.trunc(options.startMs)}::BIGINT * 1000)`
          : '',
        options.endMs !== undefined
          ? `eventTime < make_timestamp(${Math.trunc(options.endMs)}::BIGINT * 1000)`
          : '',
      ].filter(Boolean);
      const rows = rowsFromJsonSql('cloudtrail', records, RECORD_OVERRIDES);
      const textBytes = fresh.reduce((n, f) => n + f.text.length, 0);
      const events = await this.insertRows(
        c,
        store,
        window.length > 0 ? `SELECT * FROM (${rows}) WHERE ${window.join(' AND ')}` : rows,
        async (added) => {
          if (window.length === 0) return textBytes;
          // A window kept only some records: count the files' records to share their bytes out.
          const total = await c.runAndReadAll(
            "SELECT coalesce(sum(json_array_length(json, '$.Records')), 0)::BIGINT FROM lake_staging",
          );
          const records = Number(total.getRowsJS()[0]?.[0] ?? 0n);
          return records === 0 ? 0 : (textBytes * added) / records;
        },
      );
      const marks = await c.createAppender('lake_import_files');
      for (const f of fresh) {
        marks.appendVarchar(options.scope);
        marks.appendVarchar(f.source);
        marks.appendBigInt(0n);
        marks.endRow();
      }
      marks.closeSync();
      if (options.progress) await this.putImport(c, options.progress(events));
      return { events, skipped: [...skipped] };
    });
  }

  appendActivity(store: EventDataStore, rows: readonly string[]): Promise<void> {
    return this.write(async (c) => {
      await stage(c, rows);
      await this.insertRows(c, store, rowsFromJsonSql('activity', 'lake_staging'), () =>
        rows.reduce((n, r) => n + Buffer.byteLength(r), 0),
      );
    });
  }

  async importedFiles(importId: string): Promise<Set<string>> {
    return this.db.withConnection(async (c) => {
      const rows = await c.runAndReadAll('SELECT source FROM lake_import_files WHERE import_id = $1', [
        importId,
      ]);
      return new Set((rows.getColumnsJS()[0] ?? []).map((s) => s as string));
    });
  }
  saveImport(record: ImportRecord, failure?: { index: number; entry: ImportFailure }): Promise<void> {
    return this.write(async (c) => {
      await this.putImport(c, record);
      if (failure) await putFailure(c, record.id, failure.index, failure.entry);
    });
  }

  async importFailures(importId: string, offset: number, limit: number): Promise<ImportFailure[]> {
    return this.db.withConnection(async (c) => {
      const rows = await c.runAndReadAll(
        `SELECT location, error_type, error_message, time_ms FROM lake_import_failures
         WHERE import_id = $1 ORDER BY n LIMIT $2 OFFSET $3`,
        [importId, limit, offset],
      );
      return rows.getRowsJS().map(([location, errorType, errorMessage, timeMs]) => ({
        location: location as string,
        errorType: errorType as string,
        errorMessage: errorMessage as string,
        timeMs: Number(timeMs),
      }));
    });
  }

  async loadImports(): Promise<ImportRecord[]> {
    return this.db.withConnection(async (c) => {
      const rows = await c.runAndReadAll('SELECT body FROM lake_imports ORDER BY created_ms');
      return (rows.getColumnsJS()[0] ?? []).map((body) => JSON.parse(body as string) as ImportRecord);
    });
  }

  purgeBefore(store: EventDataStore, cutoffMs: number): Promise<number> {
    return this.write(async (c) => {
      const table = lakeTableOf(store.id);
      const cutoff = `make_timestamp(${Math.trunc(cutoffMs)}::BIGINT * 1000)`;
      const size = store.kind === 'cloudtrail' ? 'strlen(eventJson)' : '0';
      const old = await c.runAndReadAll(
        `SELECT count(*)::BIGINT, coalesce(sum(${size}), 0)::BIGINT FROM ${table} WHERE eventTime < ${cutoff}`,
      );
      const [events, bytes] = (old.getRowsJS()[0] ?? [0n, 0n]) as [bigint, bigint];
      if (events === 0n) return 0;
      await c.run(`DELETE FROM ${table} WHERE eventTime < ${cutoff}`);
      await this.addSize(c, store, -events, -bytes);
      return Number(events);
    });
  }

  async size(store: EventDataStore): Promise<StoreSize> {
    return this.db.withConnection(async (c) => {
      const rows = await c.runAndReadAll('SELECT events, bytes FROM lake_store_sizes WHERE store_id = $1', [
        store.id,
      ]);
      const [events, bytes] = (rows.getRowsJS()[0] ?? [0n, 0n]) as [bigint, bigint];
      return { events: Number(events), bytes: Number(bytes) };
    });
  }

  saveQuery(query: QueryRecord): Promise<void> {
    return this.write(async (c) => {
      await c.run('INSERT OR REPLACE INTO lake_queries VALUES ($1, $2, $3)', [
        query.id,
        BigInt(query.createdMs),
        JSON.stringify(query),
      ]);
    });
  }

  async loadQueries(): Promise<QueryRecord[]> {
    return this.db.withConnection(async (c) => {
      const rows = await c.runAndReadAll('SELECT body FROM lake_queries ORDER BY created_ms');
      return (rows.getColumnsJS()[0] ?? []).map((body) => JSON.parse(body as string) as QueryRecord);
    });
  }

  saveQueryResults(query: QueryRecord, rows: readonly (readonly (string | null)[])[]): Promise<void> {
    return this.write(async (c) => {
      await c.run('DELETE FROM lake_query_rows WHERE query_id = $1', [query.id]);
      const appender = await c.createAppender('lake_query_rows');
      for (let i = 0; i * RESULT_CHUNK_ROWS < rows.length; i++) {
        appender.appendVarchar(query.id);
        appender.appendInteger(i);
        appender.appendVarchar(
          JSON.stringify(rows.slice(i * RESULT_CHUNK_ROWS, (i + 1) * RESULT_CHUNK_ROWS)),
        );
        appender.endRow();
      }
      appender.closeSync();
      await c.run('INSERT OR REPLACE INTO lake_queries VALUES ($1, $2, $3)', [
        query.id,
        BigInt(query.createdMs),
        JSON.stringify(query),
      ]);
    });
  }

  async readQueryResults(queryId: string, offset: number, limit: number): Promise<(string | null)[][]> {
    const first = Math.floor(offset / RESULT_CHUNK_ROWS);
    const last = Math.floor((offset + limit - 1) / RESULT_CHUNK_ROWS);
    return this.db.withConnection(async (c) => {
      const result = await c.runAndReadAll(
        'SELECT rows FROM lake_query_rows WHERE query_id = $1 AND chunk BETWEEN $2 AND $3 ORDER BY chunk',
        [queryId, first, last],
      );
      const rows = (result.getColumnsJS()[0] ?? []).flatMap(
        (text) => JSON.parse(text as string) as (string | null)[][],
      );
      const skip = offset - first * RESULT_CHUNK_ROWS;
      return rows.slice(skip, skip + limit);
    });
  }

  purgeQueries(cutoffMs: number): Promise<number> {
    return this.write(async (c) => {
      const old = 'SELECT query_id FROM lake_queries WHERE created_ms < $1';
      await c.run(`DELETE FROM lake_query_rows WHERE query_id IN (${old})`, [BigInt(cutoffMs)]);
      const result = await c.run('DELETE FROM lake_queries WHERE created_ms < $1', [BigInt(cutoffMs)]);
      return Number(result.rowsChanged);
    });
  }

  close(): void {
    this.writer.closeSync();
  }
}

/** Saves failure entry `index` of an import, inside the caller's transaction. */
async function putFailure(
  c: DuckDBConnection,
  importId: string,
  index: number,
  f: ImportFailure,
): Promise<void> {
  await c.run('INSERT OR REPLACE INTO lake_import_failures VALUES ($1, $2, $3, $4, $5, $6)', [
    importId,
    index,
    f.location,
    f.errorType,
    f.errorMessage,
    BigInt(f.timeMs),
  ]);
}

function listSql(seqs: readonly bigint[]): string {
  return `[${seqs.join(',')}]::UBIGINT[]`;
}

async function stage(c: DuckDBConnection, texts: readonly string[]): Promise<void> {
  const appender = await c.createAppender('lake_staging', 'main', 'temp');
  for (const text of texts) {
    appender.appendVarchar(text);
    appender.endRow();
  }
  appender.closeSync();
}
