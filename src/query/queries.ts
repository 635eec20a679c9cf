/**
 * Lake queries: StartQuery checks and translates a statement at once (so a bad statement is an
 * InvalidQueryStatementException on the call), then runs it in the background on the query
 * engine, a few at a time, as AWS documents Lake: StartQuery returns a QueryId whatever else runs,
 * the query is QUEUED until a slot is free, then RUNNING. No account holds more than its share of
 * the slots, so one account's heavy queries leave room for others'; each query is stopped as
 * TIMED_OUT after its time limit even when the engine does not stop it. Finished results and every query's record persist, so GetQueryResults
 * pages through them from any number of clients and across restarts, for seven days as on AWS.
 * A query with a DeliveryS3Uri is also saved to that bucket once it finishes (query-delivery.ts);
 * its results are kept first, so a failed delivery loses nothing GetQueryResults returns.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ServiceError } from '../errors.ts';
import type { ActiveSigningKey } from '../integrity/index.ts';
import type { ObjectStore } from '../objects/index.ts';
import {
  inactiveEventDataStore,
  isEventDataStoreId,
  lakeTableOf,
  parseEventDataStoreRef,
  type EventDataStore,
} from './event-data-store.ts';
import type { EventDataStoreRegistry, Caller } from './event-data-store-registry.ts';
import type { LakeStore, QueryRecord } from './lake-store.ts';
import {
  DEFAULT_QUERY_DELIVERY_OPTIONS,
  checkDeliveryBucket,
  deliverQueryResults,
  parseDeliveryS3Uri,
  type DeliveryOutcome,
  type DeliveryTarget,
  type QueryDeliveryOptions,
} from './query-delivery.ts';

/** The engine a query runs on: translation of Lake SQL and execution, bounded in time and size. */
export interface LakeQueryEngine {
  /**
   * Checks the statement and returns the engine's SQL. `resolve` maps a store name written in the
   * statement to its table, or returns undefined when the caller has no such store.
   */
  prepare(
    statement: string,
    resolve: (name: string) => string | undefined,
  ): Promise<{ sql: string; storeNames: string[] }>;
  /** Runs prepared SQL; values come back as Lake renders them (strings, or null). */
  execute(
    sql: string,
    options: ExecuteOptions,
  ): Promise<{
    columns: string[];
    rows: (string | null)[][];
    /** Events that matched the statement's filters, where the engine can tell. */
    eventsMatched?: number;
  }>;
}

export interface ExecuteOptions {
  timeoutMs: number;
  maxRows: number;
  signal: AbortSignal;
}

/** Thrown by an engine when a query passed its time limit. */
export class QueryTimedOut extends Error {}

export interface QueryServiceOptions {
  /** Queries running at once; more wait as QUEUED. */
  concurrency: number;
  /** Queries of one account running at once (at most `concurrency`); its others wait as QUEUED. */
  runningPerAccount: number;
  /** Longest a query runs before it is stopped as TIMED_OUT. */
  timeoutMs: number;
  /** Most rows a result keeps; a larger result fails the query with a message saying so. */
  maxResultRows: number;
  /** AWS: "The results of a query are available for seven days after the query finishes." */
  keepMs: number;
  /**
   * Queries of one account QUEUED or RUNNING at once; StartQuery beyond it is refused with
   * MaxConcurrentQueriesException (AWS: "The maximum number of concurrent queries is 10").
   */
  maxConcurrentPerAccount: number;
  /** Result files saved to a DeliveryS3Uri. */
  delivery: QueryDeliveryOptions;
}

/**
 * AWS: "Queries that run for longer than one hour might time out", and "most queries complete
 * within a few minutes" (CloudTrail user guide, "View query results"). On one host, where a query
 * holds one of a few slots, OpenTrail stops a query after ten minutes unless told otherwise.
 */
export const DEFAULT_QUERY_TIMEOUT_MS = 600_000;

/** After its time limit, how long a query may take to stop before it is recorded TIMED_OUT anyway. */
const TIMEOUT_GRACE_MS = 1000;

export const DEFAULT_QUERY_OPTIONS: QueryServiceOptions = {
  concurrency: 2,
  runningPerAccount: 2,
  timeoutMs: DEFAULT_QUERY_TIMEOUT_MS,
  maxResultRows: 1_000_000,
  keepMs: 7 * 86_400_000,
  maxConcurrentPerAccount: 10,
  delivery: DEFAULT_QUERY_DELIVERY_OPTIONS,
};

const ACTIVE = new Set<QueryRecord['status']>(['QUEUED', 'RUNNING']);

/**
 * Which stores of other accounts a query may read (their resource-based policies let the caller,
 * as the authorizer decided): stores named by ARN, and by ID in `ownerAccountId`
 * (StartQuery's EventDataStoreOwnerAccountId).
 */
export interface SharedStoreAccess {
  ownerAccountId?: string;
  mayRead?: (store: EventDataStore) => boolean;
}

export function queryNotFound(id: string): ServiceError {
  return new ServiceError(
    'QueryIdNotFoundException',
    `The query ID ${id} does not exist or does not map to a query.`,
  );
}

export class QueryService {
  private readonly queries = new Map<string, QueryRecord>();
  private readonly sql = new Map<string, string>();
  private readonly running = new Map<string, AbortController>();
  /** Queries waiting for a slot, in the order they were started. */
  private readonly waiting: string[] = [];
  /** Slots taken, in all and by account. */
  private slotsTaken = 0;
  private readonly slotsByAccount = new Map<string, number>();
  /** StartQuery calls between the quota check and the query's record, by account. */
  private readonly starting = new Map<string, number>();
  private readonly settled = new Map<string, Promise<void>>();
  private readonly settle = new Map<string, () => void>();
  /** Queries running and deliveries resumed after a restart, for close() to wait on. */
  private readonly tasks = new Set<Promise<void>>();
  /** Deliveries found PENDING at open, delivered again by resume(). */
  private readonly undelivered: string[] = [];
  private readonly closing = new AbortController();

  private constructor(
    private readonly deps: {
      lake: LakeStore;
      registry: EventDataStoreRegistry;
      engine: LakeQueryEngine;
      /** The bucket of a DeliveryS3Uri. */
      bucket: (name: string) => ObjectStore;
      /** The region's signing key for sign files (the digest signing keys, SigningKeyRing). */
      keys: { current(region: string): Promise<ActiveSigningKey> };
      logger: Logger;
      now: () => number;
    },
    private readonly options: QueryServiceOptions,
  ) {}

  static async open(
    deps: QueryService['deps'],
    options: QueryServiceOptions = DEFAULT_QUERY_OPTIONS,
  ): Promise<QueryService> {
    const service = new QueryService(deps, options);
    await deps.lake.purgeQueries(deps.now() - options.keepMs);
    for (const query of await deps.lake.loadQueries()) {
      if (ACTIVE.has(query.status)) {
        // The server stopped while the query ran: it has no result and says so.
        const failed: QueryRecord = {
          ...query,
          status: 'FAILED',
          errorMessage: 'The query was interrupted by a restart of OpenTrail; run it again.',
          ...(query.deliveryS3Uri !== undefined ? { deliveryStatus: 'FAILED' as const } : {}),
        };
        await deps.lake.saveQuery(failed);
        service.queries.set(query.id, failed);
      } else {
        service.queries.set(query.id, query);
        // Finished, but the server stopped before its results were saved to the bucket.
        if (query.status === 'FINISHED' && query.deliveryStatus === 'PENDING')
          service.undelivered.push(query.id);
      }
    }
    return service;
  }

  /**
   * Maps a store named in a statement to its table, for stores the caller owns in its Region and
   * the stores of other accounts that `access` lets it read.
   */
  private resolverFor(
    caller: Caller,
    used: Map<string, string>,
    access: SharedStoreAccess = {},
  ): (name: string) => string | undefined {
    return (name) => {
      let ref;
      try {
        ref = parseEventDataStoreRef(name);
      } catch {
        return undefined;
      }
      if (!ref.arn && !isEventDataStoreId(ref.id)) return undefined;
      const store =
        this.deps.registry
          .ownedBy(caller)
          .find(
            (s) =>
              s.id === ref.id &&
              (!ref.arn || (ref.arn.accountId === s.accountId && ref.arn.region === s.region)),
          ) ?? this.sharedStore(ref, caller, access);
      if (!store) return undefined;
      if (store.deletedMs !== undefined) throw inactiveEventDataStore(store);
      used.set(store.arn, store.id);
      return lakeTableOf(store.id);
    };
  }

  /** Another account's store in the caller's Region, by ARN or by ID in `access.ownerAccountId`, if readable. */
  private sharedStore(
    ref: { id: string; arn?: { region: string; accountId: string } },
    caller: Caller,
    access: SharedStoreAccess,
  ): EventDataStore | undefined {
    const accountId = ref.arn?.accountId ?? access.ownerAccountId;
    if (accountId === undefined || accountId === caller.accountId || access.mayRead === undefined)
      return undefined;
    if (ref.arn && ref.arn.region !== caller.region) return undefined;
    const store = this.deps.registry
      .ownedBy({ accountId, region: caller.region })
      .find((s) => s.id === ref.id);
    return store && access.mayRead(store) ? store : undefined;
  }

  /** Delivers again the results whose delivery a restart interrupted (same keys, overwritten). */
  resume(): void {
    for (const id of this.undelivered.splice(0)) {
      const query = this.queries.get(id);
      if (query) this.track(this.deliver(query, this.closing.signal));
    }
  }

  private track(task: Promise<void>): void {
    const tracked = task
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'query task failed'))
      .finally(() => this.tasks.delete(tracked));
    this.tasks.add(tracked);
  }

  /**
   * Stops: queued queries stay unrun, running ones are interrupted (the next start reports them
   * FAILED), deliveries in progress stop between files and resume at the next start.
   */
  async close(): Promise<void> {
    this.closing.abort();
    for (const id of [...this.settle.keys()]) if (!this.running.has(id)) this.settleQuery(id);
    for (const controller of this.running.values()) controller.abort();
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
  }

  async start(
    caller: Caller,
    statement: string,
    delivery?: DeliveryTarget,
    access: SharedStoreAccess = {},
  ): Promise<QueryRecord> {
    const account = caller.accountId;
    const active = [...this.queries.values()].filter(
      (q) => q.accountId === account && ACTIVE.has(q.status),
    ).length;
    if (active + (this.starting.get(account) ?? 0) >= this.options.maxConcurrentPerAccount) {
      // The text of the model's MaxConcurrentQueriesException, with this server's quota.
      throw new ServiceError(
        'MaxConcurrentQueriesException',
        `You are already running the maximum number of concurrent queries. The maximum number of concurrent queries is ${this.options.maxConcurrentPerAccount}. Wait a minute for some queries to finish, and then run the query again.`,
      );
    }
    this.starting.set(account, (this.starting.get(account) ?? 0) + 1);
    try {
      return await this.startChecked(caller, statement, delivery, access);
    } finally {
      const left = (this.starting.get(account) ?? 1) - 1;
      if (left > 0) this.starting.set(account, left);
      else this.starting.delete(account);
    }
  }

  private async startChecked(
    caller: Caller,
    statement: string,
    delivery: DeliveryTarget | undefined,
    access: SharedStoreAccess,
  ): Promise<QueryRecord> {
    const used = new Map<string, string>();
    const { sql } = await this.deps.engine.prepare(statement, this.resolverFor(caller, used, access));
    if (delivery) await checkDeliveryBucket(this.deps.bucket(delivery.bucket));
    const query: QueryRecord = {
      id: randomUUID(),
      accountId: caller.accountId,
      region: caller.region,
      statement,
      storeArns: [...used.keys()],
      status: 'QUEUED',
      createdMs: this.deps.now(),
      ...(delivery ? { deliveryS3Uri: delivery.uri, deliveryStatus: 'PENDING' as const } : {}),
    };
    await this.deps.lake.saveQuery(query);
    this.queries.set(query.id, query);
    this.sql.set(query.id, sql);
    this.settled.set(query.id, new Promise((resolve) => this.settle.set(query.id, resolve)));
    this.waiting.push(query.id);
    this.dispatch();
    return query;
  }

  /**
   * Gives free slots to waiting queries, oldest first, skipping those whose account already runs
   * its share; a query cancelled while it waited leaves the queue unrun.
   */
  private dispatch(): void {
    let i = 0;
    while (i < this.waiting.length && this.slotsTaken < this.options.concurrency) {
      if (this.closing.signal.aborted) return;
      const id = this.waiting[i] as string;
      const query = this.queries.get(id);
      if (query?.status !== 'QUEUED') {
        this.waiting.splice(i, 1);
        this.settleQuery(id);
        continue;
      }
      const account = query.accountId;
      const taken = this.slotsByAccount.get(account) ?? 0;
      if (taken >= Math.min(this.options.runningPerAccount, this.options.concurrency)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.slotsTaken++;
      this.slotsByAccount.set(account, taken + 1);
      this.track(
        this.runInSlot(id).finally(() => {
          this.slotsTaken--;
          const left = (this.slotsByAccount.get(account) ?? 1) - 1;
          if (left > 0) this.slotsByAccount.set(account, left);
          else this.slotsByAccount.delete(account);
          this.settleQuery(id);
          this.dispatch();
        }),
      );
    }
  }

  /** Resolves once the query has left QUEUED and RUNNING (tests and the CLI wait on it). */
  async finished(id: string): Promise<QueryRecord | undefined> {
    await this.settled.get(id);
    return this.queries.get(id);
  }

  /** Runs a query once a slot is free; close() leaves queued queries unrun. */
  private async runInSlot(id: string): Promise<void> {
    if (this.closing.signal.aborted) return;
    const controller = new AbortController();
    this.running.set(id, controller);
    try {
      await this.run(id, controller);
    } finally {
      this.running.delete(id);
      this.sql.delete(id);
    }
  }

  /** Resolves what finished() returns for the query. */
  private settleQuery(id: string): void {
    this.settle.get(id)?.();
    this.settle.delete(id);
    this.settled.delete(id);
  }

  private async update(query: QueryRecord): Promise<void> {
    this.queries.set(query.id, query);
    await this.deps.lake.saveQuery(query);
  }

  private async run(id: string, controller: AbortController): Promise<void> {
    const queued = this.queries.get(id);
    const sql = this.sql.get(id);
    if (!queued || sql === undefined || queued.status !== 'QUEUED') return;
    const started = this.deps.now();
    const scanned = { events: 0, bytes: 0 };
    for (const arn of queued.storeArns) {
      const store = this.deps.registry.all().find((s) => s.arn === arn);
      if (!store) continue;
      const size = await this.deps.lake.size(store);
      scanned.events += size.events;
      scanned.bytes += size.bytes;
    }
    await this.update({ ...queued, status: 'RUNNING' });
    const base = { ...queued, eventsScanned: scanned.events, bytesScanned: scanned.bytes };
    // The engine stops a query at its time limit; should it not (DuckDB does not interrupt a
    // statement while it binds), the query is recorded TIMED_OUT anyway and keeps its slot until
    // the engine lets go.
    const guard = setTimeout(() => {
      void this.timeOut(id, controller, started).catch((error: unknown) =>
        this.deps.logger.error({ err: error, query: id }, 'recording a timed-out query failed'),
      );
    }, this.options.timeoutMs + TIMEOUT_GRACE_MS);
    try {
      const result = await this.deps.engine.execute(sql, {
        timeoutMs: this.options.timeoutMs,
        maxRows: this.options.maxResultRows,
        signal: controller.signal,
      });
      clearTimeout(guard);
      if (controller.signal.aborted) return;
      const finishedMs = this.deps.now();
      const finished: QueryRecord = {
        ...base,
        status: 'FINISHED',
        executionMs: finishedMs - started,
        finishedMs,
        columns: result.columns,
        totalRows: result.rows.length,
        ...(result.eventsMatched !== undefined ? { eventsMatched: result.eventsMatched } : {}),
      };
      await this.deps.lake.saveQueryResults(finished, result.rows);
      this.queries.set(id, finished);
    } catch (error) {
      clearTimeout(guard);
      if (controller.signal.aborted) return;
      const timedOut = error instanceof QueryTimedOut;
      const message = error instanceof Error ? error.message : String(error);
      if (!timedOut && !(error instanceof ServiceError))
        this.deps.logger.warn({ err: error, query: id }, 'query failed');
      await this.update({
        ...base,
        status: timedOut ? 'TIMED_OUT' : 'FAILED',
        executionMs: this.deps.now() - started,
        errorMessage: message.slice(0, 1000).padEnd(4, '.'),
        // AWS: "CloudTrail does not deliver partial query results to an S3 bucket."
        ...(base.deliveryS3Uri !== undefined ? { deliveryStatus: 'FAILED' as const } : {}),
      });
      return;
    }
    const finished = this.queries.get(id);
    if (finished?.deliveryS3Uri !== undefined) await this.deliver(finished, controller.signal);
  }

  /** Records a query the engine did not stop at its time limit as TIMED_OUT, and interrupts it. */
  private async timeOut(id: string, controller: AbortController, started: number): Promise<void> {
    const query = this.queries.get(id);
    if (query?.status !== 'RUNNING' || controller.signal.aborted) return;
    controller.abort();
    await this.update({
      ...query,
      status: 'TIMED_OUT',
      executionMs: this.deps.now() - started,
      errorMessage: `The query ran longer than ${Math.round(this.options.timeoutMs / 1000)} seconds and was stopped.`,
      ...(query.deliveryS3Uri !== undefined ? { deliveryStatus: 'FAILED' as const } : {}),
    });
  }

  /** Saves a finished query's results to its DeliveryS3Uri and records the DeliveryStatus. */
  private async deliver(query: QueryRecord, signal: AbortSignal): Promise<void> {
    if (query.deliveryS3Uri === undefined) return;
    let outcome: DeliveryOutcome;
    try {
      outcome = await deliverQueryResults(
        { bucket: this.deps.bucket, keys: this.deps.keys, now: this.deps.now },
        {
          id: query.id,
          accountId: query.accountId,
          region: query.region,
          createdMs: query.createdMs,
          executedMs: query.finishedMs ?? query.createdMs + (query.executionMs ?? 0),
        },
        parseDeliveryS3Uri(query.deliveryS3Uri),
        {
          columns: query.columns ?? [],
          totalRows: query.totalRows ?? 0,
          read: (offset, limit) => this.deps.lake.readQueryResults(query.id, offset, limit),
        },
        this.options.delivery,
        signal,
      );
    } catch (error) {
      // Reading the kept results failed, or a bug: the results stay readable, the delivery failed.
      this.deps.logger.error({ err: error, query: query.id }, 'query result delivery failed');
      outcome = { status: 'FAILED', message: error instanceof Error ? error.message : String(error) };
    }
    // Interrupted by close(): it stays PENDING and resume() delivers it at the next start.
    if (outcome.status === 'PENDING') return;
    if (outcome.status !== 'SUCCESS') {
      this.deps.logger.warn(
        { query: query.id, uri: query.deliveryS3Uri, status: outcome.status, reason: outcome.message },
        'query results were not delivered',
      );
    }
    const current = this.queries.get(query.id) ?? query;
    const { deliveryError: _previous, ...rest } = current;
    await this.update({
      ...rest,
      deliveryStatus: outcome.status,
      ...(outcome.status === 'SUCCESS' ? {} : { deliveryError: outcome.message.slice(0, 1000) }),
    });
  }

  /** A query of the caller's; QueryIdNotFoundException otherwise. */
  get(caller: Caller, id: string): QueryRecord {
    const query = this.queries.get(id);
    if (!query || query.accountId !== caller.accountId || query.region !== caller.region)
      throw queryNotFound(id);
    return query;
  }

  /** Queries over a store, newest first. */
  listFor(caller: Caller, storeArn: string): QueryRecord[] {
    return [...this.queries.values()]
      .filter(
        (q) =>
          q.accountId === caller.accountId && q.region === caller.region && q.storeArns.includes(storeArn),
      )
      .sort((a, b) => b.createdMs - a.createdMs || a.id.localeCompare(b.id));
  }

  async cancel(caller: Caller, id: string): Promise<QueryRecord> {
    const query = this.get(caller, id);
    if (!ACTIVE.has(query.status)) {
      throw new ServiceError(
        'InactiveQueryException',
        `The query ${id} is ${query.status} and can no longer be cancelled.`,
      );
    }
    // A queued query keeps its place in the queue; once CANCELLED, run() leaves it unrun.
    const queued = !this.running.has(id);
    this.running.get(id)?.abort();
    const cancelled: QueryRecord = {
      ...query,
      status: 'CANCELLED',
      executionMs: this.deps.now() - query.createdMs,
      ...(query.deliveryS3Uri !== undefined ? { deliveryStatus: 'CANCELLED' as const } : {}),
    };
    await this.update(cancelled);
    if (queued) this.settleQuery(id);
    return cancelled;
  }

  results(id: string, offset: number, limit: number): Promise<(string | null)[][]> {
    return this.deps.lake.readQueryResults(id, offset, limit);
  }

  async purge(): Promise<void> {
    const cutoff = this.deps.now() - this.options.keepMs;
    await this.deps.lake.purgeQueries(cutoff);
    for (const [id, q] of this.queries)
      if (q.createdMs < cutoff && !ACTIVE.has(q.status)) this.queries.delete(id);
  }

  /** Queries waiting for a slot and running now, by their status (metrics). */
  stats(): { queued: number; running: number } {
    let queued = 0;
    let running = 0;
    for (const q of this.queries.values()) {
      if (q.status === 'QUEUED') queued++;
      else if (q.status === 'RUNNING') running++;
    }
    return { queued, running };
  }
}
