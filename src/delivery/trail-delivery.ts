/**
 * Delivery: one consumer per trail on the event log. Each round reads the events after the
 * trail's cursor, keeps those the trail covers and selects, writes them as log files, and moves
 * the cursor only once every file is durable. Before writing, the round's range is recorded as
 * the cursor's plan: after a crash exactly that range is replayed, and because file names are a
 * function of the range, the replay overwrites what was already written instead of duplicating.
 * A failing object store is retried with exponential backoff; nothing is skipped meanwhile.
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Logger } from 'pino';
import { ObjectStoreError, type ObjectStore } from '../objects/index.ts';
import type { DeliveryEvent, EventStore } from '../store/index.ts';
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
}

interface Backoff {
  failures: number;
  nextAttemptMs: number;
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

export class TrailDelivery {
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Map<string, Promise<void>>();
  private readonly backoff = new Map<string, Backoff>();
  private closed = false;

  constructor(
    private readonly deps: DeliveryDeps,
    private readonly options: DeliveryOptions = DEFAULT_DELIVERY_OPTIONS,
  ) {}

  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Starts a round for every trail with something to deliver that is not already in a round. */
  tick(): void {
    if (this.closed) return;
    const now = this.deps.now();
    for (const trail of this.deps.trails.all()) {
      if (this.running.has(trail.arn)) continue;
      const wait = this.backoff.get(trail.arn);
      if (wait && wait.nextAttemptMs > now) continue;
      const run = this.deliverTrail(trail.arn).finally(() => this.running.delete(trail.arn));
      this.running.set(trail.arn, run);
    }
  }

  /** Starts rounds now instead of at the next interval (StartLogging, StopLogging). */
  wake(): void {
    this.tick();
  }

  /** Delivers everything pending for all trails now (tests, shutdown); failures stay recorded in status. */
  async flush(): Promise<void> {
    await Promise.all(this.running.values());
    this.backoff.clear();
    this.tick();
    await Promise.all(this.running.values());
  }

  /** Waits for the trail's round to end and drops its cursor (DeleteTrail). */
  async forget(arn: string): Promise<void> {
    await this.running.get(arn);
    this.backoff.delete(arn);
    await this.deps.events.deleteCursor(deliveryConsumer(arn));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all(this.running.values());
  }

  private async deliverTrail(arn: string): Promise<void> {
    const consumer = deliveryConsumer(arn);
    // The next round's read runs while this round gzips and writes (the two use different cores).
    let prefetch: { after: bigint; events: Promise<DeliveryEvent[] | undefined> } | undefined;
    for (;;) {
      if (this.closed) return;
      const trail = this.deps.trails.get(arn);
      if (!trail) return;
      const cursor = await this.deps.events.getCursorState(consumer);
      if (!cursor) return; // never started
      const limit = trail.status.isLogging
        ? this.deps.events.lastSeq()
        : BigInt(trail.status.stopSeq ?? cursor.seq.toString());
      const end = cursor.plannedSeq ?? limit;
      if (end <= cursor.seq) return;

      const attemptMs = this.deps.now();
      let delivered: LogFilePlan[];
      let to: bigint;
      try {
        const prefetched =
          prefetch && prefetch.after === cursor.seq && cursor.plannedSeq === undefined
            ? await prefetch.events
            : undefined;
        prefetch = undefined;
        const events =
          prefetched && prefetched.length > 0
            ? prefetched
            : await this.deps.events.readForDelivery(
                cursor.seq,
                cursor.plannedSeq !== undefined ? Number.MAX_SAFE_INTEGER : this.options.maxEventsPerRound,
                end,
              );
        if (events.length === 0) {
          // Nothing readable in the range: every event in it was committed (lastSeq is a commit
          // watermark), so the range holds no event at all.
          await this.deps.events.commitCursor(consumer, end);
          return;
        }
        to = cursor.plannedSeq ?? (events[events.length - 1] as DeliveryEvent).seq;
        const files = this.planFiles(trail, events, cursor.seq, to);
        if (files.length > 0 && cursor.plannedSeq === undefined) {
          await this.deps.events.planCursor(consumer, to);
        }
        if (to < limit) {
          prefetch = {
            after: to,
            events: this.deps.events
              .readForDelivery(to, this.options.maxEventsPerRound, limit)
              .catch(() => undefined),
          };
        }
        await this.putAll(trail, files);
        await this.deps.events.commitCursor(consumer, to);
        delivered = files;
      } catch (error) {
        await this.recordFailure(trail, attemptMs, error);
        return;
      }
      this.backoff.delete(arn);
      if (delivered.length > 0) {
        await this.recordSuccess(trail, attemptMs);
        await this.notify(trail, delivered);
      }
      if (to >= limit) return;
    }
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

  private async recordFailure(trail: Trail, attemptMs: number, error: unknown): Promise<void> {
    const previous = this.backoff.get(trail.arn);
    const failures = (previous?.failures ?? 0) + 1;
    const delayMs = Math.min(this.options.retryMaxMs, this.options.retryInitialMs * 2 ** (failures - 1));
    this.backoff.set(trail.arn, { failures, nextAttemptMs: this.deps.now() + delayMs });
    this.deps.logger.warn(
      { err: error, trail: trail.arn, failures, retryInMs: delayMs },
      'log file delivery failed; will retry',
    );
    await this.updateStatus(trail.arn, (status) => ({
      ...status,
      latestDeliveryError: deliveryErrorOf(error),
      latestDeliveryAttemptTimeMs: attemptMs,
    }));
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
