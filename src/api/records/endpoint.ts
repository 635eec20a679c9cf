/**
 * The recording endpoint: POST /v1/records with a batch of full CloudTrail records (a log file's
 * {"Records":[...]}, a JSON array, or one record). Records are idempotent by eventID; the answer
 * lists each record as successful (recorded or duplicate) or failed, PutAuditEvents-style.
 * The call itself is recorded as a data event (as AWS records cloudtrail-data PutAuditEvents),
 * in the same transaction as the batch.
 *
 * What a caller may record is scoped (validateRecord): events of its own account or, for the
 * management account of an organization, of its member accounts; in a real Region; not dated in
 * the future; and no event of a source OpenTrail writes itself dated after the account came into
 * existence here. A client retrying a request sends the same Idempotency-Key header: records
 * without an eventID then get IDs derived from it, and the retry is answered 'duplicate'.
 */
import { ServiceError } from '../../errors.ts';
import type { ParsedRecord, ParsePool, RecordingAccounts } from '../../ingest/index.ts';
import type { AppendOutcome, NewEvent } from '../../store/index.ts';
import type { CallContext, Endpoint, Operation } from '../endpoint.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The largest recording request body accepted (a batch of up to 10,000 records). */
export const MAX_RECORD_BODY_BYTES = 64 * 1024 * 1024;
export const RECORDS_PATH = '/v1/records';
/**
 * The header naming a request for idempotent retries (as the IETF HTTP API working group's
 * Idempotency-Key header field draft names it).
 */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export interface RecordResponse {
  successful: { index: number; eventID: string; status: 'recorded' | 'duplicate' }[];
  failed: { index: number; errorCode: string; errorMessage: string }[];
  /** Recorded events older than the Event history window: kept for consumers, not shown by LookupEvents. */
  outsideHistoryWindow: number;
}

export interface RecordsDeps {
  parsers: ParsePool;
  historyRetentionDays: number;
  /** How far past the time of the call an eventTime may lie. */
  maxFutureSkewMs: number;
  /** Whose events a caller may record. */
  recordingAccounts: Pick<RecordingAccounts, 'of'>;
}

/** The request's Idempotency-Key, if it has one (one value of printable ASCII, at most 255). */
function idempotencyKeyOf(headers: CallContext['request']['headers']): string | undefined {
  const values = headers[IDEMPOTENCY_KEY_HEADER];
  if (values === undefined) return undefined;
  const [key] = values;
  if (values.length !== 1 || key === undefined || !IDEMPOTENCY_KEY.test(key)) {
    throw new ServiceError(
      'ValidationException',
      'The Idempotency-Key header must be given once, as 1 to 255 printable ASCII characters.',
    );
  }
  return key;
}

/** The answer: each record's outcome by its index in the request. */
function recordResponse(
  parsed: readonly ParsedRecord[],
  outcomes: readonly AppendOutcome[],
  windowStartMs: number,
): RecordResponse {
  const response: RecordResponse = { successful: [], failed: [], outsideHistoryWindow: 0 };
  let recorded = 0;
  parsed.forEach((p, index) => {
    if (!p.ok) {
      response.failed.push({ index, errorCode: p.errorCode, errorMessage: p.errorMessage });
      return;
    }
    const outcome = outcomes[recorded++];
    response.successful.push({ index, eventID: p.event.eventId, status: outcome?.status ?? 'recorded' });
    if (p.event.eventTimeMs < windowStartMs && outcome?.status === 'recorded')
      response.outsideHistoryWindow++;
  });
  return response;
}

function recordEventsOperation(deps: RecordsDeps): Operation<ParsedRecord[]> {
  return {
    name: 'RecordEvents',
    eventSource: 'cloudtrail.amazonaws.com',
    action: 'cloudtrail:RecordEvents',
    readOnly: false,
    category: 'Data',
    // The records and the call's own audit record are one append: audit first without an intent.
    changesOnlyItsEvents: true,
    async parse(body, call) {
      const accountId = call.caller.principal.accountId;
      const idempotencyKey = idempotencyKeyOf(call.request.headers);
      return deps.parsers.parse(body, {
        awsRegion: call.caller.region,
        recipientAccountId: accountId,
        scope: {
          nowMs: call.nowMs,
          maxFutureSkewMs: deps.maxFutureSkewMs,
          accounts: await deps.recordingAccounts.of(accountId),
        },
        ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      });
    },
    requestParameters: (parsed) => ({ recordCount: parsed?.length ?? 0 }),
    handle(parsed, call) {
      const events: NewEvent[] = parsed.flatMap((p) => (p.ok ? [p.event] : []));
      const windowStartMs = call.nowMs - deps.historyRetentionDays * DAY_MS;
      return Promise.resolve({
        events,
        responseElements: { recorded: events.length, failed: parsed.length - events.length },
        answer: (outcomes: readonly AppendOutcome[]) => recordResponse(parsed, outcomes, windowStartMs),
      });
    },
  };
}

export function recordsEndpoint(deps: RecordsDeps): Endpoint {
  const operation = recordEventsOperation(deps);
  return {
    matches: (method, path) => method === 'POST' && path === RECORDS_PATH,
    signingNames: ['cloudtrail'],
    maxBodyBytes: MAX_RECORD_BODY_BYTES,
    requestContentTypes: ['application/json'],
    contentType: 'application/json',
    route: () => operation,
  };
}
