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
  bytesScanned?: number;
  columns?: string[];
  totalRows?: number;
}

export interface ImportFileMark {
  /** Where the file came from (bucket + key, or a local path). */
  source: string;
  events: number;
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
   * Adds the events of the log with sequence numbers `seqs` (all in (afterSeq, toSeq]) to the
   * store and moves its consumer cursor to `toSeq`, in one transaction.
   */
  ingestFromLog(
    store: EventDataStore,
    consumer: string,
    seqs: readonly bigint[],
    toSeq: bigint,
  ): Promise<void>;
  /**
   * Adds CloudTrail records (their JSON text) to the store; with `mark`, also records that this
   * import file is done, in the same transaction. Returns false (adding nothing) when the import
   * already marked that file.
   */
  appendRecords(
    store: EventDataStore,
    records: readonly string[],
    mark?: { importId: string; source: string },
  ): Promise<boolean>;
  /** Adds outside events already shaped as Lake's ActivityAuditLog rows (JSON text). */
  appendActivity(store: EventDataStore, rows: readonly string[]): Promise<void>;
  /** Files an import already finished, so a re-run skips them. */
  importedFiles(importId: string): Promise<Set<string>>;
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
