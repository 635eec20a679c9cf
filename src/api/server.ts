/**
 * OpenTrail's HTTP front: the CloudTrail JSON 1.1 API at POST / and the recording endpoint at
 * POST /v1/records. Every request is SigV4-verified; every authenticated call is recorded
 * (self-audit) before it is answered. Bad input gets an AWS-style error and never stops the server.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BodyTooLarge, readBody, sendError, sendJson, signedRequest, sourceIp } from './http.ts';
import type { Logger } from 'pino';
import { ServiceError, isServiceError } from '../errors.ts';
import type { Authenticator, AuthenticatedCall } from '../iam/index.ts';
import { apiCallEvent, camelCaseKeys, type GroupCommitter, type ParsePool } from '../ingest/index.ts';
import type { EventStore } from '../store/index.ts';
import {
  createEventDataStore,
  deleteEventDataStore,
  getEventDataStore,
  listEventDataStores,
  restoreEventDataStore,
  startEventDataStoreIngestion,
  stopEventDataStoreIngestion,
  updateEventDataStore,
} from './cloudtrail/event-data-stores.ts';
import { getImport, listImportFailures, listImports, startImport, stopImport } from './cloudtrail/imports.ts';
import {
  createChannel,
  deleteChannel,
  getChannel,
  listChannels,
  updateChannel,
} from './cloudtrail/channels.ts';
import {
  CLOUDTRAIL_DATA_SIGNING_NAMES,
  MAX_PUT_AUDIT_EVENTS_BODY_BYTES,
  PUT_AUDIT_EVENTS_PATH,
  handlePutAuditEventsRequest,
} from './cloudtrail-data/endpoint.ts';
import { lookupEvents } from './cloudtrail/lookup-events.ts';
import {
  cancelQuery,
  describeQuery,
  getQueryResults,
  listQueries,
  startQuery,
} from './cloudtrail/queries.ts';
import { listPublicKeys } from './cloudtrail/public-keys.ts';
import type { OperationContext, OperationHandler } from './cloudtrail/operation.ts';
import { addTags, listTags, removeTagsOperation } from './cloudtrail/tags.ts';
import {
  createTrail,
  deleteTrail,
  describeTrails,
  getEventSelectors,
  getTrail,
  getTrailStatus,
  listTrails,
  putEventSelectors,
  startLogging,
  stopLogging,
  updateTrail,
} from './cloudtrail/trails.ts';
import { CLOUDTRAIL_OPERATIONS, isReadOnlyOperation, operationOfTarget } from './cloudtrail/operations.ts';
import { parseJsonObjectBody } from '../input.ts';
import type { NextTokenCodec } from './next-token.ts';
import { handleRecordRequest } from './record-endpoint.ts';

export interface ApiDeps {
  authenticator: Authenticator;
  committer: GroupCommitter;
  parsers: ParsePool;
  store: EventStore;
  tokens: NextTokenCodec;
  logger: Logger;
  historyRetentionDays: number;
  now: () => number;
  trails: OperationContext['trails'];
  delivery: OperationContext['delivery'];
  bucket: OperationContext['bucket'];
  notifier: OperationContext['notifier'];
  organizations: OperationContext['organizations'];
  signingKeys: OperationContext['signingKeys'];
  lake: OperationContext['lake'];
}

/** The largest CloudTrail API request body accepted. */
export const MAX_API_BODY_BYTES = 1024 * 1024;
/** The largest recording request body accepted (a batch of up to 10,000 records). */
export const MAX_RECORD_BODY_BYTES = 64 * 1024 * 1024;

const SIGNING_NAMES = ['cloudtrail'] as const;

const HANDLERS: Partial<Record<string, OperationHandler>> = {
  LookupEvents: lookupEvents,
  CreateTrail: createTrail,
  UpdateTrail: updateTrail,
  DeleteTrail: deleteTrail,
  GetTrail: getTrail,
  DescribeTrails: describeTrails,
  ListTrails: listTrails,
  GetTrailStatus: getTrailStatus,
  StartLogging: startLogging,
  StopLogging: stopLogging,
  PutEventSelectors: putEventSelectors,
  GetEventSelectors: getEventSelectors,
  AddTags: addTags,
  RemoveTags: removeTagsOperation,
  ListTags: listTags,
  ListPublicKeys: listPublicKeys,
  CreateEventDataStore: createEventDataStore,
  GetEventDataStore: getEventDataStore,
  ListEventDataStores: listEventDataStores,
  UpdateEventDataStore: updateEventDataStore,
  DeleteEventDataStore: deleteEventDataStore,
  RestoreEventDataStore: restoreEventDataStore,
  StartEventDataStoreIngestion: startEventDataStoreIngestion,
  StopEventDataStoreIngestion: stopEventDataStoreIngestion,
  StartQuery: startQuery,
  DescribeQuery: describeQuery,
  GetQueryResults: getQueryResults,
  ListQueries: listQueries,
  CancelQuery: cancelQuery,
  CreateChannel: createChannel,
  GetChannel: getChannel,
  ListChannels: listChannels,
  UpdateChannel: updateChannel,
  DeleteChannel: deleteChannel,
  StartImport: startImport,
  GetImport: getImport,
  ListImports: listImports,
  StopImport: stopImport,
  ListImportFailures: listImportFailures,
};

export function createApiServer(deps: ApiDeps): Server {
  const server = createServer((req, res) => {
    handle(req, res, deps).catch((error: unknown) => {
      deps.logger.error({ err: error }, 'request failed unexpectedly');
      sendError(
        res,
        new ServiceError(
          'InternalFailure',
          'The request processing has failed because of an unknown error.',
          { fault: 'server' },
        ),
        randomUUID(),
        'application/x-amz-json-1.1',
      );
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: ApiDeps): Promise<void> {
  const requestId = randomUUID();
  const path = (req.url ?? '/').split('?')[0];
  const json11 = 'application/x-amz-json-1.1';
  if (req.method === 'GET' && path === '/health') {
    sendJson(res, 200, { status: 'ok' }, requestId, 'application/json');
    return;
  }
  const isRecord = path === '/v1/records';
  // cloudtrail-data (rest-json) PutAuditEvents.
  const isAuditEvents = path === PUT_AUDIT_EVENTS_PATH;
  const contentType = isRecord || isAuditEvents ? 'application/json' : json11;
  const bodyLimit = isRecord
    ? MAX_RECORD_BODY_BYTES
    : isAuditEvents
      ? MAX_PUT_AUDIT_EVENTS_BODY_BYTES
      : MAX_API_BODY_BYTES;
  if (req.method !== 'POST' || (path !== '/' && !isRecord && !isAuditEvents)) {
    sendError(
      res,
      new ServiceError('UnknownOperationException', `No operation at ${req.method ?? ''} ${path ?? ''}.`, {
        httpStatus: 404,
      }),
      requestId,
      contentType,
    );
    return;
  }
  let body: Buffer;
  try {
    body = await readBody(req, bodyLimit);
  } catch (error) {
    if (error instanceof BodyTooLarge) {
      sendError(
        res,
        new ServiceError('RequestEntityTooLargeException', `Request body exceeds ${bodyLimit} bytes.`, {
          httpStatus: 413,
        }),
        requestId,
        contentType,
      );
      return;
    }
    throw error;
  }

  let caller: AuthenticatedCall;
  try {
    caller = deps.authenticator.authenticate(
      signedRequest(req, body),
      isAuditEvents ? CLOUDTRAIL_DATA_SIGNING_NAMES : SIGNING_NAMES,
      deps.now(),
    );
  } catch (error) {
    if (isServiceError(error)) {
      // No verified identity: nothing to attribute, so nothing is recorded (as on AWS).
      sendError(res, error, requestId, contentType);
      return;
    }
    throw error;
  }

  if (isRecord) {
    await handleRecordRequest(req, res, body, caller, requestId, deps);
    return;
  }
  if (isAuditEvents) {
    await handlePutAuditEventsRequest(req, res, body, caller, requestId, deps);
    return;
  }
  await handleCloudTrailCall(req, res, body, caller, requestId, deps);
}

async function handleCloudTrailCall(
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  caller: AuthenticatedCall,
  requestId: string,
  deps: ApiDeps,
): Promise<void> {
  const contentType = 'application/x-amz-json-1.1';
  const target = req.headers['x-amz-target'];
  const operation = operationOfTarget(typeof target === 'string' ? target : undefined);
  const known = operation !== undefined && (CLOUDTRAIL_OPERATIONS as readonly string[]).includes(operation);
  if (!known) {
    sendError(
      res,
      new ServiceError(
        'UnknownOperationException',
        `Unknown operation ${String(target ?? '(no X-Amz-Target)')}.`,
      ),
      requestId,
      contentType,
    );
    return;
  }
  const startedMs = deps.now();
  let input: Record<string, unknown> = {};
  let output: Record<string, unknown> | undefined;
  let failure: ServiceError | undefined;
  const afterRecorded: ((seq: bigint) => Promise<void>)[] = [];
  try {
    input = parseJsonObjectBody(body);
    const handler = HANDLERS[operation];
    if (!handler) {
      throw new ServiceError('UnknownOperationException', `OpenTrail does not implement ${operation} yet.`);
    }
    output = await handler(input, {
      caller,
      store: deps.store,
      tokens: deps.tokens,
      nowMs: startedMs,
      historyRetentionDays: deps.historyRetentionDays,
      trails: deps.trails,
      delivery: deps.delivery,
      bucket: deps.bucket,
      notifier: deps.notifier,
      organizations: deps.organizations,
      signingKeys: deps.signingKeys,
      lake: deps.lake,
      onRecorded: (fn) => afterRecorded.push(fn),
    });
  } catch (error) {
    if (error instanceof TypeError && /encoded data was not valid/.test(error.message)) {
      failure = new ServiceError('SerializationException', 'Request body is not valid UTF-8.');
    } else if (isServiceError(error)) failure = error;
    else {
      deps.logger.error({ err: error, operation }, 'operation failed unexpectedly');
      failure = new ServiceError(
        'InternalFailure',
        'The request processing has failed because of an unknown error.',
        { fault: 'server' },
      );
    }
  }

  // Self-audit: the call is durable in the log before the caller hears back.
  const readOnly = isReadOnlyOperation(operation);
  // Changes are recorded with what they answered, as AWS records e.g. CreateTrail's trail.
  const responseElements =
    !readOnly && !failure && output && Object.keys(output).length > 0
      ? (camelCaseKeys(output) as Record<string, unknown>)
      : null;
  const [outcome] = await deps.committer.append([
    apiCallEvent({
      principal: caller.principal,
      region: caller.region,
      eventSource: 'cloudtrail.amazonaws.com',
      eventName: operation,
      readOnly,
      category: 'Management',
      requestParameters:
        Object.keys(input).length > 0 ? (camelCaseKeys(input) as Record<string, unknown>) : null,
      responseElements,
      ...(failure ? { errorCode: failure.code, errorMessage: failure.message } : {}),
      sourceIPAddress: sourceIp(req),
      userAgent: req.headers['user-agent'] ?? '',
      requestId,
      eventId: randomUUID(),
      timeMs: startedMs,
    }),
  ]);

  if (outcome?.status === 'recorded') {
    for (const fn of afterRecorded) {
      try {
        await fn(outcome.seq);
      } catch (error) {
        deps.logger.error({ err: error, operation }, 'post-record step failed');
      }
    }
  }

  if (failure) sendError(res, failure, requestId, contentType);
  else sendJson(res, 200, output ?? {}, requestId, contentType);
}
