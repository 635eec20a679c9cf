import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type {
  Consumer,
  ConsumerOutcome,
  LogBatch,
  LogConsumer,
  LogConsumerOutcome,
  RetryNotice,
} from './consumer.ts';
import {
  ConsumerRunner,
  type ConsumerRunnerOptions,
  type LagSource,
  type RunnerObserver,
  type RunnerTimer,
} from './consumer-runner.ts';
import type { CursorState, NewEvent } from './event-store.ts';
import { MemoryEventStore } from './memory-event-store.ts';

const logger = pino({ level: 'silent' });

/** A timer whose ticks the test fires. */
class ManualTimer implements RunnerTimer {
  readonly intervals: number[] = [];
  private ticks: (() => void)[] = [];

  repeat(intervalMs: number, tick: () => void): () => void {
    this.intervals.push(intervalMs);
    this.ticks.push(tick);
    return () => {
      this.ticks = this.ticks.filter((t) => t !== tick);
    };
  }

  fire(): void {
    for (const tick of this.ticks) tick();
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets the rounds a tick started run to their first await and beyond. */
async function settled(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function options(clock: { ms: number }, extra: Partial<ConsumerRunnerOptions> = {}): ConsumerRunnerOptions {
  return {
    name: 'test consumer',
    intervalMs: 1000,
    retryInitialMs: 100,
    retryMaxMs: 400,
    logger,
    now: () => clock.ms,
    ...extra,
  };
}

/** A consumer of its own progress whose rounds answer with the outcomes queued for them. */
class ScriptedConsumer implements Consumer {
  readonly calls: { key: string; atMs: number }[] = [];
  readonly notices: { key: string; notice: RetryNotice }[] = [];
  outcomes: ConsumerOutcome[] = [];
  gate: Promise<void> | undefined;
  signals: AbortSignal[] = [];

  constructor(
    private readonly clock: { ms: number },
    private readonly keyList: string[] = ['a'],
  ) {}

  keys(): string[] {
    return this.keyList;
  }

  async consume(key: string, signal: AbortSignal): Promise<ConsumerOutcome> {
    this.calls.push({ key, atMs: this.clock.ms });
    this.signals.push(signal);
    if (this.gate) await this.gate;
    return this.outcomes.shift() ?? { kind: 'done' };
  }

  retrying(key: string, notice: RetryNotice): Promise<void> {
    this.notices.push({ key, notice });
    return Promise.resolve();
  }
}

function event(id: string): NewEvent {
  return {
    eventId: id,
    accountId: '111111111111',
    region: 'us-east-1',
    eventTimeMs: 1000,
    eventName: 'PutThing',
    eventSource: 'things.amazonaws.com',
    username: null,
    accessKeyId: null,
    readOnly: null,
    category: 'Management',
    resourceTypes: [],
    resourceNames: [],
    raw: `{"eventID":"${id}"}`,
  };
}

/** A log consumer taking at most `perBatch` sequence numbers a batch, as each test shapes it. */
class BatchingConsumer implements LogConsumer {
  readonly batches: Omit<LogBatch, 'plan'>[] = [];
  readonly notices: RetryNotice[] = [];
  missingCursor: 'start-at-head' | 'wait' = 'wait';
  perBatch = 2n;
  limit: bigint | undefined;
  answer: (batch: LogBatch) => Promise<LogConsumerOutcome> = (batch) => {
    const through =
      batch.afterSeq + this.perBatch < batch.toSeq ? batch.afterSeq + this.perBatch : batch.toSeq;
    return Promise.resolve({ kind: 'done', through });
  };

  constructor(private readonly events: MemoryEventStore) {}

  keys(): string[] {
    return ['k'];
  }

  cursorOf(key: string): string {
    return `test:${key}`;
  }

  limitSeq(_key: string, _cursor: CursorState): bigint | undefined {
    return this.limit ?? this.events.lastSeq();
  }

  consume(batch: LogBatch): Promise<LogConsumerOutcome> {
    const { plan: _plan, ...seen } = batch;
    this.batches.push(seen);
    return this.answer(batch);
  }

  retrying(_key: string, notice: RetryNotice): Promise<void> {
    this.notices.push(notice);
    return Promise.resolve();
  }
}

describe('ConsumerRunner', () => {
  it('runs at most one round per key at a time', async () => {
    const clock = { ms: 0 };
    const consumer = new ScriptedConsumer(clock, ['a', 'b']);
    const gate = deferred();
    consumer.gate = gate.promise;
    const runner = new ConsumerRunner({ rounds: consumer }, options(clock));
    runner.wake();
    runner.wake();
    const pass = runner.runOnce();
    await settled();
    assert.deepEqual(
      consumer.calls.map((c) => c.key),
      ['a', 'b'],
      'one round per key, however often woken',
    );
    gate.resolve();
    await pass;
    consumer.gate = undefined;
    await runner.runOnce();
    assert.deepEqual(
      consumer.calls.map((c) => c.key),
      ['a', 'b', 'a', 'b'],
    );
  });

  it('backs off a failing key exponentially up to retryMaxMs, and a success resets it', async () => {
    const clock = { ms: 0 };
    const consumer = new ScriptedConsumer(clock);
    const failure = (n: number): ConsumerOutcome => ({ kind: 'retry', error: new Error(`failure ${n}`) });
    consumer.outcomes = [failure(1), failure(2), failure(3), failure(4), { kind: 'done' }, failure(5)];
    const runner = new ConsumerRunner({ rounds: consumer }, options(clock));
    const attemptsAt = async (...times: number[]): Promise<void> => {
      for (const ms of times) {
        clock.ms = ms;
        await runner.runOnce();
      }
    };
    await attemptsAt(0, 99, 100, 299, 300, 699, 700, 1099, 1100, 1200, 1299, 1300);
    assert.deepEqual(
      consumer.calls.map((c) => c.atMs),
      [0, 100, 300, 700, 1100, 1200, 1300],
    );
    assert.deepEqual(
      consumer.notices.map(({ notice }) => [notice.failures, notice.retryInMs, notice.attemptMs]),
      [
        [1, 100, 0],
        [2, 200, 100],
        [3, 400, 300],
        [4, 400, 700],
        [1, 100, 1200],
      ],
    );
    assert.equal((consumer.notices[0]?.notice.error as Error).message, 'failure 1');
  });

  it('treats a consumer that throws as a failed round', async () => {
    const clock = { ms: 0 };
    const consumer = new ScriptedConsumer(clock);
    consumer.consume = () => Promise.reject(new Error('thrown'));
    const runner = new ConsumerRunner({ rounds: consumer }, options(clock));
    await runner.runOnce();
    assert.equal((consumer.notices[0]?.notice.error as Error).message, 'thrown');
    await runner.runOnce();
    assert.equal(consumer.notices.length, 1, 'the next round waits out the backoff');
  });

  it('flush() and runNow() run a key that is waiting out a backoff', async () => {
    const clock = { ms: 0 };
    const consumer = new ScriptedConsumer(clock);
    consumer.outcomes = [
      { kind: 'retry', error: new Error('down') },
      { kind: 'retry', error: new Error('down') },
    ];
    const runner = new ConsumerRunner({ rounds: consumer }, options(clock));
    await runner.runOnce();
    await runner.runOnce();
    assert.equal(consumer.calls.length, 1);
    await runner.flush();
    assert.equal(consumer.calls.length, 2);
    await runner.runNow('a');
    assert.equal(consumer.calls.length, 3);
  });

  it('ticks on its interval timer once started, and not after close()', async () => {
    const clock = { ms: 0 };
    const timer = new ManualTimer();
    const consumer = new ScriptedConsumer(clock);
    const runner = new ConsumerRunner({ rounds: consumer }, options(clock, { timer }));
    timer.fire();
    assert.equal(consumer.calls.length, 0, 'nothing before start()');
    runner.start();
    runner.start();
    assert.deepEqual(timer.intervals, [1000]);
    timer.fire();
    await settled();
    assert.equal(consumer.calls.length, 1);
    await runner.close();
    timer.fire();
    runner.wake();
    await runner.runOnce();
    assert.equal(consumer.calls.length, 1);
  });

  it('close() is idempotent, aborts the rounds’ signal and waits for them to end', async () => {
    const clock = { ms: 0 };
    const consumer = new ScriptedConsumer(clock);
    const gate = deferred();
    consumer.gate = gate.promise;
    const runner = new ConsumerRunner({ rounds: consumer }, options(clock));
    runner.wake();
    await settled();
    let closed = false;
    const closing = runner.close().then(() => (closed = true));
    assert.equal(runner.close(), runner.close());
    await settled();
    assert.equal(consumer.signals[0]?.aborted, true);
    assert.equal(closed, false, 'close() waits for the round in progress');
    gate.resolve();
    await closing;
    assert.equal(closed, true);
  });

  it('closes when the AbortSignal it was given is aborted', async () => {
    const clock = { ms: 0 };
    const consumer = new ScriptedConsumer(clock);
    const controller = new AbortController();
    const runner = new ConsumerRunner({ rounds: consumer }, options(clock, { signal: controller.signal }));
    controller.abort();
    await runner.runOnce();
    assert.equal(consumer.calls.length, 0);
    const already = new ConsumerRunner({ rounds: consumer }, options(clock, { signal: controller.signal }));
    await already.runOnce();
    assert.equal(consumer.calls.length, 0);
  });
});

describe('ConsumerRunner over the log', () => {
  const setUp = async (
    count: number,
  ): Promise<{
    events: MemoryEventStore;
    consumer: BatchingConsumer;
    runner: ConsumerRunner;
    clock: { ms: number };
  }> => {
    const clock = { ms: 0 };
    const events = new MemoryEventStore({ now: () => clock.ms });
    await events.append(Array.from({ length: count }, (_, i) => event(`e${i}`)));
    const consumer = new BatchingConsumer(events);
    const runner = new ConsumerRunner({ log: consumer, events }, options(clock));
    return { events, consumer, runner, clock };
  };

  it('commits the cursor after each done batch and runs batches up to the limit', async () => {
    const { events, consumer, runner } = await setUp(5);
    await events.commitCursor('test:k', 0n);
    await runner.runOnce();
    assert.deepEqual(
      consumer.batches.map((b) => [b.afterSeq, b.toSeq, b.limitSeq, b.replay]),
      [
        [0n, 5n, 5n, false],
        [2n, 5n, 5n, false],
        [4n, 5n, 5n, false],
      ],
    );
    assert.deepEqual(await events.getCursorState('test:k'), { seq: 5n });
    await runner.runOnce();
    assert.equal(consumer.batches.length, 3, 'nothing after the cursor: no batch');
  });

  it('waits for a missing cursor, or starts it at the head when the consumer asks', async () => {
    const { events, consumer, runner } = await setUp(3);
    await runner.runOnce();
    assert.equal(await events.getCursorState('test:k'), undefined);
    consumer.missingCursor = 'start-at-head';
    await runner.runOnce();
    assert.deepEqual(await events.getCursorState('test:k'), { seq: 3n });
    assert.equal(consumer.batches.length, 0, 'a new cursor starts after what is already logged');
  });

  it('leaves the cursor to a consumer that committed it itself', async () => {
    const { events, consumer, runner } = await setUp(3);
    await events.commitCursor('test:k', 0n);
    consumer.answer = (batch) => Promise.resolve({ kind: 'done', through: batch.toSeq, committed: true });
    await runner.runOnce();
    assert.deepEqual(await events.getCursorState('test:k'), { seq: 0n });
  });

  it('keeps a failed batch’s plan, and replays exactly the planned range next', async () => {
    const { events, consumer, runner, clock } = await setUp(3);
    await events.commitCursor('test:k', 0n);
    consumer.answer = async (batch) => {
      await batch.plan(batch.toSeq);
      return { kind: 'retry', error: new Error('bucket down') };
    };
    await runner.runOnce();
    assert.deepEqual(await events.getCursorState('test:k'), { seq: 0n, plannedSeq: 3n });
    assert.equal(consumer.notices[0]?.failures, 1);

    await events.append([event('later')]);
    consumer.answer = (batch) => Promise.resolve({ kind: 'done', through: batch.toSeq });
    clock.ms = 100;
    await runner.runOnce();
    assert.deepEqual(
      consumer.batches.slice(1).map((b) => [b.afterSeq, b.toSeq, b.limitSeq, b.replay]),
      [
        [0n, 3n, 4n, true],
        [3n, 4n, 4n, false],
      ],
    );
    assert.deepEqual(await events.getCursorState('test:k'), { seq: 4n });
  });

  it('refuses a replay that stops short of its planned end, and a batch outside its range', async () => {
    const { events, consumer, runner, clock } = await setUp(3);
    await events.commitCursor('test:k', 0n);
    await events.planCursor('test:k', 3n);
    consumer.answer = () => Promise.resolve({ kind: 'done', through: 2n });
    await runner.runOnce();
    assert.match((consumer.notices[0]?.error as Error).message, /replay that must end at its planned end/);
    assert.deepEqual(await events.getCursorState('test:k'), { seq: 0n, plannedSeq: 3n });

    await events.commitCursor('test:k', 1n);
    consumer.answer = () => Promise.resolve({ kind: 'done', through: 7n });
    clock.ms = 1000;
    await runner.runOnce();
    assert.match((consumer.notices[1]?.error as Error).message, /consumed through 7 in a batch of \(1, 3\]/);
    assert.deepEqual(await events.getCursorState('test:k'), { seq: 1n });
  });

  it('runs afterCommit once the cursor moved; its failure neither moves the cursor back nor retries', async () => {
    const { events, consumer, runner } = await setUp(2);
    await events.commitCursor('test:k', 0n);
    const seen: (bigint | undefined)[] = [];
    consumer.answer = (batch) =>
      Promise.resolve({
        kind: 'done',
        through: batch.toSeq,
        afterCommit: async () => {
          seen.push(await events.getCursor('test:k'));
          throw new Error('notification failed');
        },
      });
    await runner.runOnce();
    assert.deepEqual(seen, [2n]);
    assert.deepEqual(consumer.notices, []);
    assert.deepEqual(await events.getCursorState('test:k'), { seq: 2n });
  });

  it('gives no batch to a key whose limit is undefined or not past its cursor', async () => {
    const { events, consumer, runner } = await setUp(3);
    await events.commitCursor('test:k', 1n);
    consumer.limit = 1n;
    await runner.runOnce();
    consumer.limitSeq = () => undefined;
    await runner.runOnce();
    assert.equal(consumer.batches.length, 0);
  });

  it('forget() waits for the round in progress and deletes the cursor', async () => {
    const { events, consumer, runner } = await setUp(2);
    await events.commitCursor('test:k', 0n);
    const gate = deferred();
    consumer.answer = async (batch) => {
      await gate.promise;
      return { kind: 'done', through: batch.toSeq };
    };
    runner.wake();
    await settled();
    const forgetting = runner.forget('k');
    gate.resolve();
    await forgetting;
    assert.equal(await events.getCursorState('test:k'), undefined);
    assert.equal(consumer.batches.length, 1);
  });

  /** An observer that keeps what the runner tells it. */
  const recordingObserver = (): RunnerObserver & { sources: LagSource[]; failures: string[] } => {
    const sources: LagSource[] = [];
    const failures: string[] = [];
    return {
      sources,
      failures,
      failed: (consumer, key, stage) => failures.push(`${consumer}/${key}/${stage}`),
      watch(source) {
        sources.push(source);
        return () => sources.splice(sources.indexOf(source), 1);
      },
    };
  };

  it('lag() counts the events from the cursor to the limit, aged by the oldest one recorded', async () => {
    const clock = { ms: 1_000 };
    const events = new MemoryEventStore({ now: () => clock.ms });
    await events.append([event('e0'), event('e1')]);
    clock.ms = 4_000;
    await events.append([event('e2')]);
    const consumer = new BatchingConsumer(events);
    const observer = recordingObserver();
    const runner = new ConsumerRunner({ log: consumer, events }, options(clock, { observer }));
    assert.deepEqual(
      observer.sources.map((s) => s.name),
      ['test consumer'],
    );
    assert.deepEqual(await runner.lag(), [], 'a key without a cursor has not started: no lag');

    await events.commitCursor('test:k', 1n);
    clock.ms = 10_000;
    assert.deepEqual(await observer.sources[0]?.lag(), [{ key: 'k', events: 2n, seconds: 9 }]);

    consumer.limit = 1n;
    assert.deepEqual(await runner.lag(), [{ key: 'k', events: 0n, seconds: 0 }], 'nothing past the limit');
    consumer.limit = undefined;
    await runner.runOnce();
    assert.deepEqual(await runner.lag(), [{ key: 'k', events: 0n, seconds: 0 }], 'caught up');

    await runner.close();
    assert.deepEqual(observer.sources, [], 'close() stops the watch');
  });

  it('tells its observer of each failed round and each failed afterCommit', async () => {
    const { events, consumer } = await setUp(2);
    const clock = { ms: 0 };
    const observer = recordingObserver();
    const runner = new ConsumerRunner({ log: consumer, events }, options(clock, { observer }));
    await events.commitCursor('test:k', 0n);
    consumer.answer = () => Promise.resolve({ kind: 'retry', error: new Error('bucket down') });
    await runner.runOnce();
    consumer.answer = (batch) =>
      Promise.resolve({
        kind: 'done',
        through: batch.toSeq,
        afterCommit: () => Promise.reject(new Error('notification failed')),
      });
    await runner.flush();
    assert.deepEqual(observer.failures, ['test consumer/k/round', 'test consumer/k/after-commit']);
  });

  it('a consumer of its own progress reports failures but no lag', async () => {
    const clock = { ms: 0 };
    const consumer = new ScriptedConsumer(clock);
    consumer.outcomes = [{ kind: 'retry', error: new Error('signing failed') }];
    const observer = recordingObserver();
    const runner = new ConsumerRunner({ rounds: consumer }, options(clock, { observer }));
    await runner.runOnce();
    assert.deepEqual(observer.sources, []);
    assert.deepEqual(await runner.lag(), []);
    assert.deepEqual(observer.failures, ['test consumer/a/round']);
  });
});
