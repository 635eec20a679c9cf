/**
 * Channels (CloudTrail Lake integrations): the resource, its validation rules and API shapes, and
 * the conversion of one cloudtrail-data PutAuditEvents `auditEvent` into a row of an
 * ActivityAuditLog event data store. Pure: IDs and time come in as parameters.
 *
 * Sources: the botocore models cloudtrail/2013-11-01 (CreateChannel … DeleteChannel) and
 * cloudtrail-data/2021-08-11 (PutAuditEvents), the CloudTrail User Guide's "CloudTrail Lake
 * integrations event schema" (required eventData fields and their length limits) and the
 * PutAuditEvents API reference (100 events or 1 MB per request; the checksum is the base64
 * SHA-256 of eventData; per-event error codes FieldTooLong, FieldNotFound, InvalidChecksum,
 * InvalidData, InvalidRecipient …).
 */
import { createHash } from 'node:crypto';
import { ServiceError } from '../errors.ts';
import type { Tag } from '../trails/trail-rules.ts';

export type DestinationType = 'EVENT_DATA_STORE' | 'AWS_SERVICE';

export interface ChannelDestination {
  Type: DestinationType;
  /** For EVENT_DATA_STORE: the store's ARN (requests may name it by ID; it is kept as the ARN). */
  Location: string;
}

/** GetChannel's IngestionStatus, kept as epoch milliseconds. */
export interface ChannelIngestionStatus {
  latestSuccessMs?: number;
  latestSuccessEventId?: string;
  latestAttemptMs?: number;
  latestAttemptEventId?: string;
  latestErrorCode?: string;
}

export interface Channel {
  id: string;
  arn: string;
  name: string;
  source: string;
  accountId: string;
  region: string;
  destinations: ChannelDestination[];
  tags: Tag[];
  createdMs: number;
  updatedMs: number;
  ingestion: ChannelIngestionStatus;
}

/** Where channels persist; the registry reads them once and writes each change. */
export interface ChannelStore {
  loadAll(): Promise<Channel[]>;
  save(channel: Channel): Promise<void>;
  delete(arn: string): Promise<void>;
}

/** CloudTrail quotas (Lake integrations): channels per Region per account. */
export const MAX_CHANNELS_PER_REGION = 25;
/** CreateChannel / UpdateChannel model: Destinations has 1 to 200 members. */
export const MAX_DESTINATIONS = 200;
/** PutAuditEvents model: auditEvents has 1 to 100 members. */
export const MAX_AUDIT_EVENTS = 100;
/** PutAuditEvents doc: "up to 100 of these events (or up to 1 MB) per PutAuditEvents request". */
export const MAX_AUDIT_EVENTS_BYTES = 1024 * 1024;

/**
 * CreateChannel doc: "A source can be either Custom for all valid non-AWS events, or the name of
 * a partner event source" (the partner table of the User Guide, "Additional information about
 * integration partners"). Only one channel is allowed per partner source.
 */
export const CUSTOM_SOURCE = 'Custom';
export const PARTNER_SOURCES: readonly string[] = [
  'Cloud Storage Security',
  'Clumio',
  'CrowdStrike',
  'CyberArk',
  'GitHub',
  'Kong Inc',
  'LaunchDarkly',
  'Netskope',
  'Nordcloud',
  'Okta',
  'One Identity',
  'Shoreline.io',
  'Snyk.io',
  'Wiz',
];

const NAME_PATTERN = /^[a-zA-Z0-9._-]+$/;
const REF_PATTERN = /^[a-zA-Z0-9._/\-:]+$/;
const LOCATION_PATTERN = /^[a-zA-Z0-9._/\-:*]+$/;
const AUDIT_EVENT_ID = /^[-_A-Za-z0-9]+$/;

export function channelArn(region: string, accountId: string, id: string): string {
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return `arn:${partition}:cloudtrail:${region}:${accountId}:channel/${id}`;
}

export function validateChannelName(name: string): void {
  if (name.length < 3 || name.length > 128 || !NAME_PATTERN.test(name)) {
    throw new ServiceError(
      'InvalidParameterException',
      `Channel name ${JSON.stringify(name.slice(0, 140))} is invalid: use 3 to 128 letters, digits, '.', '_' or '-'.`,
    );
  }
}

export function validateSource(source: string): void {
  if (source !== CUSTOM_SOURCE && !PARTNER_SOURCES.includes(source)) {
    throw new ServiceError(
      'InvalidSourceException',
      `Source ${JSON.stringify(source.slice(0, 256))} is not valid: use ${CUSTOM_SOURCE} for your own events, or a partner source name.`,
    );
  }
}

/** Destinations as given: shapes and patterns only (the API layer resolves the stores). */
export function parseDestinations(raw: unknown): ChannelDestination[] {
  if (!Array.isArray(raw)) {
    throw new ServiceError('SerializationException', 'Destinations must be a list.');
  }
  if (raw.length < 1 || raw.length > MAX_DESTINATIONS) {
    throw new ServiceError(
      'InvalidParameterException',
      `Destinations must hold 1 to ${MAX_DESTINATIONS} destinations; ${raw.length} were given.`,
    );
  }
  return raw.map((item: unknown, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new ServiceError('SerializationException', `Destinations[${i}] must be an object.`);
    }
    const { Type: type, Location: location } = item as Record<string, unknown>;
    if (typeof type !== 'string' || typeof location !== 'string') {
      throw new ServiceError(
        'InvalidParameterException',
        `Destinations[${i}] needs a Type and a Location, both strings.`,
      );
    }
    if (type !== 'EVENT_DATA_STORE' && type !== 'AWS_SERVICE') {
      throw new ServiceError(
        'InvalidParameterException',
        `Destinations[${i}].Type ${JSON.stringify(type)} is invalid; valid values are EVENT_DATA_STORE, AWS_SERVICE.`,
      );
    }
    if (location.length < 3 || location.length > 1024 || !LOCATION_PATTERN.test(location)) {
      throw new ServiceError(
        'InvalidParameterException',
        `Destinations[${i}].Location ${JSON.stringify(location.slice(0, 1024))} is not a valid location.`,
      );
    }
    return { Type: type, Location: location };
  });
}

/** A channel as named in a request: an ARN or the ID at its end. */
export interface ChannelRef {
  id: string;
  arn?: { region: string; accountId: string };
}

/**
 * Parses a channel named by ARN or ID. `invalid` makes the error: the CloudTrail API answers
 * ChannelARNInvalidException, cloudtrail-data InvalidChannelARN.
 */
export function parseChannelRef(
  value: string,
  invalid: (message: string) => ServiceError = (m) => new ServiceError('ChannelARNInvalidException', m),
): ChannelRef {
  const message = `The specified channel ARN is not a valid channel ARN: ${value.slice(0, 256)}`;
  if (value.length < 3 || value.length > 256 || !REF_PATTERN.test(value)) throw invalid(message);
  const arn = /^arn:aws[a-z-]*:cloudtrail:([a-z0-9-]+):(\d{12}):channel\/([a-zA-Z0-9._-]+)$/.exec(value);
  if (arn) return { id: arn[3] ?? '', arn: { region: arn[1] ?? '', accountId: arn[2] ?? '' } };
  if (value.includes(':') || value.includes('/')) throw invalid(message);
  return { id: value };
}

export function channelNotFound(ref: string): ServiceError {
  return new ServiceError('ChannelNotFoundException', `The specified channel ${ref} was not found.`);
}

export function channelTargets(channel: Channel, storeArn: string): boolean {
  return channel.destinations.some((d) => d.Type === 'EVENT_DATA_STORE' && d.Location === storeArn);
}

/** The error DeleteEventDataStore answers while a channel still writes into the store. */
export function channelExistsForStore(storeArn: string, channel: Channel): ServiceError {
  return new ServiceError(
    'ChannelExistsForEDSException',
    `Event data store ${storeArn} cannot be deleted while channel ${channel.arn} delivers events to it; ` +
      'delete the channel or remove the store from its destinations first.',
  );
}

function seconds(ms: number): number {
  return ms / 1000;
}

/** What CreateChannel and UpdateChannel return. */
export function toApiChannelSummary(channel: Channel): Record<string, unknown> {
  return {
    ChannelArn: channel.arn,
    Name: channel.name,
    Source: channel.source,
    Destinations: channel.destinations,
  };
}

/** GetChannel's answer. */
export function toApiChannel(channel: Channel): Record<string, unknown> {
  const s = channel.ingestion;
  return {
    ...toApiChannelSummary(channel),
    IngestionStatus: {
      ...(s.latestSuccessMs !== undefined ? { LatestIngestionSuccessTime: seconds(s.latestSuccessMs) } : {}),
      ...(s.latestSuccessEventId ? { LatestIngestionSuccessEventID: s.latestSuccessEventId } : {}),
      ...(s.latestErrorCode ? { LatestIngestionErrorCode: s.latestErrorCode } : {}),
      ...(s.latestAttemptMs !== undefined ? { LatestIngestionAttemptTime: seconds(s.latestAttemptMs) } : {}),
      ...(s.latestAttemptEventId ? { LatestIngestionAttemptEventID: s.latestAttemptEventId } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// PutAuditEvents

export interface AuditEvent {
  id: string;
  eventData: string;
  eventDataChecksum?: string;
}

export type AuditEventOutcome =
  | { ok: true; id: string; eventID: string; row: string }
  | { ok: false; id: string; errorCode: string; errorMessage: string };

/**
 * The request's auditEvents (attacker-controlled JSON): shapes, the 1..100 count, the 1 MB total
 * and DuplicatedAuditEventId when two entries share an id.
 */
export function parseAuditEvents(raw: unknown): AuditEvent[] {
  if (raw === undefined || raw === null) {
    throw new ServiceError('ValidationException', 'auditEvents is required.');
  }
  if (!Array.isArray(raw)) throw new ServiceError('SerializationException', 'auditEvents must be a list.');
  if (raw.length < 1 || raw.length > MAX_AUDIT_EVENTS) {
    throw new ServiceError(
      'ValidationException',
      `auditEvents must hold 1 to ${MAX_AUDIT_EVENTS} events; ${raw.length} were given.`,
    );
  }
  const seen = new Set<string>();
  let bytes = 0;
  const events = raw.map((item: unknown, i): AuditEvent => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new ServiceError('SerializationException', `auditEvents[${i}] must be an object.`);
    }
    const { id, eventData, eventDataChecksum } = item as Record<string, unknown>;
    if (typeof id !== 'string' || typeof eventData !== 'string') {
      throw new ServiceError(
        'ValidationException',
        `auditEvents[${i}] needs an id and an eventData, both strings.`,
      );
    }
    if (id.length < 1 || id.length > 128 || !AUDIT_EVENT_ID.test(id)) {
      throw new ServiceError(
        'ValidationException',
        `auditEvents[${i}].id ${JSON.stringify(id.slice(0, 128))} is invalid: use 1 to 128 letters, digits, '-' or '_'.`,
      );
    }
    if (
      eventDataChecksum !== undefined &&
      eventDataChecksum !== null &&
      typeof eventDataChecksum !== 'string'
    ) {
      throw new ServiceError(
        'SerializationException',
        `auditEvents[${i}].eventDataChecksum must be a string.`,
      );
    }
    if (seen.has(id)) {
      throw new ServiceError(
        'DuplicatedAuditEventId',
        `Two or more entries in the request have the same event ID: ${id}.`,
      );
    }
    seen.add(id);
    bytes += Buffer.byteLength(eventData);
    return typeof eventDataChecksum === 'string' ? { id, eventData, eventDataChecksum } : { id, eventData };
  });
  if (bytes > MAX_AUDIT_EVENTS_BYTES) {
    throw new ServiceError(
      'ValidationException',
      `The events' eventData add up to ${bytes} bytes; a request carries at most ${MAX_AUDIT_EVENTS_BYTES}.`,
    );
  }
  return events;
}

/** `printf %s "$eventData" | openssl dgst -binary -sha256 | base64`, as the model documents. */
export function eventDataChecksum(eventData: string): string {
  return createHash('sha256').update(eventData, 'utf8').digest('base64');
}

/** Length limits of the integrations event schema (characters); objects are limited in bytes. */
const STRING_FIELDS: Record<string, { max: number; required: boolean }> = {
  version: { max: 256, required: true },
  userAgent: { max: 1024, required: false },
  eventSource: { max: 1024, required: true },
  eventName: { max: 1024, required: true },
  eventTime: { max: 64, required: true },
  UID: { max: 1024, required: true },
  errorCode: { max: 256, required: false },
  errorMessage: { max: 256, required: false },
  sourceIPAddress: { max: 64, required: false },
  recipientAccountId: { max: 12, required: true },
};
const OBJECT_FIELDS: Record<string, number> = {
  requestParameters: 100 * 1024,
  responseElements: 100 * 1024,
  additionalEventData: 28 * 1024,
};
const USER_IDENTITY_FIELDS: Record<string, number> = { type: 128, principalId: 1024 };

class EventProblem extends Error {
  constructor(
    readonly errorCode: 'FieldNotFound' | 'FieldTooLong' | 'InvalidData' | 'InvalidRecipient',
    message: string,
  ) {
    super(message);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isIpAddress(text: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) return v4.slice(1).every((octet) => Number(octet) <= 255);
  if (!text.includes(':') || !/^[0-9a-fA-F:.]+$/.test(text)) return false;
  try {
    new URL(`http://[${text}]/`);
    return true;
  } catch {
    return false;
  }
}

/**
 * eventTime "in yyyy-MM-DDTHH:mm:ss format, in UTC" (the schema); fractional seconds and an
 * explicit Z or offset are accepted as well. Returns epoch milliseconds.
 */
function parseEventTime(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?$/.exec(text);
  if (!m) return undefined;
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${(m[7] ?? '').slice(0, 4)}${m[8] ?? 'Z'}`;
  const ms = Date.parse(iso);
  // Date.parse rolls 2024-02-30 over to March; a real date prints back to the same day.
  if (Number.isNaN(ms)) return undefined;
  if (m[8] === undefined || m[8] === 'Z') {
    if (new Date(ms).toISOString().slice(0, 19) !== iso.slice(0, 19)) return undefined;
  }
  return ms;
}

/** Checks eventData (attacker-controlled JSON text) against the integrations event schema. */
function checkEventData(data: Record<string, unknown>, ownerAccountId: string): number {
  const allowed = new Set([...Object.keys(STRING_FIELDS), ...Object.keys(OBJECT_FIELDS), 'userIdentity']);
  for (const key of Object.keys(data)) {
    if (!allowed.has(key)) {
      throw new EventProblem(
        'InvalidData',
        `eventData.${key.slice(0, 128)} is not a field of the integrations event schema.`,
      );
    }
  }
  for (const [field, rule] of Object.entries(STRING_FIELDS)) {
    const value = data[field];
    if (value === undefined || value === null) {
      if (rule.required) throw new EventProblem('FieldNotFound', `eventData.${field} is required.`);
      continue;
    }
    if (typeof value !== 'string')
      throw new EventProblem('InvalidData', `eventData.${field} must be a string.`);
    if ([...value].length > rule.max) {
      throw new EventProblem('FieldTooLong', `eventData.${field} is longer than ${rule.max} characters.`);
    }
  }
  const identity = data.userIdentity;
  if (identity === undefined || identity === null) {
    throw new EventProblem('FieldNotFound', 'eventData.userIdentity is required.');
  }
  if (!isObject(identity)) throw new EventProblem('InvalidData', 'eventData.userIdentity must be an object.');
  for (const key of Object.keys(identity)) {
    if (!(key in USER_IDENTITY_FIELDS) && key !== 'details') {
      throw new EventProblem(
        'InvalidData',
        `eventData.userIdentity.${key.slice(0, 128)} is not a field of the schema.`,
      );
    }
  }
  for (const [field, max] of Object.entries(USER_IDENTITY_FIELDS)) {
    const value = identity[field];
    if (value === undefined || value === null) {
      throw new EventProblem('FieldNotFound', `eventData.userIdentity.${field} is required.`);
    }
    if (typeof value !== 'string') {
      throw new EventProblem('InvalidData', `eventData.userIdentity.${field} must be a string.`);
    }
    if ([...value].length > max) {
      throw new EventProblem(
        'FieldTooLong',
        `eventData.userIdentity.${field} is longer than ${max} characters.`,
      );
    }
  }
  if (identity.details !== undefined && identity.details !== null && !isObject(identity.details)) {
    throw new EventProblem('InvalidData', 'eventData.userIdentity.details must be a JSON object.');
  }
  for (const [field, maxBytes] of Object.entries(OBJECT_FIELDS)) {
    const value = data[field];
    if (value === undefined || value === null) continue;
    if (!isObject(value)) throw new EventProblem('InvalidData', `eventData.${field} must be a JSON object.`);
    if (Buffer.byteLength(JSON.stringify(value)) > maxBytes) {
      throw new EventProblem('FieldTooLong', `eventData.${field} is larger than ${maxBytes / 1024} kB.`);
    }
  }
  const ip = data.sourceIPAddress;
  if (typeof ip === 'string' && !isIpAddress(ip)) {
    throw new EventProblem(
      'InvalidData',
      `eventData.sourceIPAddress ${JSON.stringify(ip)} is not an IPv4 or IPv6 address.`,
    );
  }
  const time = parseEventTime(data.eventTime as string);
  if (time === undefined) {
    throw new EventProblem(
      'InvalidData',
      `eventData.eventTime ${JSON.stringify(data.eventTime)} is not a UTC timestamp in yyyy-MM-ddTHH:mm:ss format.`,
    );
  }
  if (data.recipientAccountId !== ownerAccountId) {
    throw new EventProblem(
      'InvalidRecipient',
      `eventData.recipientAccountId must be the account that owns the channel (${ownerAccountId}).`,
    );
  }
  return time;
}

/** UTC text as the schema writes ingestionTime and eventTime: yyyy-MM-ddTHH:mm:ssZ. */
function utcText(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

export interface AuditEventContext {
  channel: Pick<Channel, 'arn' | 'accountId'>;
  /** The Region of the PutAuditEvents call (its SigV4 credential scope). */
  region: string;
  nowMs: number;
  newEventId: () => string;
}

/** The eventVersion given to events from outside AWS (the schema names the field, not its value). */
export const ACTIVITY_EVENT_VERSION = '2.11';

/**
 * One auditEvent as a row of an ActivityAuditLog store (JSON text in the shape of the Lake
 * schema), or the reason it failed.
 */
export function convertAuditEvent(event: AuditEvent, ctx: AuditEventContext): AuditEventOutcome {
  const fail = (errorCode: string, errorMessage: string): AuditEventOutcome => ({
    ok: false,
    id: event.id,
    errorCode,
    errorMessage,
  });
  if (
    event.eventDataChecksum !== undefined &&
    event.eventDataChecksum !== eventDataChecksum(event.eventData)
  ) {
    return fail('InvalidChecksum', 'eventDataChecksum is not the base64 SHA-256 digest of eventData.');
  }
  let data: unknown;
  try {
    data = JSON.parse(event.eventData);
  } catch {
    return fail('InvalidData', 'eventData is not a valid JSON document.');
  }
  if (!isObject(data)) return fail('InvalidData', 'eventData must be a JSON object.');
  let timeMs: number;
  try {
    timeMs = checkEventData(data, ctx.channel.accountId);
  } catch (error) {
    if (error instanceof EventProblem) return fail(error.errorCode, error.message);
    throw error;
  }
  const eventID = ctx.newEventId();
  const row = {
    eventVersion: ACTIVITY_EVENT_VERSION,
    eventCategory: 'ActivityAuditLog',
    eventType: 'ActivityLog',
    eventID,
    eventTime: new Date(timeMs).toISOString(),
    awsRegion: ctx.region,
    recipientAccountId: ctx.channel.accountId,
    metadata: { ingestionTime: utcText(ctx.nowMs), channelARN: ctx.channel.arn },
    eventData: data,
  };
  return { ok: true, id: event.id, eventID, row: JSON.stringify(row) };
}
