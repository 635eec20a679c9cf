/**
 * cloudtrail-data PutAuditEvents (botocore model cloudtrail-data/2021-08-11): outside events sent
 * through a channel land in every event data store the channel names, each event converted to the
 * ActivityAuditLog schema or listed in `failed` with its reason.
 */
import { randomUUID } from 'node:crypto';
import { ServiceError } from '../../errors.ts';
import type { AuthenticatedCall } from '../../iam/index.ts';
import {
  convertAuditEvent,
  parseAuditEvents,
  parseChannelRef,
  type AuditEventOutcome,
  type Channel,
  type EventDataStore,
} from '../../query/index.ts';
import type { LakeContext } from '../cloudtrail/operation.ts';
import { sharedChannel } from '../cloudtrail/resource-policies.ts';

export interface PutAuditEventsContext {
  caller: AuthenticatedCall;
  lake: LakeContext;
  nowMs: number;
}

export interface PutAuditEventsOutput {
  successful: { id: string; eventID: string }[];
  failed: { id: string; errorCode: string; errorMessage: string }[];
}

/** The model's ExternalId shape: 2 to 1224 characters of [\w+=,.@:/-]. */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/** The channel named by the `channelArn` query parameter (an ARN or the ID at its end). */
function channelOf(value: string | null, ctx: PutAuditEventsContext): Channel {
  if (value === null || value === '') {
    throw new ServiceError('InvalidChannelARN', 'The channelArn query parameter is required.');
  }
  const ref = parseChannelRef(value, (m) => new ServiceError('InvalidChannelARN', m));
  const accountId = ctx.caller.principal.accountId;
  // Another account's channel, which its resource-based policy lets the caller send to (the
  // authorizer evaluated it). Without a policy, ChannelInsufficientPermission (model): "The
  // caller's account ID must be the same as the channel owner's account ID."
  const shared = sharedChannel(ref, ctx);
  if (shared) return shared;
  if (ref.arn && ref.arn.accountId !== accountId) {
    throw new ServiceError(
      'ChannelInsufficientPermission',
      `Account ${accountId} may not send events to channel ${value}: it belongs to account ${ref.arn.accountId}.`,
    );
  }
  const channel = ctx.lake.channels
    .ownedBy({ accountId, region: ctx.caller.region })
    .find((c) => c.id === ref.id && (!ref.arn || ref.arn.region === c.region));
  if (!channel) throw new ServiceError('ChannelNotFound', `The channel ${value} could not be found.`);
  return channel;
}

function destinationStores(channel: Channel, ctx: PutAuditEventsContext): EventDataStore[] {
  const owner = { accountId: channel.accountId, region: channel.region };
  const stores: EventDataStore[] = [];
  for (const d of channel.destinations) {
    if (d.Type !== 'EVENT_DATA_STORE') continue;
    const store = ctx.lake.registry.ownedBy(owner).find((s) => s.arn === d.Location);
    // A store pending deletion takes no events (a channel keeps it from being deleted at all).
    if (store && store.deletedMs === undefined && store.kind === 'activity') stores.push(store);
  }
  return stores;
}

export async function putAuditEvents(
  query: URLSearchParams,
  input: Record<string, unknown>,
  ctx: PutAuditEventsContext,
): Promise<PutAuditEventsOutput> {
  const channel = channelOf(query.get('channelArn'), ctx);
  const externalId = query.get('externalId');
  // A channel's policy that demands an external ID does so with its cloudtrail:ExternalId
  // condition, which the authorizer evaluated; a malformed one is refused here.
  if (externalId !== null && !EXTERNAL_ID.test(externalId)) {
    throw new ServiceError(
      'ValidationException',
      'externalId must be 2 to 1224 characters of letters, digits and + = , . @ : / - _.',
    );
  }
  const events = parseAuditEvents(input.auditEvents);
  const outcomes: AuditEventOutcome[] = events.map((event) =>
    convertAuditEvent(event, {
      channel,
      region: ctx.caller.region,
      nowMs: ctx.nowMs,
      newEventId: randomUUID,
    }),
  );
  const rows = outcomes.flatMap((o) => (o.ok ? [o.row] : []));
  if (rows.length > 0) {
    for (const store of destinationStores(channel, ctx))
      await ctx.lake.registry.lake.appendActivity(store, rows);
  }
  const successful = outcomes.flatMap((o) => (o.ok ? [{ id: o.id, eventID: o.eventID }] : []));
  const failed = outcomes.flatMap((o) =>
    o.ok ? [] : [{ id: o.id, errorCode: o.errorCode, errorMessage: o.errorMessage }],
  );
  const lastSuccess = successful[successful.length - 1];
  const lastFailure = failed[failed.length - 1];
  await ctx.lake.channels.recordIngestion(channel.arn, {
    latestAttemptMs: ctx.nowMs,
    ...(lastSuccess
      ? {
          latestSuccessMs: ctx.nowMs,
          latestSuccessEventId: lastSuccess.eventID,
          latestAttemptEventId: lastSuccess.eventID,
        }
      : {}),
    ...(lastFailure ? { latestErrorCode: lastFailure.errorCode } : {}),
  });
  return { successful, failed };
}
