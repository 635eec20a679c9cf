import type { EventCategory } from '../events/index.ts';

/**
 * An event as the log keeps it: the record's original text plus the columns lookups filter on.
 * The lookup values (eventId, eventName … resourceNames) are those `lookupFieldsOf` derives from
 * the record text (events/lookup-fields.ts), as every recording path makes them; a store may
 * answer a lookup with values it derives from `raw` again.
 */
export interface NewEvent {
  eventId: string;
  accountId: string;
  region: string;
  eventTimeMs: number;
  eventName: string;
  eventSource: string;
  username: string | null;
  accessKeyId: string | null;
  readOnly: boolean | null;
  category: EventCategory;
  resourceTypes: string[];
  resourceNames: string[];
  raw: string;
}

export interface StoredEvent extends NewEvent {
  seq: bigint;
  recordedAtMs: number;
}

export type DeliveryEvent = Pick<
  StoredEvent,
  'seq' | 'accountId' | 'region' | 'eventSource' | 'category' | 'eventTimeMs' | 'recordedAtMs' | 'raw'
>;

export interface CursorState {
  seq: bigint;
  plannedSeq?: bigint;
}

/** A slice of the log by sequence numbers, narrowed by the columns the log keeps. */
export interface LogRange {
  afterSeq: bigint;
  toSeq: bigint;
  accounts: readonly string[];
  /** Only this region's events. */
  region?: string;
  /** eventTime in [startMs, endMs). */
  startMs?: number;
  endMs?: number;
  /** Only events of this category (decided without parsing). */
  category?: string;
}

/** Per-event outcome of an append, in input order. */
export type AppendOutcome = { status: 'recorded'; seq: bigint } | { status: 'duplicate' };

export type LookupAttributeKey =
  | 'EventId'
  | 'EventName'
  | 'ReadOnly'
  | 'Username'
  | 'ResourceType'
  | 'ResourceName'
  | 'EventSource'
  | 'AccessKeyId';

export interface LookupQuery {
  accountId: string;
  region: string;
  category: 'Management' | 'Insight';
  startMs: number;
  endMs: number;
  attribute?: { key: LookupAttributeKey; value: string };
  /** Only events recorded up to this sequence number: pages stay stable under concurrent writes. */
  maxSeq: bigint;
  /** Continue after this position in (eventTime desc, seq desc) order. */
  after?: { eventTimeMs: number; seq: bigint };
  limit: number;
}

/**
 * The one source of truth: an append-only log ordered by a global sequence number. No method
 * changes or deletes a recorded event; only retention (`purgeHistory`) removes old ones.
 */
export interface EventStore {
  /** Appends in one durable transaction; resolves only once the events survive a crash. */
  append(events: readonly NewEvent[]): Promise<AppendOutcome[]>;
  /** An Event history page, newest first; its events' lookup values may come from their record text. */
  lookup(query: LookupQuery): Promise<StoredEvent[]>;
  /** Highest sequence number recorded so far (0n when empty). */
  lastSeq(): bigint;
  /** Events after `afterSeq` (and up to `toSeq` when given) in sequence order, for consumers. */
  readAfter(afterSeq: bigint, limit: number, toSeq?: bigint): Promise<StoredEvent[]>;
  /** Like readAfter, with only what log file delivery needs (a narrower, faster read). */
  readForDelivery(afterSeq: bigint, limit: number, toSeq?: bigint): Promise<DeliveryEvent[]>;
  getCursor(consumer: string): Promise<bigint | undefined>;
  /** The cursor with the range end a consumer planned before writing its output. */
  getCursorState(consumer: string): Promise<CursorState | undefined>;
  /**
   * Records that the consumer is about to write output for (cursor, toSeq]: after a crash it
   * replays exactly that range, so deterministic output names overwrite instead of duplicating.
   */
  planCursor(consumer: string, toSeq: bigint): Promise<void>;
  /** Moves the cursor (and clears any plan); call only once the consumer's output is durable. */
  commitCursor(consumer: string, seq: bigint): Promise<void>;
  /** Forgets a consumer, so retention no longer keeps events for it. */
  deleteCursor(consumer: string): Promise<void>;
  /**
   * Removes events whose eventTime is before `cutoffMs`, except those a consumer has not read
   * yet. Runs beside writes without blocking them. Returns how many were removed.
   */
  purgeHistory(cutoffMs: number): Promise<number>;
  close(): Promise<void>;
}
