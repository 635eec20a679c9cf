import type { AppendOutcome, EventStore, NewEvent } from '../store/index.ts';

interface Pending {
  events: readonly NewEvent[];
  resolve: (outcomes: AppendOutcome[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: requests that arrive while a transaction is being written wait together and go
 * into the next one. Each caller's promise resolves only after its own events are durable.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private queuedEvents = 0;
  private flushing = false;

  constructor(
    private readonly store: EventStore,
    private readonly options: { maxBatchEvents: number } = { maxBatchEvents: 20_000 },
  ) {}

  get backlog(): number {
    return this.queuedEvents;
  }

  append(events: readonly NewEvent[]): Promise<AppendOutcome[]> {
    if (events.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      this.queuedEvents += events.length;
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch: Pending[] = [];
        let count = 0;
        while (
          this.queue.length > 0 &&
          (batch.length === 0 ||
            count + (this.queue[0] as Pending).events.length <= this.options.maxBatchEvents)
        ) {
          const next = this.queue.shift() as Pending;
          batch.push(next);
          count += next.events.length;
        }
        this.queuedEvents -= count;
        try {
          const outcomes = await this.store.append(batch.flatMap((p) => p.events));
          let offset = 0;
          for (const p of batch) {
            p.resolve(outcomes.slice(offset, offset + p.events.length));
            offset += p.events.length;
          }
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
