import type { AccessKeyRecord, Principal } from './principal.ts';
import { userArn } from './principal.ts';
import { sessionPrincipal, type SessionClaims, type SessionTokens } from './sessions.ts';
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
  /** The long-term key, or the session, the request is signed with. */
  signer: { key: AccessKeyRecord } | { session: SessionClaims };
  /** When the request was received (a key's last use, once the signature holds). */
  nowMs: number;
}

/** When, for which service and Region an access key last signed a request that verified. */
export interface KeyLastUse {
  timeMs: number;
  service: string;
  region: string;
}

/**
 * Verifies SigV4 against the known access keys (held in memory, decrypted at start), in two
 * steps so that the pipeline can refuse a request from its headers before it reads the body.
 */
export class Authenticator {
  private readonly keys = new Map<string, AccessKeyRecord>();
  private readonly lastUses = new Map<string, KeyLastUse>();

  constructor(
    keys: readonly AccessKeyRecord[],
    private readonly sessions?: SessionTokens,
  ) {
    for (const k of keys) this.keys.set(k.accessKeyId, k);
  }

  addKey(key: AccessKeyRecord): void {
    this.keys.set(key.accessKeyId, key);
  }

  /** A key set Inactive signs nothing from the next request on; a renamed user keeps its keys. */
  updateKey(accessKeyId: string, change: { status?: 'Active' | 'Inactive'; userName?: string }): void {
    const key = this.keys.get(accessKeyId);
    if (key) this.keys.set(accessKeyId, { ...key, ...change });
  }

  removeKey(accessKeyId: string): void {
    this.keys.delete(accessKeyId);
    this.lastUses.delete(accessKeyId);
  }

  /** The key's last verified use since the server started (IAM GetAccessKeyLastUsed). */
  lastUse(accessKeyId: string): KeyLastUse | undefined {
    return this.lastUses.get(accessKeyId);
  }

  /** Checks what the headers can prove; throws ServiceError with AWS's code when they do not hold. */
  begin(head: SignedRequestHead, services: readonly string[], nowMs: number): PendingAuthentication {
    let session: SessionClaims | undefined;
    const sessions = this.sessions;
    const signature = beginSigV4(head, {
      services,
      nowMs,
      secretFor: (id) => {
        const key = this.keys.get(id);
        return key && key.status === 'Active' ? key.secretAccessKey : undefined;
      },
      ...(sessions
        ? {
            sessionSecretFor: (id: string, token: string) => {
              session = sessions.resolve(id, token, nowMs);
              return session.secretAccessKey;
            },
          }
        : {}),
    });
    return {
      signature,
      signer: session ? { session } : { key: this.keys.get(signature.caller.accessKeyId) as AccessKeyRecord },
      nowMs,
    };
  }

  /** Finishes the check given the SHA-256 (hex) of the body as received. */
  complete(pending: PendingAuthentication, bodyHash: string): AuthenticatedCall {
    const verified = completeSigV4(pending.signature, bodyHash);
    if ('key' in pending.signer) {
      const { service, region } = verified;
      this.lastUses.set(pending.signer.key.accessKeyId, { timeMs: pending.nowMs, service, region });
    }
    const principal =
      'session' in pending.signer
        ? sessionPrincipal(pending.signer.session)
        : principalOf(pending.signer.key, verified);
    return { principal, region: verified.region, service: verified.service };
  }

  authenticate(request: SignedRequest, services: readonly string[], nowMs: number): AuthenticatedCall {
    return this.complete(this.begin(request, services, nowMs), sha256Hex(request.body));
  }
}

function principalOf(key: AccessKeyRecord, verified: VerifiedCaller): Principal {
  return {
    accountId: key.accountId,
    userName: key.userName,
    userId: key.userId,
    arn: userArn(key.accountId, key.userName, verified.region),
    accessKeyId: key.accessKeyId,
  };
}
