/**
 * Imports (StartImport) into an event data store, from two kinds of source:
 *
 * - CloudTrail log files under a trail's bucket prefix — a local bucket, an S3-compatible one, or
 *   AWS S3. As on AWS, only log files under the `CloudTrail/` prefixes are read (not digests or
 *   Insights), and each unreadable file is a failure entry while the rest go on. Every file is
 *   marked done in the transaction that adds its events, so an import resumes after a restart and
 *   a re-run over the same files adds nothing twice.
 * - Event history (`HISTORY_SOURCE_URI`): the events of OpenTrail's own event log, Lake's "copy
 *   trail events" without the trail. It copies the events the store's scope and selectors take,
 *   up to where the store's live ingestion began, leaving out any eventID the store already holds.
 *
 * An event time window can narrow either, and the import's record is saved in the transaction that
 * adds each batch, so its counts never disagree with the store.
 */
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
import type { Logger } from 'pino';
import { ServiceError } from '../errors.ts';
import type { ObjectStore } from '../objects/object-store.ts';
import type { EventStore } from '../store/index.ts';
import type { Caller, EventDataStoreRegistry } from './event-data-store-registry.ts';
import type { EventDataStore } from './event-data-store.ts';
import { logFilterOf, type LakeIngestionDeps } from './lake-ingestion.ts';
import { lakeConsumer } from './event-data-store.ts';
import type { ImportFailure, ImportRecord, ImportStatus, LakeStore } from './lake-store.ts';

const gunzip = promisify(gunzipCallback);

export interface ImportOptions {
  /** Files downloaded and decompressed at once. */
  concurrency: number;
  /** Most decompressed bytes added in one transaction. */
  batchBytes: number;
}

/**
 * 192 MB of log text is some 130k records: more than a row group of DuckDB's (122,880 rows), so a
 * batch's rows go to the database file directly instead of through the WAL and a checkpoint,
 * which made imports 5x faster than 32 MB batches.
 */
export const DEFAULT_IMPORT_OPTIONS: ImportOptions = { concurrency: 8, batchBytes: 192 * 1024 * 1024 };

/** The import source that copies Event history (the event log) instead of a bucket's log files. */
export const HISTORY_SOURCE_URI = 'opentrail://event-history';
/**
 * Sequence numbers of the log copied in one transaction: over a row group of DuckDB's (122,880
 * rows), so the rows are written to the database file directly rather than through the WAL.
 */
const HISTORY_BATCH_SEQS = 131_072n;
const DAY_MS = 86_400_000;

const ONGOING = new Set<ImportStatus>(['INITIALIZING', 'IN_PROGRESS']);
/** Failure entries kept per import (the count in statistics goes on). */
const MAX_FAILURES_KEPT = 10_000;

export function importNotFound(id: string): ServiceError {
  return new ServiceError('ImportNotFoundException', `The import ${id} was not found.`);
}

/** `s3://bucket/prefix` split; InvalidImportSourceException when it is not one. */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!match) {
    throw new ServiceError(
      'InvalidImportSourceException',
      `S3LocationUri ${uri.slice(0, 300)} is invalid; expected s3://bucket-name/optional-prefix.`,
    );
  }
  return { bucket: match[1] ?? '', prefix: match[2] ?? '' };
}

/** Whether a key is a CloudTrail log file AWS's import reads (under a CloudTrail/ prefix). */
export function isImportableLogFile(key: string): boolean {
  return /(^|\/)CloudTrail\//.test(key) && /\.json(\.gz)?$/.test(key);
}

function directoryOf(key: string): string {
  return key.slice(0, key.lastIndexOf('/') + 1);
}

export class ImportService {
  private readonly imports = new Map<string, ImportRecord>();
  private readonly stopping = new Set<string>();
  private readonly runs = new Map<string, Promise<void>>();

  private constructor(
    private readonly deps: {
      lake: LakeStore;
      registry: EventDataStoreRegistry;
      bucket: (name: string) => ObjectStore;
      /** The event log, for imports of Event history. */
      events: EventStore;
      organizationAccounts: LakeIngestionDeps['organizationAccounts'];
      logger: Logger;
      now: () => number;
    },
    private readonly options: ImportOptions,
  ) {}

  static async open(
    deps: ImportService['deps'],
    options: ImportOptions = DEFAULT_IMPORT_OPTIONS,
  ): Promise<ImportService> {
    const service = new ImportService(deps, options);
    for (const record of await deps.lake.loadImports()) service.imports.set(record.id, record);
    return service;
  }

  /** Resumes imports a restart interrupted. */
  resume(): void {
    for (const record of this.imports.values()) if (ONGOING.has(record.status)) this.launch(record.id);
  }

  get(caller: Caller, id: string): ImportRecord {
    const record = this.imports.get(id);
    if (!record || record.accountId !== caller.accountId || record.region !== caller.region)
      throw importNotFound(id);
    return record;
  }

  list(caller: Caller): ImportRecord[] {
    return [...this.imports.values()]
      .filter((r) => r.accountId === caller.accountId && r.region === caller.region)
      .sort((a, b) => b.createdMs - a.createdMs || a.id.localeCompare(b.id));
  }

  /** Whether an import into this store is still running (the store cannot be deleted or changed meanwhile). */
  hasOngoing(storeArn: string): boolean {
    return [...this.imports.values()].some((r) => ONGOING.has(r.status) && r.destinations.includes(storeArn));
  }

  async start(
    caller: Caller,
    input: { destination: EventDataStore; source: ImportRecord['source']; startMs?: number; endMs?: number },
  ): Promise<ImportRecord> {
    if (input.source.uri !== HISTORY_SOURCE_URI) parseS3Uri(input.source.uri);
    if (this.list(caller).some((r) => ONGOING.has(r.status))) {
      throw new ServiceError(
        'AccountHasOngoingImportException',
        'An import is already in progress in this account; wait for it to finish or stop it.',
      );
    }
    const now = this.deps.now();
    const record: ImportRecord = {
      id: randomUUID(),
      accountId: caller.accountId,
      region: caller.region,
      destinations: [input.destination.arn],
      source: input.source,
      ...(input.startMs !== undefined ? { startEventTimeMs: input.startMs } : {}),
      ...(input.endMs !== undefined ? { endEventTimeMs: input.endMs } : {}),
      status: 'INITIALIZING',
      createdMs: now,
      updatedMs: now,
      statistics: {
        prefixesFound: 0,
        prefixesCompleted: 0,
        filesCompleted: 0,
        eventsCompleted: 0,
        failedEntries: 0,
      },
    };
    await this.save(record);
    this.launch(record.id);
    return record;
  }

  /** StartImport with an ImportId: runs a stopped, failed or finished import again; done files are skipped. */
  async retry(caller: Caller, id: string): Promise<ImportRecord> {
    const record = this.get(caller, id);
    if (ONGOING.has(record.status)) return record;
    if (this.list(caller).some((r) => ONGOING.has(r.status))) {
      throw new ServiceError(
        'AccountHasOngoingImportException',
        'An import is already in progress in this account; wait for it to finish or stop it.',
      );
    }
    const restarted: ImportRecord = { ...record, status: 'INITIALIZING', updatedMs: this.deps.now() };
    await this.save(restarted);
    this.launch(id);
    return restarted;
  }

  async stop(caller: Caller, id: string): Promise<ImportRecord> {
    const record = this.get(caller, id);
    if (!ONGOING.has(record.status)) return record;
    this.stopping.add(id);
    await this.runs.get(id);
    this.stopping.delete(id);
    const current = this.imports.get(id) ?? record;
    if (!ONGOING.has(current.status)) return current;
    const stopped: ImportRecord = { ...current, status: 'STOPPED', updatedMs: this.deps.now() };
    await this.save(stopped);
    return stopped;
  }

  /** The import's failure entries (the first MAX_FAILURES_KEPT of them). */
  async failures(
    caller: Caller,
    id: string,
    offset: number,
    limit: number,
  ): Promise<{
    entries: ImportFailure[];
    total: number;
  }> {
    const record = this.get(caller, id);
    return {
      entries: await this.deps.lake.importFailures(id, offset, limit),
      total: Math.min(record.statistics.failedEntries, MAX_FAILURES_KEPT),
    };
  }

  /** Resolves when the import's current run ends (tests and the CLI wait on it). */
  async finished(id: string): Promise<ImportRecord | undefined> {
    await this.runs.get(id);
    return this.imports.get(id);
  }

  async close(): Promise<void> {
    for (const id of this.runs.keys()) this.stopping.add(id);
    await Promise.all(this.runs.values());
  }

  private async save(record: ImportRecord): Promise<void> {
    this.imports.set(record.id, record);
    await this.deps.lake.saveImport(record);
  }

  private launch(id: string): void {
    if (this.runs.has(id)) return;
    const run = this.run(id)
      .catch(async (error: unknown) => {
        this.deps.logger.error({ err: error, importId: id }, 'import failed unexpectedly');
        // Whatever was committed stays; a retry (StartImport with the ImportId) goes on from there.
        await this.fail(id, this.imports.get(id)?.source.uri ?? '', 'InternalError', error)
          .then(() => this.update(id, (r) => ({ ...r, status: 'FAILED' })))
          .catch(() => undefined);
      })
      .finally(() => this.runs.delete(id));
    this.runs.set(id, run);
  }

  private async update(id: string, change: (r: ImportRecord) => ImportRecord): Promise<ImportRecord> {
    const current = this.imports.get(id);
    if (!current) throw importNotFound(id);
    const next = { ...change(current), updatedMs: this.deps.now() };
    await this.save(next);
    return next;
  }

  private async fail(id: string, location: string, errorType: string, error: unknown): Promise<void> {
    const current = this.imports.get(id);
    if (!current) throw importNotFound(id);
    const index = current.statistics.failedEntries;
    const next: ImportRecord = {
      ...current,
      statistics: { ...current.statistics, failedEntries: index + 1 },
      updatedMs: this.deps.now(),
    };
    const entry: ImportFailure = {
      location,
      errorType,
      errorMessage: (error instanceof Error ? error.message : String(error)).slice(0, 1000),
      timeMs: this.deps.now(),
    };
    await this.deps.lake.saveImport(next, index < MAX_FAILURES_KEPT ? { index, entry } : undefined);
    this.imports.set(id, next);
  }

  /**
   * The record after a batch, for the lake store to save in the batch's transaction; it becomes the
   * import's current record once that transaction has committed.
   */
  private progress(
    id: string,
    change: (r: ImportRecord, events: number) => ImportRecord,
  ): { next: (events: number) => ImportRecord; commit: () => void } {
    let saved: ImportRecord | undefined;
    return {
      next: (events) => {
        const current = this.imports.get(id);
        if (!current) throw importNotFound(id);
        saved = { ...change(current, events), updatedMs: this.deps.now() };
        return saved;
      },
      commit: () => {
        if (saved) this.imports.set(id, saved);
      },
    };
  }

  private async run(id: string): Promise<void> {
    let record = this.imports.get(id);
    if (!record) return;
    const store = this.deps.registry.all().find((s) => s.arn === record?.destinations[0]);
    if (!store || store.deletedMs !== undefined) {
      await this.fail(
        id,
        record.destinations[0] ?? '',
        'EventDataStoreNotFound',
        'The destination event data store is gone or pending deletion.',
      );
      await this.update(id, (r) => ({ ...r, status: 'FAILED' }));
      return;
    }
    if (record.source.uri === HISTORY_SOURCE_URI) {
      await this.copyHistory(id, store);
      return;
    }
    const { bucket: bucketName, prefix } = parseS3Uri(record.source.uri);
    const bucket = this.deps.bucket(bucketName);
    let keys: string[];
    try {
      keys = [];
      for await (const key of bucket.listKeys(prefix)) if (isImportableLogFile(key)) keys.push(key);
    } catch (error) {
      await this.fail(id, record.source.uri, 'ListObjectsFailed', error);
      await this.update(id, (r) => ({ ...r, status: 'FAILED' }));
      return;
    }
    const scope = `import:${store.id}:${record.startEventTimeMs ?? ''}:${record.endEventTimeMs ?? ''}`;
    const done = await this.deps.lake.importedFiles(scope);
    const location = (key: string): string => `s3://${bucketName}/${key}`;
    const prefixes = [...new Set(keys.map(directoryOf))];
    const pending = keys.filter((k) => !done.has(location(k)));
    record = await this.update(id, (r) => ({
      ...r,
      status: 'IN_PROGRESS',
      statistics: {
        ...r.statistics,
        prefixesFound: prefixes.length,
        filesCompleted: keys.length - pending.length,
        prefixesCompleted: prefixes.filter(
          (p) => !pending.some((k) => k.startsWith(p) && directoryOf(k) === p),
        ).length,
      },
    }));

    const remainingInPrefix = new Map<string, number>();
    for (const key of pending)
      remainingInPrefix.set(directoryOf(key), (remainingInPrefix.get(directoryOf(key)) ?? 0) + 1);
    const window = {
      scope,
      ...(record.startEventTimeMs !== undefined ? { startMs: record.startEventTimeMs } : {}),
      ...(record.endEventTimeMs !== undefined ? { endMs: record.endEventTimeMs } : {}),
    };

    // Downloads run ahead of the writer, `concurrency` at a time, in key order.
    let next = 0;
    const fetchFile = async (
      key: string,
    ): Promise<{ key: string; text?: string; error?: unknown; type?: string }> => {
      let bytes: Buffer | undefined;
      try {
        bytes = await bucket.read(key);
        if (!bytes) return { key, error: new Error('The object no longer exists.'), type: 'GetObjectFailed' };
      } catch (error) {
        return { key, error, type: 'GetObjectFailed' };
      }
      try {
        const raw = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? await gunzip(bytes) : bytes;
        const text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
        if (!/^\s*\{\s*"Records"\s*:\s*\[/.test(text)) {
          return {
            key,
            error: new Error('Not a CloudTrail log file: expected {"Records":[...]}.'),
            type: 'InvalidLogFile',
          };
        }
        return { key, text };
      } catch (error) {
        return { key, error, type: 'InvalidLogFile' };
      }
    };
    const inflight: Promise<Awaited<ReturnType<typeof fetchFile>>>[] = [];
    const fill = (): void => {
      while (inflight.length < this.options.concurrency && next < pending.length) {
        inflight.push(fetchFile(pending[next++] ?? ''));
      }
    };
    fill();
    while (inflight.length > 0) {
      if (this.stopping.has(id)) return;
      // Gather a batch: files in order, up to batchBytes of text.
      const batch: { key: string; text: string }[] = [];
      let bytes = 0;
      while (inflight.length > 0 && bytes < this.options.batchBytes) {
        const file = await inflight.shift();
        fill();
        if (!file) break;
        if (file.text === undefined) {
          await this.fail(id, location(file.key), file.type ?? 'ImportFailed', file.error);
          await this.completeFiles(id, [file.key], remainingInPrefix);
          continue;
        }
        batch.push({ key: file.key, text: file.text });
        bytes += file.text.length;
      }
      if (batch.length > 0) await this.addBatch(id, store, batch, window, location, remainingInPrefix);
    }
    await this.update(id, (r) => ({ ...r, status: 'COMPLETED' }));
  }

  /** Adds a batch in one transaction; when that fails, file by file, so one bad file fails alone. */
  private async addBatch(
    id: string,
    store: EventDataStore,
    batch: { key: string; text: string }[],
    window: { scope: string; startMs?: number; endMs?: number },
    location: (key: string) => string,
    remainingInPrefix: Map<string, number>,
  ): Promise<void> {
    const files = batch.map((f) => ({ source: location(f.key), text: f.text }));
    const done = this.filesDone(
      id,
      batch.map((f) => f.key),
      remainingInPrefix,
    );
    try {
      await this.deps.lake.appendLogFiles(store, files, { ...window, progress: done.next });
      done.commit();
      return;
    } catch (error) {
      if (batch.length === 1) {
        await this.fail(id, location(batch[0]?.key ?? ''), 'InvalidLogFile', error);
        await this.completeFiles(id, [batch[0]?.key ?? ''], remainingInPrefix);
        return;
      }
    }
    for (const file of batch) await this.addBatch(id, store, [file], window, location, remainingInPrefix);
  }

  /** The progress of finishing `keys`: the files, their events and the prefixes they complete. */
  private filesDone(
    id: string,
    keys: string[],
    remainingInPrefix: Map<string, number>,
  ): { next: (events: number) => ImportRecord; commit: () => void } {
    const perPrefix = new Map<string, number>();
    for (const key of keys) perPrefix.set(directoryOf(key), (perPrefix.get(directoryOf(key)) ?? 0) + 1);
    const prefixesDone = [...perPrefix].filter(([dir, n]) => (remainingInPrefix.get(dir) ?? n) <= n).length;
    const progress = this.progress(id, (r, events) => ({
      ...r,
      statistics: {
        ...r.statistics,
        filesCompleted: r.statistics.filesCompleted + keys.length,
        eventsCompleted: r.statistics.eventsCompleted + events,
        prefixesCompleted: r.statistics.prefixesCompleted + prefixesDone,
      },
    }));
    return {
      next: progress.next,
      commit: () => {
        progress.commit();
        for (const [dir, n] of perPrefix) remainingInPrefix.set(dir, (remainingInPrefix.get(dir) ?? n) - n);
      },
    };
  }

  /** Counts files that added nothing (they failed) as done. */
  private async completeFiles(
    id: string,
    keys: string[],
    remainingInPrefix: Map<string, number>,
  ): Promise<void> {
    const done = this.filesDone(id, keys, remainingInPrefix);
    await this.deps.lake.saveImport(done.next(0));
    done.commit();
  }

  /**
   * Copies Event history into the store: the log's events up to where the store's live ingestion
   * began (those after reach it live), batch by batch, each with the import's progress.
   */
  private async copyHistory(id: string, store: EventDataStore): Promise<void> {
    const { events, organizationAccounts, lake } = this.deps;
    let record = this.imports.get(id);
    if (!record) return;
    if (!record.history) {
      const live = store.ingesting ? await events.getCursor(lakeConsumer(store)) : undefined;
      const toSeq = live ?? events.lastSeq();
      record = await this.update(id, (r) => ({
        ...r,
        history: { toSeq: String(toSeq), doneSeq: '0' },
        statistics: { ...r.statistics, prefixesFound: 1 },
      }));
    }
    record = await this.update(id, (r) => ({ ...r, status: 'IN_PROGRESS' }));
    const toSeq = BigInt(record.history?.toSeq ?? '0');
    let cursor = BigInt(record.history?.doneSeq ?? '0');
    // Events older than the store keeps would only be removed by its next retention pass.
    const startMs = Math.max(record.startEventTimeMs ?? 0, this.deps.now() - store.retentionPeriod * DAY_MS);
    const endMs = record.endEventTimeMs ?? Number.POSITIVE_INFINITY;
    const filter = { ...logFilterOf(store, organizationAccounts), startMs, endMs };
    while (cursor < toSeq) {
      if (this.stopping.has(id)) return;
      const last = cursor + HISTORY_BATCH_SEQS < toSeq ? cursor + HISTORY_BATCH_SEQS : toSeq;
      const progress = this.progress(id, (r, added) => ({
        ...r,
        history: { toSeq: String(toSeq), doneSeq: String(last) },
        statistics: { ...r.statistics, eventsCompleted: r.statistics.eventsCompleted + added },
      }));
      await lake.copyFromLog(store, { ...filter, afterSeq: cursor, toSeq: last }, progress.next);
      progress.commit();
      cursor = last;
    }
    await this.update(id, (r) => ({
      ...r,
      status: 'COMPLETED',
      statistics: { ...r.statistics, prefixesCompleted: 1 },
    }));
  }
}
