export { GroupCommitter } from './group-commit.ts';
export { parseRecordBatch, decodeUtf8, MAX_RECORDS_PER_REQUEST, type ParsedRecord } from './parse-batch.ts';
export { apiCallEvent, apiCallRecord, camelCaseKeys, formatEventTime, type ApiCall } from './self-audit.ts';
export { ParsePool, INLINE_PARSE_BYTES } from './parse-pool.ts';
