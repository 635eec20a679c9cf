/**
 * Audit first: a call that changes anything outside the event log (a trail, an IAM user, an event
 * data store) writes its audit intent durably before it runs — the record it is going to get, less
 * its outcome — and the call is refused when the intent cannot be made durable. Once the call's
 * record is committed the intent is dropped. A crash (kill -9) or a failed commit between the
 * change and its record leaves the intent behind, and at the next start, before the server
 * listens, `recoverAuditIntents` appends the record from it, its outcome marked unknown.
 *
 * Calls whose only change is the events they append together with their own audit record in one
 * transaction (the recording endpoint) need no intent: that transaction is all or nothing.
 */
import type { AppendOutcome, EventStore, NewEvent } from '../store/index.ts';
import { apiCallEvent, formatEventTime, type ApiCall } from './self-audit.ts';

/** How a call ended, as its audit record says. */
export type AuditOutcome = Pick<
  ApiCall,
  'responseElements' | 'errorCode' | 'errorMessage' | 'additionalEventData'
>;

/**
 * The audit record of a call before it runs: everything but its outcome. The record itself goes to
 * the caller's account; `copies` name the others'.
 */
export interface AuditIntent extends Omit<ApiCall, keyof AuditOutcome | 'tlsDetails' | 'recipientAccountId'> {
  /** The record's eventID, chosen before the call runs; its final record carries the same one. */
  eventId: string;
  /** Already bounded (`auditField`). */
  requestParameters: Record<string, unknown> | null;
  /**
   * The record's copies for the other accounts whose resources the call acts on, each with an
   * eventID of its own, all sharing `sharedEventId` ("CloudTrail record contents": sharedEventID).
   */
  copies?: { recipientAccountId: string; eventId: string }[];
}

/**
 * Where audit intents are kept until their calls' records are committed. One durable write per
 * intent; dropping is lazy and need not be durable: an intent that outlives its record is found
 * in the log at recovery (the log deduplicates on eventID) and appends nothing.
 */
export interface AuditJournal {
  /** Resolves once the intent survives a crash; rejects when it cannot be made durable. */
  write(intent: AuditIntent): Promise<void>;
  /** Forgets the intents of these eventIDs (their records are committed); unknown IDs are ignored. */
  drop(eventIds: readonly string[]): Promise<void>;
  /** The intents written and not dropped, in the order they were written. */
  pending(): Promise<AuditIntent[]>;
  close(): Promise<void>;
}

/** A call's audit records: its own, then one for each other account whose resource it acted on. */
export function auditRecordsOf(intent: AuditIntent, outcome: AuditOutcome): NewEvent[] {
  const { copies, ...fields } = intent;
  const call: ApiCall = { ...fields, ...outcome };
  return [
    apiCallEvent(call),
    ...(copies ?? []).map((copy) =>
      apiCallEvent({ ...call, eventId: copy.eventId, recipientAccountId: copy.recipientAccountId }),
    ),
  ];
}

/**
 * The outcome a recovered record states. CloudTrail has no field for a call whose outcome was
 * lost, so the record says so in additionalEventData ("additional data about the event that was
 * not part of the request or response"; strings, as Lake's map<string, string> column takes it).
 * errorCode stays absent: the intent is written only once the call is authenticated, authorized
 * and parsed, so the change may well have been made, and filters for changes should match it.
 */
export function unknownOutcome(recoveredMs: number): AuditOutcome {
  return {
    responseElements: null,
    additionalEventData: {
      outcome: 'Unknown',
      reason:
        'The server stopped, or could not commit, after the call was authorized and before its outcome was recorded; this record was written from its audit intent.',
      recoveredTime: formatEventTime(recoveredMs),
    },
  };
}

export interface AuditRecovery {
  /** Calls whose record was missing and is now appended with an unknown outcome. */
  recovered: number;
  /** Calls whose record was already in the log (the intent outlived it). */
  alreadyRecorded: number;
}

/** Intents recovered in one append at most (a transaction of bounded size). */
const RECOVERY_BATCH_INTENTS = 1000;

/**
 * Appends, for every pending intent whose record is not in the log, that record with an unknown
 * outcome, then drops the intents. The log's deduplication on (account, eventID) tells which
 * records are there: an intent whose call was recorded appends nothing. Run before the server
 * takes calls.
 */
export async function recoverAuditIntents(
  journal: AuditJournal,
  log: Pick<EventStore, 'append'>,
  nowMs: number,
): Promise<AuditRecovery> {
  const intents = await journal.pending();
  const result: AuditRecovery = { recovered: 0, alreadyRecorded: 0 };
  const outcome = unknownOutcome(nowMs);
  for (let i = 0; i < intents.length; i += RECOVERY_BATCH_INTENTS) {
    const batch = intents.slice(i, i + RECOVERY_BATCH_INTENTS);
    const owns: number[] = [];
    const events: NewEvent[] = [];
    for (const intent of batch) {
      owns.push(events.length);
      events.push(...auditRecordsOf(intent, outcome));
    }
    const outcomes: AppendOutcome[] = await log.append(events);
    for (const at of owns) {
      if (outcomes[at]?.status === 'recorded') result.recovered++;
      else result.alreadyRecorded++;
    }
    await journal.drop(batch.map((intent) => intent.eventId));
  }
  return result;
}
