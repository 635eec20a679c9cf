/**
 * Validation of incoming CloudTrail records (attacker-controlled input). Each check names the
 * field, what it held and what was expected. Known fields are type-checked; unknown fields pass
 * through untouched, because AWS adds fields over time and imported logs must round-trip.
 */
import {
  CURRENT_EVENT_VERSION,
  EVENT_CATEGORIES,
  EVENT_TYPES,
  type CloudTrailRecord,
  type EventCategory,
} from './record.ts';
import { isKnownRegion } from './regions.ts';
import { findDuplicateKey } from './split-records.ts';

/** AWS documents 256 KB as the largest event CloudTrail accepts (PutAuditEvents, event size limits). */
export const MAX_RECORD_BYTES = 256 * 1024;

export type FieldKind = 'string' | 'boolean' | 'object' | 'object-or-null' | 'array';

const FIELD_KINDS: Record<string, FieldKind> = {
  eventVersion: 'string',
  userIdentity: 'object',
  eventTime: 'string',
  eventSource: 'string',
  eventName: 'string',
  awsRegion: 'string',
  sourceIPAddress: 'string',
  userAgent: 'string',
  errorCode: 'string',
  errorMessage: 'string',
  requestParameters: 'object-or-null',
  responseElements: 'object-or-null',
  additionalEventData: 'object-or-null',
  requestID: 'string',
  eventID: 'string',
  eventType: 'string',
  apiVersion: 'string',
  managementEvent: 'boolean',
  readOnly: 'boolean',
  resources: 'array',
  recipientAccountId: 'string',
  serviceEventDetails: 'object-or-null',
  sharedEventID: 'string',
  vpcEndpointId: 'string',
  vpcEndpointAccountId: 'string',
  eventCategory: 'string',
  addendum: 'object',
  sessionCredentialFromConsole: 'string',
  edgeDeviceDetails: 'object-or-null',
  tlsDetails: 'object',
  insightDetails: 'object',
};

const ACCOUNT_ID = /^\d{12}$/;
// ISO 8601 in UTC as CloudTrail writes it (2023-07-10T11:42:18Z); fractional seconds are accepted.
const EVENT_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z$/;
const EVENT_VERSION = /^\d{1,2}\.\d{1,2}$/;
const REGION = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * Event sources OpenTrail writes itself: its own API's audit records (self-audit). From the moment
 * an account exists in OpenTrail, only OpenTrail writes that account's events of these sources, so
 * a caller sending one dated from then on is forging OpenTrail's own record (a fake StopLogging
 * "by alice"). Older ones are real AWS history being imported (`opentrail import` of an
 * incident's logs) and are accepted. Each service OpenTrail comes to serve (kms, logs,
 * monitoring, events next) joins this list when it is built.
 */
export const RESERVED_EVENT_SOURCES: readonly string[] = [
  'cloudtrail.amazonaws.com',
  'cloudtrail-data.amazonaws.com',
  'iam.amazonaws.com',
  'sts.amazonaws.com',
];

/**
 * JSON nesting deeper than this is refused: the depth Jackson, the JSON parser of the AWS SDK for
 * Java, allows by default (StreamReadConstraints, 1000). Walks over a record stay recursive and
 * bounded.
 */
export const MAX_RECORD_DEPTH = 1000;

/** What one caller may record (POST /v1/records); see validateRecord. */
export interface RecordScope {
  /** When the batch was received. */
  nowMs: number;
  /** How far past `nowMs` an eventTime may lie (clocks differ a little; the year 2999 is refused). */
  maxFutureSkewMs: number;
  /**
   * The accounts whose events the caller may record: its own and, for the management account of
   * an organization, its member accounts. Each maps to the moment it came into existence in
   * OpenTrail, from which on OpenTrail alone writes its events of RESERVED_EVENT_SOURCES.
   */
  accounts: ReadonlyMap<string, number>;
}

/** Values a record may leave out; the recorder fills them in (appended, never rewritten). */
export interface RecordDefaults {
  eventID: () => string;
  awsRegion: string;
  /** The caller's account. */
  recipientAccountId: string;
  /**
   * The caller's scope. Without it (tests and tools parsing files they trust) only the record's
   * own form is checked.
   */
  scope?: RecordScope;
}

/**
 * Per-record error codes. InvalidRecipient and InvalidEventSource are the codes cloudtrail-data
 * PutAuditEvents answers for such events (botocore model, ResultErrorEntry.errorCode).
 */
export type RecordErrorCode = 'InvalidRecord' | 'RecordTooLarge' | 'InvalidRecipient' | 'InvalidEventSource';

export type ValidationResult =
  | { ok: true; record: CloudTrailRecord; text: string; eventTimeMs: number; category: EventCategory }
  | { ok: false; errorCode: RecordErrorCode; errorMessage: string };

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function fits(kind: FieldKind, value: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return kindOf(value) === 'object';
    case 'object-or-null':
      return value === null || kindOf(value) === 'object';
    case 'array':
      return Array.isArray(value);
  }
}

function fail(errorMessage: string, errorCode: RecordErrorCode = 'InvalidRecord'): ValidationResult {
  return { ok: false, errorCode, errorMessage };
}

function tooDeep(): string {
  return `Record nests arrays and objects more than ${MAX_RECORD_DEPTH} levels deep.`;
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * How many object members `value` holds at every depth, or -1 when it nests deeper than
 * MAX_RECORD_DEPTH.
 */
function countMembers(value: object, depth: number): number {
  if (depth >= MAX_RECORD_DEPTH) return -1;
  let n = 0;
  // Only objects and arrays are descended into: most members hold strings, and a call each costs.
  if (Array.isArray(value)) {
    for (const v of value as unknown[]) {
      if (typeof v !== 'object' || v === null) continue;
      const m = countMembers(v, depth + 1);
      if (m < 0) return -1;
      n += m;
    }
    return n;
  }
  for (const k in value) {
    n++;
    const v = (value as Record<string, unknown>)[k];
    if (typeof v !== 'object' || v === null) continue;
    const m = countMembers(v, depth + 1);
    if (m < 0) return -1;
    n += m;
  }
  return n;
}

// A lone surrogate is a code point of category Cs only when it is not half of a pair.
const LONE_SURROGATE = /\p{Cs}/u;

/** The place of the first key or string in `value` holding a lone surrogate ('' at the top). */
function loneSurrogateAt(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? path : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = loneSurrogateAt(value[i], `${path}[${i}]`);
      if (at !== undefined) return at;
    }
    return undefined;
  }
  for (const k in value) {
    const at = path === '' ? k : `${path}.${k}`;
    if (LONE_SURROGATE.test(k)) return at;
    const inner = loneSurrogateAt((value as Record<string, unknown>)[k], at);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

/** Parses a CloudTrail eventTime; returns epoch milliseconds or undefined if it is not a real instant. */
export function parseEventTime(value: string): number | undefined {
  const m = EVENT_TIME.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) + (m[7] ? Math.floor(Number(m[7]) * 1000) : 0);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d)
    return undefined;
  if (h > 23 || mi > 59 || s > 59) return undefined;
  return ms;
}

/**
 * Validates one record. `text` is its original JSON text (decoded strictly from UTF-8, so it
 * holds no raw lone surrogate) and `value` the parsed form of it. `scanned` is what the span
 * scanner counted in the text (Span.members, Span.depth): with it, duplicate keys are looked for
 * only when the parsed value has fewer members than the text; without it, always.
 * Missing defaultable fields are appended to the text, so the original bytes stay a prefix.
 */
export function validateRecord(
  value: unknown,
  text: string,
  textBytes: number,
  defaults: RecordDefaults,
  scanned?: { members?: number; depth?: number },
): ValidationResult {
  if (textBytes > MAX_RECORD_BYTES) {
    return {
      ok: false,
      errorCode: 'RecordTooLarge',
      errorMessage: `Record is ${textBytes} bytes; the maximum CloudTrail record size is ${MAX_RECORD_BYTES} bytes (256 KB).`,
    };
  }
  if (kindOf(value) !== 'object') return fail(`Record must be a JSON object, found ${kindOf(value)}.`);
  const record = value as Record<string, unknown>;

  // Two readers of a record with a key twice disagree on what happened (JSON.parse keeps the
  // last, other parsers the first): such a record is refused, as are strings that are not
  // Unicode (an escaped lone surrogate), which no UTF-8 reader can hold.
  if ((scanned?.depth ?? 0) > MAX_RECORD_DEPTH) return fail(tooDeep());
  const members = countMembers(record, 0);
  if (members < 0) return fail(tooDeep());
  if (scanned?.members === undefined || members !== scanned.members) {
    const duplicate = findDuplicateKey(text);
    if (duplicate) {
      const where = duplicate.path === '' ? '' : ` in '${duplicate.path}'`;
      return fail(`Record has the key '${duplicate.key}' twice${where}; a key may appear once in an object.`);
    }
  }
  if (text.includes('\\u')) {
    const at = loneSurrogateAt(record, '');
    if (at !== undefined) {
      return fail(
        `Field '${at}' holds a lone surrogate (an unpaired \\uD800-\\uDFFF escape); strings must be valid Unicode.`,
      );
    }
  }

  for (const [field, kind] of Object.entries(FIELD_KINDS)) {
    const v = record[field];
    if (v === undefined) continue;
    if (!fits(kind, v))
      return fail(`Field '${field}' must be ${kind.replace(/-/g, ' ')}, found ${kindOf(v)}.`);
  }

  const added: Record<string, string> = {};
  const eventType = (record.eventType as string | undefined) ?? 'AwsApiCall';
  if (!(EVENT_TYPES as readonly string[]).includes(eventType)) {
    return fail(`Field 'eventType' is '${eventType}'; expected one of ${EVENT_TYPES.join(', ')}.`);
  }
  if (record.eventType === undefined) added.eventType = eventType;
  const isInsight = eventType === 'AwsCloudTrailInsight';

  const category = (record.eventCategory as string | undefined) ?? (isInsight ? 'Insight' : 'Management');
  if (!(EVENT_CATEGORIES as readonly string[]).includes(category)) {
    return fail(`Field 'eventCategory' is '${category}'; expected one of ${EVENT_CATEGORIES.join(', ')}.`);
  }
  if (isInsight !== (category === 'Insight')) {
    return fail(`eventType '${eventType}' does not go with eventCategory '${category}'.`);
  }
  if (record.eventCategory === undefined) added.eventCategory = category;

  if (typeof record.eventTime !== 'string') return fail(`Field 'eventTime' is required.`);
  const eventTimeMs = parseEventTime(record.eventTime);
  if (eventTimeMs === undefined) {
    return fail(
      `Field 'eventTime' is '${record.eventTime}'; expected ISO 8601 UTC like 2026-01-31T23:59:59Z.`,
    );
  }
  const scope = defaults.scope;
  if (scope && eventTimeMs > scope.nowMs + scope.maxFutureSkewMs) {
    return fail(
      `Field 'eventTime' is '${record.eventTime}', more than ${scope.maxFutureSkewMs / 1000} seconds after the record was received (${isoTime(scope.nowMs)}); an event cannot have happened in the future.`,
    );
  }

  if (isInsight) {
    const details = record.insightDetails as Record<string, unknown> | undefined;
    if (!details) return fail(`Insights events require 'insightDetails'.`);
    for (const f of ['eventSource', 'eventName', 'state', 'insightType']) {
      if (typeof details[f] !== 'string')
        return fail(`Field 'insightDetails.${f}' is required and must be a string.`);
    }
  } else {
    for (const f of ['eventSource', 'eventName']) {
      const v = record[f];
      if (typeof v !== 'string' || v.length === 0)
        return fail(`Field '${f}' is required and must be a non-empty string.`);
    }
  }

  if (record.eventVersion === undefined) added.eventVersion = CURRENT_EVENT_VERSION;
  else if (!EVENT_VERSION.test(record.eventVersion as string)) {
    return fail(
      `Field 'eventVersion' is '${record.eventVersion as string}'; expected a version like ${CURRENT_EVENT_VERSION}.`,
    );
  }

  if (record.eventID === undefined) added.eventID = defaults.eventID();
  else if ((record.eventID as string).length === 0 || (record.eventID as string).length > 128) {
    return fail(`Field 'eventID' must be 1 to 128 characters.`);
  }

  if (record.awsRegion === undefined) added.awsRegion = defaults.awsRegion;
  else if (!REGION.test(record.awsRegion as string)) {
    return fail(
      `Field 'awsRegion' is '${record.awsRegion as string}'; expected a region name such as us-east-1.`,
    );
  } else if (!isKnownRegion(record.awsRegion as string)) {
    // AWS has no endpoint outside its Regions: no call can have been made in one that does not exist.
    return fail(
      `Field 'awsRegion' is '${record.awsRegion as string}', which is not an AWS Region; expected a Region such as us-east-1.`,
    );
  }

  if (record.recipientAccountId === undefined) added.recipientAccountId = defaults.recipientAccountId;
  else if (!ACCOUNT_ID.test(record.recipientAccountId as string)) {
    return fail(
      `Field 'recipientAccountId' is '${record.recipientAccountId as string}'; expected a 12-digit account ID.`,
    );
  }
  if (scope) {
    const account = (record.recipientAccountId as string | undefined) ?? defaults.recipientAccountId;
    const existsSinceMs = scope.accounts.get(account);
    if (existsSinceMs === undefined) {
      return fail(
        `Record is for account ${account}; account ${defaults.recipientAccountId} may record events only for itself or, as the management account of an organization, for its member accounts.`,
        'InvalidRecipient',
      );
    }
    const source = record.eventSource as string | undefined;
    // eventTime counts whole seconds: the second the account came into existence counts as after.
    const fromMs = Math.floor(existsSinceMs / 1000) * 1000;
    if (source !== undefined && RESERVED_EVENT_SOURCES.includes(source) && eventTimeMs >= fromMs) {
      return fail(
        `Events of ${source} for account ${account} from ${isoTime(fromMs)} on (when the account came into existence in OpenTrail) are written by OpenTrail itself; this one has eventTime ${record.eventTime}. Only older ones (imported AWS history) may be recorded.`,
        'InvalidEventSource',
      );
    }
  }

  if (record.resources !== undefined) {
    for (const [i, r] of (record.resources as unknown[]).entries()) {
      if (kindOf(r) !== 'object')
        return fail(`Field 'resources[${i}]' must be an object, found ${kindOf(r)}.`);
      for (const f of ['ARN', 'accountId', 'type']) {
        const v = (r as Record<string, unknown>)[f];
        if (v !== undefined && typeof v !== 'string')
          return fail(`Field 'resources[${i}].${f}' must be a string.`);
      }
    }
  }
  if (record.userIdentity !== undefined) {
    const identity = record.userIdentity as Record<string, unknown>;
    for (const f of ['type', 'principalId', 'arn', 'accountId', 'accessKeyId', 'userName', 'invokedBy']) {
      const v = identity[f];
      if (v !== undefined && v !== null && typeof v !== 'string') {
        return fail(`Field 'userIdentity.${f}' must be a string, found ${kindOf(v)}.`);
      }
    }
  }

  let finalText = text;
  const addedKeys = Object.keys(added);
  if (addedKeys.length > 0) {
    Object.assign(record, added);
    const close = text.lastIndexOf('}');
    const body = text.slice(0, close).trimEnd();
    const extra = addedKeys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(added[k])}`).join(',');
    finalText = `${body}${body.endsWith('{') ? '' : ','}${extra}}`;
  }

  return {
    ok: true,
    record: record as unknown as CloudTrailRecord,
    text: finalText,
    eventTimeMs,
    category: category as EventCategory,
  };
}
