/**
 * The one loop every consumer of the log runs on. It owns what each consumer used to write again:
 * wake-up (an interval timer, and `wake()` for changes that should not wait for it), at most one
 * round per key at a time, exponential backoff with a cap after a failed round, the cursor of a
 * log consumer (read, planned when the consumer asks, committed only once its output is
 * durable), and an idempotent `close()` that aborts the rounds' signal and waits for them.
 *
 * Backoff is a gate, not a schedule: a key that failed is skipped by ticks until
 * `retryInitialMs * 2^(failures - 1)` (at most `retryMaxMs`) has passed, and retried by the first
 * tick after that. The clock and the timer are injected, so tests run rounds exactly with
 * `runOnce()` and `flush()` instead of waiting for time to pass.
 */
import type { Logger } from 'pino';
import type {
  Consumer,
  ConsumerOutcome,
  LogBatch,
  LogConsumer,
  LogConsumerOutcome,
  RetryNotice,
} from './consumer.ts';
import type { EventStore } from './event-store.ts';

/** What calls the runner's ticks. */
export interface RunnerTimer {
  /** Calls `tick` every `intervalMs` until the returned function is called. */
  repeat(intervalMs: number, tick: () => void): () => void;
}

/** `setInterval`, without keeping the process alive for it. */
export const INTERVAL_TIMER: RunnerTimer = {
  repeat(intervalMs, tick) {
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  },
};

/** How far a log consumer's key is behind the log, as `ConsumerRunner.lag()` measures it. */
export interface ConsumerLag {
  key: string;
  /** Sequence numbers between the key's cursor and its limit (the log's end while it consumes). */
  events: bigint;
  /** Age of the oldest event not yet consumed (when it was recorded); 0 when none waits. */
  seconds: number;
}

/** A running consumer whose lag an observer can measure when it wants to (a metrics scrape). */
export interface LagSource {
  /** The runner's name ("log file delivery"). */
  name: string;
  lag(): Promise<ConsumerLag[]>;
}

/**
 * What the runner tells an observer (metrics): failures as they happen, and its lag on demand.
 * An observer must not throw; the runner does not guard the consumer's work against it.
 */
export interface RunnerObserver {
  /**
   * A round of `key` failed and will be retried (`round`), or the work after a durable commit
   * (announcements) failed and will not be (`after-commit`).
   */
  failed(consumer: string, key: string, stage: 'round' | 'after-commit'): void;
  /** A log consumer started; the returned function is called when it closes. */
  watch(source: LagSource): () => void;
}

/** What the runner runs: a consumer with its own progress, or a log consumer and its log. */
export type RunnerSource = { rounds: Consumer } | { log: LogConsumer; events: EventStore };

export interface ConsumerRunnerOptions {
  /** The consumer in log messages ("log file delivery"). */
  name: string;
  /** How often every key gets a round. */
  intervalMs: number;
  /** The wait after a key's first failure; each further failure doubles it. */
  retryInitialMs: number;
  /** The longest wait after a failure. */
  retryMaxMs: number;
  logger: Logger;
  now?: () => number;
  timer?: RunnerTimer;
  /** Closes the runner when aborted. */
  signal?: AbortSignal;
  /** Told of failures, and given the runner's lag to measure (metrics). */
  observer?: RunnerObserver;
}

interface Backoff {
  failures: number;
  nextAttemptMs: number;
}

/** A log batch's outcome, with the limit the round runs to. */
type BatchResult =
  | Exclude<LogConsumerOutcome, { kind: 'done' }>
  | (Extract<LogConsumerOutcome, { kind: 'done' }> & { limitSeq: bigint });

/** 2^52 milliseconds is past any cap; a larger exponent would only overflow to Infinity. */
const MAX_BACKOFF_EXPONENT = 52;

async function settle<T extends { kind: string }>(
  run: () => Promise<T>,
): Promise<T | { kind: 'retry'; error: unknown }> {
  try {
    return await run();
  } catch (error) {
    return { kind: 'retry', error };
  }
}

export class ConsumerRunner {
  private readonly running = new Map<string, Promise<void>>();
  private readonly backoff = new Map<string, Backoff>();
  private readonly abort = new AbortController();
  private readonly now: () => number;
  private stopTimer: (() => void) | undefined;
  private closing: Promise<void> | undefined;
  private readonly unwatch: (() => void) | undefined;

  constructor(
    private readonly source: RunnerSource,
    private readonly options: ConsumerRunnerOptions,
  ) {
    this.now = options.now ?? Date.now;
    if ('log' in source)
      this.unwatch = options.observer?.watch({ name: options.name, lag: () => this.lag() });
    const { signal } = options;
    if (signal?.aborted) void this.close();
    else signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  private get closed(): boolean {
    return this.abort.signal.aborted;
  }

  /** Starts the interval timer (the first tick comes one interval from now; `wake()` is at once). */
  start(): void {
    if (this.stopTimer || this.closed) return;
    this.stopTimer = (this.options.timer ?? INTERVAL_TIMER).repeat(this.options.intervalMs, () =>
      this.tick(),
    );
  }

  /** Starts a round for every key that is not in a round or waiting out a backoff. */
  wake(): void {
    this.tick();
  }

  /** Runs a round for every key due now (as a tick does) and waits for every round in progress. */
  async runOnce(): Promise<void> {
    this.tick();
    await Promise.all(this.running.values());
  }

  /** Waits for the rounds in progress, then runs every key now, backoff or not, and waits again. */
  async flush(): Promise<void> {
    await Promise.all(this.running.values());
    this.backoff.clear();
    await this.runOnce();
  }

  /** Runs a round for `key` now, backoff or not, once any round of it in progress has ended. */
  async runNow(key: string): Promise<void> {
    while (this.running.has(key)) await this.running.get(key);
    if (this.closed) return;
    await this.begin(key);
  }

  /** Waits for the key's round to end and forgets its backoff, and a log consumer's cursor. */
  async forget(key: string): Promise<void> {
    await this.running.get(key);
    this.backoff.delete(key);
    if ('log' in this.source) await this.source.events.deleteCursor(this.source.log.cursorOf(key));
  }

  /** Stops the timer, aborts the rounds' signal and waits for them to end. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.abort.abort();
      this.stopTimer?.();
      this.unwatch?.();
      await Promise.all(this.running.values());
    })();
    return this.closing;
  }

  /**
   * How far each key of a log consumer is behind: from its cursor to its limit (a stopped trail's
   * limit is where it stopped, so it does not lag for ever). Keys without a cursor have not
   * started and are left out; a consumer of its own progress has no lag to report.
   */
  async lag(): Promise<ConsumerLag[]> {
    if (!('log' in this.source) || this.closed) return [];
    const { log, events } = this.source;
    const lags: ConsumerLag[] = [];
    for (const key of log.keys()) {
      const cursor = await events.getCursorState(log.cursorOf(key));
      if (!cursor) continue;
      const limitSeq = log.limitSeq(key, cursor);
      if (limitSeq === undefined) continue;
      const behind = limitSeq > cursor.seq ? limitSeq - cursor.seq : 0n;
      const [oldest] = behind > 0n ? await events.readForDelivery(cursor.seq, 1, limitSeq) : [];
      const seconds = oldest ? Math.max(0, this.now() - oldest.recordedAtMs) / 1000 : 0;
      lags.push({ key, events: behind, seconds });
    }
    return lags;
  }

  private tick(): void {
    if (this.closed) return;
    let keys: string[];
    try {
      keys = [...('rounds' in this.source ? this.source.rounds : this.source.log).keys()];
    } catch (error) {
      this.options.logger.error({ err: error }, `${this.options.name}: listing its keys failed`);
      return;
    }
    const now = this.now();
    for (const key of keys) {
      if (this.running.has(key)) continue;
      const wait = this.backoff.get(key);
      if (wait && wait.nextAttemptMs > now) continue;
      void this.begin(key);
    }
  }

  private begin(key: string): Promise<void> {
    const round = this.round(key).finally(() => this.running.delete(key));
    this.running.set(key, round);
    return round;
  }

  private async round(key: string): Promise<void> {
    try {
      if ('rounds' in this.source) await this.consumerRound(this.source.rounds, key);
      else await this.logRound(this.source.log, this.source.events, key);
    } catch (error) {
      // Only the runner's own bookkeeping (a consumer's retrying hook) gets here.
      this.options.logger.error({ err: error, key }, `${this.options.name}: round failed`);
    }
  }

  private async consumerRound(consumer: Consumer, key: string): Promise<void> {
    const attemptMs = this.now();
    const outcome: ConsumerOutcome = await settle(() => consumer.consume(key, this.abort.signal));
    switch (outcome.kind) {
      case 'done':
        this.backoff.delete(key);
        return;
      case 'idle':
        return;
      case 'retry':
        await this.retry(consumer, key, attemptMs, outcome.error);
    }
  }

  /** Batches from the key's cursor until its limit: each committed once its output is durable. */
  private async logRound(consumer: LogConsumer, events: EventStore, key: string): Promise<void> {
    while (!this.closed) {
      const attemptMs = this.now();
      const outcome = await settle(() => this.logBatch(consumer, events, key, attemptMs));
      switch (outcome.kind) {
        case 'idle':
          return;
        case 'retry':
          await this.retry(consumer, key, attemptMs, outcome.error);
          return;
        case 'done':
          this.backoff.delete(key);
          await this.afterCommit(key, outcome);
          if (outcome.through >= outcome.limitSeq) return;
      }
    }
  }

  /** One batch: from the cursor (or its plan) to the consumer's limit, committed when done. */
  private async logBatch(
    consumer: LogConsumer,
    events: EventStore,
    key: string,
    attemptMs: number,
  ): Promise<BatchResult> {
    const cursorName = consumer.cursorOf(key);
    const cursor = await events.getCursorState(cursorName);
    if (!cursor) {
      if (consumer.missingCursor === 'start-at-head') await events.commitCursor(cursorName, events.lastSeq());
      return { kind: 'idle' };
    }
    const limitSeq = consumer.limitSeq(key, cursor);
    if (limitSeq === undefined) return { kind: 'idle' };
    const toSeq = cursor.plannedSeq ?? limitSeq;
    if (toSeq <= cursor.seq) return { kind: 'idle' };
    const batch: LogBatch = {
      key,
      afterSeq: cursor.seq,
      toSeq,
      limitSeq,
      replay: cursor.plannedSeq !== undefined,
      startedMs: attemptMs,
      plan: (planned) => events.planCursor(cursorName, planned),
    };
    const outcome = await consumer.consume(batch, this.abort.signal);
    if (outcome.kind !== 'done') return outcome;
    this.checkThrough(batch, outcome.through);
    if (!outcome.committed) await events.commitCursor(cursorName, outcome.through);
    return { ...outcome, limitSeq };
  }

  /** A batch ends inside its range, and a replay exactly at its end. */
  private checkThrough(batch: LogBatch, through: bigint): void {
    const inside = through > batch.afterSeq && through <= batch.toSeq;
    if (!inside || (batch.replay && through !== batch.toSeq)) {
      throw new Error(
        `${this.options.name} consumed through ${through} in a batch of (${batch.afterSeq}, ${batch.toSeq}]` +
          (batch.replay ? ', a replay that must end at its planned end' : ''),
      );
    }
  }

  /** The output and the cursor are durable: an announcement failing now must not repeat them. */
  private async afterCommit(key: string, outcome: { afterCommit?: () => Promise<void> }): Promise<void> {
    try {
      await outcome.afterCommit?.();
    } catch (error) {
      this.options.logger.error({ err: error, key }, `${this.options.name}: work after a commit failed`);
      this.options.observer?.failed(this.options.name, key, 'after-commit');
    }
  }

  private async retry(
    consumer: Pick<Consumer, 'retrying'>,
    key: string,
    attemptMs: number,
    error: unknown,
  ): Promise<void> {
    const failures = (this.backoff.get(key)?.failures ?? 0) + 1;
    const retryInMs = Math.min(
      this.options.retryMaxMs,
      this.options.retryInitialMs * 2 ** Math.min(failures - 1, MAX_BACKOFF_EXPONENT),
    );
    this.backoff.set(key, { failures, nextAttemptMs: this.now() + retryInMs });
    this.options.observer?.failed(this.options.name, key, 'round');
    this.options.logger.warn(
      { err: error, key, failures, retryInMs },
      `${this.options.name} failed; will retry`,
    );
    const notice: RetryNotice = { error, attemptMs, failures, retryInMs };
    await consumer.retrying?.(key, notice);
  }
}
