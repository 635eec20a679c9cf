import type { AccessKeyRecord } from './principal.ts';

/** Where accounts, users and their access keys persist (secrets sealed at rest by the adapter). */
export interface IdentityStore {
  listAccounts(): Promise<string[]>;
  createAccount(accountId: string, nowMs: number): Promise<void>;
  createUserWithKey(key: AccessKeyRecord, nowMs: number): Promise<void>;
  listAccessKeys(): Promise<AccessKeyRecord[]>;
}
