import pLimit from 'p-limit';
import {
  BIGINT,
  BOOLEAN,
  UBIGINT,
  VARCHAR,
  listValue,
  type DuckDBConnection,
  type DuckDBValue,
} from '@duckdb/node-api';
import type {
  AppendOutcome,
  CursorState,
  LogRange,
  DeliveryEvent,
  EventStore,
  LookupQuery,
  NewEvent,
  StoredEvent,
} from '../store/event-store.ts';
import { lookupFieldsOf, type CloudTrailRecord, type EventCategory } from '../events/index.ts';
import { EventIdIndex, eventIdHash, hash64, hashToBigInt } from '../store/event-id-index.ts';
import { readInt64Words, type ColumnValues } from './column-appender.ts';
import { ColumnScan, type ScannedRows } from './column-scan.ts';
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
  -- [[type, name], …] as JSON, or NULL: returned with the event; lookups use event_resources.
  resources VARCHAR,
  recorded_at BIGINT NOT NULL,
  raw VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS event_resources (
  seq UBIGINT NOT NULL,
  account_id VARCHAR NOT NULL,
  region VARCHAR NOT NULL,
  category VARCHAR NOT NULL,
  event_time BIGINT NOT NULL,
  resource_type VARCHAR NOT NULL,
  resource_name VARCHAR NOT NULL,
  -- hash64(resource_name): a lookup for a rare name scans integers, not text.
  name_hash BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  key VARCHAR PRIMARY KEY,
  value VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS cursors (
  consumer VARCHAR PRIMARY KEY,
  seq UBIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  planned UBIGINT
);
`;

/**
 * A lookup reads its page's records by position; the positions of a rare value lie scattered over
 * the whole log, and without an index each one costs a scan of its row group's positions and a
 * decompressed vector of every column. Created once the schema version is known to be this one.
 */
const INDEXES = 'CREATE INDEX IF NOT EXISTS events_seq ON events (seq);';

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
  VARCHAR,
  BIGINT,
  VARCHAR,
];

const COLUMNS =
  'seq, event_id, id_hash, account_id, region, event_time, event_name, event_source, username, access_key_id, read_only, category, resources, recorded_at, raw';

const RESOURCE_COLUMN_TYPES = [UBIGINT, VARCHAR, VARCHAR, VARCHAR, BIGINT, VARCHAR, VARCHAR, BIGINT];

/**
 * Lookups search newest first in widening windows of event time: the log is laid out roughly in
 * time order, so DuckDB's zone maps skip everything outside a window and a common value is found
 * in the newest sliver of the log. The first window is an hour; the second reaches as far back as
 * the rest of the page should lie at the density the first one showed, twice over; the third, or
 * the second when the first found nothing (a rare value), is the rest of the range: one pass over
 * the log, and at most three queries for any value.
 */
const FIRST_WINDOW_MS = 3_600_000;
const MAX_WINDOWS = 3;

const ATTRIBUTE_FILTERS: Record<NonNullable<LookupQuery['attribute']>['key'], string> = {
  // Beside the positions the in-memory EventIdIndex names for the ID (see lookup()): random IDs
  // have no order zone maps could use.
  EventId: 'event_id = $value',
  EventName: 'event_name = $value',
  ReadOnly: "read_only = ($value = 'true') AND $value IN ('true', 'false')",
  Username: 'username = $value',
  ResourceType: 'resource_type = $value',
  ResourceName: 'name_hash = $hash AND resource_name = $value',
  EventSource: 'event_source = $value',
  AccessKeyId: 'access_key_id = $value',
};

type Row = Record<string, unknown>;

function resourceColumns(json: string | null): { resourceTypes: string[]; resourceNames: string[] } {
  const pairs = json ? (JSON.parse(json) as [string, string][]) : [];
  return { resourceTypes: pairs.map(([t]) => t), resourceNames: pairs.map(([, n]) => n) };
}

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
    ...resourceColumns(row.resources as string | null),
    recordedAtMs: Number(row.recorded_at),
    raw: row.raw as string,
  };
}

/** Bumped whenever the tables change shape; a data directory of another version is refused. */
export const SCHEMA_VERSION = '5';

async function checkSchemaVersion(c: DuckDBConnection): Promise<void> {
  await c.run(`INSERT INTO meta VALUES ('schema_version', $1) ON CONFLICT DO NOTHING`, [SCHEMA_VERSION]);
  const rows = await c.runAndReadAll(`SELECT value FROM meta WHERE key = 'schema_version'`);
  const found = rows.getRowsJS()[0]?.[0] as string | undefined;
  if (found !== SCHEMA_VERSION) {
    throw new Error(
      `the data directory holds OpenTrail schema version ${found ?? '(none)'}; this OpenTrail needs ${SCHEMA_VERSION}`,
    );
  }
}

/** Positions further apart than this (a DuckDB row group) lie in different parts of the file. */
const SCATTERED_SPAN = 122_880n;

/**
 * What a lookup reads of each event on its page: the record text and the two times it does not
 * hold. The other columns are filters; decoding them for 50 scattered rows cost four times as much
 * as the record text alone (FSST-compressed event IDs and resources above all: 6-7 ms against
 * 1.1-1.6 ms a page on 10M events), and the values they hold are derived from the record text
 * (events/lookup-fields.ts), which the page returns anyway.
 */
const PAGE_COLUMNS = 'seq, event_time, recorded_at, raw';

/**
 * The query reading the records at these positions. Scattered positions (a rare value's page)
 * mostly touch parts of the file no lookup has read yet, whose loading dominates: they are read
 * as two halves that DuckDB runs side by side.
 */
export function recordsByPositionSql(seqs: readonly bigint[]): string {
  const select = (part: readonly bigint[]): string =>
    `SELECT ${PAGE_COLUMNS} FROM events WHERE seq IN (${part.join(',')})`;
  let min = seqs[0] ?? 0n;
  let max = min;
  for (const s of seqs) {
    if (s < min) min = s;
    if (s > max) max = s;
  }
  if (seqs.length < 8 || max - min <= SCATTERED_SPAN) return select(seqs);
  return `${select(seqs.filter((_, i) => i % 2 === 0))} UNION ALL ${select(seqs.filter((_, i) => i % 2 === 1))}`;
}

/**
 * A page's event from its row: the lookup values derived from the record text as recording
 * derived them (the same function), the scope from the query that found it.
 */
function pageEvent(row: unknown[], query: LookupQuery): StoredEvent {
  const raw = row[3] as string;
  const record = JSON.parse(raw) as CloudTrailRecord;
  return {
    seq: row[0] as bigint,
    eventId: record.eventID,
    accountId: query.accountId,
    region: query.region,
    eventTimeMs: Number(row[1]),
    ...lookupFieldsOf(record),
    category: query.category,
    recordedAtMs: Number(row[2]),
    raw,
  };
}

/**
 * The record text as UTF-8 bytes when the event carries them (`rawUtf8`, the bytes of `raw`: the
 * recording path keeps each record as a range of the request body), else as the string.
 */
function rawTextOf(e: NewEvent): string | Uint8Array {
  const bytes = (e as { rawUtf8?: unknown }).rawUtf8;
  return bytes instanceof Uint8Array ? bytes : e.raw;
}

/**
 * Marks duplicates (already in the log, or earlier in the same batch) in `outcomes` and returns
 * the indexes of the rest. Hashes decide most cases: only events whose hash was seen before are
 * compared by (account, eventID), so a hash collision never drops an event.
 */
function freshIndexes(
  events: readonly NewEvent[],
  hashes: readonly [number, number][],
  existing: ReadonlySet<string>,
  outcomes: AppendOutcome[],
): number[] {
  const batch = new EventIdIndex(events.length);
  let keys: Set<string> | undefined;
  const fresh: number[] = [];
  events.forEach((e, i) => {
    const hash = hashes[i] as [number, number];
    if (existing.size > 0 || batch.has(hash)) {
      // A possible duplicate: from here on this batch is checked by key.
      if (!keys) keys = new Set([...existing, ...fresh.map((f) => keyOf(events[f] as NewEvent))]);
      const key = keyOf(e);
      if (keys.has(key)) {
        outcomes[i] = { status: 'duplicate' };
        return;
      }
      keys.add(key);
    } else if (keys) keys.add(keyOf(e));
    batch.add(hash, BigInt(i));
    fresh.push(i);
  });
  return fresh;
}

function keyOf(e: NewEvent): string {
  return `${e.accountId}:${e.eventId}`;
}

export class DuckDbEventStore implements EventStore {
  private seq = 0n;
  /**
   * Where each (account, eventID) of the log is: appends deduplicate and EventId lookups find their
   * event without a scan.
   */
  private ids = new EventIdIndex();
  private writing: Promise<unknown> = Promise.resolve();
  /** The purge in flight, if any: close() waits for it before closing the purger's connection. */
  private readonly purges = pLimit(1);

  private constructor(
    private readonly db: DuckDbDatabase,
    private readonly writer: DuckDBConnection,
    private readonly purger: DuckDBConnection,
    private readonly scan: ColumnScan,
    private readonly now: () => number,
  ) {}

  static async open(db: DuckDbDatabase, options: { now?: () => number } = {}): Promise<DuckDbEventStore> {
    const writer = await db.connect();
    await writer.run(SCHEMA);
    await checkSchemaVersion(writer);
    await writer.run(INDEXES);
    const purger = await db.connect();
    const store = new DuckDbEventStore(
      db,
      writer,
      purger,
      ColumnScan.register(writer),
      options.now ?? Date.now,
    );
    const result = await writer.runAndReadAll('SELECT coalesce(max(seq), 0) AS s, count(*) AS n FROM events');
    const { s, n } = result.getRowObjectsJS()[0] as Row;
    store.seq = BigInt(s as bigint);
    store.ids = new EventIdIndex(Number(n));
    // Read as the vectors' 64-bit words: a BigInt per event would make opening a log of ten
    // million events take seconds.
    const hashes = await writer.stream('SELECT id_hash, seq FROM events');
    for (
      let chunk = await hashes.fetchChunk();
      chunk && chunk.rowCount > 0;
      chunk = await hashes.fetchChunk()
    ) {
      const words = readInt64Words(chunk, 0);
      const seqs = readInt64Words(chunk, 1);
      const rows = chunk.rowCount;
      for (let i = 0; i < rows; i++) {
        store.ids.addWords(words[2 * i + 1] as number, words[2 * i] as number, seqs[2 * i] as number);
      }
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
    const fresh = freshIndexes(events, hashes, existing, outcomes);
    if (fresh.length === 0) return outcomes;

    const firstSeq = this.seq + 1n;
    // The rows go in through INSERTs reading them from a table function, not DuckDB's appender:
    // its flush runs synchronously on the event loop (see column-scan.ts). One round trip to
    // DuckDB's threads for the whole transaction; COMMIT returns once the WAL is synced.
    const scanned: ScannedRows[] = [];
    try {
      const eventRows = this.scan.add(
        COLUMN_TYPES,
        this.eventColumns(events, hashes, fresh, firstSeq),
        fresh.length,
      );
      scanned.push(eventRows);
      const resourceRows = this.resourceRows(events, fresh, firstSeq);
      if (resourceRows) scanned.push(resourceRows);
      await this.writer.run(
        [
          'BEGIN TRANSACTION',
          `INSERT INTO events SELECT * FROM ${eventRows.sql}`,
          ...(resourceRows ? [`INSERT INTO event_resources SELECT * FROM ${resourceRows.sql}`] : []),
          'COMMIT',
        ].join(';\n'),
      );
    } catch (error) {
      await this.writer.run('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      for (const rows of scanned) rows.release();
    }
    fresh.forEach((index, n) => {
      const seq = firstSeq + BigInt(n);
      outcomes[index] = { status: 'recorded', seq };
      this.ids.add(hashes[index] as [number, number], seq);
    });
    this.seq = firstSeq + BigInt(fresh.length) - 1n;
    return outcomes;
  }

  /** The `events` columns of the fresh events, in COLUMNS order. */
  private eventColumns(
    events: readonly NewEvent[],
    hashes: readonly [number, number][],
    fresh: readonly number[],
    firstSeq: bigint,
  ): ColumnValues[] {
    const n = fresh.length;
    const first = Number(firstSeq);
    const recordedAt = this.now();
    const seq = new Float64Array(n);
    const idHash = new Uint32Array(2 * n);
    const eventTime = new Float64Array(n);
    const recorded = new Float64Array(n).fill(recordedAt);
    const text = (): (string | Uint8Array | null)[] => new Array<string | Uint8Array | null>(n);
    const [eventId, account, region, name, source, username, accessKey, category, resources, raw] = [
      text(),
      text(),
      text(),
      text(),
      text(),
      text(),
      text(),
      text(),
      text(),
      text(),
    ];
    const readOnly = new Array<boolean | null>(n);
    for (let row = 0; row < n; row++) {
      const index = fresh[row] as number;
      const e = events[index] as NewEvent;
      const [hi, lo] = hashes[index] as [number, number];
      seq[row] = first + row;
      idHash[2 * row] = lo;
      idHash[2 * row + 1] = hi;
      eventTime[row] = e.eventTimeMs;
      eventId[row] = e.eventId;
      account[row] = e.accountId;
      region[row] = e.region;
      name[row] = e.eventName;
      source[row] = e.eventSource;
      username[row] = e.username;
      accessKey[row] = e.accessKeyId;
      readOnly[row] = e.readOnly;
      category[row] = e.category;
      resources[row] =
        e.resourceTypes.length > 0
          ? JSON.stringify(e.resourceTypes.map((t, r) => [t, e.resourceNames[r]]))
          : null;
      raw[row] = rawTextOf(e);
    }
    return [
      { kind: 'int64', values: seq },
      { kind: 'varchar', values: eventId },
      { kind: 'words', words: idHash },
      { kind: 'varchar', values: account },
      { kind: 'varchar', values: region },
      { kind: 'int64', values: eventTime },
      { kind: 'varchar', values: name },
      { kind: 'varchar', values: source },
      { kind: 'varchar', values: username },
      { kind: 'varchar', values: accessKey },
      { kind: 'boolean', values: readOnly },
      { kind: 'varchar', values: category },
      { kind: 'varchar', values: resources },
      { kind: 'int64', values: recorded },
      { kind: 'varchar', values: raw },
    ];
  }

  /**
   * One row per (event, resource): ResourceType and ResourceName lookups filter a plain column.
   * Undefined when no fresh event names a resource.
   */
  private resourceRows(
    events: readonly NewEvent[],
    fresh: readonly number[],
    firstSeq: bigint,
  ): ScannedRows | undefined {
    const first = Number(firstSeq);
    const seq: number[] = [];
    const account: string[] = [];
    const region: string[] = [];
    const category: string[] = [];
    const eventTime: number[] = [];
    const type: string[] = [];
    const name: string[] = [];
    fresh.forEach((index, n) => {
      const e = events[index] as NewEvent;
      e.resourceTypes.forEach((t, r) => {
        seq.push(first + n);
        account.push(e.accountId);
        region.push(e.region);
        category.push(e.category);
        eventTime.push(e.eventTimeMs);
        type.push(t);
        name.push(e.resourceNames[r] ?? '');
      });
    });
    if (seq.length === 0) return undefined;
    const nameHash = new Uint32Array(2 * name.length);
    name.forEach((value, row) => {
      const [hi, lo] = hash64(value);
      nameHash[2 * row] = lo;
      nameHash[2 * row + 1] = hi;
    });
    return this.scan.add(
      RESOURCE_COLUMN_TYPES,
      [
        { kind: 'int64', values: seq },
        { kind: 'varchar', values: account },
        { kind: 'varchar', values: region },
        { kind: 'varchar', values: category },
        { kind: 'int64', values: eventTime },
        { kind: 'varchar', values: type },
        { kind: 'varchar', values: name },
        { kind: 'words', words: nameHash },
      ],
      seq.length,
    );
  }

  /**
   * Which of these (account, eventID) pairs the log already holds, as `account:eventID`. Only
   * the positions the in-memory index names are read from the log, so new events cost no query.
   */
  private async existingIds(hashes: [number, number][]): Promise<Set<string>> {
    const positions = new Set<bigint>();
    for (const h of hashes) {
      if (this.ids.has(h)) for (const seq of this.ids.candidates(h, this.seq)) positions.add(seq);
    }
    if (positions.size === 0) return new Set();
    // The positions are UBIGINTs of our own making, safe to inline; zone maps on seq then skip
    // every row group but theirs.
    const result = await this.writer.runAndReadAll(
      `SELECT account_id, event_id FROM events WHERE seq IN (${[...positions].join(',')})`,
    );
    const found = new Set<string>();
    for (const row of result.getRowsJS()) found.add(`${row[0] as string}:${row[1] as string}`);
    return found;
  }

  async lookup(query: LookupQuery): Promise<StoredEvent[]> {
    const byResource = query.attribute?.key === 'ResourceType' || query.attribute?.key === 'ResourceName';
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
      maxSeq: query.maxSeq,
    };
    if (query.after) {
      where.push('(event_time < $afterTime OR (event_time = $afterTime AND seq < $afterSeq))');
      params.afterTime = BigInt(query.after.eventTimeMs);
      params.afterSeq = query.after.seq;
    }
    if (query.attribute?.key === 'EventId') return this.lookupEventId(query, query.attribute.value);
    if (query.attribute) {
      where.push(ATTRIBUTE_FILTERS[query.attribute.key]);
      params.value = query.attribute.value;
      if (query.attribute.key === 'ResourceName') params.hash = hashToBigInt(hash64(query.attribute.value));
    }
    // A resource lookup finds positions in event_resources (an event may name a resource twice).
    const positionsSql = byResource
      ? `SELECT DISTINCT seq, event_time FROM event_resources WHERE ${where.join(' AND ')} ORDER BY event_time DESC, seq DESC LIMIT $limit`
      : `SELECT seq, event_time FROM events WHERE ${where.join(' AND ')} ORDER BY event_time DESC, seq DESC LIMIT $limit`;

    return this.db.withConnection(async (c) => {
      const seqs: bigint[] = [];
      let top = Math.min(
        query.endMs,
        query.after?.eventTimeMs ?? query.endMs,
        Math.max(this.now(), query.startMs),
      );
      const anchor = top;
      let width = FIRST_WINDOW_MS;
      for (let w = 0; w < MAX_WINDOWS && seqs.length < query.limit; w++) {
        const lo = w === MAX_WINDOWS - 1 ? query.startMs : Math.max(query.startMs, top - width);
        // The first window reaches up to the end of the range: events stamped in the future count.
        const hi = w === 0 ? query.endMs : top - 1;
        if (hi >= lo) {
          const page = await this.db.runPrepared(c, positionsSql, {
            ...params,
            start: BigInt(lo),
            end: BigInt(hi),
            limit: query.limit - seqs.length,
          });
          for (const row of page.getRowsJS()) seqs.push(row[0] as bigint);
        }
        top = lo;
        if (lo <= query.startMs) break;
        const covered = anchor - lo;
        width =
          seqs.length === 0
            ? Infinity
            : Math.max(covered, Math.ceil((2 * covered * (query.limit - seqs.length)) / seqs.length));
      }
      if (seqs.length === 0) return [];
      // Then read the (wide) records of the page by position, through the index on seq: a page of
      // a rare value has its positions scattered over the whole log, and a scan would decompress
      // a vector of every column around each of them. The positions are UBIGINTs read from the
      // log, safe to inline.
      const rows = await c.runAndReadAll(recordsByPositionSql(seqs));
      const bySeq = new Map<bigint, StoredEvent>();
      for (const row of rows.getRowsJS()) {
        const event = pageEvent(row, query);
        bySeq.set(event.seq, event);
      }
      return seqs.map((s) => bySeq.get(s)).filter((e): e is StoredEvent => e !== undefined);
    });
  }

  /**
   * An EventId lookup: the in-memory index names the positions the ID may be at (one, but for a
   * tag shared by chance), and the rows there are read and checked against the whole query — no
   * scan of the log, whose event IDs have no order zone maps could use.
   */
  private async lookupEventId(query: LookupQuery, eventId: string): Promise<StoredEvent[]> {
    const positions = this.ids.candidates(eventIdHash(query.accountId, eventId), query.maxSeq);
    if (positions.length === 0) return [];
    const rows = await this.db.withConnection((c) =>
      // The positions are UBIGINTs of our own making, safe to inline.
      c.runAndReadAll(
        `SELECT ${PAGE_COLUMNS}, account_id, region, category, event_id FROM events WHERE seq IN (${positions.join(',')})`,
      ),
    );
    const after = query.after;
    return rows
      .getRowsJS()
      .filter((row) => {
        const timeMs = Number(row[1]);
        const seq = row[0] as bigint;
        return (
          row[4] === query.accountId &&
          row[5] === query.region &&
          row[6] === query.category &&
          row[7] === eventId &&
          timeMs >= query.startMs &&
          timeMs <= query.endMs &&
          (!after || timeMs < after.eventTimeMs || (timeMs === after.eventTimeMs && seq < after.seq))
        );
      })
      .map((row) => pageEvent(row, query))
      .sort((a, b) => b.eventTimeMs - a.eventTimeMs || (a.seq < b.seq ? 1 : -1))
      .slice(0, query.limit);
  }

  async readAfter(afterSeq: bigint, limit: number, toSeq?: bigint): Promise<StoredEvent[]> {
    return this.db.withConnection(async (c) => {
      const rows = await c.runAndReadAll(
        `SELECT ${COLUMNS} FROM events WHERE seq > $after AND seq <= $to ORDER BY seq LIMIT $limit`,
        { after: afterSeq, to: toSeq ?? this.seq, limit },
      );
      return rows.getRowObjectsJS().map(toStored);
    });
  }

  async readForDelivery(afterSeq: bigint, limit: number, toSeq?: bigint): Promise<DeliveryEvent[]> {
    return this.db.withConnection(async (c) => {
      const reader = await c.runAndReadAll(
        `SELECT seq, account_id, region, event_source, category, event_time, recorded_at, raw
         FROM events WHERE seq > $after AND seq <= $to ORDER BY seq LIMIT $limit`,
        { after: afterSeq, to: toSeq ?? this.seq, limit },
      );
      // Column-wise conversion: far cheaper than an object per row for tens of thousands of rows.
      const [seq, account, region, source, category, time, recorded, raw] = reader.getColumnsJS() as [
        bigint[],
        string[],
        string[],
        string[],
        EventCategory[],
        bigint[],
        bigint[],
        string[],
      ];
      const out: DeliveryEvent[] = new Array<DeliveryEvent>(seq.length);
      for (let i = 0; i < seq.length; i++) {
        out[i] = {
          seq: seq[i] as bigint,
          accountId: account[i] as string,
          region: region[i] as string,
          eventSource: source[i] as string,
          category: category[i] as EventCategory,
          eventTimeMs: Number(time[i]),
          recordedAtMs: Number(recorded[i]),
          raw: raw[i] as string,
        };
      }
      return out;
    });
  }

  async getCursorState(consumer: string): Promise<CursorState | undefined> {
    return this.db.withConnection(async (c) => {
      const rows = await c.runAndReadAll('SELECT seq, planned FROM cursors WHERE consumer = $1', [consumer]);
      const row = rows.getRowObjectsJS()[0];
      if (!row) return undefined;
      return {
        seq: BigInt(row.seq as bigint),
        ...(row.planned !== null && row.planned !== undefined
          ? { plannedSeq: BigInt(row.planned as bigint) }
          : {}),
      };
    });
  }

  async planCursor(consumer: string, toSeq: bigint): Promise<void> {
    await this.db.withConnection(async (c) => {
      const result = await c.run('UPDATE cursors SET planned = $2, updated_at = $3 WHERE consumer = $1', [
        consumer,
        toSeq,
        BigInt(this.now()),
      ]);
      if (result.rowsChanged === 0) throw new Error(`no cursor for consumer '${consumer}' to plan`);
    });
  }

  async deleteCursor(consumer: string): Promise<void> {
    await this.db.withConnection((c) => c.run('DELETE FROM cursors WHERE consumer = $1', [consumer]));
  }

  async getCursor(consumer: string): Promise<bigint | undefined> {
    return this.db.withConnection(async (c) => {
      const rows = await c.runAndReadAll('SELECT seq FROM cursors WHERE consumer = $1', [consumer]);
      const row = rows.getRowObjectsJS()[0];
      return row ? BigInt(row.seq as bigint) : undefined;
    });
  }

  async commitCursor(consumer: string, seq: bigint): Promise<void> {
    await this.db.withConnection((c) => this.commitCursorOn(c, consumer, seq));
  }

  /**
   * Moves a cursor inside the caller's transaction on `c` (a connection of this database): the
   * Lake store commits its copy of the log and the copy's cursor together.
   */
  async commitCursorOn(c: DuckDBConnection, consumer: string, seq: bigint): Promise<void> {
    await c.run(
      `INSERT INTO cursors VALUES ($1, $2, $3, NULL)
       ON CONFLICT (consumer) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at, planned = NULL`,
      [consumer, seq, BigInt(this.now())],
    );
  }

  /** Forgets a cursor inside the caller's transaction on `c` (a connection of this database). */
  async deleteCursorOn(c: DuckDBConnection, consumer: string): Promise<void> {
    await c.run('DELETE FROM cursors WHERE consumer = $1', [consumer]);
  }

  /**
   * Copies the events with sequence numbers in (afterSeq, toSeq] of the given accounts (and
   * region, category and eventTime range when given) into the temporary table `table` (seq,
   * event_id, event_time, raw) on `c`, inside the caller's transaction: the log → Lake copy reads
   * the log without the rows ever leaving DuckDB. Returns false when the range is empty.
   */
  async selectInto(c: DuckDBConnection, table: string, filter: LogRange): Promise<boolean> {
    if (filter.toSeq <= filter.afterSeq || filter.accounts.length === 0) return false;
    // Sequence numbers and times are numbers we hold; accounts, region and category are bound.
    const where = [`seq > ${filter.afterSeq} AND seq <= ${filter.toSeq}`, 'list_contains($1, account_id)'];
    const params: DuckDBValue[] = [listValue([...filter.accounts])];
    if (filter.region !== undefined) {
      params.push(filter.region);
      where.push(`region = $${params.length}`);
    }
    if (filter.category !== undefined) {
      params.push(filter.category);
      where.push(`category = $${params.length}`);
    }
    if (filter.startMs !== undefined) where.push(`event_time >= ${Math.trunc(filter.startMs)}`);
    if (filter.endMs !== undefined && Number.isFinite(filter.endMs))
      where.push(`event_time < ${Math.trunc(filter.endMs)}`);
    await c.run(
      `CREATE OR REPLACE TEMP TABLE ${table} AS SELECT seq, event_id, event_time, raw FROM events WHERE ${where.join(' AND ')}`,
      params,
    );
    return true;
  }

  purgeHistory(cutoffMs: number): Promise<number> {
    return this.purges(() => this.purge(cutoffMs));
  }

  private async purge(cutoffMs: number): Promise<number> {
    // Keep what any consumer has yet to read, and always the newest event (it anchors the
    // sequence counter across restarts).
    const result = await this.purger.run(
      `DELETE FROM events
       WHERE event_time < $cutoff
         AND seq <= coalesce((SELECT min(seq) FROM cursors), $last)
         AND seq < $last`,
      { cutoff: BigInt(cutoffMs), last: this.seq },
    );
    await this.purger.run(
      `DELETE FROM event_resources
       WHERE event_time < $cutoff
         AND seq <= coalesce((SELECT min(seq) FROM cursors), $last)
         AND seq < $last`,
      { cutoff: BigInt(cutoffMs), last: this.seq },
    );
    return Number(result.rowsChanged);
  }

  async close(): Promise<void> {
    // Closing a connection a statement still runs on crashes the process (the start-up purge
    // runs beside a server that may be closed at once).
    await this.writing;
    await this.purges(() => Promise.resolve());
    this.writer.closeSync();
    this.purger.closeSync();
  }
}
