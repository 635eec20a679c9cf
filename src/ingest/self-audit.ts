/**
 * Self-audit: every call to OpenTrail's own API becomes a CloudTrail record, written the way
 * AWS CloudTrail records calls to itself (eventSource cloudtrail.amazonaws.com).
 */
import {
  CURRENT_EVENT_VERSION,
  lookupFieldsOf,
  type CloudTrailRecord,
  type EventCategory,
} from '../events/index.ts';
import type { Principal } from '../iam/index.ts';
import type { NewEvent } from '../store/index.ts';

export interface ApiCall {
  principal: Principal;
  region: string;
  eventSource: string;
  eventName: string;
  readOnly: boolean;
  category: EventCategory;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  errorCode?: string;
  errorMessage?: string;
  sourceIPAddress: string;
  userAgent: string;
  requestId: string;
  eventId: string;
  timeMs: number;
  resources?: { ARN: string; accountId: string; type: string }[];
  tlsDetails?: CloudTrailRecord['tlsDetails'];
}

/** CloudTrail writes eventTime to the second. */
export function formatEventTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** AWS writes requestParameters with lower-camel-case member names. */
export function camelCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCaseKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k.length > 0 ? k[0]!.toLowerCase() + k.slice(1) : k] = camelCaseKeys(v);
  }
  return out;
}

export function apiCallRecord(call: ApiCall): CloudTrailRecord {
  const record: CloudTrailRecord = {
    eventVersion: CURRENT_EVENT_VERSION,
    userIdentity: {
      type: 'IAMUser',
      principalId: call.principal.userId,
      arn: call.principal.arn,
      accountId: call.principal.accountId,
      accessKeyId: call.principal.accessKeyId,
      userName: call.principal.userName,
    },
    eventTime: formatEventTime(call.timeMs),
    eventSource: call.eventSource,
    eventName: call.eventName,
    awsRegion: call.region,
    sourceIPAddress: call.sourceIPAddress,
    userAgent: call.userAgent,
    ...(call.errorCode !== undefined
      ? { errorCode: call.errorCode, errorMessage: call.errorMessage ?? '' }
      : {}),
    requestParameters: call.requestParameters,
    responseElements: call.responseElements,
    requestID: call.requestId,
    eventID: call.eventId,
    readOnly: call.readOnly,
    ...(call.resources ? { resources: call.resources } : {}),
    eventType: 'AwsApiCall',
    managementEvent: call.category === 'Management',
    recipientAccountId: call.principal.accountId,
    eventCategory: call.category,
    ...(call.tlsDetails ? { tlsDetails: call.tlsDetails } : {}),
  };
  return record;
}

export function apiCallEvent(call: ApiCall): NewEvent {
  const record = apiCallRecord(call);
  return {
    eventId: call.eventId,
    accountId: call.principal.accountId,
    region: call.region,
    eventTimeMs: Math.floor(call.timeMs / 1000) * 1000,
    category: call.category,
    raw: JSON.stringify(record),
    ...lookupFieldsOf(record),
  };
}
