export * from './principal.ts';
export * from './sigv4.ts';
export { Authenticator, type AuthenticatedCall, type PendingAuthentication } from './authenticator.ts';
export {
  bootstrapIdentity,
  writeCliConfig,
  ADMIN_USER,
  CREDENTIALS_PROFILE,
  type BootstrapResult,
} from './bootstrap.ts';
export type { IdentityStore } from './identity-store.ts';
export * from './authorizer.ts';
