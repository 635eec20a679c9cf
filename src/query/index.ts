export * from './event-data-store.ts';
export { EventDataStoreRegistry, type Caller } from './event-data-store-registry.ts';
export {
  channelArn,
  channelExistsForStore,
  channelNotFound,
  channelTargets,
  parseChannelRef,
  toApiChannel,
  toApiChannelSummary,
  type Channel,
  type ChannelDestination,
  type ChannelIngestionStatus,
  type ChannelRef,
  type DestinationType,
} from './channel.ts';
export type { ChannelStore } from './channel-store.ts';
export {
  CUSTOM_SOURCE,
  MAX_CHANNELS_PER_REGION,
  MAX_DESTINATIONS,
  PARTNER_SOURCES,
  parseDestinations,
  validateChannelName,
  validateSource,
} from './channel-validation.ts';
export {
  MAX_AUDIT_EVENTS,
  MAX_AUDIT_EVENTS_BYTES,
  parseAuditEvents,
  type AuditEvent,
} from './audit-events.ts';
export {
  ACTIVITY_EVENT_VERSION,
  convertAuditEvent,
  eventDataChecksum,
  type AuditEventContext,
  type AuditEventOutcome,
} from './audit-event-row.ts';
export { ChannelRegistry } from './channel-registry.ts';
export {
  MemoryResourcePolicyStore,
  ResourcePolicies,
  type ResourcePoliciesOptions,
  type ResourcePolicyStore,
  type StoredResourcePolicy,
} from './resource-policies.ts';
export {
  MAX_POLICY_STATEMENTS,
  MAX_RESOURCE_POLICY_CHARS,
  MAX_STATEMENT_PRINCIPALS,
  POLICY_RESOURCE_TYPES,
  RESOURCE_POLICY_ACTIONS,
  checkResourcePolicy,
  type PolicyResourceType,
} from './resource-policy-validation.ts';
export { LakeIngestion, DEFAULT_LAKE_INGESTION_OPTIONS } from './lake-ingestion.ts';
export type { LakeStore, QueryRecord, StoreSize } from './lake-store.ts';
export {
  QueryService,
  QueryTimedOut,
  DEFAULT_QUERY_OPTIONS,
  type LakeQueryEngine,
  type ExecuteOptions,
  type SharedStoreAccess,
} from './queries.ts';
export { ImportService } from './import-service.ts';
export { DEFAULT_IMPORT_OPTIONS, type ImportOptions } from './log-file-import.ts';
export { HISTORY_SOURCE_URI, parseS3Uri } from './import-source.ts';
export { isImportableLogFile } from './bucket-log-files.ts';
export type { ImportRecord, ImportStatus } from './lake-store.ts';
