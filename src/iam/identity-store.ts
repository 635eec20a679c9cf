import type { IamStore } from './iam-service.ts';
import type { AccessKeyRecord } from './principal.ts';

/**
 * Where accounts, IAM users, groups, roles, managed policies and access keys persist (secrets
 * sealed at rest by the adapter). `writeIam` applies a batch in one transaction.
 */
export interface IdentityStore extends IamStore {
  listAccounts(): Promise<string[]>;
  createAccount(accountId: string, nowMs: number): Promise<void>;
  /** When the account was created (the `nowMs` it was created with), or undefined if it does not exist. */
  accountCreatedMs(accountId: string): Promise<number | undefined>;
  createUserWithKey(key: AccessKeyRecord, nowMs: number): Promise<void>;
  /**
   * Stores the root user's bootstrap key (`userName` ROOT_USER_NAME) and notes when the account was
   * given it, in one transaction; a root key deleted later is then not issued again.
   */
  issueRootKey(key: AccessKeyRecord, nowMs: number): Promise<void>;
  /** When the account was given its root key, or undefined if never (an older data directory). */
  rootKeyIssuedMs(accountId: string): Promise<number | undefined>;
  /** Every access key, the root user's (ROOT_USER_NAME, principal ID the account ID) included. */
  listAccessKeys(): Promise<AccessKeyRecord[]>;
}
