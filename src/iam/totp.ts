/**
 * Virtual MFA codes: TOTP (RFC 6238) as AWS's virtual MFA devices use it — a 160-bit seed, six
 * digits, 30-second steps, SHA-1 — through otplib with node:crypto. A code is accepted for the
 * step it was made in and the one before or after (a phone's clock drifts), and never twice: a
 * verified step is remembered and no code of it or an earlier step passes again.
 */
import { randomBytes } from 'node:crypto';
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { generateSync, verifySync } from '@otplib/totp';
import { base32 } from '@scure/base';

const crypto = new NodeCryptoPlugin();
export const TOTP_PERIOD_S = 30;
/** AWS's seeds are 20 bytes, shown as 32 Base32 characters. */
export const MFA_SEED_BYTES = 20;

export function newMfaSeed(): Uint8Array {
  return new Uint8Array(randomBytes(MFA_SEED_BYTES));
}

/** The seed as CreateVirtualMFADevice's Base32StringSeed gives it (RFC 4648 Base32, no padding). */
export function base32Seed(seed: Uint8Array): string {
  return base32.encode(seed).replace(/=+$/, '');
}

/** The code a device shows at `nowMs`. */
export function totpCode(seed: Uint8Array, nowMs: number): string {
  return generateSync({ secret: seed, crypto, epoch: Math.floor(nowMs / 1000) });
}

/**
 * The time step `code` belongs to, when it is the device's code for the step of `nowMs` or an
 * adjacent one and comes after `afterTimeStep`; otherwise undefined.
 */
export function verifyTotp(
  seed: Uint8Array,
  code: string,
  nowMs: number,
  afterTimeStep?: number,
): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const result = verifySync({
    secret: seed,
    token: code,
    crypto,
    epoch: Math.floor(nowMs / 1000),
    epochTolerance: TOTP_PERIOD_S,
    ...(afterTimeStep !== undefined ? { afterTimeStep } : {}),
  });
  return result.valid ? result.timeStep : undefined;
}

/** The otpauth:// URI authenticator apps read from a QR code (Key Uri Format). */
export function otpauthUri(seed: Uint8Array, label: string, issuer = 'Amazon Web Services'): string {
  const name = encodeURIComponent(`${issuer}:${label}`);
  return `otpauth://totp/${name}?secret=${base32Seed(seed)}&issuer=${encodeURIComponent(issuer)}`;
}
