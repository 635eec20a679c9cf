/**
 * The cloudtrail-data REST endpoint: POST /PutAuditEvents?channelArn=…[&externalId=…] with a JSON
 * body (rest-json protocol, signing name cloudtrail-data). Errors carry their code in the
 * X-Amzn-ErrorType header, which botocore's rest-json parser reads first. The call is recorded as
 * a data event of cloudtrail-data.amazonaws.com, committed after the events it added.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ServiceError, isServiceError } from '../../errors.ts';
import type { AuthenticatedCall } from '../../iam/index.ts';
import { apiCallEvent } from '../../ingest/index.ts';
import { sendError, sendJson, sourceIp } from '../http.ts';
import { parseJsonObjectBody } from '../../input.ts';
import type { ApiDeps } from '../server.ts';
import { putAuditEvents, type PutAuditEventsOutput } from './put-audit-events.ts';

export const PUT_AUDIT_EVENTS_PATH = '/PutAuditEvents';
export const CLOUDTRAIL_DATA_SIGNING_NAMES = ['cloudtrail-data'] as const;
/** 1 MB of eventData, written as JSON strings (escaping can double it), plus the envelope. */
export const MAX_PUT_AUDIT_EVENTS_BODY_BYTES = 3 * 1024 * 1024;

export async function handlePutAuditEventsRequest(
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  caller: AuthenticatedCall,
  requestId: string,
  deps: ApiDeps,
): Promise<void> {
  const contentType = 'application/json';
  const nowMs = deps.now();
  const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  let output: PutAuditEventsOutput | undefined;
  let failure: ServiceError | undefined;
  try {
    output = await putAuditEvents(query, parseJsonObjectBody(body), { caller, lake: deps.lake, nowMs });
  } catch (error) {
    if (isServiceError(error)) failure = error;
    else {
      deps.logger.error({ err: error }, 'PutAuditEvents failed unexpectedly');
      failure = new ServiceError(
        'InternalFailure',
        'The request processing has failed because of an unknown error.',
        { fault: 'server' },
      );
    }
  }
  const channelArn = query.get('channelArn');
  const externalId = query.get('externalId');
  await deps.committer.append([
    apiCallEvent({
      principal: caller.principal,
      region: caller.region,
      eventSource: 'cloudtrail-data.amazonaws.com',
      eventName: 'PutAuditEvents',
      readOnly: false,
      category: 'Data',
      requestParameters: {
        ...(channelArn !== null ? { channelArn } : {}),
        ...(externalId !== null ? { externalId } : {}),
      },
      responseElements: null,
      ...(failure ? { errorCode: failure.code, errorMessage: failure.message } : {}),
      sourceIPAddress: sourceIp(req),
      userAgent: req.headers['user-agent'] ?? '',
      requestId,
      eventId: randomUUID(),
      timeMs: nowMs,
    }),
  ]);
  if (failure) sendError(res, failure, requestId, contentType);
  else sendJson(res, 200, output, requestId, contentType);
}
