/** Every operation in the CloudTrail service model (2013-11-01), for routing and self-audit. */
export const CLOUDTRAIL_OPERATIONS = [
  'AddTags',
  'CancelQuery',
  'CreateChannel',
  'CreateDashboard',
  'CreateEventDataStore',
  'CreateTrail',
  'DeleteChannel',
  'DeleteDashboard',
  'DeleteEventDataStore',
  'DeleteResourcePolicy',
  'DeleteTrail',
  'DeregisterOrganizationDelegatedAdmin',
  'DescribeQuery',
  'DescribeTrails',
  'DisableFederation',
  'EnableFederation',
  'GenerateQuery',
  'GetChannel',
  'GetDashboard',
  'GetEventConfiguration',
  'GetEventDataStore',
  'GetEventSelectors',
  'GetImport',
  'GetInsightSelectors',
  'GetQueryResults',
  'GetResourcePolicy',
  'GetTrail',
  'GetTrailStatus',
  'ListChannels',
  'ListDashboards',
  'ListEventDataStores',
  'ListImportFailures',
  'ListImports',
  'ListInsightsData',
  'ListInsightsMetricData',
  'ListPublicKeys',
  'ListQueries',
  'ListTags',
  'ListTrails',
  'LookupEvents',
  'PutEventConfiguration',
  'PutEventSelectors',
  'PutInsightSelectors',
  'PutResourcePolicy',
  'RegisterOrganizationDelegatedAdmin',
  'RemoveTags',
  'RestoreEventDataStore',
  'SearchSampleQueries',
  'StartDashboardRefresh',
  'StartEventDataStoreIngestion',
  'StartImport',
  'StartLogging',
  'StartQuery',
  'StopEventDataStoreIngestion',
  'StopImport',
  'StopLogging',
  'UpdateChannel',
  'UpdateDashboard',
  'UpdateEventDataStore',
  'UpdateTrail',
] as const;

export type CloudTrailOperation = (typeof CLOUDTRAIL_OPERATIONS)[number];

/**
 * X-Amz-Target prefixes: the model's targetPrefix (botocore, AWS CLI) and the bare service shape
 * name that newer AWS SDKs for JavaScript send.
 */
export const CLOUDTRAIL_TARGET_PREFIXES = [
  'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.',
  'CloudTrail_20131101.',
] as const;

export function operationOfTarget(target: string | undefined): string | undefined {
  if (target === undefined) return undefined;
  for (const prefix of CLOUDTRAIL_TARGET_PREFIXES) {
    if (target.startsWith(prefix)) return target.slice(prefix.length);
  }
  return undefined;
}

/** Read-only operations are recorded with readOnly true, as AWS records them. */
export function isReadOnlyOperation(name: string): boolean {
  return /^(Get|List|Describe|Lookup)/.test(name);
}
