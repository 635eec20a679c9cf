/**
 * Type checks for JSON 1.1 request members. A member of the wrong JSON type is a
 * SerializationException, as AWS's JSON services answer it.
 */
import { ServiceError, type ErrorCode } from './errors.ts';

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function serialization(name: string, expected: string, value: unknown): ServiceError {
  return new ServiceError('SerializationException', `${name} must be ${expected}, found ${kindOf(value)}.`);
}

export function expectObject(value: unknown, name: string): Record<string, unknown> {
  if (kindOf(value) !== 'object') throw serialization(name, 'an object', value);
  return value as Record<string, unknown>;
}

export function expectArray(value: unknown, name: string): unknown[] {
  if (!Array.isArray(value)) throw serialization(name, 'a list', value);
  return value;
}

export function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw serialization(name, 'a string', value);
  return value;
}

/** A required string member; missing is a validation error of the operation's own kind. */
export function requireString(
  value: unknown,
  name: string,
  missingCode: ErrorCode = 'ValidationException',
): string {
  if (value === undefined || value === null) throw new ServiceError(missingCode, `${name} is required.`);
  if (typeof value !== 'string') throw serialization(name, 'a string', value);
  return value;
}

export function optionalInteger(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw serialization(name, 'an integer', value);
  return value;
}

export function optionalBoolean(value: unknown, name: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw serialization(name, 'a boolean', value);
  return value;
}

/**
 * Timestamps arrive as epoch seconds (the JSON protocol's default format); ISO 8601 strings are
 * accepted too. Returns epoch milliseconds.
 */
export function optionalTimestamp(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return Math.round(value * 1000);
  if (typeof value === 'string') {
    const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
    if (!Number.isNaN(ms)) return Math.round(ms);
  }
  throw serialization(name, 'a timestamp (epoch seconds)', value);
}

/** The deepest nesting of arrays and objects a request body may have. */
export const MAX_JSON_DEPTH = 64;

/**
 * How deep `text` nests arrays and objects, counting only brackets outside strings, stopping as
 * soon as it passes `limit`. One pass with no recursion: a body nested 100,000 levels deep is
 * refused here before anything walks it recursively.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * A JSON-protocol request body as its top-level object (an empty body is `{}`). Invalid UTF-8,
 * invalid JSON, nesting deeper than MAX_JSON_DEPTH and anything but an object are
 * SerializationException.
 */
export function parseJsonObjectBody(body: Buffer): Record<string, unknown> {
  let text: string;
  try {
    text = body.length === 0 ? '{}' : new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new ServiceError('SerializationException', 'Request body is not a valid UTF-8 JSON document.');
  }
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    throw new ServiceError(
      'SerializationException',
      `Request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ServiceError('SerializationException', 'Request body is not a valid UTF-8 JSON document.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ServiceError('SerializationException', 'Request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}
