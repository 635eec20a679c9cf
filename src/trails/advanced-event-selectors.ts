/**
 * Advanced event selectors on a trail: validation of the PutEventSelectors `AdvancedEventSelectors`
 * member (attacker-controlled JSON) as CloudTrail documents it for trails, and a compiled matcher.
 *
 * Rules followed (the botocore model cloudtrail/2013-11-01 and the CloudTrail API Reference):
 * - Service model: FieldSelectors has at least one item; Field is 1..1000 characters of
 *   `[\w|\d|\.|_]`; every operator list has at least one value of 1..2048 characters; Name is at
 *   most 1000 characters. Errors are InvalidEventSelectorsException, the only selector error
 *   PutEventSelectors declares.
 * - API_AdvancedFieldSelector: fields and operators per event category for trails (FIELD_RULES).
 * - Quotas: at most 500 values over all conditions of all advanced selectors of a trail.
 * - Filtering data events, "How CloudTrail evaluates multiple conditions for a field": select
 *   operators (Equals, StartsWith, EndsWith) are ORed, deselect operators (NotEquals,
 *   NotStartsWith, NotEndsWith) exclude the event if any matches, and the two groups are ANDed.
 *   Field selectors of one selector are ANDed; selectors are ORed (PutEventSelectors).
 */
import { expectArray, expectObject, optionalString, requireString } from '../input.ts';
import { ServiceError } from '../errors.ts';
import type { CloudTrailRecord } from '../events/record.ts';
import {
  categoryOf,
  readOnlyOf,
  resourceArnsOf,
  resourceTypesOf,
  stringFieldOf,
  userArnOf,
} from './record-fields.ts';

export interface AdvancedFieldSelector {
  Field: string;
  Equals?: string[];
  StartsWith?: string[];
  EndsWith?: string[];
  NotEquals?: string[];
  NotStartsWith?: string[];
  NotEndsWith?: string[];
}

export interface AdvancedEventSelector {
  Name?: string;
  FieldSelectors: AdvancedFieldSelector[];
}

/** In the order GetEventSelectors lists them. */
export const OPERATORS = [
  'Equals',
  'StartsWith',
  'EndsWith',
  'NotEquals',
  'NotStartsWith',
  'NotEndsWith',
] as const;
export type Operator = (typeof OPERATORS)[number];
const ANY_OPERATOR: readonly Operator[] = OPERATORS;

export const MAX_ADVANCED_SELECTOR_VALUES = 500;
const MAX_FIELD_LENGTH = 1000;
const MAX_VALUE_LENGTH = 2048;
const MAX_NAME_LENGTH = 1000;
// SelectorField pattern in the service model: [\w|\d|\.|_]+
const FIELD_PATTERN = /^[\w|.]+$/;
// OperatorValue pattern in the service model: .+ (no line terminators)
const VALUE_PATTERN = /^.+$/;
const RESOURCE_TYPE_PATTERN = /^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$/;
const EVENT_SOURCE_PATTERN = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$/;

export const TRAIL_EVENT_CATEGORIES = ['Management', 'Data', 'NetworkActivity'] as const;
type TrailCategory = (typeof TRAIL_EVENT_CATEGORIES)[number];
/** Categories API_AdvancedFieldSelector allows only on event data stores. */
const EVENT_DATA_STORE_CATEGORIES = ['Insight', 'ConfigurationItem', 'Evidence', 'ActivityAuditLog'];
/** Event data store categories OpenTrail fills: AWS events from the log, and outside events from channels. */
export const EVENT_DATA_STORE_SUPPORTED_CATEGORIES = [...TRAIL_EVENT_CATEGORIES, 'ActivityAuditLog'] as const;
type SelectorCategory = (typeof EVENT_DATA_STORE_SUPPORTED_CATEGORIES)[number];

/** What the selectors configure: a trail, or an event data store (which allows more fields and categories). */
export type SelectorTarget = 'trail' | 'eventDataStore';

interface FieldRule {
  operators: readonly Operator[];
  /** The only values the field accepts. */
  values?: readonly string[];
  /** The field takes exactly one value. */
  single?: boolean;
}

const EVENT_CATEGORY_RULE: FieldRule = { operators: ['Equals'], single: true };
const READ_ONLY_RULE: FieldRule = { operators: ['Equals'], values: ['true', 'false'], single: true };
const ANY_VALUE_RULE: FieldRule = { operators: ANY_OPERATOR };

/** API_AdvancedFieldSelector, the fields a trail (not an event data store) supports per category. */
const FIELD_RULES: Record<TrailCategory, Record<string, FieldRule>> = {
  Management: {
    eventCategory: EVENT_CATEGORY_RULE,
    eventSource: { operators: ['NotEquals'], values: ['kms.amazonaws.com', 'rdsdata.amazonaws.com'] },
    readOnly: READ_ONLY_RULE,
  },
  Data: {
    eventCategory: EVENT_CATEGORY_RULE,
    'resources.type': { operators: ['Equals'], single: true },
    readOnly: READ_ONLY_RULE,
    eventName: ANY_VALUE_RULE,
    eventSource: ANY_VALUE_RULE,
    eventType: ANY_VALUE_RULE,
    'resources.ARN': ANY_VALUE_RULE,
    sessionCredentialFromConsole: { operators: ['Equals', 'NotEquals'], values: ['true'] },
    'userIdentity.arn': ANY_VALUE_RULE,
  },
  NetworkActivity: {
    eventCategory: EVENT_CATEGORY_RULE,
    eventSource: { operators: ['Equals'], single: true },
    eventName: ANY_VALUE_RULE,
    errorCode: { operators: ['Equals'], values: ['VpceAccessDenied'] },
    vpcEndpointId: ANY_VALUE_RULE,
    'userIdentity.arn': ANY_VALUE_RULE,
  },
};

/**
 * Event data stores add, for management events, the fields API_AdvancedFieldSelector lists as
 * "for event data stores only"; outside events (ActivityAuditLog) are selected by category alone.
 */
const EVENT_DATA_STORE_FIELD_RULES: Record<SelectorCategory, Record<string, FieldRule>> = {
  ...FIELD_RULES,
  Management: {
    ...FIELD_RULES.Management,
    eventName: ANY_VALUE_RULE,
    eventType: ANY_VALUE_RULE,
    sessionCredentialFromConsole: { operators: ['Equals', 'NotEquals'], values: ['true'] },
    'userIdentity.arn': ANY_VALUE_RULE,
  },
  ActivityAuditLog: { eventCategory: EVENT_CATEGORY_RULE },
};

function fieldRules(target: SelectorTarget): Partial<Record<SelectorCategory, Record<string, FieldRule>>> {
  return target === 'trail' ? FIELD_RULES : EVENT_DATA_STORE_FIELD_RULES;
}

const REQUIRED_FIELDS: Record<SelectorCategory, string[]> = {
  Management: [],
  Data: ['resources.type'],
  NetworkActivity: ['eventSource'],
  ActivityAuditLog: [],
};

export const SELECTOR_FIELDS: readonly string[] = [
  ...new Set(TRAIL_EVENT_CATEGORIES.flatMap((c) => Object.keys(FIELD_RULES[c]))),
];
const EVENT_DATA_STORE_SELECTOR_FIELDS: readonly string[] = [
  ...new Set(Object.values(EVENT_DATA_STORE_FIELD_RULES).flatMap((rules) => Object.keys(rules))),
];

export function invalidEventSelectors(message: string): ServiceError {
  return new ServiceError('InvalidEventSelectorsException', message);
}

function list(values: readonly string[]): string {
  return values.join(', ');
}

function valuesOf(selector: AdvancedFieldSelector): string[] {
  return OPERATORS.flatMap((op) => selector[op] ?? []);
}

function stringElement(value: unknown, name: string): string {
  const text = optionalString(value, name);
  if (text === undefined)
    throw new ServiceError('SerializationException', `${name} must be a string, found null.`);
  return text;
}

function parseOperatorValues(raw: unknown, path: string): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  const values = expectArray(raw, path).map((v, i) => stringElement(v, `${path}[${i}]`));
  if (values.length === 0) {
    throw invalidEventSelectors(`${path} is an empty list; an operator takes at least one value.`);
  }
  values.forEach((value, i) => {
    if (value.length > MAX_VALUE_LENGTH || !VALUE_PATTERN.test(value)) {
      throw invalidEventSelectors(
        `Value ${JSON.stringify(value)} at ${path}[${i}] is invalid; expected 1 to ${MAX_VALUE_LENGTH} characters on one line.`,
      );
    }
  });
  return values;
}

function parseFieldSelector(raw: unknown, path: string, target: SelectorTarget): AdvancedFieldSelector {
  const object = expectObject(raw, path);
  const field = requireString(object.Field, `${path}.Field`, 'InvalidEventSelectorsException');
  if (field.length > MAX_FIELD_LENGTH || !FIELD_PATTERN.test(field)) {
    throw invalidEventSelectors(
      `Value ${JSON.stringify(field)} for ${path}.Field is invalid; expected 1 to ${MAX_FIELD_LENGTH} letters, digits, '.', '_' or '|'.`,
    );
  }
  const known = target === 'trail' ? SELECTOR_FIELDS : EVENT_DATA_STORE_SELECTOR_FIELDS;
  if (!known.includes(field)) {
    throw invalidEventSelectors(
      `Value ${field} for ${path}.Field is invalid. Valid values for ${targetName(target)} are: ${list(known)}.`,
    );
  }
  const selector: AdvancedFieldSelector = { Field: field };
  for (const op of OPERATORS) {
    const values = parseOperatorValues(object[op], `${path}.${op}`);
    if (values !== undefined) selector[op] = values;
  }
  if (valuesOf(selector).length === 0) {
    throw invalidEventSelectors(
      `${path} (Field ${field}) has no operator; expected at least one of ${list(OPERATORS)}.`,
    );
  }
  return selector;
}

function targetName(target: SelectorTarget): string {
  return target === 'trail' ? 'trails' : 'event data stores';
}

function categoryOfSelector(
  fields: AdvancedFieldSelector[],
  path: string,
  target: SelectorTarget,
): SelectorCategory {
  const categories = fields.filter((f) => f.Field === 'eventCategory');
  if (categories.length !== 1) {
    throw invalidEventSelectors(
      `${path} has ${categories.length} eventCategory field selectors; exactly one is required.`,
    );
  }
  const [category] = categories as [AdvancedFieldSelector];
  const values = valuesOf(category);
  const value = category.Equals?.[0];
  if (category.Equals === undefined || values.length !== 1 || value === undefined) {
    throw invalidEventSelectors(
      `${path}: eventCategory takes the Equals operator with exactly one value; expected one of ${list(TRAIL_EVENT_CATEGORIES)}.`,
    );
  }
  const valid: readonly string[] =
    target === 'trail' ? TRAIL_EVENT_CATEGORIES : EVENT_DATA_STORE_SUPPORTED_CATEGORIES;
  if (valid.includes(value)) return value as SelectorCategory;
  if (target === 'eventDataStore' && EVENT_DATA_STORE_CATEGORIES.includes(value)) {
    throw new ServiceError(
      'UnsupportedOperationException',
      `OpenTrail does not fill event data stores of category ${value} yet; supported categories: ${list(valid)}.`,
    );
  }
  const why =
    target === 'trail' && EVENT_DATA_STORE_CATEGORIES.includes(value)
      ? ' (it is valid only for event data stores)'
      : '';
  throw invalidEventSelectors(
    `Value ${value} for eventCategory is invalid${why}. Valid values for ${targetName(target)} are: ${list(valid)}.`,
  );
}

function checkFieldAgainstRule(
  selector: AdvancedFieldSelector,
  category: SelectorCategory,
  path: string,
  target: SelectorTarget,
): void {
  const rules = fieldRules(target)[category] ?? {};
  const rule = rules[selector.Field];
  if (rule === undefined) {
    throw invalidEventSelectors(
      `Field ${selector.Field} at ${path} is not supported for ${category} events on ${target === 'trail' ? 'a trail' : 'an event data store'}. ` +
        `Supported fields: ${list(Object.keys(rules))}.`,
    );
  }
  for (const op of OPERATORS) {
    if (selector[op] !== undefined && !rule.operators.includes(op)) {
      throw invalidEventSelectors(
        `Operator ${op} is not valid for field ${selector.Field} of ${category} events (${path}); ` +
          `expected ${list(rule.operators)}.`,
      );
    }
  }
  const values = valuesOf(selector);
  if (rule.single === true && values.length !== 1) {
    throw invalidEventSelectors(
      `Field ${selector.Field} at ${path} has ${values.length} values; it takes exactly one. ` +
        `To select several, add another advanced event selector.`,
    );
  }
  const allowed = rule.values;
  const bad = allowed === undefined ? undefined : values.find((v) => !allowed.includes(v));
  if (allowed !== undefined && bad !== undefined) {
    throw invalidEventSelectors(
      `Value ${bad} for ${selector.Field} is invalid for ${category} events. Valid values are: ${list(allowed)}.`,
    );
  }
}

function checkFieldValues(selector: AdvancedFieldSelector, category: SelectorCategory, path: string): void {
  if (selector.Field === 'resources.type') {
    const bad = valuesOf(selector).find((type) => !RESOURCE_TYPE_PATTERN.test(type));
    if (bad !== undefined) {
      throw invalidEventSelectors(
        `Value ${bad} for resources.type is invalid (${path}); expected a data event resource type such as AWS::S3::Object.`,
      );
    }
  }
  if (selector.Field === 'eventSource' && category === 'NetworkActivity') {
    const bad = valuesOf(selector).find((source) => !EVENT_SOURCE_PATTERN.test(source));
    if (bad !== undefined) {
      throw invalidEventSelectors(
        `Value ${bad} for eventSource is invalid (${path}); expected an event source such as ec2.amazonaws.com.`,
      );
    }
  }
  if (selector.Field === 'resources.ARN') {
    // "if you use Equals or NotEquals, the value must exactly match the ARN of a valid resource"
    const exact = [...(selector.Equals ?? []), ...(selector.NotEquals ?? [])];
    const bad = exact.find((arn) => !arn.startsWith('arn:'));
    if (bad !== undefined) {
      throw invalidEventSelectors(
        `Value ${bad} for resources.ARN is invalid (${path}); Equals and NotEquals take a full ARN (arn:...). ` +
          `Use StartsWith or EndsWith to match part of an ARN.`,
      );
    }
  }
}

function parseSelector(raw: unknown, path: string, target: SelectorTarget): AdvancedEventSelector {
  const object = expectObject(raw, path);
  const name = optionalString(object.Name, `${path}.Name`);
  if (name !== undefined && name.length > MAX_NAME_LENGTH) {
    throw invalidEventSelectors(
      `${path}.Name has ${name.length} characters; at most ${MAX_NAME_LENGTH} are allowed.`,
    );
  }
  if (object.FieldSelectors === undefined || object.FieldSelectors === null) {
    throw invalidEventSelectors(`${path}.FieldSelectors is required.`);
  }
  const fieldPath = `${path}.FieldSelectors`;
  const fields = expectArray(object.FieldSelectors, fieldPath).map((f, i) =>
    parseFieldSelector(f, `${fieldPath}[${i}]`, target),
  );
  if (fields.length === 0) {
    throw invalidEventSelectors(
      `${fieldPath} is an empty list; a selector needs at least the eventCategory field.`,
    );
  }
  const category = categoryOfSelector(fields, path, target);
  fields.forEach((f, i) => {
    checkFieldAgainstRule(f, category, `${fieldPath}[${i}]`, target);
    checkFieldValues(f, category, `${fieldPath}[${i}]`);
  });
  for (const required of REQUIRED_FIELDS[category]) {
    const count = fields.filter((f) => f.Field === required).length;
    if (count !== 1) {
      throw invalidEventSelectors(
        `${path} selects ${category} events and has ${count} ${required} field selectors; exactly one is required.`,
      );
    }
  }
  return name === undefined ? { FieldSelectors: fields } : { Name: name, FieldSelectors: fields };
}

/** Validates the AdvancedEventSelectors member; returns it as GetEventSelectors would. */
export function parseAdvancedEventSelectors(
  raw: unknown,
  target: SelectorTarget = 'trail',
): AdvancedEventSelector[] {
  const selectors = expectArray(raw, 'AdvancedEventSelectors').map((s, i) =>
    parseSelector(s, `AdvancedEventSelectors[${i}]`, target),
  );
  if (selectors.length === 0) {
    throw invalidEventSelectors(
      'AdvancedEventSelectors is an empty list; specify at least one advanced event selector.',
    );
  }
  const total = selectors.reduce(
    (n, s) => n + s.FieldSelectors.reduce((m, f) => m + valuesOf(f).length, 0),
    0,
  );
  if (total > MAX_ADVANCED_SELECTOR_VALUES) {
    throw invalidEventSelectors(
      `The advanced event selectors have ${total} values over all conditions; ` +
        `${target === 'trail' ? 'a trail' : 'an event data store'} allows at most ${MAX_ADVANCED_SELECTOR_VALUES}.`,
    );
  }
  return selectors;
}

type ValueTest = (value: string) => boolean;

const OPERATOR_TESTS: Record<Operator, (operand: string) => ValueTest> = {
  Equals: (operand) => (value) => value === operand,
  StartsWith: (operand) => (value) => value.startsWith(operand),
  EndsWith: (operand) => (value) => value.endsWith(operand),
  NotEquals: (operand) => (value) => value === operand,
  NotStartsWith: (operand) => (value) => value.startsWith(operand),
  NotEndsWith: (operand) => (value) => value.endsWith(operand),
};
const SELECT: readonly Operator[] = ['Equals', 'StartsWith', 'EndsWith'];

/** The conditions of one field selector, over one value of the field (undefined when absent). */
function compileConditions(selector: AdvancedFieldSelector): (value: string | undefined) => boolean {
  const selects: ValueTest[] = [];
  const deselects: ValueTest[] = [];
  for (const op of OPERATORS) {
    const tests = (selector[op] ?? []).map(OPERATOR_TESTS[op]);
    (SELECT.includes(op) ? selects : deselects).push(...tests);
  }
  return (value) => {
    // An absent field matches no value: select conditions fail, deselect conditions cannot exclude.
    if (value === undefined) return selects.length === 0;
    if (deselects.some((t) => t(value))) return false;
    return selects.length === 0 || selects.some((t) => t(value));
  };
}

type Extractor = (record: CloudTrailRecord) => string[];

const one = (value: string | undefined): string[] => (value === undefined ? [] : [value]);

function extractorFor(field: string, resourceType: string | undefined): Extractor {
  switch (field) {
    case 'eventCategory':
      return (r) => [categoryOf(r)];
    case 'readOnly':
      return (r) => one(readOnlyOf(r));
    case 'userIdentity.arn':
      return (r) => one(userArnOf(r));
    case 'resources.type':
      return resourceTypesOf;
    case 'resources.ARN':
      // Only resources of the selector's resources.type count: an S3 object event also names its bucket.
      return (r) => resourceArnsOf(r, resourceType);
    default:
      return (r) => one(stringFieldOf(r, field));
  }
}

function compileSelector(selector: AdvancedEventSelector): (record: CloudTrailRecord) => boolean {
  const resourceType = selector.FieldSelectors.find((f) => f.Field === 'resources.type')?.Equals?.[0];
  const fields = selector.FieldSelectors.map((f) => {
    const extract = extractorFor(f.Field, resourceType);
    const test = compileConditions(f);
    // A field with several values (resources) matches when any one of them does.
    return (record: CloudTrailRecord): boolean => {
      const values = extract(record);
      return values.length === 0 ? test(undefined) : values.some(test);
    };
  });
  return (record) => fields.every((matches) => matches(record));
}

/** A trail with advanced selectors logs an event when any selector matches it. */
export function compileAdvancedEventSelectors(
  selectors: AdvancedEventSelector[],
): (record: CloudTrailRecord) => boolean {
  const compiled = selectors.map(compileSelector);
  // Insights events reach a trail through its insight selectors, never through event selectors.
  return (record) => categoryOf(record) !== 'Insight' && compiled.some((matches) => matches(record));
}
