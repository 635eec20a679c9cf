/**
 * Delivery: one log consumer per trail, run by the ConsumerRunner. Each batch keeps the events
 * after the trail's cursor that the trail covers and selects, and writes them as log files; the
 * runner moves the cursor only once every file is durable. Before writing, the batch's range is
 * recorded as the cursor's plan: after a crash exactly that range is replayed, and because file
 * names are a function of the range, the replay overwrites what was already written instead of
 * duplicating. A failing object store is retried with exponential backoff (the runner's); nothing
 * is skipped meanwhile, and the failure shows in GetTrailStatus.
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Logger } from 'pino';
import { ObjectStoreError, type ObjectStore } from '../objects/index.ts';
import {
  ConsumerRunner,
  type CursorState,
  type DeliveryEvent,
  type EventStore,
  type LogBatch,
  type LogConsumer,
  type LogConsumerOutcome,
  type RetryNotice,
  type RunnerObserver,
  type RunnerTimer,
} from '../store/index.ts';
import {
  compileSelection,
  deliveryConsumer,
  selectsAllManagementOnly,
  trailCovers,
  type Trail,
  type TrailRegistry,
} from '../trails/index.ts';
import type { CloudTrailRecord } from '../events/index.ts';
import { planLogFiles, type LogFilePlan } from './log-files.ts';
import type { Notifier } from './notifier.ts';
import type { DigestJournal } from './digest-journal.ts';
import { sha256Hex } from '../integrity/index.ts';

const gzip = promisify(gzipCallback);

export interface DeliveryOptions {
  intervalMs: number;
  /** Largest uncompressed log file. */
  maxFileBytes: number;
  /** Most events one round reads; a backlog is delivered in several rounds. */
  maxEventsPerRound: number;
  retryInitialMs: number;
  retryMaxMs: number;
}

export const DEFAULT_DELIVERY_OPTIONS: DeliveryOptions = {
  intervalMs: 60_000,
  maxFileBytes: 32 * 1024 * 1024,
  maxEventsPerRound: 20_000,
  retryInitialMs: 1_000,
  retryMaxMs: 60_000,
};

export interface DeliveryDeps {
  events: EventStore;
  trails: TrailRegistry;
  bucket: (name: string) => ObjectStore;
  notifier?: Notifier;
  /** Where delivered files are noted for the trail's digests (trails with log file validation). */
  journal?: DigestJournal;
  /** Member accounts of an organization trail's organization. */
  memberAccounts?: (trail: Trail) => ReadonlySet<string> | undefined;
  logger: Logger;
  now: () => number;
  /** Calls the rounds; setInterval unless given (tests drive rounds with runOnce and flush). */
  timer?: RunnerTimer;
  /** Closes delivery when aborted. */
  signal?: AbortSignal;
  /** Told of failed rounds and given the runner's lag (metrics). */
  runnerObserver?: RunnerObserver;
}

/** The S3-style error code GetTrailStatus shows for a failed put. */
function deliveryErrorOf(error: unknown): string {
  if (error instanceof ObjectStoreError) {
    switch (error.code) {
      case 'NoSuchBucket':
      case 'AccessDenied':
      case 'NoSuchKey':
      case 'InvalidKey':
        return error.code;
      case 'Unavailable':
        return 'ServiceUnavailable';
    }
  }
  return 'InternalError';
}

/** Trail delivery as the trail API and the composition root drive it. */
export class TrailDelivery {
  private readonly files: TrailLogFiles;
  private readonly runner: ConsumerRunner;

  constructor(deps: DeliveryDeps, options: DeliveryOptions = DEFAULT_DELIVERY_OPTIONS) {
    this.files = new TrailLogFiles(deps, options);
    this.runner = new ConsumerRunner(
      { log: this.files, events: deps.events },
      {
        name: 'log file delivery',
        intervalMs: options.intervalMs,
        retryInitialMs: options.retryInitialMs,
        retryMaxMs: options.retryMaxMs,
        logger: deps.logger,
        now: deps.now,
        ...(deps.timer ? { timer: deps.timer } : {}),
        ...(deps.signal ? { signal: deps.signal } : {}),
        ...(deps.runnerObserver ? { observer: deps.runnerObserver } : {}),
      },
    );
  }

  start(): void {
    this.runner.start();
  }

  /** Starts rounds now instead of at the next interval (StartLogging, StopLogging). */
  wake(): void {
    this.runner.wake();
  }

  /** Runs a round for every trail due now (not waiting out a backoff) and waits for it. */
  runOnce(): Promise<void> {
    return this.runner.runOnce();
  }

  /** Delivers everything pending for all trails now (tests, shutdown); failures stay recorded in status. */
  flush(): Promise<void> {
    return this.runner.flush();
  }

  /** Waits for the trail's round to end and drops its cursor (DeleteTrail). */
  async forget(arn: string): Promise<void> {
    await this.runner.forget(arn);
    this.files.forget(arn);
  }

  close(): Promise<void> {
    return this.runner.close();
  }
}

/** The next batch's read, started while this batch gzips and writes (the two use different cores). */
interface Prefetch {
  afterSeq: bigint;
  events: Promise<DeliveryEvent[] | undefined>;
}

/** Log file delivery as a consumer of the log: one key per trail, its cursor `delivery:<arn>`. */
class TrailLogFiles implements LogConsumer {
  readonly missingCursor = 'wait';
  private readonly prefetched = new Map<string, Prefetch>();

  constructor(
    private readonly deps: DeliveryDeps,
    private readonly options: DeliveryOptions,
  ) {}

  keys(): string[] {
    return this.deps.trails.all().map((t) => t.arn);
  }

  cursorOf(arn: string): string {
    return deliveryConsumer(arn);
  }

  /** The log's end while the trail logs; where logging stopped once it stopped. */
  limitSeq(arn: string, cursor: CursorState): bigint | undefined {
    const trail = this.deps.trails.get(arn);
    if (!trail) return undefined;
    return trail.status.isLogging
      ? this.deps.events.lastSeq()
      : BigInt(trail.status.stopSeq ?? cursor.seq.toString());
  }

  async consume(batch: LogBatch): Promise<LogConsumerOutcome> {
    const trail = this.deps.trails.get(batch.key);
    if (!trail) return { kind: 'idle' };
    const prefetch = this.prefetched.get(batch.key);
    this.prefetched.delete(batch.key);
    try {
      const prefetched =
        prefetch && prefetch.afterSeq === batch.afterSeq && !batch.replay ? await prefetch.events : undefined;
      const last = prefetched?.[prefetched.length - 1];
      const events =
        prefetched && last && last.seq <= batch.toSeq
          ? prefetched
          : await this.deps.events.readForDelivery(
              batch.afterSeq,
              // A replay reads its whole planned range: its file names depend on all of it.
              batch.replay ? Number.MAX_SAFE_INTEGER : this.options.maxEventsPerRound,
              batch.toSeq,
            );
      if (events.length === 0) {
        // Nothing readable in the range: every event in it was committed (lastSeq is a commit
        // watermark), so the range holds no event at all.
        return { kind: 'done', through: batch.toSeq };
      }
      const to = batch.replay ? batch.toSeq : (events[events.length - 1] as DeliveryEvent).seq;
      const files = this.planFiles(trail, events, batch.afterSeq, to);
      if (files.length > 0 && !batch.replay) await batch.plan(to);
      if (to < batch.limitSeq) {
        this.prefetched.set(batch.key, {
          afterSeq: to,
          events: this.deps.events
            .readForDelivery(to, this.options.maxEventsPerRound, batch.limitSeq)
            .catch(() => undefined),
        });
      }
      await this.putAll(trail, files);
      return {
        kind: 'done',
        through: to,
        ...(files.length > 0 ? { afterCommit: () => this.announce(trail, batch.startedMs, files) } : {}),
      };
    } catch (error) {
      // The next batch starts from this one's cursor again: the read ahead is of no use.
      this.prefetched.delete(batch.key);
      return { kind: 'retry', error };
    }
  }

  /** Drops what was read ahead for a trail that is gone. */
  forget(arn: string): void {
    this.prefetched.delete(arn);
  }

  /** GetTrailStatus shows the failed attempt; the runner has logged it and will retry. */
  async retrying(arn: string, notice: RetryNotice): Promise<void> {
    await this.updateStatus(arn, (status) => ({
      ...status,
      latestDeliveryError: deliveryErrorOf(notice.error),
      latestDeliveryAttemptTimeMs: notice.attemptMs,
    }));
  }

  /** After the cursor moved: the delivery in GetTrailStatus, then the SNS notifications. */
  private async announce(trail: Trail, attemptMs: number, files: LogFilePlan[]): Promise<void> {
    await this.recordSuccess(trail, attemptMs);
    await this.notify(trail, files);
  }

  private planFiles(trail: Trail, events: DeliveryEvent[], fromSeq: bigint, toSeq: bigint): LogFilePlan[] {
    const members = trail.isOrganizationTrail ? this.deps.memberAccounts?.(trail) : undefined;
    const allManagement = selectsAllManagementOnly(trail.selection);
    const selects = compileSelection(trail.selection);
    const selected = events.filter((e) => {
      if (!trailCovers(trail, e, members)) return false;
      if (allManagement) return e.category === 'Management';
      let record: CloudTrailRecord;
      try {
        record = JSON.parse(e.raw) as CloudTrailRecord;
      } catch {
        return false;
      }
      return selects(record);
    });
    const last = events[events.length - 1] as DeliveryEvent;
    return planLogFiles(selected, {
      seed: `${trail.arn}|${fromSeq}|${toSeq}`,
      timeMs: last.recordedAtMs,
      maxFileBytes: this.options.maxFileBytes,
      location: {
        ...(trail.s3KeyPrefix ? { s3KeyPrefix: trail.s3KeyPrefix } : {}),
        ...(trail.isOrganizationTrail && trail.organizationId
          ? { organizationId: trail.organizationId }
          : {}),
      },
    });
  }

  private async putAll(trail: Trail, files: LogFilePlan[]): Promise<void> {
    const bucket = this.deps.bucket(trail.s3BucketName);
    await Promise.all(
      files.map(async (file) => {
        const body = await gzip(file.body);
        await bucket.put(file.key, body, { contentType: 'application/json', contentEncoding: 'gzip' });
      }),
    );
    if (trail.logFileValidationEnabled && this.deps.journal) {
      const deliveredAtMs = this.deps.now();
      await this.deps.journal.recordFiles(
        files.map((file) => ({
          trailArn: trail.arn,
          accountId: file.accountId,
          region: file.region,
          bucket: trail.s3BucketName,
          key: file.key,
          sha256: sha256Hex(file.body),
          oldestEventMs: file.oldestEventMs,
          newestEventMs: file.newestEventMs,
          deliveredAtMs,
        })),
      );
    }
  }

  private async recordSuccess(trail: Trail, attemptMs: number): Promise<void> {
    const doneMs = this.deps.now();
    await this.updateStatus(trail.arn, (status) => {
      const { latestDeliveryError: _cleared, ...rest } = status;
      return {
        ...rest,
        latestDeliveryTimeMs: doneMs,
        latestDeliveryAttemptTimeMs: attemptMs,
        latestDeliveryAttemptSucceededMs: attemptMs,
      };
    });
  }

  private async notify(trail: Trail, files: LogFilePlan[]): Promise<void> {
    const notifier = this.deps.notifier;
    if (!trail.snsTopicArn || !notifier) return;
    const topicArn = trail.snsTopicArn;
    for (const file of files) {
      const attemptMs = this.deps.now();
      try {
        await notifier.publish(topicArn, { s3Bucket: trail.s3BucketName, s3ObjectKey: [file.key] });
        await this.updateStatus(trail.arn, (status) => {
          const { latestNotificationError: _cleared, ...rest } = status;
          return {
            ...rest,
            latestNotificationTimeMs: this.deps.now(),
            latestNotificationAttemptTimeMs: attemptMs,
            latestNotificationAttemptSucceededMs: attemptMs,
          };
        });
      } catch (error) {
        this.deps.logger.warn({ err: error, trail: trail.arn }, 'delivery notification failed');
        await this.updateStatus(trail.arn, (status) => ({
          ...status,
          latestNotificationError: error instanceof Error ? error.message : String(error),
          latestNotificationAttemptTimeMs: attemptMs,
        }));
      }
    }
  }

  private async updateStatus(
    arn: string,
    change: (status: Trail['status']) => Trail['status'],
  ): Promise<void> {
    try {
      await this.deps.trails.update(arn, (t) => ({ ...t, status: change(t.status) }));
    } catch (error) {
      // The trail was deleted meanwhile: its status no longer matters.
      this.deps.logger.debug({ err: error, trail: arn }, 'status update skipped');
    }
  }
}
