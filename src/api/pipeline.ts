/**
 * OpenTrail's HTTP front: one pipeline for every endpoint (CloudTrail JSON 1.1, cloudtrail-data
 * REST-JSON, the recording endpoint, and the protocols to come). Each step is written once:
 *
 *   authenticate the headers (SigV4) → bounded body read → finish the signature → route
 *   → authorize → content type → parse → audit fields → handle → self-audit → answer or error.
 *
 * The audit record is durable before the caller hears back, and everything it copies from the
 * request is built, bounded, before the operation changes anything: no input can make a change
 * whose record then fails to be written. A change runs only once its audit intent (the record
 * less its outcome) is durable, so a crash or a failed commit after it still leaves its record
 * to be written at the next start (ingest/audit-journal.ts). A request without a verified identity, or one that names
 * no operation, is answered but not recorded: there is nobody to attribute it to, or nothing it
 * called (as on AWS). Resources are bounded before a byte of body is buffered: connections, body
 * bytes in flight across the server, header and request timeouts. Bad input gets an AWS-style
 * error and never stops the server; anything that is not a ServiceError is logged and answered
 * InternalFailure.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ServiceError, isServiceError } from '../errors.ts';
import {
  denialMessage,
  type AuthenticatedCall,
  type AuthorizationRequest,
  type Authenticator,
  type Authorizer,
  type PendingAuthentication,
  credentialScopeService,
} from '../iam/index.ts';
import {
  auditField,
  auditRecordsOf,
  type AuditIntent,
  type AuditJournal,
  type AuditOutcome,
  type GroupCommitter,
} from '../ingest/index.ts';
import { CLIENT_CLOSED_REQUEST, NO_OPERATION, type ApiMetrics } from '../metrics/index.ts';
import type { AppendOutcome } from '../store/index.ts';
import type {
  AuditResource,
  CallContext,
  Endpoint,
  Handled,
  Operation,
  OperationAuthorization,
  RequestView,
} from './endpoint.ts';
import {
  BodyBudget,
  BodyBudgetSpent,
  BodyTooLarge,
  readBody,
  sendError,
  sendJson,
  sendText,
  signedRequestHead,
  sourceIp,
  type ReadBody,
} from './http.ts';

/** What the server holds for its callers at most; beyond it, requests are refused, not queued. */
export interface PipelineLimits {
  /** TCP connections open at once; the server closes further ones at once. */
  maxConnections: number;
  /** Request body bytes held in memory across all requests; beyond it, 503 ServiceUnavailable. */
  maxInflightBodyBytes: number;
  /** Time a client has to send its request headers. */
  headersTimeoutMs: number;
  /** Time a client has to send its whole request, body included. */
  requestTimeoutMs: number;
}

export const DEFAULT_PIPELINE_LIMITS: PipelineLimits = {
  maxConnections: 1024,
  maxInflightBodyBytes: 256 * 1024 * 1024,
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 120_000,
};

export interface PipelineDeps {
  endpoints: readonly Endpoint[];
  authenticator: Authenticator;
  authorizer: Authorizer;
  committer: GroupCommitter;
  /** Where a change's audit intent is made durable before the change runs (audit first). */
  auditJournal: AuditJournal;
  logger: Logger;
  now: () => number;
  limits?: PipelineLimits;
  /** Told of every answered request: the operation it called, its status and its latency. */
  metrics?: ApiMetrics;
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
  const limits = deps.limits ?? DEFAULT_PIPELINE_LIMITS;
  const budget = new BodyBudget(limits.maxInflightBodyBytes);
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // How often Node checks those timeouts (30 s by default, longer than the timeouts allow).
      connectionsCheckingInterval: Math.min(2000, limits.headersTimeoutMs),
    },
    (req, res) => {
      handle(req, res, deps, budget).catch((error: unknown) => {
        deps.logger.error({ err: error }, 'request failed unexpectedly');
        sendError(res, internalFailure(error), randomUUID(), 'application/x-amz-json-1.1');
      });
    },
  );
  server.maxConnections = limits.maxConnections;
  server.keepAliveTimeout = 65_000;
  return server;
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  deps: PipelineDeps,
  budget: BodyBudget,
): Promise<void> {
  const requestId = randomUUID();
  const request = requestViewOf(req);
  const log = deps.logger.child({ requestId });
  // The operation label is what the endpoint routed an authenticated request to: a caller's
  // X-Amz-Target never becomes a label before it is verified.
  let operationName = NO_OPERATION;
  observeAnswer(res, deps, log, () => operationName);
  if (request.method === 'GET' && request.path === '/health') {
    sendJson(res, 200, { status: 'ok' }, requestId, 'application/json');
    return;
  }
  const head = signedRequestHead(req);
  const endpoint = endpointFor(deps.endpoints, request, credentialScopeService(head));
  // Refusals before the body is read close the connection: the unread body is never drained.
  const refuse = (error: ServiceError, to?: Endpoint): void => {
    res.setHeader('connection', 'close');
    sendError(
      res,
      error,
      requestId,
      to?.contentType ?? 'application/x-amz-json-1.1',
      to?.errorBody?.bind(to),
    );
  };
  if (!endpoint) {
    const error = new ServiceError(
      'UnknownOperationException',
      `No operation at ${request.method} ${request.path}.`,
      { httpStatus: 404 },
    );
    refuse(error);
    return;
  }
  const errorBody = endpoint.errorBody?.bind(endpoint);
  const fail = (error: ServiceError): void =>
    sendError(res, error, requestId, endpoint.contentType, errorBody);

  let pending: PendingAuthentication;
  try {
    pending = deps.authenticator.begin(head, endpoint.signingNames, deps.now());
  } catch (error) {
    if (!isServiceError(error)) throw error;
    refuse(error, endpoint);
    return;
  }

  const reading = readBody(req, endpoint.maxBodyBytes, budget);
  res.once('close', reading.release);
  let read: ReadBody;
  try {
    read = await reading.done;
  } catch (error) {
    if (error instanceof BodyTooLarge) {
      const message = `Request body exceeds ${endpoint.maxBodyBytes} bytes.`;
      refuse(new ServiceError('RequestEntityTooLargeException', message, { httpStatus: 413 }), endpoint);
      return;
    }
    if (error instanceof BodyBudgetSpent) {
      const message = 'The server is receiving too many request bodies at once; retry the request.';
      refuse(new ServiceError('ServiceUnavailable', message, { fault: 'server', httpStatus: 503 }), endpoint);
      return;
    }
    throw error;
  }

  let caller: AuthenticatedCall;
  let operation: Operation;
  try {
    caller = deps.authenticator.complete(pending, read.sha256);
    operation = endpoint.route(request, read.body);
    operationName = operation.name;
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
    requestId,
    nowMs: deps.now(),
    sourceIp: sourceIp(req),
    onRecorded: (fn) => afterRecorded.push(fn),
  };
  const { audit, handled, failure, recordedCode, journaled } = await runOperation(
    operation,
    endpoint,
    read.body,
    call,
    deps,
  );

  const events = handled?.events ?? [];
  const outcome: AuditOutcome = failure
    ? { responseElements: null, errorCode: recordedCode ?? failure.code, errorMessage: failure.message }
    : { responseElements: boundedField(() => handled?.responseElements ?? null) };
  let outcomes: AppendOutcome[];
  try {
    outcomes = await deps.committer.append([...events, ...auditRecordsOf(audit, outcome)]);
  } catch (error) {
    // Not acknowledged; the intent stays, so the next start records the call (outcome unknown).
    log.error({ err: error, operation: operation.name }, 'committing an audit record failed');
    fail(internalFailure(error));
    return;
  }
  if (journaled) {
    deps.auditJournal.drop([audit.eventId]).catch((error: unknown) => {
      log.warn({ err: error, operation: operation.name }, 'dropping an audit intent failed');
    });
  }
  const own = outcomes[events.length];
  if (own?.status === 'recorded') {
    for (const fn of afterRecorded) {
      try {
        await fn(own.seq);
      } catch (error) {
        log.error({ err: error, operation: operation.name }, 'post-record step failed');
      }
    }
  }

  if (failure || !handled) fail(failure ?? internalFailure(undefined));
  else {
    let answer: unknown;
    try {
      answer = handled.answer(outcomes.slice(0, events.length));
    } catch (error) {
      // The call is done and recorded; only writing its answer failed (a bug), in the protocol's form.
      fail(toServiceError(error, log, operation.name));
      return;
    }
    if (typeof answer === 'string') sendText(res, 200, answer, requestId, endpoint.contentType);
    else sendJson(res, 200, answer, requestId, endpoint.contentType);
  }
}

/**
 * The endpoint a request is for: among those serving its method and path, the one its SigV4
 * credential scope names (IAM, STS and CloudTrail share POST /); else the first that serves it.
 */
function endpointFor(
  endpoints: readonly Endpoint[],
  request: RequestView,
  service: string | undefined,
): Endpoint | undefined {
  const serving = endpoints.filter((e) => e.matches(request.method, request.path));
  return (
    (service !== undefined ? serving.find((e) => e.signingNames.includes(service)) : undefined) ?? serving[0]
  );
}

/**
 * Once the answer is sent (or the client went away first: 499), tells the metrics and writes an
 * access log line with the request ID (debug; warn for a server error).
 */
function observeAnswer(res: ServerResponse, deps: PipelineDeps, log: Logger, operation: () => string): void {
  const startedMs = performance.now();
  let observed = false;
  const observe = (status: number): void => {
    if (observed) return;
    observed = true;
    const durationMs = performance.now() - startedMs;
    deps.metrics?.observeRequest(operation(), status, durationMs);
    const line = { operation: operation(), status, durationMs: Math.round(durationMs) };
    if (status >= 500) log.warn(line, 'request answered with a server error');
    else log.debug(line, 'request');
  };
  res.once('finish', () => observe(res.statusCode));
  res.once('close', () => observe(CLIENT_CLOSED_REQUEST));
}

/** The accounts other than the caller's that own resources an authorized call acts on. */
function resourceOwnersOf(on: OperationAuthorization | undefined, callerAccount: string): string[] {
  const owners = new Set<string>();
  for (const target of on?.targets ?? []) {
    if (target.resourceAccount !== undefined && target.resourceAccount !== callerAccount) {
      owners.add(target.resourceAccount);
    }
  }
  return [...owners];
}

/** An audit field, bounded; a field that cannot be made at all is recorded as omitted. */
function boundedField(make: () => Record<string, unknown> | null): Record<string, unknown> | null {
  try {
    return auditField(make());
  } catch {
    return { omitted: true };
  }
}

/** The media type of a Content-Type header value, lower case, without parameters. */
function mediaTypeOf(value: string | undefined): string | undefined {
  return value?.split(';', 1)[0]?.trim().toLowerCase();
}

function checkContentType(endpoint: Endpoint, call: CallContext, body: Buffer): void {
  if (body.length === 0) return;
  const given = mediaTypeOf(call.request.headers['content-type']?.[0]);
  if (given !== undefined && endpoint.requestContentTypes.includes(given)) return;
  throw new ServiceError(
    'UnsupportedMediaTypeException',
    `Content-Type ${given ?? '(none)'} is not supported here; send ${endpoint.requestContentTypes.join(' or ')}.`,
    { httpStatus: 415 },
  );
}

const STORE_UNWRITABLE =
  'OpenTrail cannot make audit records durable right now, so it carries out no change; retry later.';

/**
 * Authorize, check, parse and build the audit fields, then handle: whatever goes wrong becomes
 * the call's failure, to be audited. The request's audit fields are built before the operation
 * runs, no change runs while the event log cannot commit, and a change runs only once its audit
 * intent is durable (audit first: ingest/audit-journal.ts).
 */
async function runOperation(
  operation: Operation,
  endpoint: Endpoint,
  body: Buffer,
  call: CallContext,
  deps: PipelineDeps,
): Promise<{
  /** The call's audit record less its outcome, with the eventIDs its intent announced. */
  audit: AuditIntent;
  handled?: Handled;
  failure?: ServiceError;
  /** The audit record's errorCode when it is not the failure's code (a denial: AccessDenied). */
  recordedCode?: string;
  /** Whether an intent was written for the call (to drop once its record is committed). */
  journaled: boolean;
}> {
  let input: unknown;
  let requestParameters: Record<string, unknown> | null = null;
  let resources: AuditResource[] | undefined;
  let denial: ServiceError | undefined;
  let owners: string[] = [];
  let journaled = false;
  // The record's IDs are chosen now: the intent and the final record carry the same ones.
  const eventId = randomUUID();
  const copyIds = new Map<string, string>();
  let sharedEventId: string | undefined;
  const audit = (): AuditIntent => {
    // A call on resources of other accounts is delivered to each of them as well, the records
    // sharing a sharedEventID ("CloudTrail record contents").
    for (const owner of owners) if (!copyIds.has(owner)) copyIds.set(owner, randomUUID());
    if (owners.length > 0) sharedEventId ??= randomUUID();
    return {
      eventId,
      principal: call.caller.principal,
      region: operation.auditRegion ?? call.caller.region,
      eventSource: operation.eventSource,
      eventName: operation.name,
      readOnly: operation.readOnly,
      category: operation.category,
      requestParameters,
      ...(resources ? { resources } : {}),
      sourceIPAddress: call.sourceIp ?? '',
      userAgent: call.request.headers['user-agent']?.[0] ?? '',
      requestId: call.requestId,
      timeMs: call.nowMs,
      ...(owners.length > 0
        ? {
            copies: owners.map((owner) => ({ recipientAccountId: owner, eventId: copyIds.get(owner) ?? '' })),
            sharedEventId,
          }
        : {}),
    };
  };
  // Operations that name their resources are authorized on them once the input is parsed; the
  // others before their body is parsed.
  const authorize = (on: OperationAuthorization | undefined): void => {
    const request: AuthorizationRequest = {
      principal: call.caller.principal,
      action: operation.action,
      region: call.caller.region,
      context: {
        secureTransport: false,
        ...(call.sourceIp !== undefined ? { sourceIp: call.sourceIp } : {}),
        ...(on?.requestTags ? { requestTags: on.requestTags } : {}),
      },
      ...(on?.targets ? { targets: on.targets } : {}),
      ...(on?.destructive ? { destructive: true } : {}),
    };
    const decision = deps.authorizer.authorize(request);
    if (decision.effect === 'Deny') {
      denial = new ServiceError('AccessDeniedException', denialMessage(request, decision));
      throw denial;
    }
    owners = resourceOwnersOf(on, call.caller.principal.accountId);
  };
  try {
    if (!operation.authorization) authorize(undefined);
    checkContentType(endpoint, call, body);
    input = await operation.parse(body, call);
    if (operation.authorization) authorize(await operation.authorization(input, call));
    requestParameters = auditField(operation.requestParameters(input, call));
    resources = operation.resources?.(input, call);
    if (!operation.readOnly && !deps.committer.writable) {
      throw new ServiceError('ServiceUnavailable', STORE_UNWRITABLE, { fault: 'server', httpStatus: 503 });
    }
    if (!operation.readOnly && operation.changesOnlyItsEvents !== true) {
      journaled = true;
      try {
        await deps.auditJournal.write(audit());
      } catch (error) {
        deps.logger.error({ err: error, operation: operation.name }, 'writing an audit intent failed');
        throw new ServiceError('ServiceUnavailable', STORE_UNWRITABLE, { fault: 'server', httpStatus: 503 });
      }
    }
  } catch (error) {
    if (input === undefined || requestParameters === null) {
      requestParameters = boundedField(() => operation.requestParameters(input, call));
    }
    try {
      resources ??= operation.resources?.(input, call);
    } catch {
      resources = undefined;
    }
    // CloudTrail records a denied call with errorCode AccessDenied, whatever the protocol answers
    // (AccessDeniedException in the JSON protocols), as the CIS "unauthorized API calls" filters expect.
    const recorded = denial !== undefined && error === denial ? { recordedCode: 'AccessDenied' } : {};
    return {
      audit: audit(),
      failure: toServiceError(error, deps.logger, operation.name),
      ...recorded,
      journaled,
    };
  }
  try {
    return { audit: audit(), handled: await operation.handle(input, call), journaled };
  } catch (error) {
    return { audit: audit(), failure: toServiceError(error, deps.logger, operation.name), journaled };
  }
}
