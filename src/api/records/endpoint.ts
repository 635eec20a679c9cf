/**
 * The recording endpoint: POST /v1/records with a batch of full CloudTrail records (a log file's
 * {"Records":[...]}, a JSON array, or one record). Records are idempotent by eventID; the answer
 * lists each record as successful (recorded or duplicate) or failed, PutAuditEvents-style.
 * The call itself is recorded as a data event (as AWS records cloudtrail-data PutAuditEvents),
 * in the same transaction as the batch.
 */
import type { ParsedRecord, ParsePool } from '../../ingest/index.ts';
import type { AppendOutcome, NewEvent } from '../../store/index.ts';
import type { Endpoint, Operation } from '../endpoint.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The largest recording request body accepted (a batch of up to 10,000 records). */
export const MAX_RECORD_BODY_BYTES = 64 * 1024 * 1024;
export const RECORDS_PATH = '/v1/records';

export interface RecordResponse {
  successful: { index: number; eventID: string; status: 'recorded' | 'duplicate' }[];
  failed: { index: number; errorCode: string; errorMessage: string }[];
  /** Recorded events older than the Event history window: kept for consumers, not shown by LookupEvents. */
  outsideHistoryWindow: number;
}

export interface RecordsDeps {
  parsers: ParsePool;
  historyRetentionDays: number;
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
    parse: (body, call) =>
      deps.parsers.parse(body, {
        awsRegion: call.caller.region,
        recipientAccountId: call.caller.principal.accountId,
      }),
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
    contentType: 'application/json',
    route: () => operation,
  };
}
