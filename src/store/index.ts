export * from './event-store.ts';
export { DuckDbDatabase } from './duckdb/database.ts';
export { DuckDbEventStore } from './duckdb/duckdb-event-store.ts';
export { DuckDbTrailStore } from './duckdb/duckdb-trail-store.ts';
export { DuckDbChannelStore } from './duckdb/duckdb-channel-store.ts';
export { DuckDbSigningKeyStore } from './duckdb/duckdb-signing-key-store.ts';
export { DuckDbDigestJournal } from './duckdb/duckdb-digest-journal.ts';
export { DuckDbLakeStore, consumerOf as lakeConsumerOf } from './duckdb/duckdb-lake-store.ts';
