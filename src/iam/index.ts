export * from './principal.ts';
export * from './sigv4.ts';
export { Authenticator, type AuthenticatedCall } from './authenticator.ts';
export { bootstrapIdentity, ADMIN_USER, CREDENTIALS_PROFILE, type BootstrapResult } from './bootstrap.ts';
export { DuckDbIdentityStore } from './duckdb/duckdb-identity-store.ts';
export * from './file-organizations.ts';
