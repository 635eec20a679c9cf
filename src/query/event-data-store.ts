/**
 * Event data stores (CloudTrail Lake): the resource, its validation rules and its API shape. Pure:
 * the registry keeps stores, the lake adapter keeps their events.
 *
 * Sources: the botocore model cloudtrail/2013-11-01 (shapes, limits, defaults in member docs) and
 * the CloudTrail User Guide (quotas: 10 event data stores per Region; seven-day pending deletion).
 */
import { ServiceError } from '../errors.ts';
import {
  EVENT_DATA_STORE_SUPPORTED_CATEGORIES,
  parseAdvancedEventSelectors,
  type AdvancedEventSelector,
} from '../trails/advanced-event-selectors.ts';
import {
  MAX_TAGS_PER_RESOURCE,
  formatArn,
  isAccountId,
  parseArn,
  parseTagsList,
  type Tag,
} from '../events/index.ts';
import type { LakeTableKind } from './lake-schema.ts';

export type EventDataStoreStatus =
  | 'CREATED'
  | 'ENABLED'
  | 'PENDING_DELETION'
  | 'STARTING_INGESTION'
  | 'STOPPING_INGESTION'
  | 'STOPPED_INGESTION';

export type BillingMode = 'EXTENDABLE_RETENTION_PRICING' | 'FIXED_RETENTION_PRICING';
export const BILLING_MODES: readonly BillingMode[] = [
  'EXTENDABLE_RETENTION_PRICING',
  'FIXED_RETENTION_PRICING',
];

export interface EventDataStore {
  id: string;
  arn: string;
  name: string;
  accountId: string;
  region: string;
  status: EventDataStoreStatus;
  /** Whether live events flow in (ENABLED) or not (STOPPED_INGESTION); kept through a pending deletion. */
  ingesting: boolean;
  kind: LakeTableKind;
  advancedEventSelectors: AdvancedEventSelector[];
  multiRegionEnabled: boolean;
  organizationEnabled: boolean;
  retentionPeriod: number;
  terminationProtectionEnabled: boolean;
  billingMode: BillingMode;
  tags: Tag[];
  createdMs: number;
  updatedMs: number;
  /** When DeleteEventDataStore ran; the store is gone for good PENDING_DELETION_DAYS later. */
  deletedMs?: number;
}

/** CloudTrail quotas: event data stores per Region per account (pending deletion ones count). */
export const MAX_EVENT_DATA_STORES_PER_REGION = 10;
/** CreateEventDataStore doc: up to five advanced event selectors per event data store. */
export const MAX_SELECTORS_PER_EVENT_DATA_STORE = 5;
/** DeleteEventDataStore doc: "automatically deleted after a wait period of seven days". */
export const PENDING_DELETION_DAYS = 7;
export const MIN_RETENTION_DAYS = 7;
const MAX_RETENTION_DAYS: Record<BillingMode, number> = {
  EXTENDABLE_RETENTION_PRICING: 3653,
  FIXED_RETENTION_PRICING: 2557,
};
const DEFAULT_RETENTION_DAYS: Record<BillingMode, number> = {
  EXTENDABLE_RETENTION_PRICING: 366,
  FIXED_RETENTION_PRICING: 2557,
};

/** What a store selects when created without selectors (the CLI's documented example output). */
export function defaultEventDataStoreSelectors(): AdvancedEventSelector[] {
  return [
    {
      Name: 'Default management events',
      FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }],
    },
  ];
}

const NAME_PATTERN = /^[a-zA-Z0-9._-]+$/;
const REF_PATTERN = /^[a-zA-Z0-9._/\-:]+$/;
const UUID = /^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/;

export function eventDataStoreArn(region: string, accountId: string, id: string): string {
  return formatArn({ service: 'cloudtrail', region, accountId, resource: `eventdatastore/${id}` });
}

/** The DuckDB table holding a store's events. */
/** The event-log consumer (cursor) name of a store's live ingestion. */
export function lakeConsumer(store: Pick<EventDataStore, 'id'>): string {
  return `lake:${store.id}`;
}

export function lakeTableOf(id: string): string {
  return `lake."eds_${id.replaceAll('-', '')}"`;
}

export function validateEventDataStoreName(name: string): void {
  if (name.length < 3 || name.length > 128 || !NAME_PATTERN.test(name)) {
    throw new ServiceError(
      'InvalidParameterException',
      `Event data store name ${JSON.stringify(name.slice(0, 140))} is invalid: use 3 to 128 letters, digits, '.', '_' or '-'.`,
    );
  }
}

/** A store as named in a request: an ARN or the ID at its end. */
export interface EventDataStoreRef {
  id: string;
  arn?: { region: string; accountId: string };
}

export function parseEventDataStoreRef(value: string): EventDataStoreRef {
  if (value.length < 3 || value.length > 256 || !REF_PATTERN.test(value)) {
    throw new ServiceError(
      'EventDataStoreARNInvalidException',
      `The specified event data store ARN is not valid or does not map to an event data store in your account: ${value.slice(0, 256)}`,
    );
  }
  const arn = parseArn(value);
  const id = arn?.resource.startsWith('eventdatastore/') ? arn.resource.slice('eventdatastore/'.length) : '';
  if (arn?.service === 'cloudtrail' && /^[a-z0-9-]+$/.test(arn.region) && isAccountId(arn.accountId) && id) {
    return { id, arn: { region: arn.region, accountId: arn.accountId } };
  }
  if (value.startsWith('arn:')) {
    throw new ServiceError(
      'EventDataStoreARNInvalidException',
      `The specified event data store ARN is not valid or does not map to an event data store in your account: ${value}`,
    );
  }
  return { id: value };
}

export function isEventDataStoreId(value: string): boolean {
  return UUID.test(value);
}

export function eventDataStoreNotFound(ref: string): ServiceError {
  return new ServiceError(
    'EventDataStoreNotFoundException',
    `The specified event data store ${ref} was not found.`,
  );
}

export function inactiveEventDataStore(store: EventDataStore): ServiceError {
  return new ServiceError(
    'InactiveEventDataStoreException',
    `The event data store ${store.arn} is inactive (status ${store.status}).`,
  );
}

/**
 * CreateEventDataStore's TagsList: the checks of every TagsList (key and value lengths and
 * characters, no `aws:` prefix, no duplicate keys), and at most 50 tags on the store. The model
 * lists InvalidTagParameterException for CreateEventDataStore but not TagsLimitExceededException,
 * and documents the former for "too many tags on the resource".
 */
export function parseEventDataStoreTags(value: unknown): Tag[] {
  const tags = parseTagsList(value ?? [], 'TagsList');
  if (tags.length > MAX_TAGS_PER_RESOURCE) {
    throw new ServiceError(
      'InvalidTagParameterException',
      `TagsList holds ${tags.length} tags; an event data store may have at most ${MAX_TAGS_PER_RESOURCE}.`,
    );
  }
  return tags;
}

/**
 * AddTags and RemoveTags change, and ListTags reads, the tags of a store that is not pending
 * deletion: the model lists InactiveEventDataStoreException ("The event data store is inactive")
 * for all three, as it does for the other calls a pending-deletion store refuses.
 */
export function requireTaggable(store: EventDataStore): EventDataStore {
  if (store.deletedMs !== undefined) throw inactiveEventDataStore(store);
  return store;
}

export function retentionProblem(days: number, billingMode: BillingMode): string | undefined {
  const max = MAX_RETENTION_DAYS[billingMode];
  if (days < MIN_RETENTION_DAYS || days > max) {
    return `RetentionPeriod ${days} is invalid: with ${billingMode} it must be between ${MIN_RETENTION_DAYS} and ${max} days.`;
  }
  return undefined;
}

export function defaultRetention(billingMode: BillingMode): number {
  return DEFAULT_RETENTION_DAYS[billingMode];
}

/** Validates advanced selectors for a store and tells which kind of table they fill. */
export function parseEventDataStoreSelectors(raw: unknown): {
  selectors: AdvancedEventSelector[];
  kind: LakeTableKind;
} {
  const selectors = parseAdvancedEventSelectors(raw, 'eventDataStore');
  if (selectors.length > MAX_SELECTORS_PER_EVENT_DATA_STORE) {
    throw new ServiceError(
      'InvalidEventSelectorsException',
      `An event data store takes at most ${MAX_SELECTORS_PER_EVENT_DATA_STORE} advanced event selectors; ${selectors.length} were given.`,
    );
  }
  const categories = selectors.map(
    (s) => s.FieldSelectors.find((f) => f.Field === 'eventCategory')?.Equals?.[0] ?? '',
  );
  const outside = categories.filter((c) => c === 'ActivityAuditLog').length;
  if (outside > 0 && outside < categories.length) {
    throw new ServiceError(
      'InvalidEventSelectorsException',
      `An event data store holds either CloudTrail events or events from outside AWS (ActivityAuditLog), not both; ` +
        `supported categories are ${EVENT_DATA_STORE_SUPPORTED_CATEGORIES.join(', ')}.`,
    );
  }
  return { selectors, kind: outside > 0 ? 'activity' : 'cloudtrail' };
}

/** Status as the API reports it. */
export function statusOf(store: EventDataStore): EventDataStoreStatus {
  if (store.deletedMs !== undefined) return 'PENDING_DELETION';
  return store.ingesting ? 'ENABLED' : 'STOPPED_INGESTION';
}

/** The members Create/Get/Update/Restore return. */
export function toApiEventDataStore(store: EventDataStore): Record<string, unknown> {
  return {
    EventDataStoreArn: store.arn,
    Name: store.name,
    Status: statusOf(store),
    AdvancedEventSelectors: store.advancedEventSelectors,
    MultiRegionEnabled: store.multiRegionEnabled,
    OrganizationEnabled: store.organizationEnabled,
    RetentionPeriod: store.retentionPeriod,
    TerminationProtectionEnabled: store.terminationProtectionEnabled,
    CreatedTimestamp: store.createdMs / 1000,
    UpdatedTimestamp: store.updatedMs / 1000,
    BillingMode: store.billingMode,
  };
}

/** ListEventDataStores entries: the model's EventDataStore shape (most members deprecated but still sent). */
export function toApiEventDataStoreSummary(store: EventDataStore): Record<string, unknown> {
  const { BillingMode: _billing, ...summary } = toApiEventDataStore(store);
  return summary;
}
