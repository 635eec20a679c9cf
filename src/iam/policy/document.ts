/**
 * Policy documents: reading and validating them as IAM does ("Grammar of the IAM JSON policy
 * language", "IAM JSON policy elements reference"), per kind of policy. The answers are IAM's
 * `MalformedPolicyDocument` messages, in the order IAM checks (observed answers of CreatePolicy,
 * PutUserPolicy and CreateRole): syntax ("Syntax errors in policy."), the language version, the
 * elements the kind forbids or needs, "The policy failed legacy parsing", unique Sids, actions,
 * resources, the resource ARN formats, and last the action prefixes.
 *
 * Input here is attacker-controlled JSON: every shape is checked before it is used. Size limits
 * are the API's business.
 */
import { BASE_OPERATORS, parseDate, parseOperator, type RawConditionValue } from './conditions.ts';

/**
 * identity: attached to users, groups and roles (also permissions boundaries and session
 * policies); resource: attached to a resource, with Principal; trust: a role's trust policy
 * (Principal, no Resource); scp: an Organizations service control policy.
 */
export type PolicyKind = 'identity' | 'resource' | 'trust' | 'scp';

export type Effect = 'Allow' | 'Deny';

/** A Principal/NotPrincipal: `"*"`, or principal type (AWS, Service, Federated, CanonicalUser) → values. */
export type PrincipalElement = '*' | Readonly<Record<string, readonly string[]>>;

export interface PolicyStatement {
  readonly sid?: string;
  readonly effect: Effect;
  readonly principal?: PrincipalElement;
  readonly notPrincipal?: PrincipalElement;
  readonly action?: readonly string[];
  readonly notAction?: readonly string[];
  readonly resource?: readonly string[];
  readonly notResource?: readonly string[];
  /** Operator → key → values, as written. */
  readonly condition?: Readonly<Record<string, Readonly<Record<string, readonly RawConditionValue[]>>>>;
}

export interface PolicyDocument {
  /** `2012-10-17`, `2008-10-17` or absent (which means 2008-10-17). */
  readonly version: string | undefined;
  readonly id: string | undefined;
  readonly statements: readonly PolicyStatement[];
}

export type PolicyReadResult =
  | { readonly ok: true; readonly document: PolicyDocument }
  | { readonly ok: false; readonly code: 'MalformedPolicyDocument'; readonly message: string };

export const SYNTAX_ERROR = 'Syntax errors in policy.';
export const VERSION_ERROR = 'Policy document must be version 2012-10-17 or greater.';
export const LEGACY_ERROR = 'The policy failed legacy parsing';
export const PRINCIPAL_PROHIBITED = 'Policy document should not specify a principal.';
export const RESOURCE_PROHIBITED = 'Has prohibited field Resource';
export const PRINCIPAL_REQUIRED = 'Missing required field Principal';
export const DUPLICATE_SID = 'Statement IDs (SID) in a single policy must be unique.';
export const ACTIONS_REQUIRED = 'Policy statement must contain actions.';
export const RESOURCES_REQUIRED = 'Policy statement must contain resources.';
export const VENDOR_REQUIRED = 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.';
export const ONE_COLON = 'Actions/Condition can contain only one colon.';

const VERSIONS = new Set(['2012-10-17', '2008-10-17']);
const TOP_ELEMENTS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_ELEMENTS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
const PRINCIPAL_TYPES = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);
const PARTITIONS = /^aws(-[a-z]+)*$/;
/** IAM's resource types, in the order its message lists them. */
const IAM_RESOURCE_PATHS = [
  'user/',
  'federated-user/',
  'role/',
  'group/',
  'instance-profile/',
  'mfa/',
  'server-certificate/',
  'policy/',
  'sms-mfa/',
  'saml-provider/',
  'oidc-provider/',
  'report/',
  'access-report/',
];

class Malformed extends Error {}

function fail(message: string): never {
  throw new Malformed(message);
}

/** Reads and validates a policy document of `kind`; `source` is its JSON text or parsed value. */
export function readPolicyDocument(source: unknown, kind: PolicyKind): PolicyReadResult {
  try {
    return { ok: true, document: read(source, kind) };
  } catch (error) {
    if (error instanceof Malformed)
      return { ok: false, code: 'MalformedPolicyDocument', message: error.message };
    throw error;
  }
}

function read(source: unknown, kind: PolicyKind): PolicyDocument {
  const document = readSyntax(source);
  const { statements } = document;
  if (kind === 'identity' && document.version !== '2012-10-17') fail(VERSION_ERROR);
  for (const statement of statements) {
    const hasPrincipal = statement.principal !== undefined || statement.notPrincipal !== undefined;
    if (kind === 'identity' || kind === 'scp') {
      if (hasPrincipal) fail(PRINCIPAL_PROHIBITED);
    } else if (!hasPrincipal) fail(PRINCIPAL_REQUIRED);
  }
  const resourceError = legacyParse(statements);
  const sids = new Set<string>();
  for (const { sid } of statements) {
    if (sid) {
      if (sids.has(sid)) fail(DUPLICATE_SID);
      sids.add(sid);
    }
  }
  for (const statement of statements) {
    const actions = statement.action ?? statement.notAction;
    if (actions === undefined || actions.length === 0) fail(ACTIONS_REQUIRED);
  }
  if (resourceError !== undefined) fail(resourceError);
  for (const statement of statements) {
    for (const action of statement.action ?? statement.notAction ?? []) checkActionPrefix(action);
  }
  if (kind === 'trust') {
    if (statements.some((s) => s.resource !== undefined || s.notResource !== undefined)) {
      fail(RESOURCE_PROHIBITED);
    }
  } else {
    for (const statement of statements) {
      const resources = statement.resource ?? statement.notResource;
      if (resources === undefined || resources.length === 0) fail(RESOURCES_REQUIRED);
    }
  }
  return document;
}

/** The structure of the grammar: anything off it is "Syntax errors in policy.". */
function readSyntax(source: unknown): PolicyDocument {
  let json: unknown = source;
  if (typeof source === 'string') {
    try {
      json = JSON.parse(source);
    } catch {
      fail(SYNTAX_ERROR);
    }
  }
  if (!isObject(json)) fail(SYNTAX_ERROR);
  for (const key of Object.keys(json)) if (!TOP_ELEMENTS.has(key)) fail(SYNTAX_ERROR);
  const version = json.Version;
  if (version !== undefined && (typeof version !== 'string' || !VERSIONS.has(version))) fail(SYNTAX_ERROR);
  const id = json.Id;
  if (id !== undefined && typeof id !== 'string') fail(SYNTAX_ERROR);
  const raw = json.Statement;
  const list = Array.isArray(raw) ? raw : isObject(raw) ? [raw] : fail(SYNTAX_ERROR);
  if (list.length === 0) fail(SYNTAX_ERROR);
  return { version, id, statements: list.map(readStatement) };
}

function readStatement(raw: unknown): PolicyStatement {
  if (!isObject(raw)) fail(SYNTAX_ERROR);
  for (const key of Object.keys(raw)) if (!STATEMENT_ELEMENTS.has(key)) fail(SYNTAX_ERROR);
  const both = (a: string, b: string): boolean => raw[a] !== undefined && raw[b] !== undefined;
  if (both('Action', 'NotAction') || both('Resource', 'NotResource') || both('Principal', 'NotPrincipal')) {
    fail(SYNTAX_ERROR);
  }
  const effect = raw.Effect;
  if (typeof effect !== 'string' || !['allow', 'deny'].includes(effect.toLowerCase())) fail(SYNTAX_ERROR);
  const sid = raw.Sid;
  if (sid !== undefined && typeof sid !== 'string') fail(SYNTAX_ERROR);
  const statement: Record<string, unknown> = { effect };
  if (sid !== undefined) statement.sid = sid;
  for (const [element, name] of [
    ['Action', 'action'],
    ['NotAction', 'notAction'],
    ['Resource', 'resource'],
    ['NotResource', 'notResource'],
  ] as const) {
    const value = stringList(raw[element]);
    if (value !== undefined) statement[name] = value;
  }
  if (raw.Principal !== undefined) statement.principal = readPrincipal(raw.Principal);
  if (raw.NotPrincipal !== undefined) statement.notPrincipal = readPrincipal(raw.NotPrincipal);
  if (raw.Condition !== undefined) statement.condition = readCondition(raw.Condition);
  return statement as unknown as PolicyStatement;
}

function stringList(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) fail(SYNTAX_ERROR);
  return value;
}

function readPrincipal(value: unknown): PrincipalElement {
  if (value === '*') return '*';
  if (!isObject(value)) fail(SYNTAX_ERROR);
  const out: Record<string, string[]> = {};
  for (const [type, values] of Object.entries(value)) {
    if (!PRINCIPAL_TYPES.has(type)) fail(SYNTAX_ERROR);
    out[type] = stringList(values)!;
  }
  return out;
}

function readCondition(value: unknown): Record<string, Record<string, RawConditionValue[]>> {
  if (!isObject(value)) fail(SYNTAX_ERROR);
  const out: Record<string, Record<string, RawConditionValue[]>> = {};
  for (const [operator, block] of Object.entries(value)) {
    if (!isObject(block)) fail(SYNTAX_ERROR);
    const { base } = parseOperator(operator);
    const known = BASE_OPERATORS.has(base);
    const entries = Object.entries(block);
    // IAM accepts an unknown operator only with nothing under it.
    if (!known && entries.length > 0) fail(SYNTAX_ERROR);
    const keys: Record<string, RawConditionValue[]> = {};
    for (const [key, values] of entries) {
      const list = Array.isArray(values) ? values : [values];
      if (!list.every(isConditionValue)) fail(SYNTAX_ERROR);
      keys[key] = list as RawConditionValue[];
    }
    out[operator] = keys;
  }
  return out;
}

function isConditionValue(value: unknown): boolean {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/**
 * IAM's older parser, which still runs: Effect exactly `Allow`/`Deny`, Date condition values that
 * are dates, and resources whose `::` sits where an ARN's empty parts go. Resource formats are
 * checked on the way; a format error is answered later (after Sids and actions), and once there
 * is one, the legacy resource check stops.
 */
function legacyParse(statements: readonly PolicyStatement[]): string | undefined {
  for (const statement of statements) {
    if (statement.effect !== 'Allow' && statement.effect !== 'Deny') fail(LEGACY_ERROR);
    for (const [operator, keys] of Object.entries(statement.condition ?? {})) {
      if (!parseOperator(operator).base.startsWith('Date')) continue;
      for (const values of Object.values(keys)) {
        for (const value of values) if (!isLegacyDate(String(value))) fail(LEGACY_ERROR);
      }
    }
  }
  // Which error IAM names when several resources are wrong follows its observed answers: the
  // last one found, walking each statement's resources in descending order.
  let formatError: string | undefined;
  for (const statement of statements) {
    const resources = statement.resource ?? statement.notResource;
    if (resources === undefined) continue;
    for (const resource of [...resources].sort().reverse())
      formatError = resourceError(resource) ?? formatError;
    if (formatError !== undefined) continue;
    for (const resource of resources) {
      if (resource === '*') continue;
      const parts = resource.split(':');
      if (parts.length < 6 && resource.includes('::')) fail(LEGACY_ERROR);
      if (parts.length > 2 && parts[2] === '') fail(LEGACY_ERROR);
    }
  }
  return formatError;
}

/** A Date operator value: epoch seconds within a signed 64-bit range, or an ISO 8601 date-time. */
function isLegacyDate(value: string): boolean {
  if (/^\d+$/.test(value)) return BigInt(value) <= 9223372036854775807n;
  return parseDate(value) !== undefined;
}

/** IAM's message for a resource ARN it rejects. */
function resourceError(resource: string): string | undefined {
  if (resource === '*') return undefined;
  const first = resource.indexOf(':');
  if (first < 0) return `Resource ${resource} must be in ARN format or "*".`;
  const afterFirst = resource.slice(first + 1);
  const second = afterFirst.indexOf(':');
  const partition = second < 0 ? afterFirst : afterFirst.slice(0, second);
  const rest = second < 0 ? '' : afterFirst.slice(second + 1);
  if (!PARTITIONS.test(partition)) {
    const r = rest.split(':');
    const arn1 = r[0] !== '' || r.length > 1 ? r[0]! : '*';
    const arn2 = r.length > 1 ? r[1]! : '*';
    const arn3 = r.length > 2 ? r[2]! : '*';
    const arn4 = r.length > 3 ? r.slice(3).join(':') : '*';
    return `Partition "${partition}" is not valid for resource "arn:${partition}:${arn1}:${arn2}:${arn3}:${arn4}".`;
  }
  if (second < 0) return 'Resource vendor must be fully qualified and cannot contain regexes.';
  const service = rest.split(':')[0]!;
  const afterService = rest.slice(service.length + 1);
  const hasRegion = !rest.includes(':') || !afterService.startsWith(':');
  if (hasRegion && service === 'iam') return `IAM resource ${resource} cannot contain region information.`;
  if (hasRegion && service === 's3') return `Resource ${resource} can not contain region information.`;
  if (service === 'iam') {
    const path = rest.split(':').slice(3).join(':');
    if (path !== '*' && !IAM_RESOURCE_PATHS.some((p) => path.startsWith(p))) {
      return `IAM resource path must either be "*" or start with ${IAM_RESOURCE_PATHS.join(', ')}.`;
    }
  }
  return undefined;
}

function checkActionPrefix(action: string): void {
  const parts = action.split(':');
  if (parts.length === 1 && action !== '*') fail(VENDOR_REQUIRED);
  if (parts.length > 2) fail(ONE_COLON);
  const vendor = parts[0]!;
  if (vendor !== '*' && /[^a-zA-Z0-9\-.]/.test(vendor)) fail(`Vendor ${vendor} is not valid`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
