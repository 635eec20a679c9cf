import type { AccessKeyRecord, Principal } from './principal.ts';
import { userArn } from './principal.ts';
import { verifySigV4, type SignedRequest } from './sigv4.ts';

export interface AuthenticatedCall {
  principal: Principal;
  /** The region of a call is its SigV4 credential scope region, as on AWS. */
  region: string;
  service: string;
}

/** Verifies SigV4 against the known access keys (held in memory, decrypted at start). */
export class Authenticator {
  private readonly keys = new Map<string, AccessKeyRecord>();

  constructor(keys: readonly AccessKeyRecord[]) {
    for (const k of keys) this.keys.set(k.accessKeyId, k);
  }

  addKey(key: AccessKeyRecord): void {
    this.keys.set(key.accessKeyId, key);
  }

  authenticate(request: SignedRequest, services: readonly string[], nowMs: number): AuthenticatedCall {
    const verified = verifySigV4(request, {
      services,
      nowMs,
      secretFor: (id) => {
        const key = this.keys.get(id);
        return key && key.status === 'Active' ? key.secretAccessKey : undefined;
      },
    });
    const key = this.keys.get(verified.accessKeyId) as AccessKeyRecord;
    return {
      principal: {
        accountId: key.accountId,
        userName: key.userName,
        userId: key.userId,
        arn: userArn(key.accountId, key.userName, verified.region),
        accessKeyId: key.accessKeyId,
      },
      region: verified.region,
      service: verified.service,
    };
  }
}
