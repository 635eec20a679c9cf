import { KeyLastUses, type KeyLastUse } from './key-last-uses.ts';
import type { AccessKeyRecord, Principal } from './principal.ts';
import { ROOT_USER_NAME, rootArn, userArn } from './principal.ts';
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

export type { KeyLastUse } from './key-last-uses.ts';

/**
 * Verifies SigV4 against the known access keys (held in memory, decrypted at start), in two
 * steps so that the pipeline can refuse a request from its headers before it reads the body.
 */
export class Authenticator {
  private readonly keys = new Map<string, AccessKeyRecord>();

  constructor(
    keys: readonly AccessKeyRecord[],
    private readonly sessions?: SessionTokens,
    /** Where verified uses of long-term keys are kept (persisted when it has a store). */
    private readonly lastUses: KeyLastUses = new KeyLastUses(),
  ) {
    for (const k of keys) this.keys.set(k.accessKeyId, k);
  }

  addKey(key: AccessKeyRecord): void {
    this.keys.set(key.accessKeyId, key);
  }

  /**
   * A key set Inactive signs nothing from the next request on; a renamed or moved user keeps its
   * keys, and its calls carry the new name and path from the next request on.
   */
  updateKey(
    accessKeyId: string,
    change: { status?: 'Active' | 'Inactive'; userName?: string; path?: string },
  ): void {
    const key = this.keys.get(accessKeyId);
    if (key) this.keys.set(accessKeyId, { ...key, ...change });
  }

  removeKey(accessKeyId: string): void {
    this.keys.delete(accessKeyId);
    this.lastUses.forget(accessKeyId);
  }

  /** The key's last verified use, to the minute (IAM GetAccessKeyLastUsed). */
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
      this.lastUses.record(pending.signer.key.accessKeyId, { timeMs: pending.nowMs, service, region });
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
  if (key.userName === ROOT_USER_NAME) {
    // The root user: its ARN names the account, and its principal ID is the account ID.
    return {
      accountId: key.accountId,
      userName: ROOT_USER_NAME,
      userId: key.accountId,
      arn: rootArn(key.accountId, verified.region),
      accessKeyId: key.accessKeyId,
    };
  }
  return {
    accountId: key.accountId,
    userName: key.userName,
    userId: key.userId,
    arn: userArn(key.accountId, key.userName, verified.region, key.path),
    accessKeyId: key.accessKeyId,
  };
}
