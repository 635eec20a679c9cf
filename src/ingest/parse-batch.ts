/**
 * Turns a request body of CloudTrail records (attacker-controlled) into validated events,
 * keeping each record's original JSON text. Whole-body problems throw ServiceError; problems
 * with single records come back per record.
 *
 * The parse is built in columns (`ParsedColumns`), which is what a parse worker sends back to the
 * main thread: one structured clone of a few arrays instead of an object per record, each
 * distinct string once, and record text as byte ranges of the body the main thread still holds.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { ServiceError } from '../errors.ts';
import {
  batchShape,
  batchValues,
  lookupFieldsOf,
  splitRecordSpans,
  validateRecord,
  type BatchShape,
  type EventCategory,
  type RecordDefaults,
  type Span,
} from '../events/index.ts';
import { BodyEvent } from './body-event.ts';

export const MAX_RECORDS_PER_REQUEST = 10_000;

/**
 * The defaults of a batch. With `idempotencyKey` (the client's Idempotency-Key header) a record
 * without an eventID gets one derived from the caller's account, the key and the record's index
 * in the batch instead of a random one: a retried request names the same events and is answered
 * 'duplicate' instead of recording them twice.
 */
export interface BatchDefaults extends RecordDefaults {
  idempotencyKey?: string;
}

/** The namespace of OpenTrail's name-based event IDs (RFC 9562 UUID version 5). */
const EVENT_ID_NAMESPACE = Buffer.from('5f0c6f43e1a94a0f9a8e2b7d3c41d6e8', 'hex');

/** The name-based UUID (version 5, SHA-1) of the `index`th record sent with `key` by `accountId`. */
export function idempotentEventId(accountId: string, key: string, index: number): string {
  const hash = createHash('sha1')
    .update(EVENT_ID_NAMESPACE)
    .update(`${accountId}/${index}/${key}`, 'utf8')
    .digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export type ParsedRecord =
  { ok: true; event: BodyEvent } | { ok: false; errorCode: string; errorMessage: string };

/** Per record string fields, as codes into `ParsedColumns.strings` (0 stands for null). */
const FIELDS = 7;
const [ACCOUNT, REGION, EVENT_NAME, EVENT_SOURCE, USERNAME, ACCESS_KEY_ID, CATEGORY] = [0, 1, 2, 3, 4, 5, 6];

export interface ParsedColumns {
  /** How many records the body held. */
  count: number;
  /** The records that failed validation, by index in the body, ascending. */
  failures: { index: number; errorCode: string; errorMessage: string }[];
  /** Each distinct string of `fields` and `resources` once; index 0 is unused (null). */
  strings: string[];
  // The columns below hold one entry per record that passed, in body order.
  eventIds: string[];
  /** FIELDS string codes per record. */
  fields: Uint32Array;
  /** 0 null, 1 false, 2 true. */
  readOnly: Uint8Array;
  eventTimeMs: Float64Array;
  /** How many (type, name) pairs of `resources` each record has. */
  resourceCounts: Uint32Array;
  /** String codes, type then name, for every record's resources in turn. */
  resources: Uint32Array;
  /** The UTF-8 byte range of each record's text in the body. */
  textStart: Uint32Array;
  textEnd: Uint32Array;
  /** Records whose text was completed with defaults: [position among those that passed, text]. */
  completedTexts: [number, string][];
}

/**
 * The body as text; throws unless it is valid UTF-8. A leading byte order mark is dropped (as
 * TextDecoder does). Bodies of ASCII only, the usual case, are copied as Latin-1: the fastest
 * decode there is, and the same text.
 */
export function decodeUtf8(body: Uint8Array): string {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (isAscii(bytes)) return bytes.toString('latin1');
  if (!isUtf8(bytes)) throw new ServiceError('SerializationException', 'Request body is not valid UTF-8.');
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return bytes.toString('utf8', bom);
}

/** Maps each distinct string to a small code, so a column repeats numbers, not strings. */
class StringCodes {
  readonly strings: string[] = [''];
  private readonly codes = new Map<string, number>();

  code(value: string | null): number {
    if (value === null) return 0;
    let code = this.codes.get(value);
    if (code === undefined) {
      code = this.strings.length;
      this.strings.push(value);
      this.codes.set(value, code);
    }
    return code;
  }
}

/** Growable Uint32Array. */
class Words {
  private data = new Uint32Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Uint32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  toArray(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}

/** `{"Records":` as a log file begins, the array's text following it. */
const RECORDS_PREFIX = /^\s*\{\s*"Records"\s*:\s*/;
/** What may follow the Records array when it is the body's last member. */
const RECORDS_SUFFIX = /\s*\]\s*\}\s*$/y;

/**
 * Where each record's text lies. A log file whose only member is Records (the usual body) has
 * its array scanned alone: the general scanner would walk the whole array once to find where the
 * member ends and again to split it. Only an array that closes the body is taken this way: with
 * a duplicated Records key JSON.parse keeps the last, and so must the spans.
 */
function recordSpans(text: string, parsed: unknown, shape: BatchShape): Span[] | undefined {
  if (shape === 'records-object' && Object.keys(parsed as object).length === 1) {
    const prefix = RECORDS_PREFIX.exec(text);
    if (prefix) {
      const at = prefix[0].length;
      const array = splitRecordSpans(text.slice(at), (parsed as { Records: unknown[] }).Records);
      const last = array?.spans[array.spans.length - 1];
      RECORDS_SUFFIX.lastIndex = at + (last ? last.end : 1);
      if (array?.shape === 'array' && RECORDS_SUFFIX.test(text)) {
        return array.spans.map((span) => ({ ...span, start: span.start + at, end: span.end + at }));
      }
    }
  }
  return splitRecordSpans(text, parsed)?.spans;
}

export function parseRecordColumns(body: Uint8Array, defaults: BatchDefaults): ParsedColumns {
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
  const spans = shape && recordSpans(text, parsed, shape);
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

  // The decoder drops a leading byte order mark; text offsets count from after it.
  const bom = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  const ascii = body.length - bom === text.length;
  let charPos = 0;
  let bytePos = bom;
  /** The byte offset of a text offset at or after the previous one asked for. */
  const byteOffset = (at: number): number => {
    if (ascii) return bom + at;
    bytePos += Buffer.byteLength(text.slice(charPos, at));
    charPos = at;
    return bytePos;
  };

  const n = values.length;
  const codes = new StringCodes();
  const out: ParsedColumns = {
    count: n,
    failures: [],
    strings: codes.strings,
    eventIds: [],
    fields: new Uint32Array(n * FIELDS),
    readOnly: new Uint8Array(n),
    eventTimeMs: new Float64Array(n),
    resourceCounts: new Uint32Array(n),
    resources: new Uint32Array(0),
    textStart: new Uint32Array(n),
    textEnd: new Uint32Array(n),
    completedTexts: [],
  };
  const resources = new Words();
  const key = defaults.idempotencyKey;
  const recordDefaults: RecordDefaults = { ...defaults };
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (key !== undefined)
      recordDefaults.eventID = () => idempotentEventId(defaults.recipientAccountId, key, i);
    const span = spans[i];
    if (!span) {
      out.failures.push({
        index: i,
        errorCode: 'InvalidRecord',
        errorMessage: 'Record could not be located in the body.',
      });
      continue;
    }
    const start = byteOffset(span.start);
    const end = byteOffset(span.end);
    const recordText = text.slice(span.start, span.end);
    const result = validateRecord(values[i], recordText, end - start, recordDefaults, span);
    if (!result.ok) {
      out.failures.push({ index: i, errorCode: result.errorCode, errorMessage: result.errorMessage });
      continue;
    }
    const r = result.record;
    const f = lookupFieldsOf(r);
    out.eventIds.push(r.eventID);
    const at = k * FIELDS;
    out.fields[at + ACCOUNT] = codes.code(r.recipientAccountId);
    out.fields[at + REGION] = codes.code(r.awsRegion);
    out.fields[at + EVENT_NAME] = codes.code(f.eventName);
    out.fields[at + EVENT_SOURCE] = codes.code(f.eventSource);
    out.fields[at + USERNAME] = codes.code(f.username);
    out.fields[at + ACCESS_KEY_ID] = codes.code(f.accessKeyId);
    out.fields[at + CATEGORY] = codes.code(result.category);
    out.readOnly[k] = f.readOnly === null ? 0 : f.readOnly ? 2 : 1;
    out.eventTimeMs[k] = result.eventTimeMs;
    out.resourceCounts[k] = f.resourceTypes.length;
    f.resourceTypes.forEach((type, r) => {
      resources.push(codes.code(type));
      resources.push(codes.code(f.resourceNames[r] ?? ''));
    });
    out.textStart[k] = start;
    out.textEnd[k] = end;
    if (result.text !== recordText) out.completedTexts.push([k, result.text]);
    k++;
  }
  out.resources = resources.toArray();
  return out;
}

/** The records of a body from its parse in columns; `body` is the body that was parsed. */
export function recordsOfColumns(columns: ParsedColumns, body: Uint8Array): ParsedRecord[] {
  const { strings, fields } = columns;
  const str = (code: number): string | null => (code === 0 ? null : (strings[code] as string));
  const completed = new Map(columns.completedTexts);
  const records = new Array<ParsedRecord>(columns.count);
  let failure = 0;
  let k = 0;
  let resource = 0;
  for (let i = 0; i < columns.count; i++) {
    const f = columns.failures[failure];
    if (f && f.index === i) {
      records[i] = { ok: false, errorCode: f.errorCode, errorMessage: f.errorMessage };
      failure++;
      continue;
    }
    const at = k * FIELDS;
    const resourceTypes: string[] = [];
    const resourceNames: string[] = [];
    for (let r = columns.resourceCounts[k] as number; r > 0; r--) {
      resourceTypes.push(strings[columns.resources[resource++] as number] as string);
      resourceNames.push(strings[columns.resources[resource++] as number] as string);
    }
    const readOnly = columns.readOnly[k];
    const text = completed.get(k);
    // A completed record's text is the body's bytes with fields appended: it travels as a string.
    const [source, start, end] =
      text === undefined
        ? [body, columns.textStart[k] as number, columns.textEnd[k] as number]
        : ((bytes) => [bytes, 0, bytes.length] as const)(Buffer.from(text, 'utf8'));
    records[i] = {
      ok: true,
      event: new BodyEvent(
        columns.eventIds[k] as string,
        str(fields[at + ACCOUNT] as number) as string,
        str(fields[at + REGION] as number) as string,
        columns.eventTimeMs[k] as number,
        str(fields[at + EVENT_NAME] as number) as string,
        str(fields[at + EVENT_SOURCE] as number) as string,
        str(fields[at + USERNAME] as number),
        str(fields[at + ACCESS_KEY_ID] as number),
        readOnly === 0 ? null : readOnly === 2,
        str(fields[at + CATEGORY] as number) as EventCategory,
        resourceTypes,
        resourceNames,
        source,
        start,
        end,
      ),
    };
    k++;
  }
  return records;
}

export function parseRecordBatch(body: Uint8Array, defaults: BatchDefaults): ParsedRecord[] {
  return recordsOfColumns(parseRecordColumns(body, defaults), body);
}
