/**
 * Which CloudTrail records a trail delivers: its event selectors (basic) or advanced event
 * selectors, validated as PutEventSelectors validates them and compiled into a matcher.
 * The request members are attacker-controlled JSON.
 *
 * AWS facts this follows (the botocore model cloudtrail/2013-11-01 and the CloudTrail User Guide):
 * - A new trail logs all read and write management events and no data events: one basic selector
 *   {ReadWriteType All, IncludeManagementEvents true, DataResources [], ExcludeManagementEventSources []},
 *   which is also what GetEventSelectors shows for it (PutEventSelectors, EventSelector; user guide
 *   "Logging management events").
 * - A request takes EventSelectors or AdvancedEventSelectors, not both. PutEventSelectors declares
 *   no InvalidParameterCombinationException; InvalidEventSelectorsException covers "the
 *   combination of event selectors or advanced event selectors ... is not valid", so both and
 *   neither are answered with it.
 * - Basic selectors: 1 to 5 per trail; ReadWriteType ReadOnly | WriteOnly | All (default All) and
 *   IncludeManagementEvents (default true); ExcludeManagementEventSources may hold only
 *   kms.amazonaws.com and rdsdata.amazonaws.com; DataResources types are AWS::DynamoDB::Table,
 *   AWS::Lambda::Function and AWS::S3::Object; at most 250 data resource values over all selectors,
 *   values that select every resource of a type not counted (Quotas in CloudTrail).
 * - Data resource values (DataResource.Values): `arn:aws:s3` (or the older `arn:aws:s3:::`) selects
 *   every object; `arn:aws:s3:::bucket/` every object of a bucket; `arn:aws:s3:::bucket/prefix`
 *   objects whose key starts with the prefix; `arn:aws:lambda` every function, a function ARN
 *   exactly that function; `arn:aws:dynamodb` every table, a table ARN exactly that table. AWS
 *   rejects wildcards (`arn:aws:s3:::*`, `arn:aws:lambda:*`) and a bucket ARN without the slash
 *   with "Value <v> for DataResources.Values is invalid."
 * - ReadWriteType applies to management and data events alike, by the record's readOnly.
 * - Basic selectors never select network activity events; no selector selects Insights events.
 */
import { expectArray, expectObject, optionalBoolean, optionalString } from '../input.ts';
import { ServiceError } from '../errors.ts';
import type { CloudTrailRecord } from '../events/record.ts';
import {
  compileAdvancedEventSelectors,
  invalidEventSelectors,
  parseAdvancedEventSelectors,
  type AdvancedEventSelector,
} from './advanced-event-selectors.ts';
import { categoryOf, resourceArnsOf } from './record-fields.ts';

export type { AdvancedEventSelector, AdvancedFieldSelector } from './advanced-event-selectors.ts';

export interface DataResource {
  Type: string;
  Values: string[];
}

export const READ_WRITE_TYPES = ['ReadOnly', 'WriteOnly', 'All'] as const;
export type ReadWriteType = (typeof READ_WRITE_TYPES)[number];

export interface EventSelector {
  ReadWriteType: ReadWriteType;
  IncludeManagementEvents: boolean;
  DataResources: DataResource[];
  ExcludeManagementEventSources: string[];
}

/** What a trail selects with: exactly one kind is set. */
export type TrailSelection =
  | { kind: 'basic'; eventSelectors: EventSelector[] }
  | { kind: 'advanced'; advancedEventSelectors: AdvancedEventSelector[] };

export const MAX_EVENT_SELECTORS = 5;
export const MAX_DATA_RESOURCE_VALUES = 250;
export const BASIC_DATA_RESOURCE_TYPES = [
  'AWS::DynamoDB::Table',
  'AWS::Lambda::Function',
  'AWS::S3::Object',
] as const;
export const EXCLUDABLE_MANAGEMENT_EVENT_SOURCES = ['kms.amazonaws.com', 'rdsdata.amazonaws.com'] as const;

/**
 * True when the selection keeps exactly the management events, whatever else they hold (AWS's
 * default): delivery can then decide by category alone, without parsing each record.
 */
export function selectsAllManagementOnly(selection: TrailSelection): boolean {
  if (selection.kind !== 'basic') return false;
  const selectors = selection.eventSelectors;
  return (
    selectors.some(
      (s) =>
        s.ReadWriteType === 'All' &&
        s.IncludeManagementEvents &&
        s.ExcludeManagementEventSources.length === 0,
    ) && selectors.every((s) => s.DataResources.every((r) => r.Values.length === 0))
  );
}

/** AWS's default for a new trail: all read and write management events, no data events. */
export function defaultSelection(): TrailSelection {
  return {
    kind: 'basic',
    eventSelectors: [
      {
        ReadWriteType: 'All',
        IncludeManagementEvents: true,
        DataResources: [],
        ExcludeManagementEventSources: [],
      },
    ],
  };
}

/** How a data resource value selects resource ARNs. */
type ValueMatch = { kind: 'all' } | { kind: 'prefix'; prefix: string } | { kind: 'exact'; arn: string };

const PARTITION = 'aws(?:-[a-z]+)*';
const S3_ALL = new RegExp(`^arn:${PARTITION}:s3(?::::)?$`);
// Bucket names: letters, digits, '.', '-' (and '_' for legacy us-east-1 buckets), 3..255 characters,
// starting and ending with a letter or digit. A slash must follow the bucket; the key prefix is free.
const S3_PREFIX = new RegExp(`^arn:${PARTITION}:s3:::[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]/`);
const LAMBDA_ALL = new RegExp(`^arn:${PARTITION}:lambda$`);
const LAMBDA_FUNCTION = new RegExp(
  `^arn:${PARTITION}:lambda:[a-z0-9-]+:\\d{12}:function:[A-Za-z0-9_-]{1,64}(?::[A-Za-z0-9$_-]{1,128})?$`,
);
const DYNAMODB_ALL = new RegExp(`^arn:${PARTITION}:dynamodb$`);
const DYNAMODB_TABLE = new RegExp(
  `^arn:${PARTITION}:dynamodb:[a-z0-9-]+:\\d{12}:table/[A-Za-z0-9_.-]{3,255}$`,
);

const VALUE_FORMS: Record<string, string> = {
  'AWS::S3::Object': 'arn:aws:s3 for all objects, or arn:aws:s3:::<bucket>/<optional key prefix>',
  'AWS::Lambda::Function': 'arn:aws:lambda for all functions, or a function ARN',
  'AWS::DynamoDB::Table': 'arn:aws:dynamodb for all tables, or a table ARN',
};

function classifyValue(type: string, value: string): ValueMatch | undefined {
  switch (type) {
    case 'AWS::S3::Object':
      if (S3_ALL.test(value)) return { kind: 'all' };
      return S3_PREFIX.test(value) ? { kind: 'prefix', prefix: value } : undefined;
    case 'AWS::Lambda::Function':
      if (LAMBDA_ALL.test(value)) return { kind: 'all' };
      return LAMBDA_FUNCTION.test(value) ? { kind: 'exact', arn: value } : undefined;
    case 'AWS::DynamoDB::Table':
      if (DYNAMODB_ALL.test(value)) return { kind: 'all' };
      return DYNAMODB_TABLE.test(value) ? { kind: 'exact', arn: value } : undefined;
    default:
      return undefined;
  }
}

function stringList(raw: unknown, name: string): string[] {
  if (raw === undefined || raw === null) return [];
  return expectArray(raw, name).map((value, i) => {
    const text = optionalString(value, `${name}[${i}]`);
    if (text === undefined)
      throw new ServiceError('SerializationException', `${name}[${i}] must be a string, found null.`);
    return text;
  });
}

function parseDataResource(raw: unknown, path: string): DataResource {
  const object = expectObject(raw, path);
  const type = optionalString(object.Type, `${path}.Type`);
  if (type === undefined || !(BASIC_DATA_RESOURCE_TYPES as readonly string[]).includes(type)) {
    throw invalidEventSelectors(
      `Value ${type ?? 'null'} for DataResources.Type is invalid. Valid values are: ${BASIC_DATA_RESOURCE_TYPES.join(', ')}. ` +
        'Other resource types need advanced event selectors.',
    );
  }
  const values = stringList(object.Values, `${path}.Values`);
  for (const value of values) {
    if (classifyValue(type, value) === undefined) {
      throw invalidEventSelectors(
        `Value ${value} for DataResources.Values is invalid. For ${type}, expected ${VALUE_FORMS[type]}.`,
      );
    }
  }
  return { Type: type, Values: values };
}

function parseEventSelector(raw: unknown, path: string): EventSelector {
  const object = expectObject(raw, path);
  const readWrite = optionalString(object.ReadWriteType, `${path}.ReadWriteType`) ?? 'All';
  if (!(READ_WRITE_TYPES as readonly string[]).includes(readWrite)) {
    throw invalidEventSelectors(
      `Value ${readWrite} for ReadWriteType is invalid. Valid values are: ${READ_WRITE_TYPES.join(', ')}.`,
    );
  }
  const includeManagement =
    optionalBoolean(object.IncludeManagementEvents, `${path}.IncludeManagementEvents`) ?? true;
  const dataResources =
    object.DataResources === undefined || object.DataResources === null
      ? []
      : expectArray(object.DataResources, `${path}.DataResources`).map((d, i) =>
          parseDataResource(d, `${path}.DataResources[${i}]`),
        );
  const excluded = stringList(object.ExcludeManagementEventSources, `${path}.ExcludeManagementEventSources`);
  const badSource = excluded.find(
    (s) => !(EXCLUDABLE_MANAGEMENT_EVENT_SOURCES as readonly string[]).includes(s),
  );
  if (badSource !== undefined) {
    throw invalidEventSelectors(
      `Value ${badSource} for ExcludeManagementEventSources is invalid. ` +
        `Valid values are: ${EXCLUDABLE_MANAGEMENT_EVENT_SOURCES.join(', ')}.`,
    );
  }
  return {
    ReadWriteType: readWrite as ReadWriteType,
    IncludeManagementEvents: includeManagement,
    DataResources: dataResources,
    ExcludeManagementEventSources: excluded,
  };
}

function parseEventSelectors(raw: unknown): EventSelector[] {
  const selectors = expectArray(raw, 'EventSelectors').map((s, i) =>
    parseEventSelector(s, `EventSelectors[${i}]`),
  );
  if (selectors.length < 1 || selectors.length > MAX_EVENT_SELECTORS) {
    throw invalidEventSelectors(
      `Specify a valid number of event selectors (1 to ${MAX_EVENT_SELECTORS}) for a trail; found ${selectors.length}.`,
    );
  }
  // The quota does not apply to values that select every resource of a type (Quotas in CloudTrail).
  const counted = selectors
    .flatMap((s) => s.DataResources)
    .reduce((n, d) => n + d.Values.filter((v) => classifyValue(d.Type, v)?.kind !== 'all').length, 0);
  if (counted > MAX_DATA_RESOURCE_VALUES) {
    throw invalidEventSelectors(
      `Specify a valid number of DataResources.Values (0 to ${MAX_DATA_RESOURCE_VALUES}) for all your selectors; ` +
        `found ${counted} (values that select all resources of a type are not counted).`,
    );
  }
  return selectors;
}

/** Validates PutEventSelectors input (the raw JSON members) and returns the selection with AWS's defaults filled in. */
export function parseSelectionInput(input: {
  EventSelectors?: unknown;
  AdvancedEventSelectors?: unknown;
}): TrailSelection {
  // A JSON null member counts as absent, as everywhere in api/input.ts.
  const basic = input.EventSelectors ?? undefined;
  const advanced = input.AdvancedEventSelectors ?? undefined;
  if (basic !== undefined && advanced !== undefined) {
    throw invalidEventSelectors(
      'Both EventSelectors and AdvancedEventSelectors were given; use either EventSelectors or AdvancedEventSelectors, but not both.',
    );
  }
  if (basic !== undefined) return { kind: 'basic', eventSelectors: parseEventSelectors(basic) };
  if (advanced !== undefined)
    return { kind: 'advanced', advancedEventSelectors: parseAdvancedEventSelectors(advanced) };
  throw invalidEventSelectors(
    'Neither EventSelectors nor AdvancedEventSelectors was given; specify one of them.',
  );
}

function compileDataResource(resource: DataResource): (record: CloudTrailRecord) => boolean {
  const matches = resource.Values.flatMap((v) => {
    const match = classifyValue(resource.Type, v);
    return match === undefined ? [] : [match];
  });
  const matchesArn = (arn: string): boolean =>
    matches.some((m) => {
      switch (m.kind) {
        case 'all':
          return true;
        case 'prefix':
          return arn.startsWith(m.prefix);
        case 'exact':
          return arn === m.arn;
      }
    });
  // resourceArnsOf treats bucket-level S3 data events as touching `<bucket ARN>/` (see record-fields.ts).
  return (record) => resourceArnsOf(record, resource.Type).some(matchesArn);
}

function compileEventSelector(selector: EventSelector): (record: CloudTrailRecord) => boolean {
  const excluded = new Set(selector.ExcludeManagementEventSources);
  const dataResources = selector.DataResources.map(compileDataResource);
  return (record) => {
    if (selector.ReadWriteType !== 'All') {
      const readOnly: unknown = record.readOnly;
      if (typeof readOnly !== 'boolean' || readOnly !== (selector.ReadWriteType === 'ReadOnly')) return false;
    }
    switch (categoryOf(record)) {
      case 'Management':
        return selector.IncludeManagementEvents && !excluded.has(record.eventSource);
      case 'Data':
        return dataResources.some((matches) => matches(record));
      default:
        // NetworkActivity needs advanced selectors; Insight events are delivered by insight selectors.
        return false;
    }
  };
}

/** A compiled matcher; records are parsed CloudTrailRecord objects. */
export function compileSelection(selection: TrailSelection): (record: CloudTrailRecord) => boolean {
  switch (selection.kind) {
    case 'basic': {
      const selectors = selection.eventSelectors.map(compileEventSelector);
      return (record) => selectors.some((matches) => matches(record));
    }
    case 'advanced':
      return compileAdvancedEventSelectors(selection.advancedEventSelectors);
  }
}
