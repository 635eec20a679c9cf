/**
 * Imports (StartImport) into an event data store, from the CloudTrail log files under a bucket
 * prefix (log-file-import.ts) or from Event history (history-copy.ts). The service keeps each
 * import's record, allows one ongoing import per account in a Region, resumes those a restart
 * interrupted and stops them on request. The record is saved in the transaction that adds each
 * batch, so its counts never disagree with the store.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ServiceError } from '../errors.ts';
import type { ObjectStore } from '../objects/object-store.ts';
import type { EventStore } from '../store/index.ts';
import type { Caller, EventDataStoreRegistry } from './event-data-store-registry.ts';
import type { EventDataStore } from './event-data-store.ts';
import { copyEventHistory } from './history-copy.ts';
import type { ImportProgress, ImportRun } from './import-run.ts';
import { HISTORY_SOURCE_URI, parseS3Uri } from './import-source.ts';
import type { LakeIngestionDeps } from './lake-ingestion.ts';
import type { ImportFailure, ImportRecord, ImportStatus, LakeStore } from './lake-store.ts';
import { DEFAULT_IMPORT_OPTIONS, importLogFiles, type ImportOptions } from './log-file-import.ts';

const ONGOING = new Set<ImportStatus>(['INITIALIZING', 'IN_PROGRESS']);
/** Failure entries kept per import (the count in statistics goes on). */
const MAX_FAILURES_KEPT = 10_000;

export function importNotFound(id: string): ServiceError {
  return new ServiceError('ImportNotFoundException', `The import ${id} was not found.`);
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
  private progress(id: string, change: (r: ImportRecord, events: number) => ImportRecord): ImportProgress {
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

  /** What the run of import `id` may do to its record. */
  private runOf(id: string): ImportRun {
    return {
      record: () => {
        const current = this.imports.get(id);
        if (!current) throw importNotFound(id);
        return current;
      },
      stopRequested: () => this.stopping.has(id),
      update: (change) => this.update(id, change),
      fail: (location, errorType, error) => this.fail(id, location, errorType, error),
      progress: (change) => this.progress(id, change),
    };
  }

  private async run(id: string): Promise<void> {
    const record = this.imports.get(id);
    if (!record) return;
    const store = this.deps.registry.all().find((s) => s.arn === record.destinations[0]);
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
      await copyEventHistory(this.runOf(id), store, this.deps);
      return;
    }
    await importLogFiles(this.runOf(id), store, this.deps, this.options);
  }
}
