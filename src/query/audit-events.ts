/**
 * The auditEvents of a cloudtrail-data PutAuditEvents request (attacker-controlled JSON): their
 * shapes, count and total size. Pure.
 *
 * Sources: the botocore model cloudtrail-data/2021-08-11 (PutAuditEvents) and the PutAuditEvents
 * API reference (100 events or 1 MB per request).
 */
import { ServiceError } from '../errors.ts';

/** PutAuditEvents model: auditEvents has 1 to 100 members. */
export const MAX_AUDIT_EVENTS = 100;
/** PutAuditEvents doc: "up to 100 of these events (or up to 1 MB) per PutAuditEvents request". */
export const MAX_AUDIT_EVENTS_BYTES = 1024 * 1024;

const AUDIT_EVENT_ID = /^[-_A-Za-z0-9]+$/;

export interface AuditEvent {
  id: string;
  eventData: string;
  eventDataChecksum?: string;
}

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
