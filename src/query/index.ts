export * from './event-data-store.ts';
export { EventDataStoreRegistry, type Caller } from './event-data-store-registry.ts';
export * from './channels.ts';
export { ChannelRegistry } from './channel-registry.ts';
export { LakeIngestion, DEFAULT_LAKE_INGESTION_OPTIONS } from './lake-ingestion.ts';
export type { LakeStore, QueryRecord, StoreSize } from './lake-store.ts';
export {
  QueryService,
  QueryTimedOut,
  DEFAULT_QUERY_OPTIONS,
  type LakeQueryEngine,
  type ExecuteOptions,
} from './queries.ts';
export {
  DEFAULT_IMPORT_OPTIONS,
  HISTORY_SOURCE_URI,
  ImportService,
  isImportableLogFile,
  parseS3Uri,
} from './imports.ts';
export type { ImportRecord, ImportStatus } from './lake-store.ts';
