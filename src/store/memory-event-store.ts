/**
 * The event log held in memory: the EventStore port with the DuckDB adapter's semantics (the
 * contract suite, event-store.contract.ts, runs unchanged against both), for unit tests of
 * consumers and for tools that need no persistence. Nothing survives the process.
 */
import type {
  AppendOutcome,
  CursorState,
  DeliveryEvent,
  EventStore,
  LookupQuery,
  NewEvent,
  StoredEvent,
} from './event-store.ts';

/** The (account, eventID) pair an append deduplicates on. */
function idKey(accountId: string, eventId: string): string {
  return `${accountId}\u0000${eventId}`;
}

/** A copy holding the port's fields only (a BodyEvent's text is read once, here). */
function stored(e: NewEvent, seq: bigint, recordedAtMs: number): StoredEvent {
  return {
    seq,
    eventId: e.eventId,
    accountId: e.accountId,
    region: e.region,
    eventTimeMs: e.eventTimeMs,
    eventName: e.eventName,
    eventSource: e.eventSource,
    username: e.username,
    accessKeyId: e.accessKeyId,
    readOnly: e.readOnly,
    category: e.category,
    resourceTypes: [...e.resourceTypes],
    resourceNames: [...e.resourceNames],
    recordedAtMs,
    raw: e.raw,
  };
}

function copyOf(e: StoredEvent): StoredEvent {
  return { ...e, resourceTypes: [...e.resourceTypes], resourceNames: [...e.resourceNames] };
}

type Attribute = NonNullable<LookupQuery['attribute']>;

/** Whether an event has the attribute value, as the DuckDB adapter's filters decide it. */
function hasAttribute(e: StoredEvent, { key, value }: Attribute): boolean {
  switch (key) {
    case 'EventId':
      return e.eventId === value;
    case 'EventName':
      return e.eventName === value;
    case 'ReadOnly':
      // Only 'true' and 'false' match, and never an event without readOnly.
      return (value === 'true' || value === 'false') && e.readOnly === (value === 'true');
    case 'Username':
      return e.username === value;
    case 'ResourceType':
      return e.resourceTypes.includes(value);
    case 'ResourceName':
      return e.resourceNames.includes(value);
    case 'EventSource':
      return e.eventSource === value;
    case 'AccessKeyId':
      return e.accessKeyId === value;
  }
}

export class MemoryEventStore implements EventStore {
  /** In sequence order; retention removes from anywhere but the end. */
  private events: StoredEvent[] = [];
  private readonly ids = new Map<string, bigint>();
  private readonly cursors = new Map<string, CursorState>();
  private seq = 0n;
  private readonly now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  append(events: readonly NewEvent[]): Promise<AppendOutcome[]> {
    const recordedAtMs = this.now();
    const outcomes = events.map((e): AppendOutcome => {
      const key = idKey(e.accountId, e.eventId);
      if (this.ids.has(key)) return { status: 'duplicate' };
      const seq = ++this.seq;
      this.ids.set(key, seq);
      this.events.push(stored(e, seq, recordedAtMs));
      return { status: 'recorded', seq };
    });
    return Promise.resolve(outcomes);
  }

  lookup(query: LookupQuery): Promise<StoredEvent[]> {
    const { after, attribute } = query;
    const found = this.events.filter(
      (e) =>
        e.accountId === query.accountId &&
        e.region === query.region &&
        e.category === query.category &&
        e.eventTimeMs >= query.startMs &&
        e.eventTimeMs <= query.endMs &&
        e.seq <= query.maxSeq &&
        (!after ||
          e.eventTimeMs < after.eventTimeMs ||
          (e.eventTimeMs === after.eventTimeMs && e.seq < after.seq)) &&
        (!attribute || hasAttribute(e, attribute)),
    );
    found.sort((a, b) => b.eventTimeMs - a.eventTimeMs || (b.seq > a.seq ? 1 : b.seq < a.seq ? -1 : 0));
    return Promise.resolve(found.slice(0, Math.max(0, query.limit)).map(copyOf));
  }

  lastSeq(): bigint {
    return this.seq;
  }

  readAfter(afterSeq: bigint, limit: number, toSeq?: bigint): Promise<StoredEvent[]> {
    return Promise.resolve(this.range(afterSeq, limit, toSeq).map(copyOf));
  }

  readForDelivery(afterSeq: bigint, limit: number, toSeq?: bigint): Promise<DeliveryEvent[]> {
    return Promise.resolve(
      this.range(afterSeq, limit, toSeq).map((e) => ({
        seq: e.seq,
        accountId: e.accountId,
        region: e.region,
        eventSource: e.eventSource,
        category: e.category,
        eventTimeMs: e.eventTimeMs,
        recordedAtMs: e.recordedAtMs,
        raw: e.raw,
      })),
    );
  }

  /** Events with seq in (afterSeq, toSeq ?? lastSeq], at most `limit`, in sequence order. */
  private range(afterSeq: bigint, limit: number, toSeq: bigint = this.seq): StoredEvent[] {
    // The first index whose seq is past afterSeq (sequence numbers ascend along the array).
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.events[mid] as StoredEvent).seq <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    const out: StoredEvent[] = [];
    for (let i = lo; i < this.events.length && out.length < limit; i++) {
      const e = this.events[i] as StoredEvent;
      if (e.seq > toSeq) break;
      out.push(e);
    }
    return out;
  }

  getCursor(consumer: string): Promise<bigint | undefined> {
    return Promise.resolve(this.cursors.get(consumer)?.seq);
  }

  getCursorState(consumer: string): Promise<CursorState | undefined> {
    const cursor = this.cursors.get(consumer);
    return Promise.resolve(cursor ? { ...cursor } : undefined);
  }

  planCursor(consumer: string, toSeq: bigint): Promise<void> {
    const cursor = this.cursors.get(consumer);
    if (!cursor) return Promise.reject(new Error(`no cursor for consumer '${consumer}' to plan`));
    this.cursors.set(consumer, { seq: cursor.seq, plannedSeq: toSeq });
    return Promise.resolve();
  }

  commitCursor(consumer: string, seq: bigint): Promise<void> {
    this.cursors.set(consumer, { seq });
    return Promise.resolve();
  }

  deleteCursor(consumer: string): Promise<void> {
    this.cursors.delete(consumer);
    return Promise.resolve();
  }

  purgeHistory(cutoffMs: number): Promise<number> {
    // Keep what any consumer has yet to read, and always the newest event (as the DuckDB log
    // does: there it anchors the sequence counter across restarts).
    let readBy = this.seq;
    for (const cursor of this.cursors.values()) if (cursor.seq < readBy) readBy = cursor.seq;
    const kept: StoredEvent[] = [];
    for (const e of this.events) {
      if (e.eventTimeMs < cutoffMs && e.seq <= readBy && e.seq < this.seq) {
        this.ids.delete(idKey(e.accountId, e.eventId));
      } else {
        kept.push(e);
      }
    }
    const removed = this.events.length - kept.length;
    this.events = kept;
    return Promise.resolve(removed);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
