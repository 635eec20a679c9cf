/**
 * An import of Event history (`HISTORY_SOURCE_URI`): the events of OpenTrail's own event log,
 * Lake's "copy trail events" without the trail. It copies the events the store's scope and
 * selectors take, up to where the store's live ingestion began, leaving out any eventID the store
 * already holds; an event time window can narrow it.
 */
import type { EventStore } from '../store/index.ts';
import { lakeConsumer, type EventDataStore } from './event-data-store.ts';
import type { ImportRun } from './import-run.ts';
import { logFilterOf, type LakeIngestionDeps } from './lake-ingestion.ts';
import type { LakeStore } from './lake-store.ts';

/**
 * Sequence numbers of the log copied in one transaction: over a row group of DuckDB's (122,880
 * rows), so the rows are written to the database file directly rather than through the WAL.
 */
const HISTORY_BATCH_SEQS = 131_072n;
const DAY_MS = 86_400_000;

export interface HistoryCopyDeps {
  lake: LakeStore;
  events: EventStore;
  organizationAccounts: LakeIngestionDeps['organizationAccounts'];
  now: () => number;
}

/**
 * Copies Event history into the store: the log's events up to where the store's live ingestion
 * began (those after reach it live), batch by batch, each with the import's progress.
 */
export async function copyEventHistory(
  run: ImportRun,
  store: EventDataStore,
  deps: HistoryCopyDeps,
): Promise<void> {
  const { events, organizationAccounts, lake } = deps;
  let record = run.record();
  if (!record.history) {
    const live = store.ingesting ? await events.getCursor(lakeConsumer(store)) : undefined;
    const toSeq = live ?? events.lastSeq();
    record = await run.update((r) => ({
      ...r,
      history: { toSeq: String(toSeq), doneSeq: '0' },
      statistics: { ...r.statistics, prefixesFound: 1 },
    }));
  }
  record = await run.update((r) => ({ ...r, status: 'IN_PROGRESS' }));
  const toSeq = BigInt(record.history?.toSeq ?? '0');
  let cursor = BigInt(record.history?.doneSeq ?? '0');
  // Events older than the store keeps would only be removed by its next retention pass.
  const startMs = Math.max(record.startEventTimeMs ?? 0, deps.now() - store.retentionPeriod * DAY_MS);
  const endMs = record.endEventTimeMs ?? Number.POSITIVE_INFINITY;
  const filter = { ...logFilterOf(store, organizationAccounts), startMs, endMs };
  while (cursor < toSeq) {
    if (run.stopRequested()) return;
    const last = cursor + HISTORY_BATCH_SEQS < toSeq ? cursor + HISTORY_BATCH_SEQS : toSeq;
    const progress = run.progress((r, added) => ({
      ...r,
      history: { toSeq: String(toSeq), doneSeq: String(last) },
      statistics: { ...r.statistics, eventsCompleted: r.statistics.eventsCompleted + added },
    }));
    await lake.copyFromLog(store, { ...filter, afterSeq: cursor, toSeq: last }, progress.next);
    progress.commit();
    cursor = last;
  }
  await run.update((r) => ({
    ...r,
    status: 'COMPLETED',
    statistics: { ...r.statistics, prefixesCompleted: 1 },
  }));
}
