import type { AccessKeyRecord, Principal } from './principal.ts';
import { userArn } from './principal.ts';
import {
  beginSigV4,
  completeSigV4,
  sha256Hex,
  type PendingSignature,
  type SignedRequest,
  type SignedRequestHead,
  type VerifiedCaller,
} from './sigv4.ts';

export interface AuthenticatedCall {
  principal: Principal;
  /** The region of a call is its SigV4 credential scope region, as on AWS. */
  region: string;
  service: string;
}

/** A request whose headers passed; its signature over the body is still to be checked. */
export interface PendingAuthentication {
  signature: PendingSignature;
  key: AccessKeyRecord;
}

/**
 * Verifies SigV4 against the known access keys (held in memory, decrypted at start), in two
 * steps so that the pipeline can refuse a request from its headers before it reads the body.
 */
export class Authenticator {
  private readonly keys = new Map<string, AccessKeyRecord>();

  constructor(keys: readonly AccessKeyRecord[]) {
    for (const k of keys) this.keys.set(k.accessKeyId, k);
  }

  addKey(key: AccessKeyRecord): void {
    this.keys.set(key.accessKeyId, key);
  }

  /** Checks what the headers can prove; throws ServiceError with AWS's code when they do not hold. */
  begin(head: SignedRequestHead, services: readonly string[], nowMs: number): PendingAuthentication {
    const signature = beginSigV4(head, {
      services,
      nowMs,
      secretFor: (id) => {
        const key = this.keys.get(id);
        return key && key.status === 'Active' ? key.secretAccessKey : undefined;
      },
    });
    return { signature, key: this.keys.get(signature.caller.accessKeyId) as AccessKeyRecord };
  }

  /** Finishes the check given the SHA-256 (hex) of the body as received. */
  complete(pending: PendingAuthentication, bodyHash: string): AuthenticatedCall {
    return callOf(pending.key, completeSigV4(pending.signature, bodyHash));
  }

  authenticate(request: SignedRequest, services: readonly string[], nowMs: number): AuthenticatedCall {
    return this.complete(this.begin(request, services, nowMs), sha256Hex(request.body));
  }
}

function callOf(key: AccessKeyRecord, verified: VerifiedCaller): AuthenticatedCall {
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
