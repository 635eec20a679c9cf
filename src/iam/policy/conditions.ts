/**
 * The Condition element ("IAM JSON policy elements: Condition", "…: Condition operators",
 * "Creating a condition with multiple keys or values"). Within a block, operators and the keys
 * under one operator are ANDed; the values listed for one key are ORed, except for negated
 * operators (StringNotEquals, NotIpAddress, …), which hold when the request value matches none
 * of them. Key names are case-insensitive; whether values are depends on the operator.
 *
 * A key absent from the request context: the condition is false, but true for negated operators;
 * `…IfExists` makes it true; `Null` tests presence itself. `ForAllValues:` compares every request
 * value (true when there is none), `ForAnyValue:` at least one (false when there is none).
 */
import { compileArnPattern, matchArnPattern, type ArnPattern } from './arn-pattern.ts';
import { compileGlob, matchGlob } from './glob.ts';
import {
  parseTemplate,
  resolveGlob,
  resolveText,
  templateKeys,
  type ContextValues,
  type Template,
} from './variables.ts';

export type BaseOperator =
  | 'StringEquals'
  | 'StringNotEquals'
  | 'StringEqualsIgnoreCase'
  | 'StringNotEqualsIgnoreCase'
  | 'StringLike'
  | 'StringNotLike'
  | 'NumericEquals'
  | 'NumericNotEquals'
  | 'NumericLessThan'
  | 'NumericLessThanEquals'
  | 'NumericGreaterThan'
  | 'NumericGreaterThanEquals'
  | 'DateEquals'
  | 'DateNotEquals'
  | 'DateLessThan'
  | 'DateLessThanEquals'
  | 'DateGreaterThan'
  | 'DateGreaterThanEquals'
  | 'Bool'
  | 'BinaryEquals'
  | 'IpAddress'
  | 'NotIpAddress'
  | 'ArnEquals'
  | 'ArnLike'
  | 'ArnNotEquals'
  | 'ArnNotLike'
  | 'Null';

export const BASE_OPERATORS: ReadonlySet<string> = new Set<BaseOperator>([
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
]);

const NEGATED: ReadonlySet<BaseOperator> = new Set<BaseOperator>([
  'StringNotEquals',
  'StringNotEqualsIgnoreCase',
  'StringNotLike',
  'NumericNotEquals',
  'DateNotEquals',
  'NotIpAddress',
  'ArnNotEquals',
  'ArnNotLike',
]);

export type SetQualifier = 'ForAllValues' | 'ForAnyValue' | undefined;

export interface ParsedOperator {
  base: string;
  qualifier: SetQualifier;
  ifExists: boolean;
}

/** `ForAnyValue:StringLikeIfExists` → StringLike, ForAnyValue, IfExists. */
export function parseOperator(name: string): ParsedOperator {
  let base = name;
  let qualifier: SetQualifier;
  if (base.startsWith('ForAllValues:')) {
    qualifier = 'ForAllValues';
    base = base.slice('ForAllValues:'.length);
  } else if (base.startsWith('ForAnyValue:')) {
    qualifier = 'ForAnyValue';
    base = base.slice('ForAnyValue:'.length);
  }
  const ifExists = base.endsWith('IfExists');
  if (ifExists) base = base.slice(0, -'IfExists'.length);
  return { base, qualifier, ifExists };
}

/** One request value against the policy values: does any of them match (the positive form)? */
type ValueTest = (requestValue: string, context: ContextValues) => boolean;

export interface CompiledCondition {
  /** The operator as written, e.g. `ForAnyValue:StringLike`. */
  readonly operator: string;
  readonly base: BaseOperator;
  readonly qualifier: SetQualifier;
  readonly ifExists: boolean;
  readonly negated: boolean;
  /** The condition key, lower-cased. */
  readonly key: string;
  /** The condition key as the policy writes it. */
  readonly keyName: string;
  /** Keys the values read as policy variables, as the policy writes them. */
  readonly variableKeys: readonly string[];
  /** For Null: the key must be absent (true) or present (false). */
  readonly nullExpected: boolean;
  readonly test: ValueTest;
}

/** Condition values as a policy may write them: strings, numbers or booleans, or lists of them. */
export type RawConditionValue = string | number | boolean;

export function compileCondition(
  operator: string,
  key: string,
  rawValues: readonly RawConditionValue[],
  variables: boolean,
): CompiledCondition {
  const parsed = parseOperator(operator);
  const base = parsed.base as BaseOperator;
  const values = rawValues.map(String);
  const templates = values.map((v) => parseTemplate(v, variables));
  return {
    operator,
    base,
    qualifier: parsed.qualifier,
    ifExists: parsed.ifExists,
    negated: NEGATED.has(base),
    key: key.toLowerCase(),
    keyName: key,
    variableKeys: templates.flatMap(templateKeys),
    nullExpected: (values[0] ?? '').toLowerCase() === 'true',
    test: valueTest(base, values, templates),
  };
}

/** Whether the condition holds for the request context. */
export function evaluateCondition(condition: CompiledCondition, context: ContextValues): boolean {
  const values = context.get(condition.key);
  const absent = values === undefined || values.length === 0;
  if (condition.base === 'Null') return absent === condition.nullExpected;
  if (absent) {
    if (condition.ifExists || condition.qualifier === 'ForAllValues') return true;
    if (condition.qualifier === 'ForAnyValue') return false;
    return condition.negated;
  }
  const { test, negated } = condition;
  switch (condition.qualifier) {
    case 'ForAllValues':
      return values.every((v) => test(v, context) !== negated);
    case 'ForAnyValue':
      return values.some((v) => test(v, context) !== negated);
    case undefined: {
      const matched = values.some((v) => test(v, context));
      return negated ? !matched : matched;
    }
  }
}

function valueTest(base: BaseOperator, values: string[], templates: Template[]): ValueTest {
  switch (base) {
    case 'StringEquals':
    case 'StringNotEquals':
      return (request, context) => templates.some((t) => resolveText(t, context) === request);
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return (request, context) => {
        const lower = request.toLowerCase();
        return templates.some((t) => resolveText(t, context)?.toLowerCase() === lower);
      };
    case 'StringLike':
    case 'StringNotLike': {
      const fixed = templates.map((t) => (t.variable ? undefined : compileGlob(t.source)));
      return (request, context) =>
        templates.some((t, i) => {
          const glob = fixed[i] ?? resolveGlob(t, context);
          return glob !== undefined && matchGlob(glob, request);
        });
    }
    case 'NumericEquals':
    case 'NumericNotEquals':
      return numericTest(values, (a, b) => a === b);
    case 'NumericLessThan':
      return numericTest(values, (a, b) => a < b);
    case 'NumericLessThanEquals':
      return numericTest(values, (a, b) => a <= b);
    case 'NumericGreaterThan':
      return numericTest(values, (a, b) => a > b);
    case 'NumericGreaterThanEquals':
      return numericTest(values, (a, b) => a >= b);
    case 'DateEquals':
    case 'DateNotEquals':
      return dateTest(values, (a, b) => a === b);
    case 'DateLessThan':
      return dateTest(values, (a, b) => a < b);
    case 'DateLessThanEquals':
      return dateTest(values, (a, b) => a <= b);
    case 'DateGreaterThan':
      return dateTest(values, (a, b) => a > b);
    case 'DateGreaterThanEquals':
      return dateTest(values, (a, b) => a >= b);
    case 'Bool':
      return (request, context) => {
        const lower = request.toLowerCase();
        return templates.some((t) => resolveText(t, context)?.toLowerCase() === lower);
      };
    case 'BinaryEquals': {
      const wanted = values.map(base64Bytes);
      return (request) => {
        const got = base64Bytes(request);
        return got !== undefined && wanted.some((w) => w === got);
      };
    }
    case 'IpAddress':
    case 'NotIpAddress': {
      const ranges = values.map(parseCidr);
      return (request) => {
        const ip = parseIp(request);
        return ip !== undefined && ranges.some((r) => r !== undefined && inRange(ip, r));
      };
    }
    case 'ArnEquals':
    case 'ArnLike':
    case 'ArnNotEquals':
    case 'ArnNotLike': {
      const fixed = templates.map((t) => (t.variable ? undefined : compileArnPattern(t.source, false)));
      return (request, context) =>
        templates.some((t, i) => {
          let pattern: ArnPattern | undefined = fixed[i];
          if (pattern === undefined) {
            const text = resolveText(t, context);
            if (text === undefined) return false;
            pattern = compileArnPattern(text, false);
          }
          // A policy ARN pattern is compared part by part; a lone `*` is no ARN and matches all.
          return matchArnPattern(pattern, request, context);
        });
    }
    case 'Null':
      return () => false;
  }
}

function numericTest(values: string[], compare: (request: number, policy: number) => boolean): ValueTest {
  const numbers = values.map(parseNumber);
  return (request) => {
    const n = parseNumber(request);
    return !Number.isNaN(n) && numbers.some((p) => !Number.isNaN(p) && compare(n, p));
  };
}

function dateTest(values: string[], compare: (request: number, policy: number) => boolean): ValueTest {
  const dates = values.map(parseDate);
  return (request) => {
    const t = parseDate(request);
    return t !== undefined && dates.some((p) => p !== undefined && compare(t, p));
  };
}

function parseNumber(text: string): number {
  return /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(text) ? Number(text) : NaN;
}

/**
 * A date as the Date operators take it: one of the W3C profiles of ISO 8601 (YYYY-MM,
 * YYYY-MM-DD, then `T` hh:mm[:ss[.s]] with `Z` or ±hh[:mm]; no zone means UTC), or epoch seconds
 * (digits alone, so a bare year reads as seconds).
 * Milliseconds since the epoch, undefined when it is neither.
 */
export function parseDate(text: string): number | undefined {
  const value = text.trim();
  // Digits alone are epoch seconds (IAM's legacy parser reads a value without `t` or `-` so).
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const m =
    /^(-?\d{4})(?:-(\d{2})(?:-(\d{2})(?:[Tt](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?)?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/.exec(
      value,
    );
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  let t = Date.UTC(
    Number(y),
    mo ? Number(mo) - 1 : 0,
    d ? Number(d) : 1,
    h ? Number(h) : 0,
    mi ? Number(mi) : 0,
    s ? Number(s) : 0,
    ms,
  );
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMin = Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2)) : 0);
    t -= sign * offsetMin * 60_000;
  }
  return Number.isNaN(t) ? undefined : t;
}

function base64Bytes(text: string): string | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  return Buffer.from(text, 'base64').toString('hex');
}

interface IpValue {
  v6: boolean;
  bits: bigint;
}

interface IpRange extends IpValue {
  prefix: number;
}

/** An IPv4 or IPv6 address (an IPv4-mapped IPv6 address counts as IPv4). */
export function parseIp(text: string): IpValue | undefined {
  if (text.includes(':')) {
    const bits = parseIpv6(text);
    if (bits === undefined) return undefined;
    if (bits >> 32n === 0xffffn) return { v6: false, bits: bits & 0xffffffffn };
    return { v6: true, bits };
  }
  const bits = parseIpv4(text);
  return bits === undefined ? undefined : { v6: false, bits };
}

/** A CIDR range; a bare address is its own /32 (or /128) range, as IAM reads it. */
export function parseCidr(text: string): IpRange | undefined {
  const [address = '', prefixText, ...rest] = text.trim().split('/');
  if (rest.length > 0) return undefined;
  const ip = parseIp(address);
  if (ip === undefined) return undefined;
  const width = ip.v6 ? 128 : 32;
  const prefix = prefixText === undefined ? width : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= width)) return undefined;
  return { ...ip, prefix };
}

function inRange(ip: IpValue, range: IpRange): boolean {
  if (ip.v6 !== range.v6) return false;
  const width = BigInt(ip.v6 ? 128 : 32);
  const shift = width - BigInt(range.prefix);
  return ip.bits >> shift === range.bits >> shift;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let bits = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    bits = (bits << 8n) | BigInt(Number(part));
  }
  return bits;
}

function parseIpv6(text: string): bigint | undefined {
  let head = text;
  let tail4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail4 = parseIpv4(text.slice(lastColon + 1));
    if (tail4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined): string[] => (half ? half.split(':') : []);
  const left = groups(halves[0]);
  const right = groups(halves[1]);
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...left, ...Array<string>(halves.length === 1 ? 0 : missing).fill('0'), ...right];
  let bits = 0n;
  for (const group of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    bits = (bits << 16n) | BigInt(parseInt(group, 16));
  }
  if (tail4 !== undefined) bits = (bits & ~0xffffffffn) | tail4;
  return bits;
}
