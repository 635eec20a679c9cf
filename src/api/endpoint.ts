/**
 * What every wire endpoint gives the pipeline (api/pipeline.ts): where it listens, what it
 * accepts, and how it names the operation a request calls. The pipeline does the rest — bounded
 * read, authentication, authorization, self-audit and error mapping — once for all endpoints.
 */
import type { IncomingMessage } from 'node:http';
import type { ServiceError } from '../errors.ts';
import type { EventCategory } from '../events/index.ts';
import type { AuthenticatedCall, AuthorizationTarget, RequestContextValues } from '../iam/index.ts';
import type { AppendOutcome, NewEvent } from '../store/index.ts';

/** The parts of a request an operation reads besides its body. */
export interface RequestView {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headersDistinct'];
}

/** One authenticated call on its way through the pipeline. */
export interface CallContext {
  caller: AuthenticatedCall;
  request: RequestView;
  /** The request ID the answer carries (x-amzn-RequestId; query protocols repeat it in the body). */
  requestId: string;
  /** When the call was received (after authentication); the audit record's eventTime. */
  nowMs: number;
  /** The caller's IP address (the audit record's sourceIPAddress, aws:SourceIp). */
  sourceIp?: string;
  /**
   * Runs `fn` with the sequence number of this call's own audit record once it is durable
   * (StopLogging delivers up to and including its own event).
   */
  onRecorded(fn: (seq: bigint) => Promise<void>): void;
}

/** What an operation did, for the audit record and the answer. */
export interface Handled {
  /** Events recorded in the same transaction as the call's own audit record (a recording batch). */
  events?: readonly NewEvent[];
  /** The audit record's responseElements. */
  responseElements: Record<string, unknown> | null;
  /**
   * The answer's body, given the append outcomes of `events` in order: a value sent as JSON, or
   * text already written in the endpoint's protocol (XML for query protocols), sent as it is.
   */
  answer(outcomes: readonly AppendOutcome[]): unknown;
}

/** A resource an audit record names (the record's `resources`). */
export interface AuditResource {
  ARN: string;
  accountId: string;
  type: string;
}

/**
 * What a call is authorized on, read from its parsed input: the resources (ARNs per the Service
 * Authorization Reference) and dependent actions, the tags it adds, and whether it stops or
 * weakens audit logging (then `--require-mfa-for-destruction` asks for an MFA session).
 */
export interface OperationAuthorization {
  targets?: readonly AuthorizationTarget[];
  requestTags?: RequestContextValues['requestTags'];
  destructive?: boolean;
}

/** One operation of one service, as its audit record names it. */
export interface Operation<Input = unknown> {
  /** The audit record's eventName (the AWS operation name). */
  name: string;
  /** The audit record's eventSource, e.g. cloudtrail.amazonaws.com. */
  eventSource: string;
  /** The IAM action the authorizer decides on, e.g. cloudtrail:StopLogging. */
  action: string;
  readOnly: boolean;
  category: EventCategory;
  /**
   * True when all the call changes is its `Handled.events`, appended in one transaction with its
   * own audit record (RecordEvents): it needs no audit intent. Every other call that is not
   * readOnly has its intent made durable before it runs (ingest/audit-journal.ts).
   */
  changesOnlyItsEvents?: boolean;
  /**
   * The Region the audit record is written in, when the service says so rather than the call's
   * credential scope: global services (IAM, STS's global endpoint) record in us-east-1, as AWS.
   */
  auditRegion?: string;
  /**
   * The resources the call acts on, from its parsed input; with it the pipeline authorizes after
   * parse, without it `action` on `*` before parse (so an unauthorized caller's body is never
   * parsed). May throw ServiceError for input that names no valid resource.
   */
  authorization?(input: Input, call: CallContext): OperationAuthorization | Promise<OperationAuthorization>;
  /** Reads the body (attacker-controlled bytes); throws ServiceError for malformed input. */
  parse(body: Buffer, call: CallContext): Input | Promise<Input>;
  /** The audit record's requestParameters; `input` is undefined when parse failed. */
  requestParameters(input: Input | undefined, call: CallContext): Record<string, unknown> | null;
  /**
   * The audit record's resources, for a data event on a resource (AWS names the channel of
   * cloudtrail-data PutAuditEvents, resource type AWS::CloudTrail::Channel); `input` is
   * undefined when parse failed.
   */
  resources?(input: Input | undefined, call: CallContext): AuditResource[] | undefined;
  handle(input: Input, call: CallContext): Promise<Handled>;
}

/**
 * A wire protocol of one service at one place of the server. Several endpoints may share a
 * method and path (IAM, STS and CloudTrail all take POST /): the request's SigV4 credential scope
 * service picks among them, as on LocalStack; an unsigned request goes to the first that matches.
 */
export interface Endpoint {
  /** Whether this endpoint serves the request (method and path). */
  matches(method: string, path: string): boolean;
  /** The SigV4 credential scope service names accepted (and that pick this endpoint). */
  signingNames: readonly string[];
  maxBodyBytes: number;
  /**
   * The media types a non-empty request body may be sent as (Content-Type without parameters);
   * any other is refused with UnsupportedMediaTypeException (HTTP 415), as Smithy services do.
   */
  requestContentTypes: readonly string[];
  /** The Content-Type of answers and errors. */
  contentType: string;
  /**
   * An error in the endpoint's protocol (the body's text, and its HTTP status when the protocol
   * answers another than the error's own); without it, AWS JSON: `__type` and `message`, with the
   * code in X-Amzn-ErrorType as well.
   */
  errorBody?(error: ServiceError, requestId: string): string | { status: number; body: string };
  /**
   * The operation the request calls, or a ServiceError (thrown) when it names none; such a
   * request is answered but not audited, as nothing says which operation was meant. `body` is the
   * request's body (query protocols name the operation in it), already authenticated.
   */
  route(request: RequestView, body: Buffer): Operation;
}
