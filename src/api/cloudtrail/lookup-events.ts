/**
 * LookupEvents (CloudTrail API reference): management events, or Insights events with
 * EventCategory=insight, of the caller's account and region within the Event history window,
 * newest first, one lookup attribute at most.
 */
import { ServiceError } from '../../errors.ts';
import type { LookupAttributeKey, StoredEvent } from '../../store/index.ts';
import {
  expectArray,
  expectObject,
  optionalInteger,
  optionalString,
  optionalTimestamp,
  requireString,
} from '../../input.ts';
import type { OperationContext } from './operation.ts';

export const LOOKUP_ATTRIBUTE_KEYS: readonly LookupAttributeKey[] = [
  'EventId',
  'EventName',
  'ReadOnly',
  'Username',
  'ResourceType',
  'ResourceName',
  'EventSource',
  'AccessKeyId',
];
const INSIGHT_ATTRIBUTE_KEYS: readonly LookupAttributeKey[] = ['EventId', 'EventName', 'EventSource'];
export const MAX_RESULTS = 50;
const MAX_ATTRIBUTE_VALUE = 2000;
const DAY_MS = 24 * 60 * 60 * 1000;
const END_OF_TIME_MS = 253402300799000; // 9999-12-31T23:59:59Z

/** The model: '_', ' ', ',' and '\n' count as two characters towards the 2000-character limit. */
export function weightedLength(value: string): number {
  let n = 0;
  for (const ch of value) n += ch === '_' || ch === ' ' || ch === ',' || ch === '\n' ? 2 : 1;
  return n;
}

export function toApiEvent(e: StoredEvent): Record<string, unknown> {
  return {
    EventId: e.eventId,
    EventName: e.eventName,
    ...(e.readOnly !== null ? { ReadOnly: String(e.readOnly) } : {}),
    ...(e.accessKeyId !== null ? { AccessKeyId: e.accessKeyId } : {}),
    EventTime: e.eventTimeMs / 1000,
    EventSource: e.eventSource,
    ...(e.username !== null ? { Username: e.username } : {}),
    Resources: e.resourceTypes.map((t, i) => ({ ResourceType: t, ResourceName: e.resourceNames[i] })),
    CloudTrailEvent: e.raw,
  };
}

export async function lookupEvents(
  input: Record<string, unknown>,
  ctx: OperationContext,
): Promise<Record<string, unknown>> {
  const attributes =
    input.LookupAttributes === undefined ? [] : expectArray(input.LookupAttributes, 'LookupAttributes');
  const startTime = optionalTimestamp(input.StartTime, 'StartTime');
  const endTime = optionalTimestamp(input.EndTime, 'EndTime');
  const category = optionalString(input.EventCategory, 'EventCategory');
  const maxResults = optionalInteger(input.MaxResults, 'MaxResults');
  const nextToken = optionalString(input.NextToken, 'NextToken');

  if (category !== undefined && category !== 'insight') {
    throw new ServiceError(
      'InvalidEventCategoryException',
      `EventCategory '${category}' is not valid; the only valid value is 'insight'.`,
    );
  }
  const insight = category === 'insight';
  if (attributes.length > 1) {
    throw new ServiceError(
      'InvalidLookupAttributesException',
      `LookupAttributes can contain only one item; ${attributes.length} were given.`,
    );
  }
  let attribute: { key: LookupAttributeKey; value: string } | undefined;
  if (attributes.length === 1) {
    const a = expectObject(attributes[0], 'LookupAttributes[0]');
    const key = requireString(a.AttributeKey, 'AttributeKey', 'InvalidLookupAttributesException');
    const value = requireString(a.AttributeValue, 'AttributeValue', 'InvalidLookupAttributesException');
    if (!(LOOKUP_ATTRIBUTE_KEYS as readonly string[]).includes(key)) {
      throw new ServiceError(
        'InvalidLookupAttributesException',
        `AttributeKey '${key}' is not valid; valid keys are ${LOOKUP_ATTRIBUTE_KEYS.join(', ')}.`,
      );
    }
    if (insight && !(INSIGHT_ATTRIBUTE_KEYS as readonly string[]).includes(key)) {
      throw new ServiceError(
        'InvalidLookupAttributesException',
        `AttributeKey '${key}' cannot be used with EventCategory 'insight'; use ${INSIGHT_ATTRIBUTE_KEYS.join(', ')}.`,
      );
    }
    if (value.length === 0 || weightedLength(value) > MAX_ATTRIBUTE_VALUE) {
      throw new ServiceError(
        'InvalidLookupAttributesException',
        `AttributeValue must be 1 to ${MAX_ATTRIBUTE_VALUE} characters ('_', ' ', ',' and newline count as two).`,
      );
    }
    attribute = { key: key as LookupAttributeKey, value };
  }
  if (maxResults !== undefined && (maxResults < 1 || maxResults > MAX_RESULTS)) {
    throw new ServiceError(
      'InvalidMaxResultsException',
      `MaxResults must be 1 to ${MAX_RESULTS}, got ${maxResults}.`,
    );
  }
  for (const [name, t] of [
    ['StartTime', startTime],
    ['EndTime', endTime],
  ] as const) {
    if (t !== undefined && (!Number.isFinite(t) || t < 0 || t > END_OF_TIME_MS)) {
      throw new ServiceError('InvalidTimeRangeException', `${name} is outside the range of possible values.`);
    }
  }
  if (startTime !== undefined && endTime !== undefined && startTime > endTime) {
    throw new ServiceError('InvalidTimeRangeException', 'StartTime must not be after EndTime.');
  }

  const { principal, region } = ctx.caller;
  const scope = JSON.stringify([
    principal.accountId,
    region,
    category ?? '',
    attribute ?? null,
    startTime ?? null,
    endTime ?? null,
  ]);
  const position = nextToken !== undefined ? ctx.tokens.decode(nextToken, scope) : undefined;
  const windowStart = ctx.nowMs - ctx.historyRetentionDays * DAY_MS;
  const limit = maxResults ?? MAX_RESULTS;
  // The first page fixes the snapshot: later pages never show events recorded after it.
  const maxSeq = position?.maxSeq ?? ctx.store.lastSeq();

  const events = await ctx.store.lookup({
    accountId: principal.accountId,
    region,
    category: insight ? 'Insight' : 'Management',
    startMs: Math.max(startTime ?? 0, windowStart),
    endMs: endTime ?? END_OF_TIME_MS,
    maxSeq,
    ...(attribute ? { attribute } : {}),
    ...(position ? { after: { eventTimeMs: position.eventTimeMs, seq: position.seq } } : {}),
    limit: limit + 1,
  });
  const page = events.slice(0, limit);
  const last = page[page.length - 1];
  const output: Record<string, unknown> = { Events: page.map(toApiEvent) };
  if (events.length > limit && last) {
    output.NextToken = ctx.tokens.encode({ eventTimeMs: last.eventTimeMs, seq: last.seq, maxSeq }, scope);
  }
  return output;
}
