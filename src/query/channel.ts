/**
 * A channel (CloudTrail Lake integration): the resource as OpenTrail keeps it, its ARN, how a
 * request names it, which stores it delivers into, and the shapes CreateChannel, UpdateChannel and
 * GetChannel return. Pure.
 *
 * Source: the botocore model cloudtrail/2013-11-01 (CreateChannel … DeleteChannel).
 */
import { ServiceError } from '../errors.ts';
import { formatArn, isAccountId, parseArn, type Tag } from '../events/index.ts';

export type DestinationType = 'EVENT_DATA_STORE' | 'AWS_SERVICE';

export interface ChannelDestination {
  Type: DestinationType;
  /** For EVENT_DATA_STORE: the store's ARN (requests may name it by ID; it is kept as the ARN). */
  Location: string;
}

/** GetChannel's IngestionStatus, kept as epoch milliseconds. */
export interface ChannelIngestionStatus {
  latestSuccessMs?: number;
  latestSuccessEventId?: string;
  latestAttemptMs?: number;
  latestAttemptEventId?: string;
  latestErrorCode?: string;
}

export interface Channel {
  id: string;
  arn: string;
  name: string;
  source: string;
  accountId: string;
  region: string;
  destinations: ChannelDestination[];
  tags: Tag[];
  createdMs: number;
  updatedMs: number;
  ingestion: ChannelIngestionStatus;
}

const REF_PATTERN = /^[a-zA-Z0-9._/\-:]+$/;

export function channelArn(region: string, accountId: string, id: string): string {
  return formatArn({ service: 'cloudtrail', region, accountId, resource: `channel/${id}` });
}

/** A channel as named in a request: an ARN or the ID at its end. */
export interface ChannelRef {
  id: string;
  arn?: { region: string; accountId: string };
}

/**
 * Parses a channel named by ARN or ID. `invalid` makes the error: the CloudTrail API answers
 * ChannelARNInvalidException, cloudtrail-data InvalidChannelARN.
 */
export function parseChannelRef(
  value: string,
  invalid: (message: string) => ServiceError = (m) => new ServiceError('ChannelARNInvalidException', m),
): ChannelRef {
  const message = `The specified channel ARN is not a valid channel ARN: ${value.slice(0, 256)}`;
  if (value.length < 3 || value.length > 256 || !REF_PATTERN.test(value)) throw invalid(message);
  const arn = parseArn(value);
  const id = arn?.resource.startsWith('channel/') ? arn.resource.slice('channel/'.length) : '';
  if (
    arn?.service === 'cloudtrail' &&
    /^[a-z0-9-]+$/.test(arn.region) &&
    isAccountId(arn.accountId) &&
    /^[a-zA-Z0-9._-]+$/.test(id)
  ) {
    return { id, arn: { region: arn.region, accountId: arn.accountId } };
  }
  if (value.includes(':') || value.includes('/')) throw invalid(message);
  return { id: value };
}

export function channelNotFound(ref: string): ServiceError {
  return new ServiceError('ChannelNotFoundException', `The specified channel ${ref} was not found.`);
}

export function channelTargets(channel: Channel, storeArn: string): boolean {
  return channel.destinations.some((d) => d.Type === 'EVENT_DATA_STORE' && d.Location === storeArn);
}

/** The error DeleteEventDataStore answers while a channel still writes into the store. */
export function channelExistsForStore(storeArn: string, channel: Channel): ServiceError {
  return new ServiceError(
    'ChannelExistsForEDSException',
    `Event data store ${storeArn} cannot be deleted while channel ${channel.arn} delivers events to it; ` +
      'delete the channel or remove the store from its destinations first.',
  );
}

function seconds(ms: number): number {
  return ms / 1000;
}

/** What CreateChannel and UpdateChannel return. */
export function toApiChannelSummary(channel: Channel): Record<string, unknown> {
  return {
    ChannelArn: channel.arn,
    Name: channel.name,
    Source: channel.source,
    Destinations: channel.destinations,
  };
}

/** GetChannel's answer. */
export function toApiChannel(channel: Channel): Record<string, unknown> {
  const s = channel.ingestion;
  return {
    ...toApiChannelSummary(channel),
    IngestionStatus: {
      ...(s.latestSuccessMs !== undefined ? { LatestIngestionSuccessTime: seconds(s.latestSuccessMs) } : {}),
      ...(s.latestSuccessEventId ? { LatestIngestionSuccessEventID: s.latestSuccessEventId } : {}),
      ...(s.latestErrorCode ? { LatestIngestionErrorCode: s.latestErrorCode } : {}),
      ...(s.latestAttemptMs !== undefined ? { LatestIngestionAttemptTime: seconds(s.latestAttemptMs) } : {}),
      ...(s.latestAttemptEventId ? { LatestIngestionAttemptEventID: s.latestAttemptEventId } : {}),
    },
  };
}
