/**
 * Tasks run a bounded number at once (p-limit), their results handed on in the order they were
 * queued: validation reads log files in parallel but reports them in chain order, as AWS's
 * validator does. Queuing waits while more than `maxPending` results are ahead of the output, so
 * a long chain does not hold every read in memory.
 */
import pLimit, { type LimitFunction } from 'p-limit';

export class OrderedPool<T> {
  private readonly limit: LimitFunction;
  private readonly pending: Promise<readonly T[]>[] = [];

  /** Await each call before the next: output order is the order of the calls. */
  constructor(
    concurrency: number,
    private readonly maxPending: number,
    private readonly output: (item: T) => void,
  ) {
    // p-limit takes whole numbers; as with `running < 2.5`, a limit of 2.5 lets a third task start.
    this.limit = pLimit(Math.max(1, Math.ceil(concurrency)));
  }

  /** Queues results already known, for output after everything queued before them. */
  push(...items: T[]): Promise<void> {
    return this.enqueue(Promise.resolve(items));
  }

  /** Runs `task` within the limit; its result is output after everything queued before it. */
  run(task: () => Promise<T>): Promise<void> {
    return this.enqueue(this.limit(task).then((item) => [item]));
  }

  /** Outputs everything queued, once the tasks still running finish; rejects with a task's error. */
  flush(): Promise<void> {
    return this.drain(0);
  }

  private async enqueue(results: Promise<readonly T[]>): Promise<void> {
    // Awaited in order by drain(); until then a failure must not count as unhandled.
    results.catch(() => undefined);
    this.pending.push(results);
    await this.drain(this.maxPending);
  }

  private async drain(keep: number): Promise<void> {
    while (this.pending.length > keep) {
      const items = await (this.pending.shift() as Promise<readonly T[]>);
      for (const item of items) this.output(item);
    }
  }
}
