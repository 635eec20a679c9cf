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
  /**
   * Set by the scanner (splitRecordSpans): how many object members (`"key": value`) the value's
   * text holds at every depth, and how deep its arrays and objects nest. JSON.parse keeps the last
   * of duplicate keys, so a parsed value with fewer members than its text had a key twice.
   */
  members?: number;
  depth?: number;
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

// What the last skipValue over a container counted: outside strings a ':' only ever ends a key,
// so counting them costs one comparison per character the scan already visits.
let scannedMembers = 0;
let scannedDepth = 0;

/** `i` is at the first character of a value; returns the index just past it. */
function skipValue(text: string, i: number): number {
  const c = text.charCodeAt(i);
  scannedMembers = 0;
  scannedDepth = 0;
  if (c === QUOTE) return skipString(text, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    let maxDepth = 0;
    let members = 0;
    let j = i;
    while (j < text.length) {
      const d = text.charCodeAt(j);
      if (d === QUOTE) {
        j = skipString(text, j);
        continue;
      }
      if (d === COLON) members++;
      else if (d === OPEN_BRACE || d === OPEN_BRACKET) {
        if (++depth > maxDepth) maxDepth = depth;
      } else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) {
          scannedMembers = members;
          scannedDepth = maxDepth;
          return j + 1;
        }
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
    spans.push({ start: j, end, members: scannedMembers, depth: scannedDepth });
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
    case 'single': {
      const end = skipValue(text, start);
      return { shape, spans: [{ start, end, members: scannedMembers, depth: scannedDepth }] };
    }
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

/** Where a key stands twice in one object of a JSON text. */
export interface DuplicateKey {
  key: string;
  /** The object's place in the value, like `requestParameters.tags[0]` (empty at the top). */
  path: string;
}

interface Frame {
  /** The keys seen so far in an object; undefined in an array. */
  keys: Set<string> | undefined;
  path: string;
  /** The next element's index (arrays). */
  index: number;
}

/**
 * The first key that appears twice in one object of `text`, a JSON value JSON.parse has already
 * accepted (attacker-controlled, so walked iteratively: nesting depth costs no stack). Keys are
 * compared as JSON.parse decodes them, so `"a"` and `"\u0061"` are the same key.
 */
export function findDuplicateKey(text: string, start = 0, end = text.length): DuplicateKey | undefined {
  const stack: Frame[] = [];
  let pendingKey = '';
  let j = start;
  const childPath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    if (top.keys) return top.path === '' ? pendingKey : `${top.path}.${pendingKey}`;
    return `${top.path}[${top.index}]`;
  };
  while (j < end) {
    const d = text.charCodeAt(j);
    if (d === QUOTE) {
      const close = skipString(text, j);
      const top = stack[stack.length - 1];
      // In an object a string is a key when a ':' follows it.
      if (top?.keys && text.charCodeAt(skipSpace(text, close)) === COLON) {
        const raw = text.slice(j + 1, close - 1);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(j, close)) as string) : raw;
        if (top.keys.has(key)) return { key, path: top.path };
        top.keys.add(key);
        pendingKey = key;
      }
      j = close;
      continue;
    }
    if (d === OPEN_BRACE || d === OPEN_BRACKET) {
      const path = childPath();
      stack.push({ keys: d === OPEN_BRACE ? new Set() : undefined, path, index: 0 });
    } else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
      stack.pop();
    } else if (d === COMMA) {
      const top = stack[stack.length - 1];
      if (top && !top.keys) top.index++;
    }
    j++;
  }
  return undefined;
}
