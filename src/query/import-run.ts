import type { ImportRecord } from './lake-store.ts';

/**
 * A record after a batch, for the lake store to save in the batch's transaction (`next`, given the
 * events the batch added); it becomes the import's current record once that transaction has
 * committed (`commit`).
 */
export interface ImportProgress {
  next: (events: number) => ImportRecord;
  commit: () => void;
}

/**
 * What a running import (of log files, or of Event history) does to its record, as the import
 * service keeps it: every change is saved before it becomes the current record.
 */
export interface ImportRun {
  /** The import's current record. */
  record(): ImportRecord;
  /** Whether StopImport or a shutdown asked the run to end; runs check between batches. */
  stopRequested(): boolean;
  update(change: (r: ImportRecord) => ImportRecord): Promise<ImportRecord>;
  /** Adds a failure entry and counts it in the statistics. */
  fail(location: string, errorType: string, error: unknown): Promise<void>;
  progress(change: (r: ImportRecord, events: number) => ImportRecord): ImportProgress;
}
