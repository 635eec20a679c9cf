/**
 * A trail as OpenTrail keeps it: its configuration (the CreateTrail/UpdateTrail members), its
 * selection, tags and logging status. Times are epoch milliseconds; sequence numbers are kept as
 * decimal strings so the whole trail round-trips through JSON.
 */
import type { TrailSelection } from './event-selectors.ts';
import type { Tag } from '../events/index.ts';

export interface TrailStatus {
  isLogging: boolean;
  startLoggingTimeMs?: number;
  stopLoggingTimeMs?: number;
  /** Once logging stops, delivery finishes the events up to here and no further. */
  stopSeq?: string;
  /**
   * Set by StopLogging until its own event is recorded and `stopSeq` moved onto it: consumers wait
   * rather than finish early. Ignored once stale (the event was lost with a crash).
   */
  stopPendingSinceMs?: number;
  latestDeliveryTimeMs?: number;
  latestDeliveryError?: string;
  latestDeliveryAttemptTimeMs?: number;
  latestDeliveryAttemptSucceededMs?: number;
  latestNotificationTimeMs?: number;
  latestNotificationError?: string;
  latestNotificationAttemptTimeMs?: number;
  latestNotificationAttemptSucceededMs?: number;
  latestDigestDeliveryTimeMs?: number;
  latestDigestDeliveryError?: string;
}

export interface Trail {
  arn: string;
  name: string;
  accountId: string;
  homeRegion: string;
  s3BucketName: string;
  s3KeyPrefix?: string;
  snsTopicName?: string;
  snsTopicArn?: string;
  includeGlobalServiceEvents: boolean;
  isMultiRegionTrail: boolean;
  logFileValidationEnabled: boolean;
  cloudWatchLogsLogGroupArn?: string;
  cloudWatchLogsRoleArn?: string;
  kmsKeyId?: string;
  isOrganizationTrail: boolean;
  /** Set for organization trails: delivery adds it after `AWSLogs/`. */
  organizationId?: string;
  selection: TrailSelection;
  /** True once PutEventSelectors has been called (GetTrail's HasCustomEventSelectors). */
  hasCustomEventSelectors: boolean;
  tags: Tag[];
  createdAtMs: number;
  status: TrailStatus;
}

/** The consumer name under which a trail's delivery cursor is kept in the event log. */
export function deliveryConsumer(trailArn: string): string {
  return `delivery:${trailArn}`;
}

/**
 * Trail as GetTrail/DescribeTrails return it. Seen from a region other than its home region, a
 * multi-region trail is a shadow trail: same ARN and HomeRegion, same configuration.
 */
export function toApiTrail(trail: Trail): Record<string, unknown> {
  return {
    Name: trail.name,
    S3BucketName: trail.s3BucketName,
    ...(trail.s3KeyPrefix !== undefined ? { S3KeyPrefix: trail.s3KeyPrefix } : {}),
    ...(trail.snsTopicName !== undefined
      ? { SnsTopicName: trail.snsTopicName, SnsTopicARN: trail.snsTopicArn }
      : {}),
    IncludeGlobalServiceEvents: trail.includeGlobalServiceEvents,
    IsMultiRegionTrail: trail.isMultiRegionTrail,
    HomeRegion: trail.homeRegion,
    TrailARN: trail.arn,
    LogFileValidationEnabled: trail.logFileValidationEnabled,
    ...(trail.cloudWatchLogsLogGroupArn !== undefined
      ? {
          CloudWatchLogsLogGroupArn: trail.cloudWatchLogsLogGroupArn,
          CloudWatchLogsRoleArn: trail.cloudWatchLogsRoleArn,
        }
      : {}),
    ...(trail.kmsKeyId !== undefined ? { KmsKeyId: trail.kmsKeyId } : {}),
    HasCustomEventSelectors: trail.hasCustomEventSelectors,
    HasInsightSelectors: false,
    IsOrganizationTrail: trail.isOrganizationTrail,
  };
}

/** CreateTrail/UpdateTrail answer with the trail's configuration, without HomeRegion and the Has* flags. */
export function toApiTrailConfiguration(trail: Trail): Record<string, unknown> {
  const out = toApiTrail(trail);
  delete out.HomeRegion;
  delete out.HasCustomEventSelectors;
  delete out.HasInsightSelectors;
  return out;
}
