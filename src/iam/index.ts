export * from './principal.ts';
export * from './sigv4.ts';
export {
  Authenticator,
  type AuthenticatedCall,
  type KeyLastUse,
  type PendingAuthentication,
} from './authenticator.ts';
export { KeyLastUses, type KeyLastUseStore, type KeyLastUsesOptions } from './key-last-uses.ts';
export {
  bootstrapIdentity,
  ensureAdminAccess,
  newAdminKey,
  newRootKey,
  writeCliConfig,
  ADMIN_USER,
  CREDENTIALS_FILE,
  CREDENTIALS_PROFILE,
  ROOT_CREDENTIALS_FILE,
  ROOT_CREDENTIALS_PROFILE,
  type BootstrapResult,
} from './bootstrap.ts';
export type { IdentityStore } from './identity-store.ts';
export * from './iam-entities.ts';
export * from './iam-errors.ts';
export {
  IamService,
  IAM_QUOTAS,
  page,
  policySize,
  type IamCall,
  type IamStore,
  type IdentityKind,
  type KeyRegistry,
  type Page,
  type PolicyDocumentCheck,
} from './iam-service.ts';
export { AWS_MANAGED_POLICY_ENTITIES, checkPolicyGrammar } from './aws-managed-policies.ts';
export * from './authorizer.ts';
export {
  IamCallerPolicies,
  PolicyAuthorizer,
  type CallerPolicies,
  type CallerPolicySource,
  type PolicyAuthorizerOptions,
} from './policy-authorizer.ts';
export {
  SessionTokens,
  newSessionAccessKeyId,
  sessionPrincipal,
  type RoleSessionOptions,
  type SessionClaims,
  type SessionCredentials,
} from './sessions.ts';
export { base32Seed, newMfaSeed, otpauthUri, totpCode, verifyTotp } from './totp.ts';
export {
  MAX_MFA_DEVICES_PER_USER,
  MfaDevices,
  type MfaDeviceStore,
  type VirtualMfaDevice,
} from './mfa-devices.ts';
export {
  FULL_AWS_ACCESS_ARN,
  FULL_AWS_ACCESS_ID,
  MAX_SCP_CHARACTERS,
  MemoryScpStore,
  SERVICE_CONTROL_POLICY,
  ServiceControlPolicies,
  type OrganizationScps,
  type OrganizationSummary,
  type PolicySummary,
  type PolicyTargetSummary,
  type RootSummary,
  type ScpStore,
  type ServiceControlPolicy,
} from './service-control-policies.ts';
