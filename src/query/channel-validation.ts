/**
 * CreateChannel and UpdateChannel input checks (caller input): names, sources, destinations and
 * the channel quota. Pure.
 *
 * Sources: the botocore model cloudtrail/2013-11-01 (CreateChannel, UpdateChannel) and the
 * CloudTrail quotas for Lake integrations.
 */
import { ServiceError } from '../errors.ts';
import type { ChannelDestination } from './channel.ts';

/** CloudTrail quotas (Lake integrations): channels per Region per account. */
export const MAX_CHANNELS_PER_REGION = 25;
/** CreateChannel / UpdateChannel model: Destinations has 1 to 200 members. */
export const MAX_DESTINATIONS = 200;

/**
 * CreateChannel doc: "A source can be either Custom for all valid non-AWS events, or the name of
 * a partner event source" (the partner table of the User Guide, "Additional information about
 * integration partners"). Only one channel is allowed per partner source.
 */
export const CUSTOM_SOURCE = 'Custom';
export const PARTNER_SOURCES: readonly string[] = [
  'Cloud Storage Security',
  'Clumio',
  'CrowdStrike',
  'CyberArk',
  'GitHub',
  'Kong Inc',
  'LaunchDarkly',
  'Netskope',
  'Nordcloud',
  'Okta',
  'One Identity',
  'Shoreline.io',
  'Snyk.io',
  'Wiz',
];

const NAME_PATTERN = /^[a-zA-Z0-9._-]+$/;
const LOCATION_PATTERN = /^[a-zA-Z0-9._/\-:*]+$/;

export function validateChannelName(name: string): void {
  if (name.length < 3 || name.length > 128 || !NAME_PATTERN.test(name)) {
    throw new ServiceError(
      'InvalidParameterException',
      `Channel name ${JSON.stringify(name.slice(0, 140))} is invalid: use 3 to 128 letters, digits, '.', '_' or '-'.`,
    );
  }
}

export function validateSource(source: string): void {
  if (source !== CUSTOM_SOURCE && !PARTNER_SOURCES.includes(source)) {
    throw new ServiceError(
      'InvalidSourceException',
      `Source ${JSON.stringify(source.slice(0, 256))} is not valid: use ${CUSTOM_SOURCE} for your own events, or a partner source name.`,
    );
  }
}

/** Destinations as given: shapes and patterns only (the API layer resolves the stores). */
export function parseDestinations(raw: unknown): ChannelDestination[] {
  if (!Array.isArray(raw)) {
    throw new ServiceError('SerializationException', 'Destinations must be a list.');
  }
  if (raw.length < 1 || raw.length > MAX_DESTINATIONS) {
    throw new ServiceError(
      'InvalidParameterException',
      `Destinations must hold 1 to ${MAX_DESTINATIONS} destinations; ${raw.length} were given.`,
    );
  }
  return raw.map((item: unknown, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new ServiceError('SerializationException', `Destinations[${i}] must be an object.`);
    }
    const { Type: type, Location: location } = item as Record<string, unknown>;
    if (typeof type !== 'string' || typeof location !== 'string') {
      throw new ServiceError(
        'InvalidParameterException',
        `Destinations[${i}] needs a Type and a Location, both strings.`,
      );
    }
    if (type !== 'EVENT_DATA_STORE' && type !== 'AWS_SERVICE') {
      throw new ServiceError(
        'InvalidParameterException',
        `Destinations[${i}].Type ${JSON.stringify(type)} is invalid; valid values are EVENT_DATA_STORE, AWS_SERVICE.`,
      );
    }
    if (location.length < 3 || location.length > 1024 || !LOCATION_PATTERN.test(location)) {
      throw new ServiceError(
        'InvalidParameterException',
        `Destinations[${i}].Location ${JSON.stringify(location.slice(0, 1024))} is not a valid location.`,
      );
    }
    return { Type: type, Location: location };
  });
}
