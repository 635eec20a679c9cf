export {
  deliveryConsumer,
  toApiTrail,
  toApiTrailConfiguration,
  type Trail,
  type TrailStatus,
} from './trail.ts';
export type { TrailStore } from './trail-store.ts';
export {
  GLOBAL_SERVICE_REGION,
  GLOBAL_SERVICE_SOURCES,
  isGlobalServiceEvent,
  trailCovers,
  validateMultiRegionGlobalEvents,
  type ScopedEvent,
} from './trail-scope.ts';
export { parseTrailRef, trailArn, validateTrailName, type TrailRef } from './trail-names.ts';
export {
  MAX_TRAILS_PER_REGION,
  maximumTrailsExceeded,
  trailAlreadyExists,
  trailNotFound,
} from './trail-errors.ts';
export { validateS3BucketName, validateS3KeyPrefix } from './s3-location.ts';
export { snsTopicArn, validateSnsTopicName } from './sns-topic.ts';
export { kmsKeyArn, validateKmsKeyId } from './kms-key-id.ts';
export { validateCloudWatchLogs } from './cloudwatch-logs-settings.ts';
export {
  BASIC_DATA_RESOURCE_TYPES,
  EXCLUDABLE_MANAGEMENT_EVENT_SOURCES,
  MAX_DATA_RESOURCE_VALUES,
  MAX_EVENT_SELECTORS,
  READ_WRITE_TYPES,
  compileSelection,
  defaultSelection,
  parseSelectionInput,
  selectsAllManagementOnly,
  type AdvancedEventSelector,
  type AdvancedFieldSelector,
  type DataResource,
  type EventSelector,
  type ReadWriteType,
  type TrailSelection,
} from './event-selectors.ts';
export {
  MemoryOrganizations,
  isOrganizationId,
  organizationAccounts,
  type DelegatedAdministrator,
  type Organization,
  type OrganizationStore,
  type Organizations,
} from './organizations.ts';
export {
  CLOUDTRAIL_SERVICE_PRINCIPAL,
  MAX_CLOUDTRAIL_DELEGATED_ADMINISTRATORS,
  cloudTrailDelegatedAdministrators,
  delegatingOrganization,
  isDelegatedAdministrator,
  managedOrganization,
  onlyManagementConverts,
  withDelegatedAdministrator,
  withoutDelegatedAdministrator,
} from './delegated-administrators.ts';
export { TrailRegistry, type CallerScope } from './trail-registry.ts';
export { MemoryTrailStore } from './memory-trail-store.ts';
