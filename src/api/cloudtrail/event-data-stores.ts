/**
 * CloudTrail Lake event data stores: CreateEventDataStore, GetEventDataStore,
 * ListEventDataStores, UpdateEventDataStore, DeleteEventDataStore, RestoreEventDataStore,
 * StartEventDataStoreIngestion and StopEventDataStoreIngestion, with AWS's defaults and errors.
 */
import { randomUUID } from 'node:crypto';
import { ServiceError } from '../../errors.ts';
import {
  BILLING_MODES,
  MAX_EVENT_DATA_STORES_PER_REGION,
  defaultEventDataStoreSelectors,
  defaultRetention,
  eventDataStoreArn,
  inactiveEventDataStore,
  parseEventDataStoreSelectors,
  parseEventDataStoreTags,
  retentionProblem,
  statusOf,
  toApiEventDataStore,
  toApiEventDataStoreSummary,
  validateEventDataStoreName,
  type BillingMode,
  type EventDataStore,
} from '../../query/event-data-store.ts';
import { optionalBoolean, optionalInteger, optionalString, requireString } from '../../input.ts';
import type { OperationContext } from './operation.ts';
import { sharedStore } from './resource-policies.ts';
import { onlyManagementConverts } from '../../trails/index.ts';
import { checkOrganization, organizationOwner } from './trails.ts';

type Output = Promise<Record<string, unknown>>;

function callerOf(ctx: OperationContext): { accountId: string; region: string } {
  return { accountId: ctx.caller.principal.accountId, region: ctx.caller.region };
}

function parseBillingMode(value: unknown): BillingMode | undefined {
  const mode = optionalString(value, 'BillingMode');
  if (mode !== undefined && !(BILLING_MODES as readonly string[]).includes(mode)) {
    throw new ServiceError(
      'InvalidParameterException',
      `BillingMode ${mode} is invalid; valid values are ${BILLING_MODES.join(', ')}.`,
    );
  }
  return mode as BillingMode | undefined;
}

function parseRetention(value: unknown, billingMode: BillingMode): number | undefined {
  const days = optionalInteger(value, 'RetentionPeriod');
  if (days === undefined) return undefined;
  const problem = retentionProblem(days, billingMode);
  if (problem) throw new ServiceError('InvalidParameterException', problem);
  return days;
}

function refuseKms(value: unknown): void {
  if (optionalString(value, 'KmsKeyId') !== undefined) {
    throw new ServiceError(
      'UnsupportedOperationException',
      'OpenTrail does not encrypt event data stores with KMS keys yet; omit KmsKeyId.',
    );
  }
}

function nameTaken(
  name: string,
  stores: EventDataStore[],
  caller: { accountId: string; region: string },
  except?: string,
): void {
  if (
    stores.some(
      (s) =>
        s.name === name && s.accountId === caller.accountId && s.region === caller.region && s.arn !== except,
    )
  ) {
    throw new ServiceError(
      'EventDataStoreAlreadyExistsException',
      `An event data store named ${name} already exists in this account and Region.`,
    );
  }
}

function withinLimit(stores: EventDataStore[], caller: { accountId: string; region: string }): void {
  const count = stores.filter((s) => s.accountId === caller.accountId && s.region === caller.region).length;
  if (count >= MAX_EVENT_DATA_STORES_PER_REGION) {
    throw new ServiceError(
      'EventDataStoreMaxLimitExceededException',
      `Your account already has the maximum number of event data stores (${MAX_EVENT_DATA_STORES_PER_REGION}) in ${caller.region}.`,
    );
  }
}

function requireActive(store: EventDataStore): void {
  if (store.deletedMs !== undefined) throw inactiveEventDataStore(store);
}

export async function createEventDataStore(input: Record<string, unknown>, ctx: OperationContext): Output {
  const name = requireString(input.Name, 'Name', 'InvalidParameterException');
  validateEventDataStoreName(name);
  const { selectors, kind } =
    input.AdvancedEventSelectors === undefined || input.AdvancedEventSelectors === null
      ? { selectors: defaultEventDataStoreSelectors(), kind: 'cloudtrail' as const }
      : parseEventDataStoreSelectors(input.AdvancedEventSelectors);
  const billingMode = parseBillingMode(input.BillingMode) ?? 'EXTENDABLE_RETENTION_PRICING';
  const retentionPeriod = parseRetention(input.RetentionPeriod, billingMode) ?? defaultRetention(billingMode);
  refuseKms(input.KmsKeyId);
  const organizationEnabled = optionalBoolean(input.OrganizationEnabled, 'OrganizationEnabled') ?? false;
  // An organization store is the management account's, also when its delegated administrator creates it.
  const owner = organizationEnabled ? organizationOwner(ctx, 'event data stores') : undefined;
  const home = { ...callerOf(ctx), ...(owner ? { accountId: owner.accountId } : {}) };
  const tags = parseEventDataStoreTags(input.TagsList);
  const startIngestion = optionalBoolean(input.StartIngestion, 'StartIngestion') ?? true;
  const id = randomUUID();
  const store: EventDataStore = {
    id,
    arn: eventDataStoreArn(home.region, home.accountId, id),
    name,
    accountId: home.accountId,
    region: home.region,
    status: 'ENABLED',
    // Outside events arrive through channels; "ingesting" is about live CloudTrail events.
    ingesting: kind === 'activity' ? true : startIngestion,
    kind,
    advancedEventSelectors: selectors,
    multiRegionEnabled: optionalBoolean(input.MultiRegionEnabled, 'MultiRegionEnabled') ?? true,
    organizationEnabled,
    retentionPeriod,
    terminationProtectionEnabled:
      optionalBoolean(input.TerminationProtectionEnabled, 'TerminationProtectionEnabled') ?? true,
    billingMode,
    tags,
    createdMs: ctx.nowMs,
    updatedMs: ctx.nowMs,
  };
  await ctx.lake.registry.create(store, (current) => {
    nameTaken(name, current, home);
    withinLimit(current, home);
  });
  if (store.kind === 'cloudtrail' && store.ingesting) await ctx.lake.ingestion.startAtHead(store);
  return { ...toApiEventDataStore(store), TagsList: tags };
}

export function getEventDataStore(input: Record<string, unknown>, ctx: OperationContext): Output {
  const ref = requireString(input.EventDataStore, 'EventDataStore', 'InvalidParameterException');
  // Another account's store, by ARN, as its resource-based policy lets the caller read it.
  const store = sharedStore(ref, ctx) ?? ctx.lake.registry.find(ref, callerOf(ctx));
  return Promise.resolve({ ...toApiEventDataStore(store), FederationStatus: 'DISABLED' });
}

const LIST_SCOPE = 'ListEventDataStores';

export function listEventDataStores(input: Record<string, unknown>, ctx: OperationContext): Output {
  const max = optionalInteger(input.MaxResults, 'MaxResults');
  if (max !== undefined && (max < 1 || max > 1000)) {
    throw new ServiceError(
      'InvalidMaxResultsException',
      `MaxResults ${max} is invalid; it must be between 1 and 1000.`,
    );
  }
  const token = optionalString(input.NextToken, 'NextToken');
  const scope = `${LIST_SCOPE}:${ctx.caller.principal.accountId}:${ctx.caller.region}`;
  const after = token === undefined ? undefined : ctx.tokens.decodeKey(token, scope);
  // A delegated administrator also sees the organization's stores (owned by the management account).
  const all = [
    ...ctx.lake.registry.ownedBy(callerOf(ctx)),
    ...ctx.lake.registry.administeredBy(callerOf(ctx)),
  ];
  const start = after === undefined ? 0 : all.findIndex((s) => s.arn === after) + 1;
  const page = all.slice(start, start + (max ?? 1000));
  const last = page[page.length - 1];
  const more = last !== undefined && start + page.length < all.length;
  return Promise.resolve({
    EventDataStores: page.map(toApiEventDataStoreSummary),
    ...(more ? { NextToken: ctx.tokens.encodeKey(last.arn, scope) } : {}),
  });
}

const UPDATABLE = [
  'Name',
  'AdvancedEventSelectors',
  'MultiRegionEnabled',
  'OrganizationEnabled',
  'RetentionPeriod',
  'TerminationProtectionEnabled',
  'KmsKeyId',
  'BillingMode',
];

export async function updateEventDataStore(input: Record<string, unknown>, ctx: OperationContext): Output {
  const ref = requireString(input.EventDataStore, 'EventDataStore', 'InvalidParameterException');
  if (!UPDATABLE.some((k) => input[k] !== undefined && input[k] !== null)) {
    throw new ServiceError(
      'InvalidParameterException',
      `UpdateEventDataStore needs at least one of ${UPDATABLE.join(', ')}.`,
    );
  }
  const found = ctx.lake.registry.find(ref, callerOf(ctx));
  requireActive(found);
  // Names are unique in the store owner's account and Region.
  const owner = { accountId: found.accountId, region: found.region };
  const name = optionalString(input.Name, 'Name');
  if (name !== undefined) validateEventDataStoreName(name);
  const parsed =
    input.AdvancedEventSelectors === undefined || input.AdvancedEventSelectors === null
      ? undefined
      : parseEventDataStoreSelectors(input.AdvancedEventSelectors);
  if (parsed && parsed.kind !== found.kind) {
    throw new ServiceError(
      'InvalidEventSelectorsException',
      `The event data store holds ${found.kind === 'activity' ? 'events from outside AWS' : 'CloudTrail events'}; its selectors cannot switch it to ${parsed.kind === 'activity' ? 'ActivityAuditLog' : 'CloudTrail'} events.`,
    );
  }
  const billingMode = parseBillingMode(input.BillingMode);
  if (billingMode === 'FIXED_RETENTION_PRICING' && found.billingMode === 'EXTENDABLE_RETENTION_PRICING') {
    throw new ServiceError(
      'InvalidParameterException',
      'You cannot change the billing mode from EXTENDABLE_RETENTION_PRICING to FIXED_RETENTION_PRICING.',
    );
  }
  const mode = billingMode ?? found.billingMode;
  const retention = parseRetention(input.RetentionPeriod, mode);
  const keptRetentionProblem =
    retention === undefined ? retentionProblem(found.retentionPeriod, mode) : undefined;
  if (keptRetentionProblem) throw new ServiceError('InvalidParameterException', keptRetentionProblem);
  refuseKms(input.KmsKeyId);
  const organizationEnabled = optionalBoolean(input.OrganizationEnabled, 'OrganizationEnabled');
  if (organizationEnabled !== undefined && organizationEnabled !== found.organizationEnabled) {
    // Only the management account converts between organization and account-level stores.
    if (found.accountId !== ctx.caller.principal.accountId) throw onlyManagementConverts('event data store');
    checkOrganization(ctx, 'event data stores');
  }
  const multiRegionEnabled = optionalBoolean(input.MultiRegionEnabled, 'MultiRegionEnabled');
  const protection = optionalBoolean(input.TerminationProtectionEnabled, 'TerminationProtectionEnabled');
  const updated = await ctx.lake.registry.update(found.arn, (store, current) => {
    requireActive(store);
    if (name !== undefined) nameTaken(name, current, owner, store.arn);
    return {
      ...store,
      ...(name !== undefined ? { name } : {}),
      ...(parsed ? { advancedEventSelectors: parsed.selectors } : {}),
      ...(multiRegionEnabled !== undefined ? { multiRegionEnabled } : {}),
      ...(organizationEnabled !== undefined ? { organizationEnabled } : {}),
      ...(retention !== undefined ? { retentionPeriod: retention } : {}),
      ...(protection !== undefined ? { terminationProtectionEnabled: protection } : {}),
      billingMode: mode,
      updatedMs: ctx.nowMs,
    };
  });
  return toApiEventDataStore(updated);
}

export async function deleteEventDataStore(input: Record<string, unknown>, ctx: OperationContext): Output {
  const ref = requireString(input.EventDataStore, 'EventDataStore', 'InvalidParameterException');
  const found = ctx.lake.registry.find(ref, callerOf(ctx));
  await ctx.lake.registry.update(found.arn, (store) => {
    requireActive(store);
    if (store.terminationProtectionEnabled) {
      throw new ServiceError(
        'EventDataStoreTerminationProtectedException',
        `Event data store ${store.arn} cannot be deleted because termination protection is enabled.`,
      );
    }
    ctx.lake.checkDeletable(store);
    return { ...store, deletedMs: ctx.nowMs, updatedMs: ctx.nowMs };
  });
  return {};
}

export async function restoreEventDataStore(input: Record<string, unknown>, ctx: OperationContext): Output {
  const caller = callerOf(ctx);
  const ref = requireString(input.EventDataStore, 'EventDataStore', 'InvalidParameterException');
  const found = ctx.lake.registry.find(ref, caller);
  const restored = await ctx.lake.registry.update(found.arn, (store) => {
    if (store.deletedMs === undefined) {
      throw new ServiceError(
        'InvalidEventDataStoreStatusException',
        `Event data store ${store.arn} has status ${statusOf(store)}; only a store pending deletion can be restored.`,
      );
    }
    const { deletedMs: _deleted, ...rest } = store;
    return { ...rest, updatedMs: ctx.nowMs };
  });
  // Events logged while the store was pending deletion are not added (it was not ingesting).
  if (restored.kind === 'cloudtrail' && restored.ingesting) await ctx.lake.ingestion.startAtHead(restored);
  return toApiEventDataStore(restored);
}

async function setIngestion(
  input: Record<string, unknown>,
  ctx: OperationContext,
  ingesting: boolean,
): Output {
  const ref = requireString(input.EventDataStore, 'EventDataStore', 'InvalidParameterException');
  const found = ctx.lake.registry.find(ref, callerOf(ctx));
  const changed = await ctx.lake.registry.update(found.arn, (store) => {
    if (store.kind !== 'cloudtrail') {
      throw new ServiceError(
        'InvalidEventDataStoreCategoryException',
        `Ingestion of event data store ${store.arn} cannot be started or stopped: it holds events from outside AWS, which arrive through channels.`,
      );
    }
    if (store.deletedMs !== undefined || store.ingesting === ingesting) {
      throw new ServiceError(
        'InvalidEventDataStoreStatusException',
        `Event data store ${store.arn} has status ${statusOf(store)}; ${ingesting ? 'StartEventDataStoreIngestion needs STOPPED_INGESTION' : 'StopEventDataStoreIngestion needs ENABLED'}.`,
      );
    }
    return { ...store, ingesting, updatedMs: ctx.nowMs };
  });
  // Events logged while ingestion was stopped stay out, as on AWS.
  if (ingesting) await ctx.lake.ingestion.startAtHead(changed);
  return {};
}

export function startEventDataStoreIngestion(input: Record<string, unknown>, ctx: OperationContext): Output {
  return setIngestion(input, ctx, true);
}

export function stopEventDataStoreIngestion(input: Record<string, unknown>, ctx: OperationContext): Output {
  return setIngestion(input, ctx, false);
}
