/**
 * The CloudTrail record (eventVersion 1.11), as documented in "CloudTrail record contents for
 * management, data, and network activity events" and "CloudTrail userIdentity element".
 * Fields OpenTrail does not know are kept as they are: AWS adds fields over time and a record
 * must survive a round trip byte for byte.
 */

export const CURRENT_EVENT_VERSION = '1.11';

export const EVENT_TYPES = [
  'AwsApiCall',
  'AwsServiceEvent',
  'AwsConsoleAction',
  'AwsConsoleSignIn',
  'AwsVpceEvent',
  'AwsCloudTrailInsight',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const EVENT_CATEGORIES = ['Management', 'Data', 'Insight', 'NetworkActivity'] as const;
export type EventCategory = (typeof EVENT_CATEGORIES)[number];

export const IDENTITY_TYPES = [
  'Root',
  'IAMUser',
  'AssumedRole',
  'Role',
  'FederatedUser',
  'Directory',
  'AWSAccount',
  'AWSService',
  'IdentityCenterUser',
  'SAMLUser',
  'WebIdentityUser',
  'Unknown',
] as const;
export type IdentityType = (typeof IDENTITY_TYPES)[number];

export interface SessionIssuer {
  type?: string;
  principalId?: string;
  arn?: string;
  accountId?: string;
  userName?: string;
}

export interface SessionContext {
  sessionIssuer?: SessionIssuer;
  webIdFederationData?: { federatedProvider?: string; attributes?: Record<string, unknown> };
  attributes?: { creationDate?: string; mfaAuthenticated?: string };
  sourceIdentity?: string;
  ec2RoleDelivery?: string;
  assumedRoot?: string;
}

export interface UserIdentity {
  type?: IdentityType | (string & {});
  principalId?: string;
  arn?: string;
  accountId?: string;
  accessKeyId?: string;
  userName?: string;
  invokedBy?: string;
  sessionContext?: SessionContext;
  identityProvider?: string;
  credentialId?: string;
  onBehalfOf?: { userId?: string; identityStoreArn?: string };
  inScopeOf?: {
    sourceArn?: string;
    sourceAccount?: string;
    issuerType?: string;
    credentialsIssuedTo?: string;
  };
  [extra: string]: unknown;
}

export interface RecordResource {
  ARN?: string;
  accountId?: string;
  type?: string;
  [extra: string]: unknown;
}

export interface InsightDetails {
  state?: 'Start' | 'End';
  eventSource?: string;
  eventName?: string;
  insightType?: 'ApiCallRateInsight' | 'ApiErrorRateInsight';
  errorCode?: string;
  insightContext?: Record<string, unknown>;
}

export interface CloudTrailRecord {
  eventVersion: string;
  userIdentity?: UserIdentity;
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  sourceIPAddress?: string;
  userAgent?: string;
  errorCode?: string;
  errorMessage?: string;
  requestParameters?: Record<string, unknown> | null;
  responseElements?: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
  requestID?: string;
  eventID: string;
  eventType: EventType | (string & {});
  apiVersion?: string;
  managementEvent?: boolean;
  readOnly?: boolean;
  resources?: RecordResource[];
  recipientAccountId: string;
  serviceEventDetails?: Record<string, unknown>;
  sharedEventID?: string;
  vpcEndpointId?: string;
  vpcEndpointAccountId?: string;
  eventCategory: EventCategory;
  addendum?: Record<string, unknown>;
  sessionCredentialFromConsole?: string;
  edgeDeviceDetails?: Record<string, unknown>;
  tlsDetails?: { tlsVersion?: string; cipherSuite?: string; clientProvidedHostHeader?: string };
  insightDetails?: InsightDetails;
  [extra: string]: unknown;
}
