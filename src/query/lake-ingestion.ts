/**
 * Live ingestion: each CloudTrail-category event data store that is ingesting is a consumer of the
 * event log. A round adds the events after the store's cursor that are in the store's scope (its
 * account, or its organization; its region, or all regions) and that its advanced selectors
 * select — filtered inside DuckDB, without reading the events into JavaScript unless selectors
 * need each record — in the same transaction that moves the cursor: a crash repeats nothing and
 * loses nothing. Retention and the end of pending deletions run here too.
 */
import type { Logger } from 'pino';
import type { CloudTrailRecord } from '../events/index.ts';
import type { EventStore } from '../store/index.ts';
import { compileAdvancedEventSelectors } from '../trails/advanced-event-selectors.ts';
import { lakeConsumer, type EventDataStore } from './event-data-store.ts';
import type { EventDataStoreRegistry } from './event-data-store-registry.ts';
import type { LogCopyFilter } from './lake-store.ts';

const DAY_MS = 86_400_000;

export interface LakeIngestionDeps {
  events: EventStore;
  registry: EventDataStoreRegistry;
  /** Accounts of the organization whose management account is `accountId`, if it manages one. */
  organizationAccounts: (accountId: string) => ReadonlySet<string> | undefined;
  logger: Logger;
  now: () => number;
}

export interface LakeIngestionOptions {
  pollMs: number;
  /** Sequence numbers of the log a store takes in one transaction. */
  maxEventsPerRound: number;
  retentionEveryMs: number;
}

export const DEFAULT_LAKE_INGESTION_OPTIONS: LakeIngestionOptions = {
  pollMs: 1000,
  // Over a DuckDB row group (122,880 rows), so a backlog is written to the file directly, not the WAL.
  maxEventsPerRound: 131_072,
  retentionEveryMs: 3_600_000,
};

/** The accounts whose events a store takes: its own, or its organization's. */
export function storeAccounts(
  store: EventDataStore,
  organizationAccounts: LakeIngestionDeps['organizationAccounts'],
): ReadonlySet<string> {
  return (store.organizationEnabled && organizationAccounts(store.accountId)) || new Set([store.accountId]);
}

/**
 * What a store takes of the log, as the lake store filters it: its accounts and region(s) and, for
 * the common store of all management events, the category alone; other selectors decide on each
 * record's text.
 */
export function logFilterOf(
  store: EventDataStore,
  organizationAccounts: LakeIngestionDeps['organizationAccounts'],
): Omit<LogCopyFilter, 'afterSeq' | 'toSeq'> {
  return {
    accounts: [...storeAccounts(store, organizationAccounts)],
    ...(store.multiRegionEnabled ? {} : { region: store.region }),
    ...(takesAllManagementEvents(store) ? { category: 'Management' } : { selects: recordSelection(store) }),
  };
}

/**
 * Whether the store takes exactly the management events (the common store), which its category
 * alone decides, without parsing records.
 */
export function takesAllManagementEvents(store: EventDataStore): boolean {
  const managementOnly = store.advancedEventSelectors.some(
    (s) =>
      s.FieldSelectors.length === 1 &&
      s.FieldSelectors[0]?.Field === 'eventCategory' &&
      s.FieldSelectors[0].Equals?.[0] === 'Management',
  );
  const otherCategories = store.advancedEventSelectors.some(
    (s) => !s.FieldSelectors.some((f) => f.Field === 'eventCategory' && f.Equals?.[0] === 'Management'),
  );
  return managementOnly && !otherCategories;
}

/** Whether the store's advanced event selectors select a record, given its text. */
export function recordSelection(store: EventDataStore): (raw: string) => boolean {
  const matches = compileAdvancedEventSelectors(store.advancedEventSelectors);
  return (raw) => {
    try {
      return matches(JSON.parse(raw) as CloudTrailRecord);
    } catch {
      return false;
    }
  };
}

export class LakeIngestion {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastRetentionMs = 0;
  private stopped = false;

  constructor(
    private readonly deps: LakeIngestionDeps,
    private readonly options: LakeIngestionOptions = DEFAULT_LAKE_INGESTION_OPTIONS,
  ) {}

  start(): void {
    this.stopped = false;
    const tick = (): void => {
      this.timer = setTimeout(() => {
        void this.runOnce().finally(() => {
          if (!this.stopped) tick();
        });
      }, this.options.pollMs);
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Starts a store's consumer at the log's current end: a store holds events from now on. */
  async startAtHead(store: EventDataStore): Promise<void> {
    await this.deps.events.commitCursor(lakeConsumer(store), this.deps.events.lastSeq());
  }

  /** One pass over every store: catch up with the log, then (hourly) retention. */
  runOnce(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    for (const store of this.deps.registry.all()) {
      if (store.kind !== 'cloudtrail' || !store.ingesting || store.deletedMs !== undefined) continue;
      try {
        await this.catchUp(store);
      } catch (error) {
        this.deps.logger.error(
          { err: error, store: store.arn },
          'event data store ingestion failed; will retry',
        );
      }
    }
    const now = this.deps.now();
    if (now - this.lastRetentionMs >= this.options.retentionEveryMs) {
      this.lastRetentionMs = now;
      await this.retention(now).catch((error: unknown) =>
        this.deps.logger.error({ err: error }, 'event data store retention failed; will retry'),
      );
    }
  }

  private async catchUp(store: EventDataStore): Promise<void> {
    const { events, registry } = this.deps;
    const consumer = lakeConsumer(store);
    const saved = await events.getCursor(consumer);
    if (saved === undefined) {
      await this.startAtHead(store);
      return;
    }
    let cursor: bigint = saved;
    const filter = logFilterOf(store, this.deps.organizationAccounts);
    const round = BigInt(this.options.maxEventsPerRound);
    while (cursor < events.lastSeq() && !this.stopped) {
      const head = events.lastSeq();
      const toSeq = cursor + round < head ? cursor + round : head;
      // The store may have been changed or deleted meanwhile: ingest only while it still is as read.
      const current = registry.all().find((s) => s.arn === store.arn);
      if (!current || current !== store) return;
      await registry.lake.ingestFromLog(store, consumer, { ...filter, afterSeq: cursor, toSeq });
      cursor = toSeq;
    }
  }

  private async retention(nowMs: number): Promise<void> {
    const { registry, logger } = this.deps;
    for (const gone of await registry.expire(nowMs)) {
      logger.info({ store: gone.arn }, 'event data store deleted after its pending deletion period');
    }
    for (const store of registry.all()) {
      if (store.deletedMs !== undefined) continue;
      const removed = await registry.lake.purgeBefore(store, nowMs - store.retentionPeriod * DAY_MS);
      if (removed > 0) logger.info({ store: store.arn, removed }, 'event data store retention');
    }
  }
}
