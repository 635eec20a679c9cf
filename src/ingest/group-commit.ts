import type { AppendOutcome, EventStore, NewEvent } from '../store/index.ts';

/** One transaction of the group commit, as an observer (metrics) is told of it. */
export interface CommitStats {
  /** Events in the transaction (every request that waited for it). */
  events: number;
  /** Of those, the new ones (the rest were duplicates of recorded eventIDs). */
  recorded: number;
  durationMs: number;
  failed: boolean;
}

/** Told of every transaction; must not throw. */
export interface CommitObserver {
  committed(stats: CommitStats): void;
}

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
    private readonly observer?: CommitObserver,
  ) {}

  get backlog(): number {
    return this.queuedEvents;
  }

  /**
   * False from a failed transaction until one succeeds: the store cannot make records durable,
   * so the pipeline carries out no change whose audit record would be lost.
   */
  get writable(): boolean {
    return this.lastFailed === undefined;
  }

  private lastFailed: unknown = undefined;

  append(events: readonly NewEvent[]): Promise<AppendOutcome[]> {
    if (events.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      this.queuedEvents += events.length;
      if (!this.flushing) void this.flush();
    });
  }

  /** Tells the observer of a transaction; a throwing observer never fails a commit. */
  private observed(events: number, outcomes: AppendOutcome[] | undefined, durationMs: number): void {
    if (!this.observer) return;
    let recorded = 0;
    for (const o of outcomes ?? []) if (o.status === 'recorded') recorded++;
    try {
      this.observer.committed({ events, recorded, durationMs, failed: outcomes === undefined });
    } catch {
      // Metrics are not worth a lost acknowledgement.
    }
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
        const startedMs = performance.now();
        try {
          const outcomes = await this.store.append(batch.flatMap((p) => p.events));
          const durationMs = performance.now() - startedMs;
          this.lastFailed = undefined;
          let offset = 0;
          for (const p of batch) {
            p.resolve(outcomes.slice(offset, offset + p.events.length));
            offset += p.events.length;
          }
          this.observed(count, outcomes, durationMs);
        } catch (error) {
          this.lastFailed = error;
          for (const p of batch) p.reject(error);
          this.observed(count, undefined, performance.now() - startedMs);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
