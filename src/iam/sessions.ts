/**
 * Temporary security credentials (STS): an `ASIA…` access key, its secret, and a session token
 * that carries the session itself — who it is for, when it expires, whether and when MFA was
 * verified — sealed by the KeyProvider, so any node holding the master key can verify it and
 * nothing about sessions is stored. A token that was changed does not open; one past its
 * expiry answers ExpiredTokenException, as AWS does.
 */
import { randomBytes } from 'node:crypto';
import { ServiceError } from '../errors.ts';
import type { KeyProvider } from '../kms/index.ts';
import { newSecretAccessKey, type AssumedRole, type Principal } from './principal.ts';

const SEAL_CONTEXT = 'sts-session-token';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** What a session token says; `secretAccessKey` signs the session's requests. */
export interface SessionClaims {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  userName: string;
  userId: string;
  arn: string;
  issuedMs: number;
  expiresMs: number;
  /** When an MFA code was verified for this session (GetSessionToken with SerialNumber/TokenCode). */
  mfaAuthenticatedMs?: number;
  /** The long-term access key the session was made with. */
  sourceAccessKeyId: string;
  /** A role session (AssumeRole): the role, the session name; its tags and session policies. */
  role?: AssumedRole;
  tags?: Record<string, string>;
  policy?: string;
  policyArns?: string[];
}

/** What AssumeRole adds to a session besides its principal and lifetime. */
export interface RoleSessionOptions {
  role: AssumedRole;
  tags?: Record<string, string>;
  policy?: string;
  policyArns?: string[];
}

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresMs: number;
}

export function newSessionAccessKeyId(): string {
  let out = 'ASIA';
  for (const byte of randomBytes(16)) out += BASE32[byte % 32];
  return out;
}

const INVALID = 'The security token included in the request is invalid.';

export class SessionTokens {
  constructor(private readonly keys: KeyProvider) {}

  issue(
    principal: Principal,
    options: {
      nowMs: number;
      durationS: number;
      mfaAuthenticatedMs?: number;
      /** For AssumeRole: `principal` is the role session's; the key it was made with is `sourceAccessKeyId`. */
      roleSession?: RoleSessionOptions;
      sourceAccessKeyId?: string;
    },
  ): SessionCredentials {
    const roleSession = options.roleSession;
    const claims: SessionClaims = {
      accessKeyId: newSessionAccessKeyId(),
      secretAccessKey: newSecretAccessKey(),
      accountId: principal.accountId,
      userName: principal.userName,
      userId: principal.userId,
      arn: principal.arn,
      issuedMs: options.nowMs,
      expiresMs: options.nowMs + options.durationS * 1000,
      ...(options.mfaAuthenticatedMs !== undefined ? { mfaAuthenticatedMs: options.mfaAuthenticatedMs } : {}),
      sourceAccessKeyId:
        options.sourceAccessKeyId ?? principal.session?.sourceAccessKeyId ?? principal.accessKeyId,
      ...(roleSession ? { role: roleSession.role } : {}),
      ...(roleSession?.tags && Object.keys(roleSession.tags).length > 0 ? { tags: roleSession.tags } : {}),
      ...(roleSession?.policy !== undefined ? { policy: roleSession.policy } : {}),
      ...(roleSession?.policyArns && roleSession.policyArns.length > 0
        ? { policyArns: roleSession.policyArns }
        : {}),
    };
    return {
      accessKeyId: claims.accessKeyId,
      secretAccessKey: claims.secretAccessKey,
      sessionToken: this.keys.seal(JSON.stringify(claims), SEAL_CONTEXT),
      expiresMs: claims.expiresMs,
    };
  }

  /**
   * The session a token presented with `accessKeyId` stands for; UnrecognizedClientException for
   * a token that does not open or was made for another key, ExpiredTokenException past expiry.
   */
  resolve(accessKeyId: string, token: string, nowMs: number): SessionClaims {
    let claims: SessionClaims;
    try {
      claims = JSON.parse(this.keys.open(token, SEAL_CONTEXT)) as SessionClaims;
    } catch {
      throw new ServiceError('UnrecognizedClientException', INVALID);
    }
    if (claims.accessKeyId !== accessKeyId) throw new ServiceError('UnrecognizedClientException', INVALID);
    if (nowMs >= claims.expiresMs) {
      throw new ServiceError(
        'ExpiredTokenException',
        'The security token included in the request is expired',
      );
    }
    return claims;
  }
}

/**
 * The principal of a session: the user it was made for, or the role session AssumeRole made
 * (arn:aws:sts::<account>:assumed-role/<role>/<session>, principal ID `<RoleId>:<session>`),
 * signing with the session's key.
 */
export function sessionPrincipal(claims: SessionClaims): Principal {
  return {
    accountId: claims.accountId,
    userName: claims.userName,
    userId: claims.userId,
    arn: claims.arn,
    accessKeyId: claims.accessKeyId,
    session: {
      issuedMs: claims.issuedMs,
      expiresMs: claims.expiresMs,
      sourceAccessKeyId: claims.sourceAccessKeyId,
      ...(claims.mfaAuthenticatedMs !== undefined ? { mfaAuthenticatedMs: claims.mfaAuthenticatedMs } : {}),
      ...(claims.role ? { role: claims.role } : {}),
      ...(claims.tags ? { tags: claims.tags } : {}),
      ...(claims.policy !== undefined ? { policy: claims.policy } : {}),
      ...(claims.policyArns ? { policyArns: claims.policyArns } : {}),
    },
  };
}
