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
import { isRootPrincipal, type Principal, type SessionContext } from '../iam/index.ts';
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
  /** The record's additionalEventData ("data about the event that was not part of the request or response"). */
  additionalEventData?: Record<string, string>;
  errorCode?: string;
  errorMessage?: string;
  sourceIPAddress: string;
  userAgent: string;
  requestId: string;
  eventId: string;
  timeMs: number;
  resources?: { ARN: string; accountId: string; type: string }[];
  tlsDetails?: CloudTrailRecord['tlsDetails'];
  /**
   * The account the record is delivered to; the caller's when absent. A call on another account's
   * resource is recorded in both ("CloudTrail record contents": recipientAccountId), the resource
   * owner's copy naming the caller as another AWS account (userIdentity type AWSAccount).
   */
  recipientAccountId?: string;
  /** The GUID shared by the records of one call delivered to several accounts (sharedEventID). */
  sharedEventId?: string;
}

/** CloudTrail writes eventTime to the second. */
export function formatEventTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * AWS: "CloudTrail truncates a field if the field's contents exceed the maximum field size. If a
 * field is truncated, omitted is present with a value of true." requestParameters and
 * responseElements are at most 100 KB.
 */
export const AUDIT_FIELD_MAX_BYTES = 100 * 1024;
/** Members nested deeper than this are left out of an audit field (and `omitted` is set). */
export const AUDIT_FIELD_MAX_DEPTH = 32;
/** A member of a field cut for size is kept when it is at most this big on its own. */
const KEPT_MEMBER_MAX_BYTES = 1024;

/**
 * A copy with lower-camel-case member names, as AWS writes requestParameters, down to `maxDepth`
 * levels; `cut.value` is set when something deeper was left out. The recursion is bounded by
 * `maxDepth`, whatever the input's depth.
 */
function camelCopy(value: unknown, depth: number, maxDepth: number, cut: { value: boolean }): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= maxDepth) {
    cut.value = true;
    return undefined;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      const copied = camelCopy(item, depth + 1, maxDepth, cut);
      if (copied !== undefined) out.push(copied);
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const copied = camelCopy(v, depth + 1, maxDepth, cut);
    if (copied !== undefined) out[k.length > 0 ? k[0]!.toLowerCase() + k.slice(1) : k] = copied;
  }
  return out;
}

/** AWS writes requestParameters with lower-camel-case member names (bounded in depth). */
export function camelCaseKeys(value: unknown): unknown {
  return camelCopy(value, 0, AUDIT_FIELD_MAX_DEPTH, { value: false });
}

/**
 * requestParameters or responseElements as the audit record carries them: lower camel case, at
 * most AUDIT_FIELD_MAX_DEPTH deep and AUDIT_FIELD_MAX_BYTES long. A field over the size keeps its
 * small top-level members (a trail's name, an ID) and says `omitted: true`. Never throws on
 * attacker-shaped input, so a call's record can always be made.
 */
export function auditField(value: Record<string, unknown> | null): Record<string, unknown> | null {
  if (value === null) return null;
  const cut = { value: false };
  const copied = camelCopy(value, 0, AUDIT_FIELD_MAX_DEPTH, cut) as Record<string, unknown>;
  let field = cut.value ? { ...copied, omitted: true } : copied;
  if (Buffer.byteLength(JSON.stringify(field)) > AUDIT_FIELD_MAX_BYTES) {
    const kept: Record<string, unknown> = {};
    let size = 0;
    for (const [k, v] of Object.entries(copied)) {
      const bytes = Buffer.byteLength(JSON.stringify(v) ?? '') + Buffer.byteLength(k) + 4;
      if (bytes > KEPT_MEMBER_MAX_BYTES || size + bytes > AUDIT_FIELD_MAX_BYTES - 64) continue;
      kept[k] = v;
      size += bytes;
    }
    field = { ...kept, omitted: true };
  }
  return field;
}

/**
 * userIdentity.sessionContext of temporary credentials, as CloudTrail writes it: for a role
 * session the role that issued it (sessionIssuer type Role), when the session was made and
 * whether MFA was verified (strings, as AWS writes them).
 */
function sessionContextOf(principal: Principal, session: SessionContext): Record<string, unknown> {
  const role = session.role;
  return {
    sessionIssuer: role
      ? {
          type: 'Role',
          principalId: role.roleId,
          arn: role.roleArn,
          accountId: principal.accountId,
          userName: role.roleName,
        }
      : {},
    webIdFederationData: {},
    attributes: {
      creationDate: formatEventTime(session.issuedMs),
      mfaAuthenticated: session.mfaAuthenticatedMs !== undefined ? 'true' : 'false',
    },
  };
}

/**
 * userIdentity: an IAM user (with sessionContext for its sessions), a role session (AssumedRole, no
 * userName) or the account's root user (Root: principalId the account ID, no userName — CloudTrail
 * writes one only for an account alias).
 */
function userIdentityOf(principal: Principal): CloudTrailRecord['userIdentity'] {
  const session = principal.session;
  if (isRootPrincipal(principal)) {
    return {
      type: 'Root',
      principalId: principal.accountId,
      arn: principal.arn,
      accountId: principal.accountId,
      accessKeyId: principal.accessKeyId,
      ...(session ? { sessionContext: sessionContextOf(principal, session) } : {}),
    };
  }
  if (session?.role) {
    return {
      type: 'AssumedRole',
      principalId: principal.userId,
      arn: principal.arn,
      accountId: principal.accountId,
      accessKeyId: principal.accessKeyId,
      sessionContext: sessionContextOf(principal, session),
    };
  }
  return {
    type: 'IAMUser',
    principalId: principal.userId,
    arn: principal.arn,
    accountId: principal.accountId,
    accessKeyId: principal.accessKeyId,
    userName: principal.userName,
    ...(session ? { sessionContext: sessionContextOf(principal, session) } : {}),
  };
}

/**
 * The caller as the owner of a resource it reached from another account sees it: "AWSAccount –
 * The request was made by another AWS account" (CloudTrail userIdentity element), with its
 * principal ID and account only.
 */
function otherAccountIdentityOf(principal: Principal): CloudTrailRecord['userIdentity'] {
  return { type: 'AWSAccount', principalId: principal.userId, accountId: principal.accountId };
}

export function apiCallRecord(call: ApiCall): CloudTrailRecord {
  const recipient = call.recipientAccountId ?? call.principal.accountId;
  const record: CloudTrailRecord = {
    eventVersion: CURRENT_EVENT_VERSION,
    userIdentity:
      recipient === call.principal.accountId
        ? userIdentityOf(call.principal)
        : otherAccountIdentityOf(call.principal),
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
    ...(call.additionalEventData ? { additionalEventData: call.additionalEventData } : {}),
    requestID: call.requestId,
    eventID: call.eventId,
    readOnly: call.readOnly,
    ...(call.resources ? { resources: call.resources } : {}),
    eventType: 'AwsApiCall',
    managementEvent: call.category === 'Management',
    recipientAccountId: recipient,
    ...(call.sharedEventId !== undefined ? { sharedEventID: call.sharedEventId } : {}),
    eventCategory: call.category,
    ...(call.tlsDetails ? { tlsDetails: call.tlsDetails } : {}),
  };
  return record;
}

export function apiCallEvent(call: ApiCall): NewEvent {
  const record = apiCallRecord(call);
  return {
    eventId: call.eventId,
    accountId: call.recipientAccountId ?? call.principal.accountId,
    region: call.region,
    eventTimeMs: Math.floor(call.timeMs / 1000) * 1000,
    category: call.category,
    raw: JSON.stringify(record),
    ...lookupFieldsOf(record),
  };
}
