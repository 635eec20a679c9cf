/**
 * Finds where each record of a CloudTrail batch starts and ends in the request text, so that a
 * record's original JSON can be kept byte for byte. The text is attacker-controlled: callers
 * must run JSON.parse over it first (which rejects anything malformed), so this scanner only ever
 * walks well-formed JSON and can stay small and fast.
 *
 * Accepted shapes: a log file `{"Records":[...]}`, a bare array `[...]`, or one record `{...}`.
 */

export interface Span {
  start: number;
  end: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** `i` is at an opening quote; returns the index just past the closing quote. */
function skipString(text: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = text.indexOf('"', j);
    if (q < 0) throw new SyntaxError('unterminated string');
    let backslashes = 0;
    for (let k = q - 1; k > i && text.charCodeAt(k) === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** `i` is at the first character of a value; returns the index just past it. */
function skipValue(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === QUOTE) return skipString(text, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    let j = i;
    while (j < text.length) {
      const d = text.charCodeAt(j);
      if (d === QUOTE) {
        j = skipString(text, j);
        continue;
      }
      if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
      else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    throw new SyntaxError('unterminated container');
  }
  let j = i;
  while (j < text.length) {
    const d = text.charCodeAt(j);
    if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || isSpace(d)) break;
    j++;
  }
  return j;
}

/** `i` is at `[`; returns the span of each element. */
function arrayElementSpans(text: string, i: number): Span[] {
  const spans: Span[] = [];
  let j = skipSpace(text, i + 1);
  if (text.charCodeAt(j) === CLOSE_BRACKET) return spans;
  for (;;) {
    const end = skipValue(text, j);
    spans.push({ start: j, end });
    j = skipSpace(text, end);
    const d = text.charCodeAt(j);
    if (d === CLOSE_BRACKET) return spans;
    if (d !== COMMA) throw new SyntaxError(`expected ',' or ']' at ${j}`);
    j = skipSpace(text, j + 1);
  }
}

/** `i` is at `{`; returns the span of the value of `key` in that object, if present. */
function objectMemberSpan(text: string, i: number, key: string): Span | undefined {
  let j = skipSpace(text, i + 1);
  if (text.charCodeAt(j) === CLOSE_BRACE) return undefined;
  let found: Span | undefined;
  for (;;) {
    const keyEnd = skipString(text, j);
    const name = JSON.parse(text.slice(j, keyEnd)) as string;
    j = skipSpace(text, keyEnd);
    if (text.charCodeAt(j) !== COLON) throw new SyntaxError(`expected ':' at ${j}`);
    j = skipSpace(text, j + 1);
    const end = skipValue(text, j);
    // JSON.parse keeps the last of duplicate keys; so do we.
    if (name === key) found = { start: j, end };
    j = skipSpace(text, end);
    const d = text.charCodeAt(j);
    if (d === CLOSE_BRACE) return found;
    if (d !== COMMA) throw new SyntaxError(`expected ',' or '}' at ${j}`);
    j = skipSpace(text, j + 1);
  }
}

export type BatchShape = 'records-object' | 'array' | 'single';

/** Which accepted shape a parsed body has, if any. */
export function batchShape(parsed: unknown): BatchShape | undefined {
  if (Array.isArray(parsed)) return 'array';
  if (parsed === null || typeof parsed !== 'object') return undefined;
  if (!('Records' in parsed)) return 'single';
  return Array.isArray(parsed.Records) ? 'records-object' : undefined;
}

/** The records of a parsed body of the given shape. */
export function batchValues(parsed: unknown, shape: BatchShape): unknown[] {
  switch (shape) {
    case 'records-object':
      return (parsed as { Records: unknown[] }).Records;
    case 'array':
      return parsed as unknown[];
    case 'single':
      return [parsed];
  }
}

/**
 * Returns the spans of the records in `text`, which JSON.parse has already accepted as `parsed`.
 * Returns undefined when the shape is none of the accepted ones.
 */
export function splitRecordSpans(
  text: string,
  parsed: unknown,
): { shape: BatchShape; spans: Span[] } | undefined {
  const start = skipSpace(text, text.charCodeAt(0) === 0xfeff ? 1 : 0);
  const shape = batchShape(parsed);
  switch (shape) {
    case undefined:
      return undefined;
    case 'array':
      return { shape, spans: arrayElementSpans(text, start) };
    case 'records-object': {
      const member = objectMemberSpan(text, start, 'Records');
      return member ? { shape, spans: arrayElementSpans(text, member.start) } : undefined;
    }
    case 'single':
      return { shape, spans: [{ start, end: skipValue(text, start) }] };
  }
}

/**
 * The fast path for compact batches (as AWS and JSON.stringify write them): when each record's
 * text is exactly JSON.stringify of its parsed value, the spans follow without a scan. Returns
 * undefined when the text is laid out any other way; splitRecordSpans then finds the spans.
 */
export function compactRecordSpans(
  text: string,
  values: readonly unknown[],
  shape: BatchShape,
): Span[] | undefined {
  const open = shape === 'records-object' ? '{"Records":[' : shape === 'array' ? '[' : '';
  const close = shape === 'records-object' ? ']}' : shape === 'array' ? ']' : '';
  if (!text.startsWith(open) || !text.endsWith(close)) return undefined;
  const spans: Span[] = [];
  let pos = open.length;
  for (let i = 0; i < values.length; i++) {
    if (i > 0) {
      if (text.charCodeAt(pos) !== COMMA) return undefined;
      pos++;
    }
    const compact = JSON.stringify(values[i]);
    if (!text.startsWith(compact, pos)) return undefined;
    spans.push({ start: pos, end: pos + compact.length });
    pos += compact.length;
  }
  return pos === text.length - close.length ? spans : undefined;
}
