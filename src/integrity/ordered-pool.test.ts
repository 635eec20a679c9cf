import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OrderedPool } from './ordered-pool.ts';

/** A promise settled from outside, to finish tasks in a chosen order. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Resolves once every promise callback already due has run: deterministic, no timer. */
function afterPendingCallbacks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('OrderedPool', () => {
  it('outputs results in the order they were queued, whichever task finishes first', async () => {
    const out: string[] = [];
    const pool = new OrderedPool<string>(4, 100, (item) => out.push(item));
    const tasks = [deferred<string>(), deferred<string>(), deferred<string>()];
    await pool.run(() => tasks[0]?.promise as Promise<string>);
    await pool.push('known', 'at once');
    await pool.run(() => tasks[1]?.promise as Promise<string>);
    await pool.run(() => tasks[2]?.promise as Promise<string>);
    tasks[2]?.resolve('third');
    tasks[1]?.resolve('second');
    await afterPendingCallbacks();
    assert.deepEqual(out, []);
    tasks[0]?.resolve('first');
    await pool.flush();
    assert.deepEqual(out, ['first', 'known', 'at once', 'second', 'third']);
  });

  it('runs no more tasks at once than its concurrency, a fraction rounded up', async () => {
    for (const [concurrency, expected] of [
      [2, 2],
      [2.5, 3],
      [0.5, 1],
    ] as const) {
      let running = 0;
      let most = 0;
      const pool = new OrderedPool<number>(concurrency, 100, () => undefined);
      for (let i = 0; i < 8; i++) {
        await pool.run(async () => {
          running++;
          most = Math.max(most, running);
          await afterPendingCallbacks();
          running--;
          return i;
        });
      }
      await pool.flush();
      assert.equal(most, expected, `concurrency ${concurrency}`);
    }
  });

  it('makes the caller wait while more than maxPending results are ahead of the output', async () => {
    const out: number[] = [];
    const pool = new OrderedPool<number>(4, 1, (item) => out.push(item));
    const first = deferred<number>();
    await pool.run(() => first.promise);
    let queued = false;
    const second = pool.run(() => Promise.resolve(2)).then(() => (queued = true));
    await afterPendingCallbacks();
    assert.equal(queued, false);
    first.resolve(1);
    await second;
    assert.deepEqual(out, [1]);
    await pool.flush();
    assert.deepEqual(out, [1, 2]);
  });

  it("rejects with a task's error when its turn to be output comes, and not as unhandled before", async () => {
    const out: string[] = [];
    const pool = new OrderedPool<string>(2, 100, (item) => out.push(item));
    const first = deferred<string>();
    await pool.run(() => first.promise);
    await pool.run(() => Promise.reject(new Error('read failed')));
    await afterPendingCallbacks();
    first.resolve('first');
    await assert.rejects(pool.flush(), /read failed/);
    assert.deepEqual(out, ['first']);
  });
});
