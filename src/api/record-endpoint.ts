/**
 * The recording endpoint: POST /v1/records with a batch of full CloudTrail records (a log file's
 * {"Records":[...]}, a JSON array, or one record). Records are idempotent by eventID; the answer
 * lists each record as successful (recorded or duplicate) or failed, PutAuditEvents-style.
 * The call itself is recorded as a data event (as AWS records cloudtrail-data PutAuditEvents).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceError } from '../errors.ts';
import { isServiceError } from '../errors.ts';
import type { AuthenticatedCall } from '../iam/index.ts';
import { apiCallEvent, type ParsedRecord } from '../ingest/index.ts';
import type { NewEvent } from '../store/index.ts';
import { sendError, sendJson, sourceIp } from './http.ts';
import type { ApiDeps } from './server.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RecordResponse {
  successful: { index: number; eventID: string; status: 'recorded' | 'duplicate' }[];
  failed: { index: number; errorCode: string; errorMessage: string }[];
  /** Recorded events older than the Event history window: kept for consumers, not shown by LookupEvents. */
  outsideHistoryWindow: number;
}

export async function handleRecordRequest(
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  caller: AuthenticatedCall,
  requestId: string,
  deps: ApiDeps,
): Promise<void> {
  const nowMs = deps.now();
  let parsed: ParsedRecord[] = [];
  let failure: ServiceError | undefined;
  try {
    parsed = await deps.parsers.parse(body, {
      awsRegion: caller.region,
      recipientAccountId: caller.principal.accountId,
    });
  } catch (error) {
    if (!isServiceError(error)) throw error;
    failure = error;
  }
  const events: NewEvent[] = [];
  const positions: number[] = [];
  parsed.forEach((p, i) => {
    if (p.ok) {
      events.push(p.event);
      positions.push(i);
    }
  });
  const audit = apiCallEvent({
    principal: caller.principal,
    region: caller.region,
    eventSource: 'cloudtrail.amazonaws.com',
    eventName: 'RecordEvents',
    readOnly: false,
    category: 'Data',
    requestParameters: { recordCount: parsed.length },
    responseElements: failure ? null : { recorded: events.length, failed: parsed.length - events.length },
    ...(failure ? { errorCode: failure.code, errorMessage: failure.message } : {}),
    sourceIPAddress: sourceIp(req),
    userAgent: req.headers['user-agent'] ?? '',
    requestId,
    eventId: randomUUID(),
    timeMs: nowMs,
  });
  // The batch and the record of the call commit together.
  const outcomes = await deps.committer.append([...events, audit]);
  if (failure) {
    sendError(res, failure, requestId, 'application/json');
    return;
  }
  const response: RecordResponse = { successful: [], failed: [], outsideHistoryWindow: 0 };
  const windowStart = nowMs - deps.historyRetentionDays * DAY_MS;
  const outcomeAt = new Map<number, (typeof outcomes)[number]>();
  positions.forEach((index, n) => outcomeAt.set(index, outcomes[n] as (typeof outcomes)[number]));
  parsed.forEach((p, index) => {
    if (!p.ok) {
      response.failed.push({ index, errorCode: p.errorCode, errorMessage: p.errorMessage });
      return;
    }
    const outcome = outcomeAt.get(index);
    response.successful.push({ index, eventID: p.event.eventId, status: outcome?.status ?? 'recorded' });
    if (p.event.eventTimeMs < windowStart && outcome?.status === 'recorded') response.outsideHistoryWindow++;
  });
  sendJson(res, 200, response, requestId, 'application/json');
}
