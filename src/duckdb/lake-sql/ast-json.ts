/**
 * JSON for DuckDB's serialized syntax trees. They carry 64-bit integers (query locations near
 * 2^64, BIGINT constants) that `JSON.parse` would round, so numbers longer than 15 digits are read
 * into {@link BigNumber} boxes and written back digit for digit.
 */

export class BigNumber {
  constructor(readonly digits: string) {}
}

export type Json = null | boolean | number | string | BigNumber | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const BOX_KEY = '\u0000bignum';

export function parseAstJson(text: string): Json {
  let boxed = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      boxed += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 64))!;
      const num = m[0];
      boxed += /^-?\d{16,}$/.test(num) ? `{"${'\\u0000'}bignum":"${num}"}` : num;
      i += num.length;
    } else {
      boxed += c;
      i++;
    }
  }
  return JSON.parse(boxed, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (keys.length === 1 && keys[0] === BOX_KEY)
        return new BigNumber((value as Record<string, string>)[BOX_KEY]!);
    }
    return value;
  }) as Json;
}

export function stringifyAstJson(value: Json): string {
  if (value instanceof BigNumber) return value.digits;
  if (Array.isArray(value)) return `[${value.map(stringifyAstJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${stringifyAstJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function isObject(value: Json | undefined): value is JsonObject {
  return (
    value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof BigNumber)
  );
}

export function cloneJson<T extends Json>(value: T): T {
  if (value instanceof BigNumber) return value;
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  if (isObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneJson(v)])) as T;
  return value;
}
