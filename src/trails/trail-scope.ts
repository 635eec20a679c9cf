/**
 * Which accounts and regions a trail's delivery covers, before its selectors look at an event.
 * Since 22 November 2021 AWS records global service events (IAM, STS through its global endpoint,
 * CloudFront, console sign-in, Route 53) in us-east-1 only; trails deliver them when they include
 * global service events and cover us-east-1 (AWS CloudTrail User Guide, "About global service
 * events"). A multi-Region trail must include them.
 */
import { ServiceError } from '../errors.ts';
import type { Trail } from './trail.ts';

export const GLOBAL_SERVICE_REGION = 'us-east-1';

export const GLOBAL_SERVICE_SOURCES: ReadonlySet<string> = new Set([
  'iam.amazonaws.com',
  'sts.amazonaws.com',
  'cloudfront.amazonaws.com',
  'signin.amazonaws.com',
  'route53.amazonaws.com',
]);

export interface ScopedEvent {
  accountId: string;
  region: string;
  eventSource: string;
  category: string;
}

export function isGlobalServiceEvent(event: Pick<ScopedEvent, 'eventSource' | 'region'>): boolean {
  return event.region === GLOBAL_SERVICE_REGION && GLOBAL_SERVICE_SOURCES.has(event.eventSource);
}

/**
 * True when the event falls inside the trail's scope: its account (or, for an organization
 * trail, a member account), a region the trail covers, global service events only when included.
 * Insights events are never delivered through selectors.
 */
export function trailCovers(
  trail: Pick<Trail, 'accountId' | 'homeRegion' | 'isMultiRegionTrail' | 'includeGlobalServiceEvents'>,
  event: ScopedEvent,
  memberAccounts?: ReadonlySet<string>,
): boolean {
  if (event.category === 'Insight') return false;
  if (event.accountId !== trail.accountId && !memberAccounts?.has(event.accountId)) return false;
  if (!trail.isMultiRegionTrail && event.region !== trail.homeRegion) return false;
  if (!trail.includeGlobalServiceEvents && isGlobalServiceEvent(event)) return false;
  return true;
}

/**
 * A multi-Region trail must log global service events; AWS refuses the combination in CreateTrail
 * and UpdateTrail with this text (quoted from real answers). Pass the values the trail would have
 * after the call.
 */
export function validateMultiRegionGlobalEvents(
  isMultiRegionTrail: boolean,
  includeGlobalServiceEvents: boolean,
): void {
  if (isMultiRegionTrail && !includeGlobalServiceEvents) {
    throw new ServiceError(
      'InvalidParameterCombinationException',
      'Multi-Region trail must include global service events.',
    );
  }
}
