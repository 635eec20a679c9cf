/**
 * The AWS query protocol (IAM, STS), read and written from the service model, as botocore's query
 * serializer and parser do: a request is `application/x-www-form-urlencoded` with `Action` and
 * `Version`, structure members joined with dots (`PermissionsBoundary`), lists as
 * `Name.member.N` (N from 1), maps as `Name.entry.N.key` / `.value`, an empty list as `Name=`; an
 * answer is `<{Action}Response xmlns=…><{Action}Result>…</{Action}Result><ResponseMetadata>
 * <RequestId>…</RequestId></ResponseMetadata></{Action}Response>`, lists as `<member>` elements,
 * timestamps in ISO 8601, errors as `<ErrorResponse><Error><Type/><Code/><Message/></Error>
 * <RequestId/></ErrorResponse>`.
 *
 * Input checks follow the model's constraints (required members, length, range, pattern, enum)
 * with the messages AWS's query services answer ValidationError with ("1 validation error
 * detected: Value 'a b' at 'userName' failed to satisfy constraint: Member must satisfy regular
 * expression pattern: [\w+=,.@-]+"). The body is attacker-controlled: parsing is bounded by its
 * own size (every list index read must be present), and nothing is evaluated.
 */
import { XMLBuilder } from 'fast-xml-parser';
import { ServiceError, type ErrorCode } from '../errors.ts';

export interface ShapeRef {
  shape: string;
  locationName?: string;
}

/** A botocore shape, with the members the query protocol and input checks use. */
export interface Shape {
  type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'boolean' | 'timestamp' | 'blob';
  members?: Record<string, ShapeRef>;
  member?: ShapeRef;
  key?: ShapeRef;
  value?: ShapeRef;
  required?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  flattened?: boolean;
  locationName?: string;
}

export interface ServiceModel {
  apiVersion: string;
  xmlNamespace: string;
  operations: Record<string, { input?: string; output?: string }>;
  shapes: Record<string, Shape>;
}

export const QUERY_CONTENT_TYPE = 'application/x-www-form-urlencoded';
export const XML_CONTENT_TYPE = 'text/xml';

/** The form parameters of a query request body (UTF-8; invalid bytes are refused). */
export function parseQueryParams(body: Buffer): URLSearchParams {
  return new URLSearchParams(new TextDecoder('utf-8', { fatal: true }).decode(body));
}

/** Java-style member path in ValidationError messages: `userName`, `tags.1.member.key`. */
function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

const patterns = new Map<string, RegExp>();

function patternOf(source: string): RegExp {
  let re = patterns.get(source);
  if (!re) {
    // The model's patterns are Java regular expressions that match the whole value; \p{L} needs 'u'.
    re = new RegExp(`^(?:${source})$`, 'u');
    patterns.set(source, re);
  }
  return re;
}

class InputReader {
  readonly errors: string[] = [];
  private readonly prefixes = new Set<string>();

  constructor(
    private readonly model: ServiceModel,
    private readonly params: URLSearchParams,
  ) {
    for (const key of params.keys()) {
      let dot = key.indexOf('.');
      while (dot > 0) {
        this.prefixes.add(key.slice(0, dot));
        dot = key.indexOf('.', dot + 1);
      }
    }
  }

  private present(key: string): boolean {
    return this.params.has(key) || this.prefixes.has(key);
  }

  read(shapeName: string, key: string, path: string): unknown {
    const shape = this.model.shapes[shapeName];
    if (!shape) throw new Error(`model has no shape ${shapeName}`);
    switch (shape.type) {
      case 'structure':
        return this.readStructure(shape, key, path);
      case 'list':
        return this.readList(shape, key, path);
      case 'map':
        return this.readMap(shape, key, path);
      default:
        return this.readScalar(shape, key, path);
    }
  }

  readStructure(shape: Shape, key: string, path: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      const memberKey = key === '' ? (ref.locationName ?? name) : `${key}.${ref.locationName ?? name}`;
      const memberPath = path === '' ? lowerFirst(name) : `${path}.${lowerFirst(name)}`;
      if (this.present(memberKey)) out[name] = this.read(ref.shape, memberKey, memberPath);
      else if (shape.required?.includes(name)) {
        this.errors.push(
          `Value null at '${memberPath}' failed to satisfy constraint: Member must not be null`,
        );
      }
    }
    return out;
  }

  private readList(shape: Shape, key: string, path: string): unknown[] {
    const ref = shape.member as ShapeRef;
    const items: unknown[] = [];
    // `Name=` with nothing after it is how botocore sends an empty list.
    const base = shape.flattened ? key : `${key}.${ref.locationName ?? 'member'}`;
    for (let i = 1; this.present(`${base}.${i}`); i++) {
      items.push(this.read(ref.shape, `${base}.${i}`, `${path}.${i}.member`));
    }
    this.checkLength(shape, items.length, path, items);
    return items;
  }

  private readMap(shape: Shape, key: string, path: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const base = shape.flattened ? key : `${key}.entry`;
    for (let i = 1; this.present(`${base}.${i}`); i++) {
      const k = this.read((shape.key as ShapeRef).shape, `${base}.${i}.key`, `${path}.${i}.key`);
      out[String(k)] = this.read((shape.value as ShapeRef).shape, `${base}.${i}.value`, `${path}.${i}.value`);
    }
    return out;
  }

  private readScalar(shape: Shape, key: string, path: string): unknown {
    const raw = this.params.get(key) ?? '';
    switch (shape.type) {
      case 'integer':
      case 'long': {
        if (!/^-?\d{1,15}$/.test(raw)) {
          this.errors.push(
            `Value '${raw}' at '${path}' failed to satisfy constraint: Member must be a number`,
          );
          return undefined;
        }
        const n = Number(raw);
        if (shape.min !== undefined && n < shape.min) {
          this.fail(raw, path, `Member must have value greater than or equal to ${shape.min}`);
        }
        if (shape.max !== undefined && n > shape.max) {
          this.fail(raw, path, `Member must have value less than or equal to ${shape.max}`);
        }
        return n;
      }
      case 'boolean':
        if (raw !== 'true' && raw !== 'false') {
          this.fail(raw, path, 'Member must be a boolean');
          return undefined;
        }
        return raw === 'true';
      case 'timestamp': {
        const ms = Date.parse(raw);
        if (Number.isNaN(ms)) this.fail(raw, path, 'Member must be a timestamp');
        return new Date(ms);
      }
      case 'blob':
        return Buffer.from(raw, 'base64');
      default:
        this.checkLength(shape, [...raw].length, path, raw);
        if (shape.pattern !== undefined && !patternOf(shape.pattern).test(raw)) {
          this.fail(raw, path, `Member must satisfy regular expression pattern: ${shape.pattern}`);
        }
        if (shape.enum && !shape.enum.includes(raw)) {
          this.fail(raw, path, `Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
        }
        return raw;
    }
  }

  private checkLength(shape: Shape, length: number, path: string, value: unknown): void {
    if (shape.min !== undefined && length < shape.min) {
      this.fail(value, path, `Member must have length greater than or equal to ${shape.min}`);
    }
    if (shape.max !== undefined && length > shape.max) {
      this.fail(value, path, `Member must have length less than or equal to ${shape.max}`);
    }
  }

  private fail(value: unknown, path: string, constraint: string): void {
    const shown =
      typeof value === 'string' ? `'${value}'` : Array.isArray(value) ? `'[...]'` : `'${String(value)}'`;
    this.errors.push(`Value ${shown} at '${path}' failed to satisfy constraint: ${constraint}`);
  }
}

/**
 * An operation's input read from its form parameters by the model (wire member names), checked
 * against the model's constraints; throws ValidationError listing every violation, as AWS does.
 */
export function readQueryInput(
  model: ServiceModel,
  operation: string,
  params: URLSearchParams,
): Record<string, unknown> {
  const inputShape = model.operations[operation]?.input;
  if (inputShape === undefined) return {};
  const reader = new InputReader(model, params);
  const shape = model.shapes[inputShape] as Shape;
  const input = reader.readStructure(shape, '', '');
  if (reader.errors.length > 0) {
    const n = reader.errors.length;
    throw new ServiceError(
      'ValidationError',
      `${n} validation error${n === 1 ? '' : 's'} detected: ${reader.errors.join('; ')}`,
    );
  }
  return input;
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: false,
  processEntities: true,
});

/** A value shaped for the XML builder by its model shape (undefined: left out). */
function toXmlTree(model: ServiceModel, shapeName: string, value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  const shape = model.shapes[shapeName];
  if (!shape) throw new Error(`model has no shape ${shapeName}`);
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      const record = value as Record<string, unknown>;
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        const member = toXmlTree(model, ref.shape, record[name]);
        if (member !== undefined) out[ref.locationName ?? name] = member;
      }
      return out;
    }
    case 'list': {
      const ref = shape.member as ShapeRef;
      const items = (value as unknown[]).map((item) => toXmlTree(model, ref.shape, item));
      // An empty list is an empty element, which botocore reads as [] (absent would be no key).
      return items.length === 0 ? '' : { [ref.locationName ?? 'member']: items };
    }
    case 'map': {
      const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => ({
        key: toXmlTree(model, (shape.key as ShapeRef).shape, k),
        value: toXmlTree(model, (shape.value as ShapeRef).shape, v),
      }));
      return entries.length === 0 ? '' : { entry: entries };
    }
    case 'timestamp':
      return formatIsoSeconds(value instanceof Date ? value.getTime() : Number(value));
    case 'boolean':
      return value ? 'true' : 'false';
    case 'blob':
      return Buffer.from(value as Uint8Array).toString('base64');
    default:
      return typeof value === 'number' ? String(value) : value;
  }
}

/** ISO 8601 to the second, as IAM answers (2012-09-05T19:38:48Z). */
export function formatIsoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The XML answer of an operation: its output (wire member names) under `{Action}Result`. */
export function writeQueryResponse(
  model: ServiceModel,
  operation: string,
  output: Record<string, unknown> | undefined,
  requestId: string,
): string {
  const outputShape = model.operations[operation]?.output;
  const body: Record<string, unknown> = { '@_xmlns': model.xmlNamespace };
  if (outputShape !== undefined) body[`${operation}Result`] = toXmlTree(model, outputShape, output ?? {});
  body.ResponseMetadata = { RequestId: requestId };
  return builder.build({ [`${operation}Response`]: body });
}

/**
 * The query names of the errors the pipeline raises in the JSON protocols' names before an
 * endpoint is known to speak query (the AWS "Common Errors" reference for query APIs).
 */
const QUERY_NAMES: Partial<Record<ErrorCode, string>> = {
  AccessDeniedException: 'AccessDenied',
  IncompleteSignatureException: 'IncompleteSignature',
  InvalidSignatureException: 'SignatureDoesNotMatch',
  MissingAuthenticationTokenException: 'MissingAuthenticationToken',
  UnknownOperationException: 'InvalidAction',
  UnrecognizedClientException: 'InvalidClientTokenId',
  ValidationException: 'ValidationError',
  SerializationException: 'MalformedQueryString',
};

/** The code a query endpoint writes for an error: the model's wire code, or the query name. */
export function queryErrorCode(error: ServiceError, modelCode: string | undefined): string {
  return modelCode ?? QUERY_NAMES[error.code] ?? error.code;
}

/** A query protocol error body (`Type` Sender for the caller's mistakes, Receiver for ours). */
export function writeQueryError(
  namespace: string,
  code: string,
  error: ServiceError,
  requestId: string,
): string {
  return builder.build({
    ErrorResponse: {
      '@_xmlns': namespace,
      Error: { Type: error.fault === 'client' ? 'Sender' : 'Receiver', Code: code, Message: error.message },
      RequestId: requestId,
    },
  });
}

/**
 * The HTTP status of a query-protocol error: the authentication and authorization failures are
 * 403 on AWS's query services (the AWS "Common Errors" reference), where the JSON protocols use 400.
 */
const QUERY_STATUSES: Partial<Record<string, number>> = {
  AccessDenied: 403,
  InvalidClientTokenId: 403,
  MissingAuthenticationToken: 403,
  SignatureDoesNotMatch: 403,
};

/** A query protocol error answer: its body and HTTP status. */
export function queryErrorAnswer(
  namespace: string,
  code: string,
  error: ServiceError,
  requestId: string,
): { status: number; body: string } {
  return {
    status: QUERY_STATUSES[code] ?? error.httpStatus,
    body: writeQueryError(namespace, code, error, requestId),
  };
}

/**
 * The operation a query request names in its `Action` parameter; MalformedQueryString for a body
 * that is not a form, InvalidAction for an action the model does not have.
 */
export function queryAction(model: ServiceModel, body: Buffer): string {
  let action: string | null;
  try {
    action = parseQueryParams(body).get('Action');
  } catch {
    throw new ServiceError('MalformedQueryString', 'The request body is not a valid form (UTF-8).');
  }
  if (action === null || model.operations[action] === undefined) {
    throw new ServiceError(
      'InvalidAction',
      `Could not find operation ${action ?? '(no Action)'} for version ${model.apiVersion}`,
    );
  }
  return action;
}
