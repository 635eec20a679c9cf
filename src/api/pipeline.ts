/**
 * OpenTrail's HTTP front: one pipeline for every endpoint (CloudTrail JSON 1.1, cloudtrail-data
 * REST-JSON, the recording endpoint, and the protocols to come). Each step is written once:
 *
 *   bounded body read → authenticate (SigV4) → route (the endpoint names the operation)
 *   → authorize → parse → handle → self-audit (always, failures included) → answer or error.
 *
 * The audit record is durable before the caller hears back. A request without a verified
 * identity, or one that names no operation, is answered but not recorded: there is nobody to
 * attribute it to, or nothing it called (as on AWS). Bad input gets an AWS-style error and never
 * stops the server; anything that is not a ServiceError is logged and answered InternalFailure.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ServiceError, isServiceError } from '../errors.ts';
import {
  accessDeniedMessage,
  type AuthenticatedCall,
  type Authenticator,
  type Authorizer,
} from '../iam/index.ts';
import { apiCallEvent, type GroupCommitter } from '../ingest/index.ts';
import type { CallContext, Endpoint, Handled, Operation, RequestView } from './endpoint.ts';
import { BodyTooLarge, readBody, sendError, sendJson, signedRequest, sourceIp } from './http.ts';

export interface PipelineDeps {
  endpoints: readonly Endpoint[];
  authenticator: Authenticator;
  authorizer: Authorizer;
  committer: GroupCommitter;
  logger: Logger;
  now: () => number;
}

const INTERNAL_FAILURE_MESSAGE = 'The request processing has failed because of an unknown error.';

function internalFailure(cause: unknown): ServiceError {
  return new ServiceError('InternalFailure', INTERNAL_FAILURE_MESSAGE, { fault: 'server', cause });
}

/** The one error mapping: a ServiceError passes; anything else is a bug, logged, and InternalFailure. */
function toServiceError(error: unknown, logger: Logger, operation: string): ServiceError {
  if (isServiceError(error)) return error;
  // TextDecoder's fatal mode: a handler decoding attacker-supplied bytes met invalid UTF-8.
  if (error instanceof TypeError && /encoded data was not valid/.test(error.message)) {
    return new ServiceError('SerializationException', 'Request body is not valid UTF-8.', { cause: error });
  }
  logger.error({ err: error, operation }, 'operation failed unexpectedly');
  return internalFailure(error);
}

function requestViewOf(req: IncomingMessage): RequestView {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return {
    method: req.method ?? 'GET',
    path: q < 0 ? url : url.slice(0, q),
    query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)),
    headers: req.headersDistinct,
  };
}

export function createApiServer(deps: PipelineDeps): Server {
  const server = createServer((req, res) => {
    handle(req, res, deps).catch((error: unknown) => {
      deps.logger.error({ err: error }, 'request failed unexpectedly');
      sendError(res, internalFailure(error), randomUUID(), 'application/x-amz-json-1.1');
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: PipelineDeps): Promise<void> {
  const requestId = randomUUID();
  const request = requestViewOf(req);
  if (request.method === 'GET' && request.path === '/health') {
    sendJson(res, 200, { status: 'ok' }, requestId, 'application/json');
    return;
  }
  const endpoint = deps.endpoints.find((e) => e.matches(request.method, request.path));
  if (!endpoint) {
    const error = new ServiceError(
      'UnknownOperationException',
      `No operation at ${request.method} ${request.path}.`,
      {
        httpStatus: 404,
      },
    );
    sendError(res, error, requestId, 'application/x-amz-json-1.1');
    return;
  }
  const fail = (error: ServiceError): void => sendError(res, error, requestId, endpoint.contentType);

  let body: Buffer;
  try {
    body = await readBody(req, endpoint.maxBodyBytes);
  } catch (error) {
    if (!(error instanceof BodyTooLarge)) throw error;
    fail(
      new ServiceError(
        'RequestEntityTooLargeException',
        `Request body exceeds ${endpoint.maxBodyBytes} bytes.`,
        {
          httpStatus: 413,
        },
      ),
    );
    return;
  }

  let caller: AuthenticatedCall;
  let operation: Operation;
  try {
    caller = deps.authenticator.authenticate(signedRequest(req, body), endpoint.signingNames, deps.now());
    operation = endpoint.route(request);
  } catch (error) {
    // No verified identity, or no operation named: nothing to attribute or record.
    if (!isServiceError(error)) throw error;
    fail(error);
    return;
  }

  const afterRecorded: ((seq: bigint) => Promise<void>)[] = [];
  const call: CallContext = {
    caller,
    request,
    nowMs: deps.now(),
    onRecorded: (fn) => afterRecorded.push(fn),
  };
  const { input, handled, failure } = await runOperation(operation, body, call, deps);

  const events = handled?.events ?? [];
  const outcomes = await deps.committer.append([
    ...events,
    apiCallEvent({
      principal: caller.principal,
      region: caller.region,
      eventSource: operation.eventSource,
      eventName: operation.name,
      readOnly: operation.readOnly,
      category: operation.category,
      requestParameters: operation.requestParameters(input, call),
      responseElements: failure ? null : (handled?.responseElements ?? null),
      ...(failure ? { errorCode: failure.code, errorMessage: failure.message } : {}),
      sourceIPAddress: sourceIp(req),
      userAgent: req.headers['user-agent'] ?? '',
      requestId,
      eventId: randomUUID(),
      timeMs: call.nowMs,
    }),
  ]);
  const own = outcomes[events.length];
  if (own?.status === 'recorded') {
    for (const fn of afterRecorded) {
      try {
        await fn(own.seq);
      } catch (error) {
        deps.logger.error({ err: error, operation: operation.name }, 'post-record step failed');
      }
    }
  }

  if (failure || !handled) fail(failure ?? internalFailure(undefined));
  else sendJson(res, 200, handled.answer(outcomes.slice(0, events.length)), requestId, endpoint.contentType);
}

/** Authorize, parse and handle: whatever goes wrong becomes the call's failure, to be audited. */
async function runOperation(
  operation: Operation,
  body: Buffer,
  call: CallContext,
  deps: PipelineDeps,
): Promise<{ input?: unknown; handled?: Handled; failure?: ServiceError }> {
  let input: unknown;
  try {
    const authorization = {
      principal: call.caller.principal,
      action: operation.action,
      region: call.caller.region,
    };
    const decision = deps.authorizer.authorize(authorization);
    if (decision.effect === 'Deny') {
      throw new ServiceError('AccessDeniedException', accessDeniedMessage(authorization, decision.reason));
    }
    input = await operation.parse(body, call);
  } catch (error) {
    return { failure: toServiceError(error, deps.logger, operation.name) };
  }
  try {
    return { input, handled: await operation.handle(input, call) };
  } catch (error) {
    return { input, failure: toServiceError(error, deps.logger, operation.name) };
  }
}
