/**
 * CloudTrail's resource-based policies: PutResourcePolicy, GetResourcePolicy and
 * DeleteResourcePolicy (botocore model cloudtrail/2013-11-01) on channels, event data stores and
 * dashboards of the caller's account and Region, with the model's errors:
 * ResourceARNNotValidException for an ARN that is not one of theirs, ResourceTypeNotSupportedException
 * for a CloudTrail resource type that takes no policy (a trail), ResourceNotFoundException for one
 * that does not exist (OpenTrail has no dashboards, so a dashboard ARN is never found),
 * ResourcePolicyNotValidException for a policy CloudTrail would not accept (resource-policy-
 * validation.ts), ResourcePolicyNotFoundException for a resource without one, and
 * OperationNotPermittedException for a store pending deletion.
 *
 * It also resolves the resources of other accounts that a caller reaches through their policies
 * (an event data store it may query, a channel it may send events to): the authorizer has by then
 * decided that both sides allow; a resource without any policy is never reached from outside.
 */
import { ServiceError } from '../../errors.ts';
import { parseArn } from '../../events/index.ts';
import { requireString } from '../../input.ts';
import {
  POLICY_RESOURCE_TYPES,
  checkResourcePolicy,
  parseEventDataStoreRef,
  type Channel,
  type EventDataStore,
  type PolicyResourceType,
} from '../../query/index.ts';
import type { LakeContext, OperationContext } from './operation.ts';

type Output = Promise<Record<string, unknown>>;

/** The model's ResourceArn shape. */
const RESOURCE_ARN_PATTERN = /^[a-zA-Z0-9._/\-:]+$/;

const ARN_FORMATS =
  'arn:aws:cloudtrail:us-east-2:123456789012:eventdatastore/EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE, ' +
  'arn:aws:cloudtrail:us-east-1:123456789012:dashboard/exampleDash or ' +
  'arn:aws:cloudtrail:us-east-2:123456789012:channel/01234567890';

interface NamedResource {
  type: PolicyResourceType;
  /** The resource's own ARN: the key of its policy. */
  arn: string;
  store?: EventDataStore;
}

function arnNotValid(value: string): ServiceError {
  return new ServiceError(
    'ResourceARNNotValidException',
    `The resource ARN ${value.slice(0, 256)} is not valid. Name an event data store, dashboard or channel by its ARN, as ${ARN_FORMATS}.`,
  );
}

function notFound(arn: string): ServiceError {
  return new ServiceError(
    'ResourceNotFoundException',
    `The resource ${arn} was not found in the caller's account and Region.`,
  );
}

function policyNotFound(arn: string): ServiceError {
  return new ServiceError(
    'ResourcePolicyNotFoundException',
    `There is no resource-based policy attached to ${arn}.`,
  );
}

/** The channel, event data store or dashboard ResourceArn names, of the caller's account and Region. */
function namedResource(input: Record<string, unknown>, ctx: OperationContext): NamedResource {
  const value = requireString(input.ResourceArn, 'ResourceArn', 'ResourceARNNotValidException');
  if (value.length < 3 || value.length > 256 || !RESOURCE_ARN_PATTERN.test(value)) throw arnNotValid(value);
  const arn = parseArn(value);
  const slash = arn?.resource.indexOf('/') ?? -1;
  if (
    !arn ||
    arn.service !== 'cloudtrail' ||
    !/^[a-z0-9-]+$/.test(arn.region) ||
    !/^\d{12}$/.test(arn.accountId) ||
    slash <= 0 ||
    slash === arn.resource.length - 1
  ) {
    throw arnNotValid(value);
  }
  const type = arn.resource.slice(0, slash);
  const id = arn.resource.slice(slash + 1);
  if (!(POLICY_RESOURCE_TYPES as readonly string[]).includes(type)) {
    throw new ServiceError(
      'ResourceTypeNotSupportedException',
      `Resource type ${type} does not take a resource-based policy; CloudTrail attaches them to event data stores, dashboards and channels.`,
    );
  }
  const caller = { accountId: ctx.caller.principal.accountId, region: ctx.caller.region };
  if (arn.accountId !== caller.accountId || arn.region !== caller.region) throw notFound(value);
  if (type === 'channel') {
    const channel = ctx.lake.channels.ownedBy(caller).find((c) => c.id === id);
    if (!channel) throw notFound(value);
    return { type, arn: channel.arn };
  }
  if (type === 'eventdatastore') {
    const store = ctx.lake.registry.ownedBy(caller).find((s) => s.id === id);
    if (!store) throw notFound(value);
    return { type, arn: store.arn, store };
  }
  // OpenTrail has no CloudTrail Lake dashboards: no dashboard ARN names one.
  throw notFound(value);
}

function delegated(arn: string, ctx: OperationContext): { DelegatedAdminResourcePolicy?: string } {
  const policy = ctx.lake.resourcePolicies.delegatedAdminPolicy(arn);
  return policy !== undefined ? { DelegatedAdminResourcePolicy: policy } : {};
}

export async function putResourcePolicy(input: Record<string, unknown>, ctx: OperationContext): Output {
  const resource = namedResource(input, ctx);
  if (resource.store?.deletedMs !== undefined) {
    throw new ServiceError(
      'OperationNotPermittedException',
      `Event data store ${resource.arn} is pending deletion; restore it (RestoreEventDataStore) before you change its resource-based policy.`,
    );
  }
  const text = requireString(input.ResourcePolicy, 'ResourcePolicy', 'ResourcePolicyNotValidException');
  const document = checkResourcePolicy(text, resource.type, resource.arn);
  const stored = await ctx.lake.resourcePolicies.put(resource.arn, text, document, ctx.nowMs);
  return { ResourceArn: resource.arn, ResourcePolicy: stored.policy, ...delegated(resource.arn, ctx) };
}

export function getResourcePolicy(input: Record<string, unknown>, ctx: OperationContext): Output {
  const resource = namedResource(input, ctx);
  const stored = ctx.lake.resourcePolicies.get(resource.arn);
  const admin = delegated(resource.arn, ctx);
  if (!stored && admin.DelegatedAdminResourcePolicy === undefined) throw policyNotFound(resource.arn);
  return Promise.resolve({
    ResourceArn: resource.arn,
    ...(stored ? { ResourcePolicy: stored.policy } : {}),
    ...admin,
  });
}

export async function deleteResourcePolicy(input: Record<string, unknown>, ctx: OperationContext): Output {
  const resource = namedResource(input, ctx);
  if (!(await ctx.lake.resourcePolicies.delete(resource.arn))) throw policyNotFound(resource.arn);
  return {};
}

/**
 * An event data store of another account, in the caller's Region, that the caller names by ARN
 * (or by ID with `ownerAccountId`, StartQuery's and GetQueryResults' EventDataStoreOwnerAccountId)
 * and reaches through the store's resource-based policy; undefined for anything else.
 */
export function sharedStore(
  ref: string,
  ctx: { caller: OperationContext['caller']; lake: LakeContext },
  ownerAccountId?: string,
): EventDataStore | undefined {
  let parsed;
  try {
    parsed = parseEventDataStoreRef(ref);
  } catch {
    return undefined;
  }
  const accountId = parsed.arn?.accountId ?? ownerAccountId;
  const region = ctx.caller.region;
  if (accountId === undefined || accountId === ctx.caller.principal.accountId) return undefined;
  if (parsed.arn && parsed.arn.region !== region) return undefined;
  const store = ctx.lake.registry.ownedBy({ accountId, region }).find((s) => s.id === parsed.id);
  return store && ctx.lake.resourcePolicies.has(store.arn) ? store : undefined;
}

/**
 * A channel of another account, in the caller's Region, named by ARN, that the caller reaches
 * through the channel's resource-based policy (cloudtrail-data PutAuditEvents); undefined otherwise.
 */
export function sharedChannel(
  ref: { id: string; arn?: { region: string; accountId: string } },
  ctx: { caller: OperationContext['caller']; lake: LakeContext },
): Channel | undefined {
  if (!ref.arn || ref.arn.accountId === ctx.caller.principal.accountId) return undefined;
  if (ref.arn.region !== ctx.caller.region) return undefined;
  const channel = ctx.lake.channels
    .ownedBy({ accountId: ref.arn.accountId, region: ref.arn.region })
    .find((c) => c.id === ref.id);
  return channel && ctx.lake.resourcePolicies.has(channel.arn) ? channel : undefined;
}
