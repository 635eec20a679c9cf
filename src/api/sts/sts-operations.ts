/**
 * STS GetCallerIdentity and GetSessionToken (sts 2011-06-15), on the sessions of iam/sessions.ts
 * and the MFA devices of iam/mfa-devices.ts (AssumeRole is in assume-role.ts). Inputs arrive as the query protocol decodes them
 * (member names as the model spells them); outputs are the model's result members.
 */
import { ServiceError } from '../../errors.ts';
import {
  isRootPrincipal,
  type AuthenticatedCall,
  type IamService,
  type MfaDevices,
  type Principal,
  type SessionTokens,
} from '../../iam/index.ts';

export interface StsServices {
  sessions: SessionTokens;
  mfaDevices: MfaDevices;
  /** The roles AssumeRole assumes. */
  iam: IamService;
}

/** GetSessionToken: AWS's bounds and default for an IAM user's session, the root user's cap (seconds). */
export const SESSION_DURATION = { min: 900, max: 129_600, default: 43_200, rootMax: 3600 };

export function getCallerIdentity(caller: AuthenticatedCall): Record<string, unknown> {
  return {
    UserId: caller.principal.userId,
    Account: caller.principal.accountId,
    Arn: caller.principal.arn,
  };
}

function accessDenied(message: string): ServiceError {
  return new ServiceError('AccessDenied', message, { httpStatus: 403 });
}

function optionalString(input: Record<string, unknown>, name: string): string | undefined {
  const value = input[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ServiceError('ValidationError', `${name} must be a string.`);
  return value;
}

/**
 * SerialNumber and TokenCode, when given, verified against the caller's MFA devices: when (now)
 * the code was accepted, or undefined when none was given. AWS's texts for a missing half or a
 * wrong code (AccessDenied).
 */
export async function verifyMfaCode(
  input: Record<string, unknown>,
  principal: Principal,
  nowMs: number,
  services: StsServices,
): Promise<number | undefined> {
  const serialNumber = optionalString(input, 'SerialNumber');
  const tokenCode = optionalString(input, 'TokenCode');
  if (serialNumber !== undefined || tokenCode !== undefined) {
    if (serialNumber === undefined || tokenCode === undefined) {
      throw accessDenied(
        'MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.',
      );
    }
    if (!/^\d{6}$/.test(tokenCode)) {
      throw new ServiceError(
        'ValidationError',
        `1 validation error detected: Value at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]*`,
      );
    }
    // MFA devices belong to IAM users and the root user; a role session has none to verify with.
    const verified =
      principal.session?.role === undefined &&
      (await services.mfaDevices.verify({
        accountId: principal.accountId,
        userName: principal.userName,
        serialNumber,
        code: tokenCode,
        nowMs,
      }));
    if (!verified)
      throw accessDenied('MultiFactorAuthentication failed with invalid MFA one time pass code. ');
    return nowMs;
  }
  return undefined;
}

export async function getSessionToken(
  input: Record<string, unknown>,
  caller: AuthenticatedCall,
  nowMs: number,
  services: StsServices,
): Promise<Record<string, unknown>> {
  if (caller.principal.session) throw accessDenied('Cannot call GetSessionToken with session credentials');
  // The query protocol may hand the integer over as its text.
  const raw = input.DurationSeconds;
  const durationText =
    raw === undefined ? undefined : typeof raw === 'number' || typeof raw === 'string' ? String(raw) : '';
  const durationS = durationText === undefined ? SESSION_DURATION.default : Number(durationText);
  if (!Number.isInteger(durationS) || durationS < SESSION_DURATION.min || durationS > SESSION_DURATION.max) {
    throw new ServiceError(
      'ValidationError',
      `1 validation error detected: Value '${durationText ?? ''}' at 'durationSeconds' failed to satisfy constraint: Member must have value ${durationS < SESSION_DURATION.min ? `greater than or equal to ${SESSION_DURATION.min}` : `less than or equal to ${SESSION_DURATION.max}`}`,
    );
  }
  const mfaAuthenticatedMs = await verifyMfaCode(input, caller.principal, nowMs, services);
  // "Sessions for AWS account owners are restricted to a maximum of 3,600 seconds (one hour). If
  // the duration is longer than one hour, the session for AWS account owners defaults to one hour."
  const sessionS = isRootPrincipal(caller.principal)
    ? Math.min(durationS, SESSION_DURATION.rootMax)
    : durationS;
  const credentials = services.sessions.issue(caller.principal, {
    nowMs,
    durationS: sessionS,
    ...(mfaAuthenticatedMs !== undefined ? { mfaAuthenticatedMs } : {}),
  });
  return {
    Credentials: {
      AccessKeyId: credentials.accessKeyId,
      SecretAccessKey: credentials.secretAccessKey,
      SessionToken: credentials.sessionToken,
      Expiration: new Date(credentials.expiresMs),
    },
  };
}
