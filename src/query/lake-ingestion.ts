/**
 * Live ingestion: each CloudTrail-category event data store that is ingesting is a consumer of the
 * event log, run by the ConsumerRunner. A batch adds the events after the store's cursor that are
 * in the store's scope (its account, or its organization; its region, or all regions) and that its
 * advanced selectors select — filtered inside the lake store, without reading the events into
 * JavaScript unless selectors need each record — in the same transaction that moves the cursor: a
 * crash repeats nothing and loses nothing. Retention and the end of pending deletions run here
 * too, as a second, time-driven consumer.
 */
import type { Logger } from 'pino';
import type { CloudTrailRecord } from '../events/index.ts';
import {
  ConsumerRunner,
  type ConsumerOutcome,
  type EventStore,
  type LogBatch,
  type LogConsumerOutcome,
  type RunnerObserver,
  type RunnerTimer,
} from '../store/index.ts';
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
  /** Calls the polls; setInterval unless given (tests drive rounds with runOnce). */
  timer?: RunnerTimer;
  /** Closes ingestion when aborted. */
  signal?: AbortSignal;
  /** Told of failed rounds and given the runner's lag (metrics). */
  runnerObserver?: RunnerObserver;
  /** Told of each store gone for good after its pending deletion (its resource policy goes too). */
  onStoreDeleted?: (store: EventDataStore) => Promise<void>;
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

/** The key of the retention round, the one key of its consumer. */
const RETENTION = 'retention';

export class LakeIngestion {
  private readonly stores: ConsumerRunner;
  private readonly retention: ConsumerRunner;
  private lastRetentionMs = 0;

  constructor(
    private readonly deps: LakeIngestionDeps,
    private readonly options: LakeIngestionOptions = DEFAULT_LAKE_INGESTION_OPTIONS,
  ) {
    const runnerOptions = {
      intervalMs: options.pollMs,
      // A failed round is tried again at the next poll.
      retryInitialMs: 0,
      retryMaxMs: 0,
      logger: deps.logger,
      now: deps.now,
      ...(deps.timer ? { timer: deps.timer } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
      ...(deps.runnerObserver ? { observer: deps.runnerObserver } : {}),
    };
    this.stores = new ConsumerRunner(
      {
        log: {
          keys: () => this.ingestingStores().map((s) => s.id),
          cursorOf: (id) => lakeConsumer({ id }),
          // A store holds the events recorded from its start on (startAtHead), or from now on.
          missingCursor: 'start-at-head',
          limitSeq: (id) => (this.ingestingStore(id) ? deps.events.lastSeq() : undefined),
          consume: (batch) => this.ingest(batch),
        },
        events: deps.events,
      },
      { ...runnerOptions, name: 'event data store ingestion' },
    );
    this.retention = new ConsumerRunner(
      { rounds: { keys: () => [RETENTION], consume: () => this.retentionRound() } },
      { ...runnerOptions, name: 'event data store retention' },
    );
  }

  start(): void {
    this.stores.start();
    this.retention.start();
  }

  /** Stops polling and waits for the rounds in progress. Idempotent. */
  async close(): Promise<void> {
    await Promise.all([this.stores.close(), this.retention.close()]);
  }

  /** Starts a store's consumer at the log's current end: a store holds events from now on. */
  async startAtHead(store: EventDataStore): Promise<void> {
    await this.deps.events.commitCursor(lakeConsumer(store), this.deps.events.lastSeq());
  }

  /** One pass over every store: catch up with the log, then (hourly) retention. */
  async runOnce(): Promise<void> {
    await this.stores.runOnce();
    await this.retention.runOnce();
  }

  private ingestingStores(): EventDataStore[] {
    return this.deps.registry
      .all()
      .filter((s) => s.kind === 'cloudtrail' && s.ingesting && s.deletedMs === undefined);
  }

  private ingestingStore(id: string): EventDataStore | undefined {
    return this.ingestingStores().find((s) => s.id === id);
  }

  /** Up to maxEventsPerRound sequence numbers of the log into the store, with its cursor. */
  private async ingest(batch: LogBatch): Promise<LogConsumerOutcome> {
    const { events, registry } = this.deps;
    const store = this.ingestingStore(batch.key);
    if (!store) return { kind: 'idle' };
    const consumer = lakeConsumer(store);
    // A StartIngestion meanwhile restarted the cursor at the log's end: ingesting the range read
    // before it would move the cursor back and add events logged while ingestion was stopped.
    if ((await events.getCursor(consumer)) !== batch.afterSeq) return { kind: 'idle' };
    const round = BigInt(this.options.maxEventsPerRound);
    const toSeq = batch.afterSeq + round < batch.toSeq ? batch.afterSeq + round : batch.toSeq;
    const filter = logFilterOf(store, this.deps.organizationAccounts);
    await registry.lake.ingestFromLog(store, consumer, { ...filter, afterSeq: batch.afterSeq, toSeq });
    return { kind: 'done', through: toSeq, committed: true };
  }

  /** Hourly: the end of pending deletions, then each store's retention period. */
  private async retentionRound(): Promise<ConsumerOutcome> {
    const nowMs = this.deps.now();
    if (nowMs - this.lastRetentionMs < this.options.retentionEveryMs) return { kind: 'idle' };
    // A failed pass waits for the next hour too: retention is not urgent.
    this.lastRetentionMs = nowMs;
    const { registry, logger } = this.deps;
    for (const gone of await registry.expire(nowMs)) {
      logger.info({ store: gone.arn }, 'event data store deleted after its pending deletion period');
      await this.deps.onStoreDeleted?.(gone);
    }
    for (const store of registry.all()) {
      if (store.deletedMs !== undefined) continue;
      const removed = await registry.lake.purgeBefore(store, nowMs - store.retentionPeriod * DAY_MS);
      if (removed > 0) logger.info({ store: store.arn, removed }, 'event data store retention');
    }
    return { kind: 'done' };
  }
}
