/**
 * One cloudtrail-data PutAuditEvents `auditEvent` as a row of an ActivityAuditLog event data
 * store, or the per-event error that refused it. Pure: IDs and time come in as parameters.
 *
 * Sources: the botocore model cloudtrail-data/2021-08-11 (PutAuditEvents), the CloudTrail User
 * Guide's "CloudTrail Lake integrations event schema" (required eventData fields and their length
 * limits) and the PutAuditEvents API reference (the checksum is the base64 SHA-256 of eventData;
 * per-event error codes FieldTooLong, FieldNotFound, InvalidChecksum, InvalidData,
 * InvalidRecipient …).
 */
import { createHash } from 'node:crypto';
import type { AuditEvent } from './audit-events.ts';
import type { Channel } from './channel.ts';

export type AuditEventOutcome =
  | { ok: true; id: string; eventID: string; row: string }
  | { ok: false; id: string; errorCode: string; errorMessage: string };

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
