/**
 * Turns a request body of CloudTrail records (attacker-controlled) into validated events,
 * keeping each record's original JSON text. Whole-body problems throw ServiceError; problems
 * with single records come back per record.
 */
import { ServiceError } from '../errors.ts';
import {
  batchShape,
  batchValues,
  compactRecordSpans,
  lookupFieldsOf,
  splitRecordSpans,
  validateRecord,
  type RecordDefaults,
} from '../events/index.ts';
import type { NewEvent } from '../store/index.ts';

export const MAX_RECORDS_PER_REQUEST = 10_000;

export type ParsedRecord =
  { ok: true; event: NewEvent } | { ok: false; errorCode: string; errorMessage: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeUtf8(body: Uint8Array): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new ServiceError('SerializationException', 'Request body is not valid UTF-8.');
  }
}

export function parseRecordBatch(body: Uint8Array, defaults: RecordDefaults): ParsedRecord[] {
  const text = decodeUtf8(body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ServiceError(
      'SerializationException',
      `Request body is not valid JSON: ${(error as Error).message}`,
    );
  }
  const shape = batchShape(parsed);
  const values = shape ? batchValues(parsed, shape) : [];
  const spans = shape && (compactRecordSpans(text, values, shape) ?? splitRecordSpans(text, parsed)?.spans);
  if (!shape || !spans) {
    throw new ServiceError(
      'ValidationException',
      'Request body must be {"Records":[...]} (a CloudTrail log file), a JSON array of records, or one record object.',
    );
  }
  if (values.length > MAX_RECORDS_PER_REQUEST) {
    throw new ServiceError(
      'ValidationException',
      `A request may carry at most ${MAX_RECORDS_PER_REQUEST} records; this one has ${values.length}.`,
    );
  }
  return values.map((value, i) => {
    const span = spans[i];
    if (!span)
      return {
        ok: false,
        errorCode: 'InvalidRecord',
        errorMessage: 'Record could not be located in the body.',
      };
    const recordText = text.slice(span.start, span.end);
    const result = validateRecord(value, recordText, Buffer.byteLength(recordText), defaults);
    if (!result.ok) return result;
    const r = result.record;
    return {
      ok: true,
      event: {
        eventId: r.eventID,
        accountId: r.recipientAccountId,
        region: r.awsRegion,
        eventTimeMs: result.eventTimeMs,
        category: result.category,
        raw: result.text,
        ...lookupFieldsOf(r),
      },
    };
  });
}
