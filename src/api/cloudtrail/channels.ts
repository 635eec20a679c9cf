/**
 * CloudTrail Lake channels: CreateChannel, GetChannel, ListChannels, UpdateChannel and
 * DeleteChannel (botocore model cloudtrail/2013-11-01), with AWS's errors. Events arrive through
 * a channel with cloudtrail-data PutAuditEvents (../cloudtrail-data/).
 */
import { randomUUID } from 'node:crypto';
import { ServiceError } from '../../errors.ts';
import {
  CUSTOM_SOURCE,
  MAX_CHANNELS_PER_REGION,
  channelArn,
  inactiveEventDataStore,
  parseDestinations,
  toApiChannel,
  toApiChannelSummary,
  validateChannelName,
  validateSource,
  type Channel,
  type ChannelDestination,
} from '../../query/index.ts';
import { parseTagsList } from '../../events/index.ts';
import { optionalInteger, optionalString, requireString } from '../../input.ts';
import type { OperationContext } from './operation.ts';

type Output = Promise<Record<string, unknown>>;

function callerOf(ctx: OperationContext): { accountId: string; region: string } {
  return { accountId: ctx.caller.principal.accountId, region: ctx.caller.region };
}

/**
 * Destinations with each event data store resolved to its ARN: the store must exist in the
 * caller's account and Region, be active, and hold events from outside AWS (ActivityAuditLog).
 */
function resolveDestinations(raw: unknown, ctx: OperationContext): ChannelDestination[] {
  const resolved: ChannelDestination[] = [];
  for (const destination of parseDestinations(raw)) {
    if (destination.Type === 'AWS_SERVICE') {
      throw new ServiceError(
        'InvalidParameterException',
        'Destinations of Type AWS_SERVICE belong to service-linked channels, which AWS services create; use EVENT_DATA_STORE.',
      );
    }
    const store = ctx.lake.registry.find(destination.Location, callerOf(ctx));
    if (store.deletedMs !== undefined) throw inactiveEventDataStore(store);
    if (store.kind !== 'activity') {
      throw new ServiceError(
        'InvalidEventDataStoreCategoryException',
        `Event data store ${store.arn} does not hold events from outside AWS; a channel's destination needs ` +
          'an event data store whose advanced event selectors select eventCategory ActivityAuditLog.',
      );
    }
    if (!resolved.some((d) => d.Location === store.arn)) {
      resolved.push({ Type: 'EVENT_DATA_STORE', Location: store.arn });
    }
  }
  return resolved;
}

function nameTaken(
  name: string,
  channels: Channel[],
  caller: { accountId: string; region: string },
  except?: string,
): void {
  if (
    channels.some(
      (c) =>
        c.name === name && c.accountId === caller.accountId && c.region === caller.region && c.arn !== except,
    )
  ) {
    throw new ServiceError(
      'ChannelAlreadyExistsException',
      `A channel named ${name} already exists in this account and Region.`,
    );
  }
}

export async function createChannel(input: Record<string, unknown>, ctx: OperationContext): Output {
  const caller = callerOf(ctx);
  const name = requireString(input.Name, 'Name', 'InvalidParameterException');
  validateChannelName(name);
  const source = requireString(input.Source, 'Source', 'InvalidParameterException');
  validateSource(source);
  if (input.Destinations === undefined || input.Destinations === null) {
    throw new ServiceError('InvalidParameterException', 'Destinations is required.');
  }
  const destinations = resolveDestinations(input.Destinations, ctx);
  const tags = parseTagsList(input.Tags ?? [], 'Tags');
  const id = randomUUID();
  const channel: Channel = {
    id,
    arn: channelArn(caller.region, caller.accountId, id),
    name,
    source,
    accountId: caller.accountId,
    region: caller.region,
    destinations,
    tags,
    createdMs: ctx.nowMs,
    updatedMs: ctx.nowMs,
    ingestion: {},
  };
  await ctx.lake.channels.create(channel, (current) => {
    const mine = current.filter((c) => c.accountId === caller.accountId && c.region === caller.region);
    nameTaken(name, mine, caller);
    // CreateChannel doc: "A maximum of one channel is allowed per source" — for partner sources;
    // Custom integrations are many (one per application).
    if (source !== CUSTOM_SOURCE && mine.some((c) => c.source === source)) {
      throw new ServiceError(
        'ChannelAlreadyExistsException',
        `A channel for source ${source} already exists in this account and Region; only one is allowed per partner source.`,
      );
    }
    if (mine.length >= MAX_CHANNELS_PER_REGION) {
      throw new ServiceError(
        'ChannelMaxLimitExceededException',
        `Your account already has the maximum number of channels (${MAX_CHANNELS_PER_REGION}) in ${caller.region}.`,
      );
    }
  });
  return { ...toApiChannelSummary(channel), Tags: tags };
}

export function getChannel(input: Record<string, unknown>, ctx: OperationContext): Output {
  const ref = requireString(input.Channel, 'Channel', 'InvalidParameterException');
  return Promise.resolve(toApiChannel(ctx.lake.channels.find(ref, callerOf(ctx))));
}

const LIST_SCOPE = 'ListChannels';

export function listChannels(input: Record<string, unknown>, ctx: OperationContext): Output {
  const max = optionalInteger(input.MaxResults, 'MaxResults');
  if (max !== undefined && (max < 1 || max > 1000)) {
    throw new ServiceError(
      'InvalidParameterException',
      `MaxResults ${max} is invalid; it must be between 1 and 1000.`,
    );
  }
  const token = optionalString(input.NextToken, 'NextToken');
  const scope = `${LIST_SCOPE}:${ctx.caller.principal.accountId}:${ctx.caller.region}`;
  const after = token === undefined ? undefined : ctx.tokens.decodeKey(token, scope);
  const all = ctx.lake.channels.ownedBy(callerOf(ctx));
  const start = after === undefined ? 0 : all.findIndex((c) => c.arn === after) + 1;
  const page = all.slice(start, start + (max ?? 1000));
  const last = page[page.length - 1];
  const more = last !== undefined && start + page.length < all.length;
  return Promise.resolve({
    Channels: page.map((c) => ({ ChannelArn: c.arn, Name: c.name })),
    ...(more ? { NextToken: ctx.tokens.encodeKey(last.arn, scope) } : {}),
  });
}

export async function updateChannel(input: Record<string, unknown>, ctx: OperationContext): Output {
  const caller = callerOf(ctx);
  const ref = requireString(input.Channel, 'Channel', 'InvalidParameterException');
  const found = ctx.lake.channels.find(ref, caller);
  const name = optionalString(input.Name, 'Name');
  if (name !== undefined) validateChannelName(name);
  const destinations =
    input.Destinations === undefined || input.Destinations === null
      ? undefined
      : resolveDestinations(input.Destinations, ctx);
  const updated = await ctx.lake.channels.update(found.arn, (channel, current) => {
    if (name !== undefined) nameTaken(name, current, caller, channel.arn);
    return {
      ...channel,
      ...(name !== undefined ? { name } : {}),
      ...(destinations ? { destinations } : {}),
      updatedMs: ctx.nowMs,
    };
  });
  return toApiChannelSummary(updated);
}

export async function deleteChannel(input: Record<string, unknown>, ctx: OperationContext): Output {
  const ref = requireString(input.Channel, 'Channel', 'InvalidParameterException');
  const found = ctx.lake.channels.find(ref, callerOf(ctx));
  await ctx.lake.channels.delete(found.arn);
  // The channel's resource-based policy goes with it.
  await ctx.lake.resourcePolicies.delete(found.arn);
  return {};
}
