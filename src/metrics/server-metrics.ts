/**
 * The server's Prometheus metrics, on prom-client (the Prometheus client for Node: text exposition
 * format 0.0.4, and the standard process and Node.js runtime metrics an operator's dashboards
 * already know). Each server has its own registry, never prom-client's global one, so two servers
 * in one process (tests) count apart.
 *
 * The domains do not know this class: they report through small observer ports they own
 * (`RunnerObserver` in store/, `CommitObserver` in ingest/) and the API through `ApiMetrics`
 * below; the composition root hands this object to each of them.
 */
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CommitObserver, CommitStats } from '../ingest/index.ts';
import type { ConsumerLag, LagSource, RunnerObserver } from '../store/index.ts';

/** What the API front reports of each request it answered. */
export interface ApiMetrics {
  /**
   * One answered request: the operation it called (`None` when it named none or its caller was
   * not authenticated), its HTTP status (499: the client went away before the answer), and how
   * long it took from arrival to the last byte of the answer.
   */
  observeRequest(operation: string, status: number, durationMs: number): void;
}

/** Lake queries by state, as the query service counts them. */
export interface QueryStats {
  queued: number;
  running: number;
}

/** The operation label of a request that named no operation, or whose caller was not authenticated. */
export const NO_OPERATION = 'None';

/** The status of a request whose client went away before its answer was sent (nginx's 499). */
export const CLIENT_CLOSED_REQUEST = 499;

const SECONDS_PER_MS = 1 / 1000;

/** From a millisecond (a lookup served from memory) to half a minute (a stalled commit). */
const LATENCY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Up to the group commit's largest transaction (20,000 events). */
const BATCH_BUCKETS_EVENTS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 20_000];

export interface ServerMetricsOptions {
  logger: Logger;
  /** Process and Node.js runtime metrics (RSS, heap, event loop delay, GC); on unless false. */
  processMetrics?: boolean;
}

export class ServerMetrics implements ApiMetrics, CommitObserver, RunnerObserver {
  readonly registry = new Registry();
  private readonly sources = new Set<LagSource>();
  private backlog: (() => number) | undefined;
  private queries: (() => QueryStats) | undefined;
  /** One lag measurement shared by the two lag gauges of a scrape (they are collected together). */
  private measuring: Promise<{ source: string; lag: ConsumerLag }[]> | undefined;

  private readonly requests = new Counter({
    name: 'opentrail_api_requests_total',
    help: 'API requests answered, by operation and HTTP status.',
    labelNames: ['operation', 'status'] as const,
    registers: [this.registry],
  });
  private readonly requestSeconds = new Histogram({
    name: 'opentrail_api_request_duration_seconds',
    help: 'Time from a request arriving to its answer sent (recording calls include their group commit).',
    labelNames: ['operation'] as const,
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [this.registry],
  });
  private readonly recorded = new Counter({
    name: 'opentrail_events_recorded_total',
    help: 'Events made durable in the event log (recorded records and API calls audited).',
    registers: [this.registry],
  });
  private readonly duplicates = new Counter({
    name: 'opentrail_events_duplicate_total',
    help: 'Events not recorded again because their eventID was already in the log.',
    registers: [this.registry],
  });
  private readonly batchEvents = new Histogram({
    name: 'opentrail_group_commit_batch_events',
    help: 'Events per group-commit transaction.',
    buckets: BATCH_BUCKETS_EVENTS,
    registers: [this.registry],
  });
  private readonly commitSeconds = new Histogram({
    name: 'opentrail_group_commit_duration_seconds',
    help: 'Time to make one group-commit transaction durable.',
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [this.registry],
  });
  private readonly commitFailures = new Counter({
    name: 'opentrail_group_commit_failures_total',
    help: 'Group-commit transactions that failed (every request in them was answered with an error).',
    registers: [this.registry],
  });
  private readonly consumerFailures = new Counter({
    name: 'opentrail_consumer_failures_total',
    help:
      'Failures of consumers of the event log: a failed round is retried (stage="round": a log file or ' +
      'digest delivery error, a Lake ingestion error); work after a durable commit is not ' +
      '(stage="after-commit": an SNS notification).',
    labelNames: ['consumer', 'stage'] as const,
    registers: [this.registry],
  });

  constructor(private readonly options: ServerMetricsOptions) {
    const lagGauge = (name: string, help: string, pick: (lag: ConsumerLag) => number): void => {
      const gauge: Gauge<'consumer' | 'key'> = new Gauge({
        name,
        help,
        labelNames: ['consumer', 'key'] as const,
        registers: [this.registry],
        collect: async () => {
          const lags = await this.lagOfSources();
          gauge.reset();
          for (const { source, lag } of lags) gauge.set({ consumer: source, key: lag.key }, pick(lag));
        },
      });
    };
    lagGauge(
      'opentrail_consumer_lag_events',
      "Events in the log a consumer's key (a trail, an event data store) has not consumed yet.",
      (lag) => Number(lag.events),
    );
    lagGauge(
      'opentrail_consumer_lag_seconds',
      "Age of the oldest event a consumer's key has not consumed yet (0 when caught up).",
      (lag) => lag.seconds,
    );
    const queued: Gauge = new Gauge({
      name: 'opentrail_group_commit_queued_events',
      help: 'Events waiting for the next group-commit transaction.',
      registers: [this.registry],
      collect: () => {
        if (this.backlog) queued.set(this.backlog());
      },
    });
    const queries: Gauge<'state'> = new Gauge({
      name: 'opentrail_lake_queries',
      help: 'CloudTrail Lake queries by state: queued (waiting for a slot) and running.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect: () => {
        if (!this.queries) return;
        const stats = this.queries();
        queries.set({ state: 'queued' }, stats.queued);
        queries.set({ state: 'running' }, stats.running);
      },
    });
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** The Content-Type of `metrics()`: the Prometheus text format, version 0.0.4. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in the Prometheus text exposition format. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  observeRequest(operation: string, status: number, durationMs: number): void {
    this.requests.inc({ operation, status: String(status) });
    this.requestSeconds.observe({ operation }, durationMs * SECONDS_PER_MS);
  }

  committed(stats: CommitStats): void {
    if (stats.failed) {
      this.commitFailures.inc();
      return;
    }
    this.recorded.inc(stats.recorded);
    this.duplicates.inc(stats.events - stats.recorded);
    this.batchEvents.observe(stats.events);
    this.commitSeconds.observe(stats.durationMs * SECONDS_PER_MS);
  }

  failed(consumer: string, _key: string, stage: 'round' | 'after-commit'): void {
    this.consumerFailures.inc({ consumer, stage });
  }

  watch(source: LagSource): () => void {
    this.sources.add(source);
    return () => this.sources.delete(source);
  }

  /** Where the queued-events gauge reads the group commit's backlog. */
  measureGroupCommit(backlog: () => number): void {
    this.backlog = backlog;
  }

  /** Where the Lake queries gauge reads the query service's counts. */
  measureQueries(stats: () => QueryStats): void {
    this.queries = stats;
  }

  /** The lag of every watched consumer, measured once for the gauges collected together. */
  private lagOfSources(): Promise<{ source: string; lag: ConsumerLag }[]> {
    this.measuring ??= (async () => {
      const all: { source: string; lag: ConsumerLag }[] = [];
      for (const source of this.sources) {
        try {
          for (const lag of await source.lag()) all.push({ source: source.name, lag });
        } catch (error) {
          // A scrape still answers: the lag of this consumer is missing from it, and logged.
          this.options.logger.warn({ err: error, consumer: source.name }, 'measuring consumer lag failed');
        }
      }
      return all;
    })().finally(() => (this.measuring = undefined));
    return this.measuring;
  }
}
