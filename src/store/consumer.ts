/**
 * The consumer contract. Everything downstream of the event log (trail delivery, digests, Lake
 * ingestion) is a consumer: a small port the ConsumerRunner calls one round at a time per key (a
 * trail, an event data store), and that answers with an outcome as data instead of managing its
 * own loop, timer, retries or cursor.
 *
 * Two shapes share the outcomes:
 * - `Consumer`: a round is one call, and the consumer keeps its own progress (the digest journal);
 *   a time-driven consumer decides itself whether anything is due.
 * - `LogConsumer`: a round reads the log from a durable cursor that the runner keeps. The runner
 *   hands over one batch at a time and moves the cursor only after the consumer reports its output
 *   durable (or, for output written in the cursor's own transaction, that it moved it itself).
 */
import type { CursorState } from './event-store.ts';

/** How a round ended. */
export type ConsumerOutcome =
  /** The round did its work. */
  | { kind: 'done' }
  /** There was nothing to do. */
  | { kind: 'idle' }
  /** The round failed; the runner retries it after a backoff. */
  | { kind: 'retry'; error: unknown };

/** How a batch of a log consumer ended. */
export type LogConsumerOutcome =
  /**
   * The consumer's output for (afterSeq, through] is durable. The runner commits the cursor at
   * `through` (unless `committed`: the consumer moved it in the transaction that wrote its output),
   * then runs `afterCommit` (announcements that must follow the commit), then the next batch if
   * the round's limit lies further.
   */
  | { kind: 'done'; through: bigint; committed?: true; afterCommit?: () => Promise<void> }
  /** Nothing to consume for this key now (its trail is gone, its store changed). */
  | { kind: 'idle' }
  | { kind: 'retry'; error: unknown };

/** What a consumer is told when one of its rounds failed and will be retried. */
export interface RetryNotice {
  error: unknown;
  /** When the failed attempt started, by the runner's clock. */
  attemptMs: number;
  /** Consecutive failures of this key, this one included. */
  failures: number;
  /** How long the runner waits before the key's next round. */
  retryInMs: number;
}

/** A consumer whose progress is its own: the runner calls `consume` once per round and key. */
export interface Consumer {
  /** The keys to run rounds for now (one per trail, one per store). Read at every tick. */
  keys(): Iterable<string>;
  consume(key: string, signal: AbortSignal): Promise<ConsumerOutcome>;
  /** Records a failure where users see it (GetTrailStatus); the runner has logged it. */
  retrying?(key: string, notice: RetryNotice): Promise<void>;
}

/** One batch of a log consumer's round: the range of the log it may consume. */
export interface LogBatch {
  key: string;
  /** The cursor: the log is consumed up to here. */
  afterSeq: bigint;
  /**
   * The batch ends here at most. The consumer may stop earlier (`through`), except in a replay,
   * which must end exactly here.
   */
  toSeq: bigint;
  /** Where the round ends: the consumer's limit when the batch began. */
  limitSeq: bigint;
  /**
   * (afterSeq, toSeq] is a range the consumer planned before a crash: consume all of it in one
   * batch, so deterministic output names overwrite what was already written.
   */
  replay: boolean;
  /** When the batch began, by the runner's clock. */
  startedMs: number;
  /** Records that output for (afterSeq, toSeq] is about to be written (EventStore.planCursor). */
  plan: (toSeq: bigint) => Promise<void>;
}

/** A consumer of the event log, read from a cursor the runner keeps. */
export interface LogConsumer {
  keys(): Iterable<string>;
  /** The name of the key's cursor in the event store. */
  cursorOf(key: string): string;
  /**
   * What a key without a cursor does: start it at the log's current end (a store holds events
   * from now on), or wait until someone else starts it (StartLogging starts a trail's).
   */
  readonly missingCursor: 'start-at-head' | 'wait';
  /**
   * The highest sequence number the key may consume now, given its cursor (no further than the
   * cursor: nothing to read, a planned range still replays), or undefined when the key has
   * nothing to consume at all (its trail was deleted).
   */
  limitSeq(key: string, cursor: CursorState): bigint | undefined;
  consume(batch: LogBatch, signal: AbortSignal): Promise<LogConsumerOutcome>;
  /** Records a failure where users see it (GetTrailStatus); the runner has logged it. */
  retrying?(key: string, notice: RetryNotice): Promise<void>;
}
