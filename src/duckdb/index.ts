/** The embedded backend: every DuckDB adapter, imported only by the composition root and the CLI. */
export { DuckDbDatabase } from './database.ts';
export { DuckDbEventStore } from './duckdb-event-store.ts';
export { DuckDbTrailStore } from './duckdb-trail-store.ts';
export { DuckDbChannelStore } from './duckdb-channel-store.ts';
export { DuckDbResourcePolicyStore } from './duckdb-resource-policy-store.ts';
export { DuckDbSigningKeyStore } from './duckdb-signing-key-store.ts';
export { DuckDbDigestJournal } from './duckdb-digest-journal.ts';
export { DuckDbIdentityStore } from './duckdb-identity-store.ts';
export { DuckDbKeyLastUseStore } from './duckdb-key-last-use-store.ts';
export { DuckDbLakeStore } from './duckdb-lake-store.ts';
export { DuckDbLakeQueryEngine } from './duckdb-lake-query-engine.ts';
export { DuckDbMfaDeviceStore } from './duckdb-mfa-device-store.ts';
export { DuckDbScpStore } from './duckdb-scp-store.ts';
