export { GroupCommitter, type CommitObserver, type CommitStats } from './group-commit.ts';
export { parseRecordBatch, decodeUtf8, MAX_RECORDS_PER_REQUEST, type ParsedRecord } from './parse-batch.ts';
export {
  AUDIT_FIELD_MAX_BYTES,
  apiCallEvent,
  apiCallRecord,
  auditField,
  camelCaseKeys,
  formatEventTime,
  type ApiCall,
} from './self-audit.ts';
export { ParsePool, INLINE_PARSE_BYTES } from './parse-pool.ts';
export { RecordingAccounts, type RecordingAccountsDeps } from './recording-accounts.ts';
export {
  auditRecordsOf,
  recoverAuditIntents,
  unknownOutcome,
  type AuditIntent,
  type AuditJournal,
  type AuditOutcome,
  type AuditRecovery,
} from './audit-journal.ts';
export { MemoryAuditJournal } from './memory-audit-journal.ts';
