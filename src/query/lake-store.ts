import type { LogRange } from '../store/index.ts';
import type { EventDataStore } from './event-data-store.ts';

/** The outcome of a finished (or failed) query, as persisted for GetQueryResults. */
export interface QueryRecord {
  id: string;
  accountId: string;
  region: string;
  statement: string;
  /** ARNs of the stores the statement reads. */
  storeArns: string[];
  status: 'QUEUED' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT';
  createdMs: number;
  executionMs?: number;
  errorMessage?: string;
  eventsScanned?: number;
  /** Events that passed the statement's filters (from the engine's profile of it). */
  eventsMatched?: number;
  bytesScanned?: number;
  columns?: string[];
  totalRows?: number;
  /** When the engine produced the results (FINISHED queries). */
  finishedMs?: number;
  /** StartQuery's DeliveryS3Uri, as given: the results are also saved to that bucket. */
  deliveryS3Uri?: string;
  /** DescribeQuery's DeliveryStatus, for queries with a DeliveryS3Uri. */
  deliveryStatus?:
    | 'SUCCESS'
    | 'FAILED'
    | 'FAILED_SIGNING_FILE'
    | 'PENDING'
    | 'RESOURCE_NOT_FOUND'
    | 'ACCESS_DENIED'
    | 'ACCESS_DENIED_SIGNING_FILE'
    | 'CANCELLED'
    | 'UNKNOWN';
  /** Why the delivery did not succeed (kept for the log and the operator; AWS's API has no field for it). */
  deliveryError?: string;
}

export type ImportStatus = 'INITIALIZING' | 'IN_PROGRESS' | 'FAILED' | 'STOPPED' | 'COMPLETED';

export interface ImportFailure {
  location: string;
  errorType: string;
  errorMessage: string;
  timeMs: number;
}

/**
 * An import into an event data store (StartImport): of trail log files from a bucket, or of the
 * events of Event history (the event log), `HISTORY_SOURCE_URI`.
 */
export interface ImportRecord {
  id: string;
  accountId: string;
  region: string;
  destinations: string[];
  source: { uri: string; bucketRegion: string; accessRoleArn: string };
  startEventTimeMs?: number;
  endEventTimeMs?: number;
  status: ImportStatus;
  createdMs: number;
  updatedMs: number;
  statistics: {
    prefixesFound: number;
    prefixesCompleted: number;
    filesCompleted: number;
    eventsCompleted: number;
    failedEntries: number;
  };
  /** An import of Event history: the log's sequence numbers it copies, and how far it got. */
  history?: { toSeq: string; doneSeq: string };
}

/** Which events of the log live ingestion or an Event history import adds in one batch. */
export interface LogCopyFilter extends LogRange {
  /** Decides on each remaining record's text (advanced selectors that need the record). */
  selects?: (raw: string) => boolean;
}

/** Counters a store keeps for query statistics. */
export interface StoreSize {
  events: number;
  bytes: number;
}

/**
 * Where event data stores, their events, queries and import progress persist. One adapter
 * (DuckDB) implements it; every write that moves a consumer or an import happens in the same
 * transaction as the events it adds, so a crash never duplicates or loses them.
 */
export interface LakeStore {
  loadStores(): Promise<EventDataStore[]>;
  /** Creates the store's table (when new) and saves its configuration. */
  saveStore(store: EventDataStore): Promise<void>;
  /** Removes the store, its table, its counters and its consumer cursor. */
  dropStore(store: EventDataStore): Promise<void>;

  /**
   * Adds the events of the log with sequence numbers in (afterSeq, toSeq] that `filter` takes to
   * the store and moves its consumer cursor to toSeq, in one transaction. Returns how many.
   */
  ingestFromLog(store: EventDataStore, consumer: string, filter: LogCopyFilter): Promise<number>;
  /**
   * Copies the events of the log with sequence numbers in (afterSeq, toSeq] that `filter` takes
   * into the store, leaving out any whose eventID the store already holds, in one transaction with
   * the import's progress; the cursor of live ingestion is not moved. Returns how many were added.
   */
  copyFromLog(
    store: EventDataStore,
    filter: LogCopyFilter,
    /** The import's record after this copy (given how many events it added), saved in the same transaction. */
    progress: (events: number) => ImportRecord,
  ): Promise<number>;
  /**
   * Adds the records of CloudTrail log files (their decompressed text, `{"Records":[...]}`) whose
   * eventTime is in [startMs, endMs), and marks each file done under `scope`, all in one
   * transaction. Files already marked under `scope` are skipped, so a re-run adds nothing twice.
   * Returns how many events were added and which files were skipped.
   */
  appendLogFiles(
    store: EventDataStore,
    files: readonly { source: string; text: string }[],
    options: {
      scope: string;
      startMs?: number;
      endMs?: number;
      /** The import's record after these files (given how many events they added), saved in the same transaction. */
      progress?: (events: number) => ImportRecord;
    },
  ): Promise<{ events: number; skipped: string[] }>;
  /** Adds outside events already shaped as Lake's ActivityAuditLog rows (JSON text). */
  appendActivity(store: EventDataStore, rows: readonly string[]): Promise<void>;
  /** Files already marked done under `scope`. */
  importedFiles(scope: string): Promise<Set<string>>;
  /** Saves an import's record and, in the same transaction, a new failure entry as its `failure`-th. */
  saveImport(record: ImportRecord, failure?: { index: number; entry: ImportFailure }): Promise<void>;
  loadImports(): Promise<ImportRecord[]>;
  /** An import's failure entries, in the order they happened. */
  importFailures(importId: string, offset: number, limit: number): Promise<ImportFailure[]>;
  /** Removes events whose eventTime is before `cutoffMs`; returns how many. */
  purgeBefore(store: EventDataStore, cutoffMs: number): Promise<number>;
  size(store: EventDataStore): Promise<StoreSize>;

  /** Inserts or replaces a query's record. */
  saveQuery(query: QueryRecord): Promise<void>;
  loadQueries(): Promise<QueryRecord[]>;
  /** Keeps a finished query's rows (values as Lake renders them) and its record, in one transaction. */
  saveQueryResults(query: QueryRecord, rows: readonly (readonly (string | null)[])[]): Promise<void>;
  readQueryResults(queryId: string, offset: number, limit: number): Promise<(string | null)[][]>;
  /** Forgets queries created before `cutoffMs` and their results. */
  purgeQueries(cutoffMs: number): Promise<number>;
}
